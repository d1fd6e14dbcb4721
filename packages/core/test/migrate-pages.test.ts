import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { KernelBug } from "../src/kernel/bug.js";
import { ENOMEM } from "../src/kernel/errno.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import type { FolioList } from "../src/mm/list.js";
import { ACCESS_BLOCKED, ACCESS_OK, accessVirtual, migrationWaitDone } from "../src/mm/memory.js";
import { doMunmap } from "../src/mm/mmap.js";
import { PG_anon_exclusive, PG_locked, PG_swapbacked, PG_uptodate, PG_writeback } from "../src/mm/page-flags.js";
import { isMigrationEntry, pteWrite } from "../src/mm/pgtable.js";
import {
  NR_ISOLATED_ANON,
  PGMIGRATE_FAIL,
  PGMIGRATE_SUCCESS,
  THP_MIGRATION_FAIL,
  THP_MIGRATION_SPLIT,
  THP_MIGRATION_SUCCESS,
  THP_SPLIT_PAGE,
} from "../src/mm/vmstat.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MIGRATE_SYNC_LIGHT, MR_NUMA_MISPLACED, MR_SYSCALL, type MigrateMode } from "../src/migrate/migrate-mode.js";
import {
  MigrateBatch,
  MigratePagesStats,
  NR_MAX_MIGRATE_ASYNC_RETRY,
  NR_MAX_MIGRATE_PAGES_RETRY,
  NR_MAX_MIGRATE_SYNC_RETRY,
  migratePagesBatch,
} from "../src/migrate/migrate-pages-batch.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { allocMigrationTarget, allocMigrationTargetCb, allocMisplacedDstFolio, type MigrationTargetControl } from "../src/migrate/migration-target.js";
import { putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { PAGE, frameAt, makeSystem, pteAt } from "./helpers.js";
import { expectRegionData, fillNode, isolateRegion, pfnAt, populatedRegion, regionFolios, releasePages, type Region } from "./migrate-helpers.js";

const toNode = (nid: number): MigrationTargetControl => ({ nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });

function ev(k: Kernel, item: number): number {
  return k.vmstat.event(item);
}

function isolated(k: Kernel): number {
  return k.vmstat.nodePage(0, NR_ISOLATED_ANON) + k.vmstat.nodePage(1, NR_ISOLATED_ANON);
}

/** After a call: the caller's put back, and the whole model is consistent and quiescent. */
function settle(k: Kernel, list: FolioList): void {
  putbackMovablePages(k, list);
  list.release();
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

/** A getNewFolio that counts its calls and can be told to fail. */
function countingTarget(nid: number, fail: (k: Kernel, src: number, call: number) => boolean = () => false) {
  const c = {
    calls: 0,
    fn: (k: Kernel, src: number, _priv: unknown): number => {
      c.calls++;
      if (fail(k, src, c.calls)) return -1;
      return allocMigrationTarget(k, src, toNode(nid));
    },
  };
  return c;
}

describe("migratePages: order-0 anon folios", () => {
  for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC] as MigrateMode[]) {
    it(`moves data, mappings and state to the target node (mode ${mode})`, () => {
      // Bytes mode once: checkIntegrity() then compares every byte of every page.
      const k = makeSystem({ bytes: mode === MIGRATE_SYNC });
      const r = populatedRegion(k, 0, 16);
      const before = regionFolios(k, r);
      expect(before.every((h) => k.folioNid(h) === 0)).toBe(true);
      const free0 = k.alloc.nodeFreePages(0);
      const free1 = k.alloc.nodeFreePages(1);
      const list = isolateRegion(k, r);
      expect(isolated(k)).toBe(16);
      const succeeded = { value: -1 };
      const rc = migratePages(k, list, allocMigrationTargetCb, null, toNode(1), mode, MR_SYSCALL, succeeded);
      expect(rc).toBe(0);
      expect(succeeded.value).toBe(16);
      expect(list.isEmpty()).toBe(true);
      expect(isolated(k)).toBe(0);
      expect(ev(k, PGMIGRATE_SUCCESS)).toBe(16);
      expect(ev(k, PGMIGRATE_FAIL)).toBe(0);
      // Old frames freed, new ones taken.
      expect(k.alloc.nodeFreePages(0)).toBe(free0 + 16);
      expect(k.alloc.nodeFreePages(1)).toBe(free1 - 16);
      const after = regionFolios(k, r);
      expect(after.every((h) => k.folioNid(h) === 1)).toBe(true);
      for (const h of after) {
        expect(k.mem.testFlag(h, PG_uptodate)).toBe(true);
        expect(k.mem.testFlag(h, PG_swapbacked)).toBe(true);
        // Exclusive and writable again: the migration entry carried it.
        expect(k.mem.testFlag(h, PG_anon_exclusive)).toBe(true);
      }
      for (let i = 0; i < 16; i++) expect(pteWrite(pteAt(k, r.mm, r.addr + i * PAGE))).toBe(true);
      expect([...expectRegionData(k, r)]).toEqual([1]);
      settle(k, list);
    });
  }

  it("batches the TLB flush in ASYNC: one shootdown per batch of up to 512 pages", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 600);
    const list = isolateRegion(k, r);
    const before = k.tlb.shootdowns;
    expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL)).toBe(0);
    expect(k.tlb.shootdowns - before).toBe(2);
    expect(ev(k, PGMIGRATE_SUCCESS)).toBe(600);
    expect([...expectRegionData(k, r)]).toEqual([1]);
    settle(k, list);
  });

  it("refuses a batch of more than one folio outside MIGRATE_ASYNC (VM_WARN_ON in migrate_pages_batch)", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 2);
    const list = isolateRegion(k, r);
    const ret = k.lists.alloc();
    expect(() => migratePagesBatch(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_SYNC, MR_SYSCALL, ret, null, new MigratePagesStats(), 1)).toThrow(
      KernelBug,
    );
    ret.release();
    settle(k, list);
  });

  it("counts a folio freed under us as migrated, and frees it", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 4);
    const list = isolateRegion(k, r);
    const heads = list.toArray();
    expect(doMunmap(k, r.mm, r.addr, 4 * PAGE)).toBe(0);
    for (const h of heads) expect(k.mem.refcount[h]).toBe(1);
    const target = countingTarget(1);
    const free0 = k.alloc.nodeFreePages(0);
    expect(migratePages(k, list, target.fn, null, null, MIGRATE_ASYNC, MR_SYSCALL)).toBe(0);
    expect(target.calls).toBe(0);
    expect(ev(k, PGMIGRATE_SUCCESS)).toBe(4);
    expect(k.alloc.nodeFreePages(0)).toBe(free0 + 4);
    settle(k, list);
  });

  it("leaves the list empty and returns 0 for an empty list", () => {
    const k = makeSystem();
    const list = k.lists.alloc();
    expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_SYNC, MR_SYSCALL)).toBe(0);
    settle(k, list);
  });
});

describe("migratePages: transient and permanent failures", () => {
  function oneFolio(k: Kernel): { r: Region; head: number; list: FolioList } {
    const r = populatedRegion(k, 0, 1);
    const list = isolateRegion(k, r);
    return { r, head: list.first(), list };
  }

  it("-EAGAIN with an extra FOLL_PIN: the pinned exclusive page stays mapped; retried, then counted as failed", () => {
    for (const [mode, unmapCalls] of [
      [MIGRATE_ASYNC, NR_MAX_MIGRATE_PAGES_RETRY],
      [MIGRATE_SYNC, NR_MAX_MIGRATE_ASYNC_RETRY + NR_MAX_MIGRATE_SYNC_RETRY],
    ] as [MigrateMode, number][]) {
      const k = makeSystem();
      const { r, head, list } = oneFolio(k);
      const pteBefore = pteAt(k, r.mm, r.addr);
      const frameBefore = frameAt(k, r.mm, r.addr);
      k.mem.refcount[head]!++;
      k.mem.pincount[head]!++;
      const free1 = k.alloc.nodeFreePages(1);
      const target = countingTarget(1);
      const rc = migratePages(k, list, target.fn, null, null, mode, MR_SYSCALL);
      expect(rc).toBe(1);
      expect(target.calls).toBe(unmapCalls);
      expect(list.toArray()).toEqual([head]);
      expect(pteAt(k, r.mm, r.addr)).toBe(pteBefore);
      expect(frameAt(k, r.mm, r.addr)).toBe(frameBefore);
      expect(k.alloc.nodeFreePages(1)).toBe(free1);
      expect(ev(k, PGMIGRATE_FAIL)).toBe(1);
      expect(ev(k, PGMIGRATE_SUCCESS)).toBe(0);
      k.mem.refcount[head]!--;
      k.mem.pincount[head]!--;
      settle(k, list);
      expect(pfnAt(k, r.mm, r.addr)).toBe(head);
    }
  });

  it("-EAGAIN with an extra FOLL_GET reference: unmapped, the refcount check in migrate_folio fails, and the PTE comes back", () => {
    const k = makeSystem();
    const { r, head, list } = oneFolio(k);
    k.mem.refcount[head]!++;
    const target = countingTarget(1);
    // SYNC: the ASYNC pass unmaps once and tries the move 3 times; the SYNC pass once more, 7 times.
    const rc = migratePages(k, list, target.fn, null, null, MIGRATE_SYNC, MR_SYSCALL);
    expect(rc).toBe(1);
    expect(target.calls).toBe(2);
    expect(pfnAt(k, r.mm, r.addr)).toBe(head);
    expect(pteWrite(pteAt(k, r.mm, r.addr))).toBe(true);
    expect(k.mem.testFlag(head, PG_anon_exclusive)).toBe(true);
    expect(k.mem.testFlag(head, PG_locked)).toBe(false);
    k.mem.refcount[head]!--;
    settle(k, list);
  });

  it("lock contention: ASYNC only trylocks; SYNC cannot sleep in this model and retries; all fail with the folio intact", () => {
    for (const [mode, calls] of [
      [MIGRATE_ASYNC, NR_MAX_MIGRATE_PAGES_RETRY],
      [MIGRATE_SYNC_LIGHT, NR_MAX_MIGRATE_ASYNC_RETRY + NR_MAX_MIGRATE_SYNC_RETRY],
      [MIGRATE_SYNC, NR_MAX_MIGRATE_ASYNC_RETRY + NR_MAX_MIGRATE_SYNC_RETRY],
    ] as [MigrateMode, number][]) {
      const k = makeSystem();
      const { r, head, list } = oneFolio(k);
      k.mem.setFlag(head, PG_locked);
      const target = countingTarget(1);
      expect(migratePages(k, list, target.fn, null, null, mode, MR_SYSCALL)).toBe(1);
      expect(target.calls).toBe(calls);
      expect(k.mem.testFlag(head, PG_locked)).toBe(true);
      expect(pfnAt(k, r.mm, r.addr)).toBe(head);
      // The holder unlocks: the next attempt succeeds.
      k.mem.clearFlag(head, PG_locked);
      expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), mode, MR_SYSCALL)).toBe(0);
      expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(1);
      settle(k, list);
    }
  });

  it("writeback: -EBUSY (permanent) in ASYNC and SYNC_LIGHT; SYNC would wait, so it retries", () => {
    for (const [mode, calls] of [
      [MIGRATE_ASYNC, 1],
      [MIGRATE_SYNC_LIGHT, 1 + 1],
      [MIGRATE_SYNC, 1 + NR_MAX_MIGRATE_SYNC_RETRY],
    ] as [MigrateMode, number][]) {
      const k = makeSystem();
      const { r, head, list } = oneFolio(k);
      k.mem.setFlag(head, PG_writeback);
      const target = countingTarget(1);
      expect(migratePages(k, list, target.fn, null, null, mode, MR_SYSCALL)).toBe(1);
      expect(target.calls).toBe(calls);
      expect(list.toArray()).toEqual([head]);
      expect(pfnAt(k, r.mm, r.addr)).toBe(head);
      k.mem.clearFlag(head, PG_writeback);
      settle(k, list);
    }
  });

  it("a permanent failure in the batch does not stop the others", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 8);
    const list = isolateRegion(k, r);
    const heads = list.toArray();
    k.mem.setFlag(heads[3]!, PG_writeback);
    expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL)).toBe(1);
    expect(list.toArray()).toEqual([heads[3]]);
    expect(ev(k, PGMIGRATE_SUCCESS)).toBe(7);
    expect(ev(k, PGMIGRATE_FAIL)).toBe(1);
    k.mem.clearFlag(heads[3]!, PG_writeback);
    settle(k, list);
    const nids = regionFolios(k, r).map((h) => k.folioNid(h));
    expect(nids).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
  });
});

describe("migratePages: memory pressure", () => {
  it("-ENOMEM toward a full node: nothing moves, the folios stay on the list", () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC] as MigrateMode[]) {
      const k = makeSystem();
      const r = populatedRegion(k, 0, 8);
      const held = fillNode(k, 1);
      expect(held.length).toBeGreaterThan(1000);
      // Full: neither allocator can find a page there.
      const probe = regionFolios(k, r)[0]!;
      expect(allocMigrationTarget(k, probe, toNode(1))).toBe(-1);
      expect(allocMisplacedDstFolio(k, probe, 1)).toBe(-1);
      const list = isolateRegion(k, r);
      const heads = list.toArray();
      const succeeded = { value: -1 };
      expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), mode, MR_SYSCALL, succeeded)).toBe(-ENOMEM);
      expect(succeeded.value).toBe(0);
      expect(list.toArray()).toEqual(heads);
      // Only the folio that hit -ENOMEM is counted; untried ones are not.
      expect(ev(k, PGMIGRATE_FAIL)).toBe(1);
      expect(checkInvariants(k)).toEqual([]);
      settle(k, list);
      expect([...expectRegionData(k, r)]).toEqual([0]);
      releasePages(k, held);
      expect(checkInvariants(k, { quiescent: true })).toEqual([]);
    }
  });

  it("-ENOMEM part-way: what was unmapped still moves, the rest stays, and the result is -ENOMEM", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 8);
    const list = isolateRegion(k, r);
    const heads = list.toArray();
    const target = countingTarget(1, (_k, _src, call) => call > 3);
    const succeeded = { value: -1 };
    expect(migratePages(k, list, target.fn, null, null, MIGRATE_ASYNC, MR_SYSCALL, succeeded)).toBe(-ENOMEM);
    expect(succeeded.value).toBe(3);
    expect(list.toArray()).toEqual(heads.slice(3));
    expect(ev(k, PGMIGRATE_SUCCESS)).toBe(3);
    expect(ev(k, PGMIGRATE_FAIL)).toBe(1);
    settle(k, list);
    expect(regionFolios(k, r).map((h) => k.folioNid(h))).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
  });
});

describe("migratePages: -ENOMEM accounting", () => {
  it("-ENOMEM also counts the pages still retrying in that pass as failed", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 3);
    const list = isolateRegion(k, r);
    const heads = list.toArray();
    k.mem.setFlag(heads[0]!, PG_locked); // -EAGAIN: retrying when the next one hits -ENOMEM
    const target = countingTarget(1, (_k, _src, call) => call >= 2);
    expect(migratePages(k, list, target.fn, null, null, MIGRATE_ASYNC, MR_SYSCALL)).toBe(-ENOMEM);
    expect(target.calls).toBe(2);
    // folio 2's page plus folio 1's retrying page; folio 3 was never tried.
    expect(ev(k, PGMIGRATE_FAIL)).toBe(2);
    expect(list.toArray()).toEqual(heads);
    k.mem.clearFlag(heads[0]!, PG_locked);
    settle(k, list);
  });
});

describe("migratePages: large folios", () => {
  it("moves a PMD-order folio whole", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 512, 9);
    const heads = regionFolios(k, r);
    expect(heads.length).toBe(1);
    expect(k.mem.order[heads[0]!]).toBe(9);
    const list = isolateRegion(k, r);
    expect(isolated(k)).toBe(512);
    expect(migratePages(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_SYNC, MR_SYSCALL)).toBe(0);
    const after = regionFolios(k, r);
    expect(after.length).toBe(1);
    expect(k.mem.order[after[0]!]).toBe(9);
    expect(k.folioNid(after[0]!)).toBe(1);
    expect(ev(k, THP_MIGRATION_SUCCESS)).toBe(1);
    expect(ev(k, PGMIGRATE_SUCCESS)).toBe(512);
    expect([...expectRegionData(k, r)]).toEqual([1]);
    settle(k, list);
  });

  it("splits a large folio when no large destination exists, and migrates the pieces", () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC] as MigrateMode[]) {
      const k = makeSystem();
      const r = populatedRegion(k, 0, 512, 9);
      const list = isolateRegion(k, r);
      const target = countingTarget(1, (kk, src) => kk.mem.order[src]! > 0);
      const succeeded = { value: -1 };
      // The large folio counts as one failure, but every piece moved, so the list is empty: 0.
      expect(migratePages(k, list, target.fn, null, null, mode, MR_SYSCALL, succeeded)).toBe(0);
      expect(succeeded.value).toBe(512);
      expect(ev(k, THP_SPLIT_PAGE)).toBe(1);
      expect(ev(k, THP_MIGRATION_SPLIT)).toBe(1);
      expect(ev(k, THP_MIGRATION_FAIL)).toBe(1);
      expect(ev(k, THP_MIGRATION_SUCCESS)).toBe(0);
      expect(ev(k, PGMIGRATE_SUCCESS)).toBe(512);
      const after = regionFolios(k, r);
      expect(after.length).toBe(512);
      expect(after.every((h) => k.mem.order[h] === 0 && k.folioNid(h) === 1)).toBe(true);
      expect([...expectRegionData(k, r)]).toEqual([1]);
      settle(k, list);
    }
  });

  it("MR_NUMA_MISPLACED does not split: -ENOMEM, the large folio stays whole", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 512, 9);
    const list = isolateRegion(k, r);
    const head = list.first();
    const target = countingTarget(1, (kk, src) => kk.mem.order[src]! > 0);
    expect(migratePages(k, list, target.fn, null, null, MIGRATE_ASYNC, MR_NUMA_MISPLACED)).toBe(-ENOMEM);
    expect(list.toArray()).toEqual([head]);
    expect(k.mem.order[head]).toBe(9);
    expect(ev(k, THP_SPLIT_PAGE)).toBe(0);
    expect(ev(k, THP_MIGRATION_FAIL)).toBe(1);
    expect(ev(k, PGMIGRATE_FAIL)).toBe(512);
    settle(k, list);
    expect(regionFolios(k, r)).toEqual([head]);
  });

  it("a split that fails (extra reference) leaves the large folio whole and reports -ENOMEM", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 512, 9);
    const list = isolateRegion(k, r);
    const head = list.first();
    k.mem.refcount[head]!++;
    const target = countingTarget(1, (kk, src) => kk.mem.order[src]! > 0);
    expect(migratePages(k, list, target.fn, null, null, MIGRATE_ASYNC, MR_SYSCALL)).toBe(-ENOMEM);
    expect(k.mem.order[head]).toBe(9);
    expect(ev(k, THP_SPLIT_PAGE)).toBe(0);
    k.mem.refcount[head]!--;
    settle(k, list);
    expect(regionFolios(k, r)).toEqual([head]);
  });
});

describe("MigrateBatch phases", () => {
  it("a fault between unmap and move blocks on the migration entry until the remap", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 4);
    const list = isolateRegion(k, r);
    const src = list.first();
    const ret = k.lists.alloc();
    const split = k.lists.alloc();
    const stats = new MigratePagesStats();
    const batch = new MigrateBatch(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL, ret, split, stats, NR_MAX_MIGRATE_PAGES_RETRY);

    batch.unmap();
    expect(batch.phase).toBe("flush");
    expect(batch.unmapFolios.count()).toBe(4);
    const pte = pteAt(k, r.mm, r.addr);
    expect(isMigrationEntry(pte)).toBe(true);
    expect(frameAt(k, r.mm, r.addr)).toBe(src);
    expect(accessVirtual(k, r.mm, r.addr, false)).toBe(ACCESS_BLOCKED);
    expect(k.faultState.waitPfn).toBe(src);
    expect(migrationWaitDone(k, src)).toBe(false);
    expect(accessVirtual(k, r.mm, r.addr + PAGE, true)).toBe(ACCESS_BLOCKED);
    expect(checkInvariants(k)).toEqual([]);
    expect(checkIntegrity(k).ok).toBe(true);

    const shootdowns = k.tlb.shootdowns;
    batch.flush();
    expect(k.tlb.shootdowns).toBe(shootdowns + 1);
    expect(accessVirtual(k, r.mm, r.addr, false)).toBe(ACCESS_BLOCKED);

    batch.move();
    expect(migrationWaitDone(k, src)).toBe(true);
    expect(accessVirtual(k, r.mm, r.addr, false)).toBe(ACCESS_OK);
    expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(1);
    expect(batch.finish()).toBe(0);
    expect(batch.phase).toBe("done");
    expect(stats.nrSucceeded).toBe(4);
    ret.release();
    split.release();
    settle(k, list);
    expect([...expectRegionData(k, r)]).toEqual([1]);
  });

  it("finish() right after unmap undoes everything: PTEs back, destinations freed", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 3);
    const list = isolateRegion(k, r);
    const heads = list.toArray();
    const ret = k.lists.alloc();
    const free1 = k.alloc.nodeFreePages(1);
    const batch = new MigrateBatch(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL, ret, null, new MigratePagesStats(), 1);
    batch.unmap();
    expect(k.alloc.nodeFreePages(1)).toBe(free1 - 3);
    // Straight to finish(): the kernel's cleanup of unmap_folios undoes them.
    expect(batch.finish()).toBe(0);
    expect(k.alloc.nodeFreePages(1)).toBe(free1);
    expect(ret.toArray()).toEqual(heads);
    expect(regionFolios(k, r)).toEqual(heads);
    putbackMovablePages(k, ret);
    ret.release();
    settle(k, list);
  });

  it("a phase already passed is a no-op; nothing runs after finish()", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 1);
    const list = isolateRegion(k, r);
    const ret = k.lists.alloc();
    const batch = new MigrateBatch(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL, ret, null, new MigratePagesStats(), 1);
    expect(() => batch.move()).toThrow(/before unmap/);
    batch.unmap();
    expect(k.tlb.flushRequired).toBe(true);
    // move() without flush(): the flush runs first.
    batch.move();
    expect(k.tlb.flushRequired).toBe(false);
    batch.unmap();
    expect(batch.phase).toBe("finish");
    expect(batch.finish()).toBe(0);
    expect(() => batch.finish()).toThrow(/already finished/);
    ret.release();
    settle(k, list);
  });
});

describe("migratePages: permanent errno from the target", () => {
  it("-EBUSY (writeback in ASYNC) puts the folio on ret_folios at once: one attempt, not retried", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 1);
    const list = isolateRegion(k, r);
    const head = list.first();
    k.mem.setFlag(head, PG_writeback);
    const ret = k.lists.alloc();
    const stats = new MigratePagesStats();
    expect(migratePagesBatch(k, list, allocMigrationTargetCb, null, toNode(1), MIGRATE_ASYNC, MR_SYSCALL, ret, null, stats, 10)).toBe(1);
    expect(ret.toArray()).toEqual([head]);
    expect(list.isEmpty()).toBe(true);
    expect(stats.nrFailedPages).toBe(1);
    k.mem.clearFlag(head, PG_writeback);
    putbackMovablePages(k, ret);
    ret.release();
    settle(k, list);
  });
});
