/**
 * DI tokens of a tiering stack's parts (Symbol.for("@foliox/core:…"), as core/src/tokens.ts).
 * createStack() registers one implementation of each in a child container and resolves a
 * TieringStack from it; registerTiering() registers the registry of named implementations and
 * presets, which other packages may extend.
 */
import type { InjectionToken } from "tsyringe";

function token<T>(name: string): InjectionToken<T> {
  return Symbol.for(`@foliox/core:${name}`) as InjectionToken<T>;
}

export const SAMPLER = token<import("./types.js").Sampler>("Sampler");
export const HOTNESS_MODEL = token<import("./types.js").HotnessModel>("HotnessModel");
export const PLACEMENT_POLICY = token<import("./types.js").PlacementPolicy>("PlacementPolicy");
export const MOVER = token<import("./types.js").Mover>("Mover");
export const RATE_LIMITER = token<import("./types.js").RateLimiter>("RateLimiter");
export const STACK_CONFIG = token<import("./stack.js").StackConfig>("StackConfig");
export const TIERING_REGISTRY = token<import("./stack.js").TieringRegistry>("TieringRegistry");
