/**
 * @foliox/tiering: the tiering simulator on top of the kernel model — the engine and its cost
 * model, the drivers of the kernel's background actors, stack parts and presets, workloads,
 * scenarios and config loading.
 */
import "reflect-metadata";

export * from "./sim/access-batch.js";
export * from "./sim/costs.js";
export * from "./sim/llc.js";
export * from "./sim/move-cost.js";
export * from "./sim/metrics.js";
export * from "./sim/engine.js";
export * from "./sim/pressure.js";
export * from "./stack/types.js";
export * from "./stack/tokens.js";
export * from "./stack/folios.js";
export * from "./stack/samplers.js";
export * from "./stack/hotness.js";
export * from "./stack/placement.js";
export * from "./stack/movers.js";
export * from "./stack/rate-limit.js";
export * from "./stack/oracle.js";
export * from "./stack/presets.js";
export * from "./stack/stack.js";
export * from "./workload/index.js";
export * from "./scenario/index.js";
export * from "./sweep/index.js";
export * from "./did-you-mean.js";
export * from "./stack/extend.js";
export * from "./plugins.js";
