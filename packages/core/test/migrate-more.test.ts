import { describe, expect, it } from "vitest";
import { copyProcess } from "../src/syscalls/fork.js";
import { EAGAIN, EBUSY, ENOMEM } from "../src/kernel/errno.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import type { Task } from "../src/mm/mm-types.js";
import { doMmap, doMunmap } from "../src/mm/mmap.js";
import { PG_anon_exclusive } from "../src/mm/page-flags.js";
import { pteSpecial, pteWrite } from "../src/mm/pgtable.js";
import { PGMIGRATE_SUCCESS, THP_SPLIT_PAGE } from "../src/mm/vmstat.js";
import { createProcess } from "../src/syscalls/fork.js";
import { folioBimigrate } from "../src/migrate/bimigrate.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_SYSCALL } from "../src/migrate/migrate-mode.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { allocMigrationTarget, type MigrationTargetControl } from "../src/migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { PAGE, makeSystem, pteAt, shadowAt } from "./helpers.js";
import { expectRegionData, fillNode, isolateRegion, pfnAt, populatedRegion, regionFolios, releasePages } from "./migrate-helpers.js";

const toNode = (nid: number): MigrationTargetControl => ({ nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });

function quiet(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

describe("migration of shared and partly-populated folios", () => {
  it("a folio shared by fork is remapped in both processes, read-only and not exclusive", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 2);
    const child = copyProcess(k, r.task) as Task;
    expect(typeof child).toBe("object");
    const head = pfnAt(k, r.mm, r.addr);
    expect(pfnAt(k, child.mm!, r.addr)).toBe(head);
    expect(k.mem.mapcount[head]).toBe(2);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, head, list)).toBe(true);
    expect(migratePages(k, list, (kk, src) => allocMigrationTarget(kk, src, toNode(1)), null, null, MIGRATE_SYNC, MR_SYSCALL)).toBe(0);
    list.release();
    const moved = pfnAt(k, r.mm, r.addr);
    expect(k.folioNid(moved)).toBe(1);
    expect(pfnAt(k, child.mm!, r.addr)).toBe(moved);
    expect(k.mem.mapcount[moved]).toBe(2);
    expect(k.mem.testFlag(moved, PG_anon_exclusive)).toBe(false);
    expect(pteWrite(pteAt(k, r.mm, r.addr))).toBe(false);
    expect(pteWrite(pteAt(k, child.mm!, r.addr))).toBe(false);
    quiet(k);
    // COW still works after the move: the parent's write gets a private copy.
    expect(accessVirtual(k, r.mm, r.addr, true)).toBe(ACCESS_OK);
    expect(pfnAt(k, r.mm, r.addr)).not.toBe(moved);
    expect(accessVirtual(k, child.mm!, r.addr, false)).toBe(ACCESS_OK);
    expect(k.faultState.lastToken).toBe(shadowAt(k, child.mm!, r.addr));
    quiet(k);
  });

  it("v6.12 split: all-zero subpages are remapped to the shared zero page and freed, not migrated", () => {
    const k = makeSystem();
    const task = createProcess(k, { nid: 0 });
    const mm = task.mm!;
    const addr = doMmap(k, mm, 512 * PAGE, { thpOrder: 9 });
    // One write faults in the whole order-9 folio; only that page holds data.
    expect(accessVirtual(k, mm, addr + 5 * PAGE, true)).toBe(ACCESS_OK);
    const head = pfnAt(k, mm, addr);
    expect(k.mem.order[head]).toBe(9);
    const free0 = k.alloc.nodeFreePages(0);
    const free1 = k.alloc.nodeFreePages(1);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, head, list)).toBe(true);
    const succeeded = { value: 0 };
    const rc = migratePages(
      k,
      list,
      (kk, src) => (kk.mem.order[src]! > 0 ? -1 : allocMigrationTarget(kk, src, toNode(1))),
      null,
      null,
      MIGRATE_ASYNC,
      MR_SYSCALL,
      succeeded,
    );
    list.release();
    expect(rc).toBe(0);
    expect(k.vmstat.event(THP_SPLIT_PAGE)).toBe(1);
    // 511 freed under us (counted as migrated) + 1 real move.
    expect(succeeded.value).toBe(512);
    expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(512);
    expect(k.alloc.nodeFreePages(0)).toBe(free0 + 512);
    expect(k.alloc.nodeFreePages(1)).toBe(free1 - 1);
    expect(k.folioNid(pfnAt(k, mm, addr + 5 * PAGE))).toBe(1);
    const zeroPte = pteAt(k, mm, addr);
    expect(pteSpecial(zeroPte)).toBe(true);
    expect(mm.rssAnon).toBe(1);
    quiet(k);
    // A write to a zero-page PTE COWs as usual.
    expect(accessVirtual(k, mm, addr, true)).toBe(ACCESS_OK);
    quiet(k);
  });

  it("v6.12: a partially mapped large folio is split first, counts as one failure, and its pieces move", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 16, 4);
    const [head] = regionFolios(k, r);
    expect(k.mem.order[head!]).toBe(4);
    // Unmap the second half: the folio is now partially mapped (deferred split).
    expect(doMunmap(k, r.mm, r.addr + 8 * PAGE, 8 * PAGE)).toBe(0);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, head!, list)).toBe(true);
    const seen: number[] = [];
    k.trace.on("mm_migrate_pages", (e) => seen.push(e.split ?? -1));
    const free1 = k.alloc.nodeFreePages(1);
    const succeeded = { value: 0 };
    expect(migratePages(k, list, (kk, src) => allocMigrationTarget(kk, src, toNode(1)), null, null, MIGRATE_ASYNC, MR_SYSCALL, succeeded)).toBe(0);
    list.release();
    expect(seen).toEqual([1]);
    // Order 4 is not PMD-mappable: no THP counters, no thp_split_page.
    expect(k.vmstat.event(THP_SPLIT_PAGE)).toBe(0);
    // 8 pieces moved, 8 unmapped pieces were freed under us.
    expect(succeeded.value).toBe(16);
    expect(k.alloc.nodeFreePages(1)).toBe(free1 - 8);
    expect(regionFolios(k, { ...r, nrPages: 8 }).every((h) => k.mem.order[h] === 0 && k.folioNid(h) === 1)).toBe(true);
    quiet(k);
  });

  it("emits mm_migrate_pages_start and mm_migrate_pages with the kernel's spellings", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 3);
    const seen: unknown[] = [];
    k.trace.on("mm_migrate_pages_start", (e) => seen.push(["start", e]));
    k.trace.on("mm_migrate_pages", (e) => seen.push(["end", e]));
    const list = isolateRegion(k, r);
    expect(migratePages(k, list, (kk, src) => allocMigrationTarget(kk, src, toNode(1)), null, null, MIGRATE_SYNC, MR_SYSCALL)).toBe(0);
    list.release();
    expect(seen).toEqual([
      ["start", { mode: "MIGRATE_SYNC", reason: "MR_SYSCALL" }],
      ["end", { succeeded: 3, failed: 0, thpSucceeded: 0, thpFailed: 0, thpSplit: 0, split: 0, mode: "MIGRATE_SYNC", reason: "MR_SYSCALL" }],
    ]);
  });

  it("put_new_folio receives a destination that was not used", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 0, 1);
    const list = isolateRegion(k, r);
    const head = list.first();
    k.mem.refcount[head]!++; // FOLL_GET: unmap succeeds, the move's refcount check does not
    const given: number[] = [];
    const returned: number[] = [];
    const rc = migratePages(
      k,
      list,
      (kk, src) => {
        const d = allocMigrationTarget(kk, src, toNode(1));
        given.push(d);
        return d;
      },
      (kk, dst, priv) => {
        expect(priv).toBe("cookie");
        returned.push(dst);
        kk.mem.refcount[dst]!--;
        kk.alloc.freeFolio(dst);
      },
      "cookie",
      MIGRATE_ASYNC,
      MR_SYSCALL,
    );
    expect(rc).toBe(1);
    expect(returned).toEqual(given);
    expect(given.length).toBe(1);
    k.mem.refcount[head]!--;
    putbackMovablePages(k, list);
    list.release();
    quiet(k);
  });
});

describe("folioBimigrate", () => {
  function pair(k: Kernel) {
    const ra = populatedRegion(k, 0, 1);
    const rb = populatedRegion(k, 1, 1);
    return { ra, rb, a: pfnAt(k, ra.mm, ra.addr), b: pfnAt(k, rb.mm, rb.addr) };
  }

  it("moves a to b's node and b to a's node, each through a free page", () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC] as const) {
      const k = makeSystem();
      const { ra, rb, a, b } = pair(k);
      expect(k.folioNid(a)).toBe(0);
      expect(k.folioNid(b)).toBe(1);
      expect(folioBimigrate(k, a, b, mode)).toBe(0);
      expect([...expectRegionData(k, ra)]).toEqual([1]);
      expect([...expectRegionData(k, rb)]).toEqual([0]);
      expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(2);
      quiet(k);
    }
  });

  it("-ENOMEM when both nodes are full: nothing moves", () => {
    const k = makeSystem();
    const { ra, rb, a, b } = pair(k);
    const held = [...fillNode(k, 0), ...fillNode(k, 1)];
    expect(folioBimigrate(k, a, b, MIGRATE_SYNC)).toBe(-ENOMEM);
    expect(regionFolios(k, ra)).toEqual([a]);
    expect(regionFolios(k, rb)).toEqual([b]);
    quiet(k);
    releasePages(k, held);
    quiet(k);
  });

  it("is not atomic: with only a's node full, a moves and b cannot follow", () => {
    const k = makeSystem();
    const { ra, rb, a, b } = pair(k);
    const held = fillNode(k, 0);
    expect(folioBimigrate(k, a, b, MIGRATE_SYNC)).toBe(-ENOMEM);
    expect([...expectRegionData(k, ra)]).toEqual([1]);
    expect(regionFolios(k, rb)).toEqual([b]);
    quiet(k);
    releasePages(k, held);
  });

  it("with only b's node full the first move fails and the second is not tried", () => {
    const k = makeSystem();
    const { ra, rb, a, b } = pair(k);
    const held = fillNode(k, 1);
    expect(folioBimigrate(k, a, b, MIGRATE_SYNC)).toBe(-ENOMEM);
    expect(regionFolios(k, ra)).toEqual([a]);
    expect(regionFolios(k, rb)).toEqual([b]);
    quiet(k);
    releasePages(k, held);
  });

  it("-EBUSY for a folio that is not on an LRU", () => {
    const k = makeSystem();
    const { a, b } = pair(k);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, b, list)).toBe(true);
    expect(folioBimigrate(k, a, b, MIGRATE_SYNC)).toBe(-EBUSY);
    putbackMovablePages(k, list);
    list.release();
    quiet(k);
  });

  it("fails with -EAGAIN when a pinned folio cannot be unmapped", () => {
    const k = makeSystem();
    const { ra, a, b } = pair(k);
    k.mem.refcount[a]!++;
    k.mem.pincount[a]!++;
    expect(folioBimigrate(k, a, b, MIGRATE_SYNC)).toBe(-EAGAIN);
    k.mem.refcount[a]!--;
    k.mem.pincount[a]!--;
    expect(regionFolios(k, ra)).toEqual([a]);
    quiet(k);
  });
});
