import { describe, expect, it } from "vitest";
import { NIMBLE_COST_MODEL, copySpeedup, exchangeCostNs, migrationCostNs } from "../src/sim/move-cost.js";

describe("move cost model", () => {
  const m = NIMBLE_COST_MODEL;
  it("reproduces the Nimble RFC's 4 KiB migration figures it was fitted to", () => {
    expect(migrationCostNs(m, 1, 0, false) / 1000).toBeCloseTo(13, 0);
    expect(migrationCostNs(m, 1, 0, true) / 1000).toBeCloseTo(4.8, 0);
  });
  it("gives the seed's 2/4/8-worker speed-ups, 4.5x at 8 workers as in Nimble's THP figures", () => {
    expect(copySpeedup(m, 1)).toBe(1);
    expect(copySpeedup(m, 2)).toBeGreaterThan(1.7);
    expect(copySpeedup(m, 4)).toBeGreaterThan(copySpeedup(m, 2));
    expect(copySpeedup(m, 8)).toBeCloseTo(4.5, 1);
  });
  it("makes the seed's per-page hand-offs outweigh the copy; one share per worker pays off for 2 MiB", () => {
    expect(exchangeCostNs(m, 1, 2, true, 8)).toBeGreaterThan(exchangeCostNs(m, 1, 2, true, 1));
    expect(exchangeCostNs(m, 512, 2, true, 8, "per-page")).toBeGreaterThan(exchangeCostNs(m, 512, 2, true, 1));
    expect(exchangeCostNs(m, 512, 2, true, 8, "per-folio")).toBeLessThan(exchangeCostNs(m, 512, 2, true, 1));
  });
  it("costs an exchange below two one-way migrations of the same folios", () => {
    for (const nr of [1, 512]) {
      for (const batched of [false, true]) {
        expect(exchangeCostNs(m, nr, 2, batched)).toBeLessThan(2 * migrationCostNs(m, nr, 1, batched));
      }
    }
  });
});
