/**
 * @foliox/tiering/plugin: the versioned surface (API_VERSION 1) for a plugin that adds tiering
 * stack parts, presets or workloads — definePlugin typed with the stack-part interfaces, the
 * context the engine hands the parts, and the helpers the built-in parts are made of. A stack
 * plugin needs nothing of the backends' side; docs/composing-a-stack.md walks through one.
 *
 *   import { definePlugin } from "@foliox/tiering/plugin";
 *   export default definePlugin({
 *     name: "my-stack", apiVersion: 1,   // the API it was written for, a literal
 *     stackParts: { placements: { "my-policy": (options) => new MyPolicy(options) } },
 *     presets: [{ name: "mine", extends: "memtis", placement: "my-policy" }],
 *   });
 */
import { definePlugin as defineAnyPlugin, type FolioxPlugin, type PluginDefinition } from "@foliox/core/plugin";
import type { TraceFormatDefinition } from "@foliox/trace";
import type { StackDefinition, TieringStackParts } from "./stack/extend.js";
import type { NamedScenarioInput } from "./scenario/catalog.js";

export { API_VERSION, PluginError, isFolioxPlugin, checkPluginApiVersion, type PartFactory, type Kernel } from "@foliox/core/plugin";
export { PG_active, PG_referenced, PG_swapbacked } from "@foliox/core/plugin";

/** A plugin's definition with its tiering parts typed. */
export type TieringPluginDefinition = PluginDefinition<TieringStackParts, StackDefinition, NamedScenarioInput, TraceFormatDefinition>;
export type TieringPlugin = FolioxPlugin<TieringStackParts, StackDefinition, NamedScenarioInput, TraceFormatDefinition>;

/** core's definePlugin, typed for stack parts, presets, workloads and trace formats. */
export function definePlugin(def: TieringPluginDefinition): TieringPlugin {
  return defineAnyPlugin(def);
}

// --- the stack-part interfaces and what the engine hands them
export type { Sampler, HotnessModel, PlacementPolicy, Mover, RateLimiter, MovePlan, TieringContext, MemoryCounters } from "./stack/types.js";
export type { StackConfig, PartRef } from "./stack/stack.js";
export type { StackDefinition, TieringStackParts } from "./stack/extend.js";
export type { ScenarioInput } from "./scenario/schema.js";
export type { NamedScenarioInput } from "./scenario/catalog.js";
export type { TraceFormatDefinition } from "@foliox/trace";
export { STACK_NAMES } from "./scenario/stacks.js";

// --- what the built-in parts are made of
export { forEachLruFolio, roomAboveHigh } from "./stack/folios.js";
export { migrateMove, exchangeMove } from "./stack/movers.js";
export { folioReferenced } from "@foliox/core";
