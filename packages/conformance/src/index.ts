/**
 * @foliox/conformance: the backend conformance suite — cases as data, the cross-backend
 * runner, the movers (foliox and seed-literal) and a vitest adapter.
 */
export * from "./types.js";
export * from "./check.js";
export * from "./state.js";
export * from "./movers.js";
export * from "./context.js";
export * from "./runner.js";
export * from "./vitest.js";
export { CONFORMANCE_CASES } from "./cases/index.js";
export { SEED_DEFECTS, SEED_LITERAL_QUIRKS, seedLiteralQuirks, type SeedDefect } from "./seed-literal.js";
export { NO_QUIRKS, exchangeQuirks, type ExchangeQuirks } from "@foliox/core";
export type { ConformanceFixture, FixtureFolio, FixtureFolioOptions, FixtureState } from "@foliox/core";
