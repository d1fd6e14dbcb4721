import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { createProcess } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { doMmap } from "../src/mm/mmap.js";
import { WMARK_HIGH, WMARK_LOW, WMARK_PROMO } from "../src/mm/page-alloc.js";
import { folioPut } from "../src/mm/swap.js";
import type { TopologySpec } from "../src/mm/topology.js";
import { installVmscan, kswapdMark, pgdatBalanced, runPendingKswapd } from "../src/reclaim/vmscan.js";
import { PGDEMOTE_DIRECT, PGDEMOTE_KSWAPD } from "../src/mm/vmstat.js";
import { MiB, PAGE, makeSystem } from "./helpers.js";
import { fillNode } from "./migrate-helpers.js";

function quiet(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

/** A process on node 0 writing pages until node 0's free pages fall below its low watermark. */
function fillFastWithProcess(k: Kernel, extra = 64): { pages: number } {
  const t = createProcess(k, { nid: 0 });
  const zone = k.topo.nodes[0]!.zones[0]!;
  const n = k.alloc.zoneFreePages(zone) - k.alloc.wmarkPages(zone, WMARK_LOW) + extra;
  const addr = doMmap(k, t.mm!, n * PAGE);
  for (let i = 0; i < n; i++) expect(accessVirtual(k, t.mm!, addr + i * PAGE, true)).toBe(ACCESS_OK);
  // The fault's fast path falls back to the next node at the low watermark without waking
  // kswapd (page-alloc.ts); wake it as a failed promotion or a slow-path allocation would.
  k.alloc.wakeupKswapd(0, 0, GFP_HIGHUSER_MOVABLE);
  return { pages: n };
}

describe("kswapd with demotion (reclaim/vmscan.ts)", () => {
  for (const mode of [3, 1]) {
    it(`demotes when the fast node is below its watermark and stops once balanced (numa_balancing=${mode})`, () => {
      const k = makeSystem({ memory: [16 * MiB, 16 * MiB], numaBalancingMode: mode });
      installVmscan(k);
      fillFastWithProcess(k);
      const zone = k.topo.nodes[0]!.zones[0]!;
      const mark = kswapdMark(k, 0, zone.idx);
      expect(mark).toBe(k.alloc.wmarkPages(zone, mode & 2 ? WMARK_PROMO : WMARK_HIGH));
      const freeBefore = k.alloc.zoneFreePages(zone);
      expect(freeBefore).toBeLessThanOrEqual(k.alloc.wmarkPages(zone, WMARK_LOW));
      expect(pgdatBalanced(k, 0, 0, 1)).toBe(false);
      expect(k.alloc.kswapdPending[0]).toBe(1);
      const reclaimed = runPendingKswapd(k);
      expect(reclaimed).toBeGreaterThan(0);
      expect(k.vmstat.nodePage(0, PGDEMOTE_KSWAPD)).toBe(reclaimed);
      expect(k.alloc.kswapdPending[0]).toBe(0);
      const freeAfter = k.alloc.zoneFreePages(zone);
      expect(freeAfter).toBeGreaterThan(mark);
      expect(pgdatBalanced(k, 0, 0, 1)).toBe(true);
      // it stopped near the mark: no more than a scan batch beyond it
      expect(freeAfter - mark).toBeLessThan(256);
      // a second run finds the node balanced and does nothing
      k.alloc.kswapdPending[0] = 1;
      expect(runPendingKswapd(k)).toBe(0);
      quiet(k);
    });
  }

  it("without demotion (linux-default) and without swap, reclaim frees nothing and the folios are activated", () => {
    const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
    const v = installVmscan(k, { demotionEnabled: false });
    fillFastWithProcess(k);
    expect(runPendingKswapd(k)).toBe(0);
    expect(k.vmstat.nodePage(0, PGDEMOTE_KSWAPD)).toBe(0);
    expect(v.kswapdFailures[0]).toBe(1);
    quiet(k);
  });

  it("demotion falls back to another lower-tier node when the preferred target is full", () => {
    const perfDram = { readLatencyNs: 90, writeLatencyNs: 90, readBandwidthGBps: 38.4, writeBandwidthGBps: 38.4 };
    const perfCxl = { readLatencyNs: 220, writeLatencyNs: 220, readBandwidthGBps: 32, writeBandwidthGBps: 32 };
    const spec: TopologySpec = {
      name: "dram-2cxl",
      nodes: [
        { name: "DRAM", memory: 16 * MiB, cpus: true, zone: "Normal", perf: perfDram, adistance: 576, source: "test" },
        { name: "CXL0", memory: 16 * MiB, cpus: false, zone: "Movable", perf: perfCxl, source: "test" },
        { name: "CXL1", memory: 16 * MiB, cpus: false, zone: "Movable", perf: perfCxl, source: "test" },
      ],
      distance: [
        [10, 20, 30],
        [20, 10, 30],
        [30, 30, 10],
      ],
    };
    const k = makeSystem({ topology: spec });
    expect(k.tiers.preferred[0]).toEqual([1]);
    expect(k.tiers.lowerTierMask(0)).toEqual([1, 2]);
    installVmscan(k);
    const held = fillNode(k, 1);
    fillFastWithProcess(k);
    const before = k.vmstat.nodePage(2, 0) + k.vmstat.nodePage(2, 1);
    const reclaimed = runPendingKswapd(k);
    expect(reclaimed).toBeGreaterThan(0);
    // every demoted folio went to node 2: inactive/active anon grew there by exactly that
    const after = k.vmstat.nodePage(2, 0) + k.vmstat.nodePage(2, 1);
    expect(after - before).toBe(reclaimed);
    quiet(k);
    for (const p of held) folioPut(k, p);
  });

  it("direct reclaim demotes too (pgdemote_direct)", () => {
    const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
    installVmscan(k);
    fillFastWithProcess(k);
    const held = fillNode(k, 0);
    const page = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0, 0);
    expect(page).toBeGreaterThanOrEqual(0);
    expect(k.vmstat.nodePage(0, PGDEMOTE_DIRECT)).toBeGreaterThan(0);
    expect(k.vmstat.nodePage(0, PGDEMOTE_KSWAPD)).toBe(0);
    folioPut(k, page);
    for (const p of held) folioPut(k, p);
    quiet(k);
  });
});
