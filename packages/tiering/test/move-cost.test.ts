/**
 * The move costs of the cost table: calibrated to the Nimble RFC's batched 4 KiB figures, and
 * the seed's worker speed-ups.
 */
import { describe, expect, it } from "vitest";
import { defaultCosts, NIMBLE_RFC_GBPS } from "../src/sim/costs.js";
import { copySpeedup, exchangeCostNs, migrationCostNs } from "../src/sim/move-cost.js";

describe("move cost model", () => {
  const c = defaultCosts();
  it("a batched 4 KiB migration runs at Nimble's 0.854 GB/s and a batched 4 KiB exchange at 1.271 GB/s", () => {
    expect(4096 / migrationCostNs(c, 1, 1, true)).toBeCloseTo(NIMBLE_RFC_GBPS.migrate4kBatched, 3);
    expect(4096 / exchangeCostNs(c, 1, 2, true)).toBeCloseTo(NIMBLE_RFC_GBPS.exchange4kBatched, 3);
  });
  it("an unbatched 4 KiB migration runs at 0.312 GB/s, a THP exchange with one thread at 4.135 GB/s", () => {
    expect(4096 / migrationCostNs(c, 1, 1, false)).toBeCloseTo(NIMBLE_RFC_GBPS.migrate4kSingle, 3);
    expect((512 * 4096) / exchangeCostNs(c, 512, 2, false)).toBeCloseTo(NIMBLE_RFC_GBPS.exchangeThpSingle, 2);
  });
  it("a shared folio pays a TLB shootdown per mapping beyond the first", () => {
    expect(migrationCostNs(c, 1, 3, true) - migrationCostNs(c, 1, 1, true)).toBeCloseTo(2 * c.tlbShootdownNs, 6);
    expect(exchangeCostNs(c, 1, 4, true) - exchangeCostNs(c, 1, 2, true)).toBeCloseTo(2 * c.tlbShootdownNs, 6);
  });
  it("gives the seed's 2/4/8-worker speed-ups, 3.6x at 8 workers as Nimble's copy-only THP figures", () => {
    expect(copySpeedup(c, 1)).toBe(1);
    expect(copySpeedup(c, 2)).toBeGreaterThan(1.6);
    expect(copySpeedup(c, 4)).toBeGreaterThan(copySpeedup(c, 2));
    expect(copySpeedup(c, 8)).toBeCloseTo(NIMBLE_RFC_GBPS.migrateCopyThp8Threads / NIMBLE_RFC_GBPS.migrateCopyThp, 1);
  });
  it("makes the seed's per-page hand-offs outweigh the copy; one share per worker pays off for 2 MiB", () => {
    expect(exchangeCostNs(c, 1, 2, true, 8)).toBeGreaterThan(exchangeCostNs(c, 1, 2, true, 1));
    expect(exchangeCostNs(c, 512, 2, true, 8, "per-page")).toBeGreaterThan(exchangeCostNs(c, 512, 2, true, 1));
    expect(exchangeCostNs(c, 512, 2, true, 8, "per-folio")).toBeLessThan(exchangeCostNs(c, 512, 2, true, 1));
  });
});
