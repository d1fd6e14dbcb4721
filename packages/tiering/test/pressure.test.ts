import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { ENOMEM } from "@foliox/core";
import { folioExchange } from "@foliox/core";
import { migratePages } from "@foliox/core";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_NUMA_MISPLACED } from "@foliox/core";
import { allocMisplacedDstFolio } from "@foliox/core";
import { isolateFolioForMigration, putbackMovablePages } from "@foliox/core";
import { GFP_HIGHUSER_MOVABLE, GFP_TRANSHUGE_LIGHT, __GFP_NOMEMALLOC, __GFP_NORETRY, __GFP_NOWARN, __GFP_RECLAIM, __GFP_THISNODE } from "@foliox/core";
import { checkIntegrity } from "@foliox/core";
import { checkInvariants } from "@foliox/core";
import { WMARK_MIN } from "@foliox/core";
import { _PAGE_ACCESSED, ptePresent } from "@foliox/core";
import { NR_ISOLATED_ANON, PGMIGRATE_FAIL } from "@foliox/core";
import { buildPressureScenario, nodePressure } from "../src/sim/pressure.js";
import { folioWalkStart } from "@foliox/core";
import { MiB, makeSystem, pteAt } from "./helpers.js";

const NUMA_PROMOTION_GFP = (__GFP_THISNODE | GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM;

function healthy(k: ReturnType<typeof makeSystem>): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

describe("buildPressureScenario", () => {
  for (const order of [0, 9]) {
    it(`order ${order}: both nodes end at their min watermark, and THISNODE allocations without reclaim fail on each`, () => {
      const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
      const s = buildPressureScenario(k, { order });
      expect(k.folioNid(s.hot.head)).toBe(1);
      expect(k.folioNid(s.cold.head)).toBe(0);
      expect(k.mem.order[s.hot.head]).toBe(order);
      expect(k.mem.order[s.cold.head]).toBe(order);
      expect(folioWalkStart(k, s.hot.task.mm!, s.hot.addr)).toBe(s.hot.head);
      expect(folioWalkStart(k, s.cold.task.mm!, s.cold.addr)).toBe(s.cold.head);
      expect(s.reclaimFailed).toBe(true);
      for (const nid of [0, 1]) {
        const p = nodePressure(k, nid);
        expect(p.full).toBe(true);
        for (const z of p.zones) {
          expect(z.allocatable).toBe(false);
          // Filled one page at a time through the min-watermark slow path: exactly at min.
          expect(z.free).toBe(z.min);
          expect(z.free).toBeLessThanOrEqual(k.alloc.wmarkPages(k.topo.zones.find((zz) => zz.idx === z.idx)!, WMARK_MIN) + z.lowmemReserve);
        }
        const calls = k.alloc.nrAllocCalls;
        expect(k.alloc.allocPages(NUMA_PROMOTION_GFP, 0, nid)).toBe(-1);
        expect(k.alloc.allocPages(__GFP_THISNODE | GFP_TRANSHUGE_LIGHT, 9, nid)).toBe(-1);
        // Even with reclaim allowed nothing comes back: nothing is reclaimable, there is no swap.
        expect(k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, nid)).toBe(-1);
        expect(k.alloc.nrAllocCalls).toBe(calls + 3);
      }
      expect(allocMisplacedDstFolio(k, s.hot.head, 0)).toBe(-1);
      healthy(k);
    });
  }

  it("makes the hot folio young and the cold folio old", () => {
    const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
    const s = buildPressureScenario(k, { order: 0 });
    const hotPte = pteAt(k, s.hot.task.mm!, s.hot.addr);
    const coldPte = pteAt(k, s.cold.task.mm!, s.cold.addr);
    expect(ptePresent(hotPte) && (hotPte & _PAGE_ACCESSED) !== 0).toBe(true);
    expect(ptePresent(coldPte) && (coldPte & _PAGE_ACCESSED) === 0).toBe(true);
  });

  it("is deterministic for a seed, and the seed picks the folios", () => {
    const pick = (seed: number) => {
      const s = buildPressureScenario(makeSystem({ memory: [16 * MiB, 16 * MiB], seed }));
      return [s.hot.head, s.cold.head, ...s.filled];
    };
    expect(pick(7)).toEqual(pick(7));
    const seen = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => pick(seed).join(",")));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("says what to change when the options cannot work", () => {
    const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
    expect(() => buildPressureScenario(k, { order: 10 })).toThrow(/order must be an integer in 0..9/);
    expect(() => buildPressureScenario(k, { order: 9, hotPages: 100 })).toThrow(/multiple of 512/);
    expect(() => buildPressureScenario(k, { slowNid: 5 })).toThrow(/node 5 does not exist/);
  });

  for (const order of [0, 9]) {
    it(`order ${order}: the NUMA promotion fails with -ENOMEM and leaves the system consistent; the exchange succeeds with no allocation`, () => {
      const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
      const s = buildPressureScenario(k, { order });
      const from = k.lists.alloc();
      expect(isolateFolioForMigration(k, s.hot.head, from)).toBe(true);
      expect(k.vmstat.nodePage(1, NR_ISOLATED_ANON)).toBe(1 << order);
      const calls = k.alloc.nrAllocCalls;
      const rc = migratePages(k, from, allocMisplacedDstFolio, null, 0, MIGRATE_ASYNC, MR_NUMA_MISPLACED);
      expect(rc).toBe(-ENOMEM);
      expect(k.alloc.nrAllocCalls).toBe(calls + 1);
      expect(k.vmstat.event(PGMIGRATE_FAIL)).toBe(1 << order);
      expect(from.toArray()).toEqual([s.hot.head]);
      putbackMovablePages(k, from);
      from.release();
      expect(k.vmstat.nodePage(1, NR_ISOLATED_ANON)).toBe(0);
      healthy(k);

      const before = k.alloc.nrAllocCalls;
      expect(folioExchange(k, s.hot.head, s.cold.head, MIGRATE_SYNC)).toBe(0);
      expect(k.alloc.nrAllocCalls).toBe(before);
      expect(k.folioNid(folioWalkStart(k, s.hot.task.mm!, s.hot.addr))).toBe(0);
      expect(k.folioNid(folioWalkStart(k, s.cold.task.mm!, s.cold.addr))).toBe(1);
      healthy(k);
    });
  }
});
