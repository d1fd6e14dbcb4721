export const FOLIOX_VERSION = "0.0.0";
