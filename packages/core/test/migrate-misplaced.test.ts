import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { EAGAIN } from "../src/kernel/errno.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_THISNODE } from "../src/mm/gfp.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { PG_lru } from "../src/mm/page-flags.js";
import { folioPut } from "../src/mm/swap.js";
import {
  NR_ISOLATED_ANON,
  NUMA_PAGE_MIGRATE,
  PGMIGRATE_FAIL,
  PGPROMOTE_SUCCESS,
  THP_MIGRATION_FAIL,
  THP_MIGRATION_SUCCESS,
  THP_SPLIT_PAGE,
} from "../src/mm/vmstat.js";
import { migrateBalancedPgdat, migrateMisplacedFolio, migrateMisplacedFolioPrepare } from "../src/migrate/migrate-misplaced.js";
import { makeSystem } from "./helpers.js";
import { expectRegionData, fillNode, populatedRegion, regionFolios, releasePages, type Region } from "./migrate-helpers.js";

function quiet(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

/** do_numa_page()'s two calls: prepare, then migrate. */
function numaMigrate(k: Kernel, r: Region, head: number, node: number): number {
  const vma = r.mm.vmaLookup(r.addr)!;
  const rc = migrateMisplacedFolioPrepare(k, head, vma, node);
  if (rc) return rc;
  return migrateMisplacedFolio(k, head, vma, node);
}

/** Leave node `nid` with plenty of free pages but no free block of order > 0. */
function fragmentNode(k: Kernel, nid: number): number[] {
  const gfp = (GFP_HIGHUSER_MOVABLE & ~__GFP_DIRECT_RECLAIM) | __GFP_HIGH | __GFP_THISNODE;
  const all: number[] = [];
  for (let p = k.alloc.allocPages(gfp, 0, nid); p >= 0; p = k.alloc.allocPages(gfp, 0, nid)) all.push(p);
  const held: number[] = [];
  all.forEach((p) => ((p & 1) === 0 ? folioPut(k, p) : held.push(p)));
  return held;
}

describe("migrate_misplaced_folio (NUMA balancing)", () => {
  it("promotes a slow-tier folio: numa_pages_migrated and pgpromote_success on the target node", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 1, 4);
    const [head] = regionFolios(k, r);
    expect(k.folioNid(head!)).toBe(1);
    expect(numaMigrate(k, r, head!, 0)).toBe(0);
    expect(k.vmstat.event(NUMA_PAGE_MIGRATE)).toBe(1);
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBe(1);
    expect(k.vmstat.nodePage(0, NR_ISOLATED_ANON) + k.vmstat.nodePage(1, NR_ISOLATED_ANON)).toBe(0);
    expect(regionFolios(k, r).map((h) => k.folioNid(h))).toEqual([0, 1, 1, 1]);
    expectRegionData(k, r);
    quiet(k);
  });

  it("a demotion-direction move is not a promotion", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 1);
    const [head] = regionFolios(k, r);
    expect(numaMigrate(k, r, head!, 1)).toBe(0);
    expect(k.vmstat.event(NUMA_PAGE_MIGRATE)).toBe(1);
    expect(k.vmstat.nodePage(1, PGPROMOTE_SUCCESS)).toBe(0);
    quiet(k);
  });

  it("a full top tier refuses before isolating, and wakes kswapd there in tiering mode", () => {
    for (const [mode, wakeups] of [
      [3, 1],
      [1, 0],
    ]) {
      const k = makeSystem({ numaBalancingMode: mode });
      const r = populatedRegion(k, 1, 1);
      const [head] = regionFolios(k, r);
      const held = fillNode(k, 0);
      expect(migrateBalancedPgdat(k, 0, 1)).toBe(false);
      const before = k.alloc.kswapdWakeups[0]!;
      expect(numaMigrate(k, r, head!, 0)).toBe(-EAGAIN);
      expect(k.alloc.kswapdWakeups[0]! - before).toBe(wakeups);
      expect(k.mem.testFlag(head!, PG_lru)).toBe(true);
      expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBe(0);
      quiet(k);
      releasePages(k, held);
    }
  });

  it("moves a large folio whole, and never splits it when no large destination exists", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 1, 512, 9);
    const [head] = regionFolios(k, r);
    expect(k.mem.order[head!]).toBe(9);
    expect(numaMigrate(k, r, head!, 0)).toBe(0);
    expect(k.vmstat.event(THP_MIGRATION_SUCCESS)).toBe(1);
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBe(512);
    quiet(k);

    // Back on the slow tier, then fragment the top tier: room, but no order-9 block.
    const k2 = makeSystem();
    const r2 = populatedRegion(k2, 1, 512, 9);
    const [h2] = regionFolios(k2, r2);
    const held = fragmentNode(k2, 0);
    expect(migrateBalancedPgdat(k2, 0, 512)).toBe(true);
    expect(numaMigrate(k2, r2, h2!, 0)).toBe(-EAGAIN);
    expect(k2.mem.order[h2!]).toBe(9);
    expect(regionFolios(k2, r2)).toEqual([h2]);
    expect(k2.vmstat.event(THP_SPLIT_PAGE)).toBe(0);
    expect(k2.vmstat.event(THP_MIGRATION_FAIL)).toBe(1);
    expect(k2.vmstat.event(PGMIGRATE_FAIL)).toBe(512);
    expect(k2.vmstat.event(NUMA_PAGE_MIGRATE)).toBe(0);
    quiet(k2);
    releasePages(k2, held);
  });

  it("-EAGAIN for a folio that is not on an LRU", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 1, 1);
    const [head] = regionFolios(k, r);
    expect(k.lru.folioIsolateLru(head!)).toBe(true);
    expect(migrateMisplacedFolioPrepare(k, head!, r.mm.vmaLookup(r.addr)!, 0)).toBe(-EAGAIN);
    k.lru.folioAddLru(head!);
    folioPut(k, head!);
    quiet(k);
  });
});
