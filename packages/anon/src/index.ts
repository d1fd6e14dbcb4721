export const ANON_PACKAGE = "@foliox/anon";
