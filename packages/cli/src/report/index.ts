export * from "./assets.js";
export * from "./data.js";
export * from "./html.js";
