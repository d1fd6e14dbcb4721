/**
 * Stack names a scenario may name. The tiering engine (core/src/tiering) owns the presets; this
 * list mirrors the presets so that configs are checked before a run starts.
 */
export const STACK_NAMES = ["linux-default", "numab2", "tpp", "memtis", "nimble", "exchange", "oracle"] as const;
export type StackName = (typeof STACK_NAMES)[number];
