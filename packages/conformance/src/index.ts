/**
 * @foliox/conformance: the backend conformance suite — cases as data, the cross-backend
 * runner, the movers (foliox and seed-literal, a subclass of foliox's exchange template) and a
 * vitest adapter.
 */
export * from "./types.js";
export * from "./check.js";
export * from "./state.js";
export * from "./movers.js";
export * from "./context.js";
export * from "./runner.js";
export * from "./vitest.js";
export { CONFORMANCE_CASES } from "./cases/index.js";
export { SEED_DEFECTS, type SeedDefect } from "./seed-literal.js";
export { SeedLiteralExchange, SeedLiteralExchangeFolios } from "./seed-literal-exchange.js";
export type { ConformanceFixture, FixtureFolio, FixtureFolioOptions, FixtureState } from "@foliox/core";
