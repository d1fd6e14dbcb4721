export * from "./stacks.js";
export * from "./schema.js";
export * from "./builtin.js";
export * from "./config-error.js";
export * from "./load.js";
export * from "./setup.js";
export * from "./catalog.js";
export * from "./stack-schema.js";
