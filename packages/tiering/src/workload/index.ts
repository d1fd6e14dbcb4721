export * from "./region.js";
export * from "./size.js";
export * from "./spec.js";
export * from "./zipf.js";
export * from "./pattern.js";
export * from "./workload.js";
