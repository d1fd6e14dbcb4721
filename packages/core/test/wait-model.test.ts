/**
 * The wait model and lockdep (kernel/wait.ts, kernel/lockdep.ts) on core's own paths: SYNC
 * migration sleeps in folio_lock() by running the holder forward; read(2) never returns the
 * other folio's data while a mover has it frozen; mlock(2) makes the exchange's -EOPNOTSUPP
 * reachable; folio_get_anon_vma() of an unmapped folio; folio_walk's FW_ZEROPAGE; the orphaned
 * folio's folio_detach_private(); lockdep's switch and reports.
 */
import { describe, expect, it } from "vitest";
import { ENOMEM, EOPNOTSUPP } from "../src/kernel/errno.js";
import { doMmap } from "../src/mm/mmap.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { LOCK_FOLIO, LOCK_I_PAGES, LockdepBug, lockAcquire, lockRelease } from "../src/kernel/lockdep.js";
import { TaskOwner, type WaitOwner } from "../src/kernel/wait.js";
import type { HeldLocks } from "../src/kernel/lockdep.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import { ExchangeOp } from "../src/exchange/exchange-op.js";
import { filemapRead } from "../src/fs/filemap.js";
import { MIGRATE_SYNC, MR_SYSCALL } from "../src/migrate/migrate-mode.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { allocMigrationTarget, type MigrationTargetControl } from "../src/migrate/migration-target.js";
import { isolateFolioForMigration, migrateFolioUnmap, putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { folioLock, folioTrylock, folioUnlock } from "../src/mm/folio-lock.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { PG_locked, PG_mlocked, PG_private, PG_unevictable, PG_waiters } from "../src/mm/page-flags.js";
import { _PAGE_SPECIAL } from "../src/mm/pgtable.js";
import { folioGetAnonVma } from "../src/mm/rmap.js";
import { LRU_UNEVICTABLE } from "../src/mm/lru.js";
import { NR_MLOCK, UNEVICTABLE_PGMLOCKED, UNEVICTABLE_PGMUNLOCKED } from "../src/mm/vmstat.js";
import { FW_ZEROPAGE, folioWalkStartVma } from "../src/syscalls/folio-walk.js";
import { syscalls } from "../src/syscalls/index.js";
import { PAGE, makeSystem } from "./helpers.js";
import { cachedAt, makeFsSystem, writtenFile } from "./fs-helpers.js";
import { pfnAt, populatedRegion } from "./migrate-helpers.js";

const toNode = (nid: number): MigrationTargetControl => ({ nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });

function quiet(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

/** A path in flight that holds a folio lock for `steps` steps (a fault in filemap_fault()). */
class Holder implements WaitOwner {
  heldLocks: HeldLocks | null = null;
  waitingOn: WaitOwner | null = null;
  constructor(
    private readonly k: Kernel,
    readonly head: number,
    public left: number,
  ) {
    expect(folioTrylock(k, head, this)).toBe(true);
  }
  readonly holderName = "holder";
  runForward(): boolean {
    if (this.left < 0) return false;
    if (this.left-- === 0) folioUnlock(this.k, this.head);
    return true;
  }
}

function migrateOne(k: Kernel, head: number, nid: number): number {
  const list = k.lists.alloc();
  expect(isolateFolioForMigration(k, head, list)).toBe(true);
  const rc = migratePages(k, list, (kk, src) => allocMigrationTarget(kk, src, toNode(nid)), null, null, MIGRATE_SYNC, MR_SYSCALL);
  putbackMovablePages(k, list); // what is left on the list (the kernel's callers do the same)
  return rc;
}

describe("SYNC migration sleeps in folio_lock()", () => {
  it("a folio locked by a path in flight: the holder runs to its unlock and the folio moves (before: -EAGAIN until the passes ran out)", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 1, 1);
    const head = pfnAt(k, r.mm, r.addr);
    const holder = new Holder(k, head, 2);
    const ns = k.waits.waitNs;
    expect(migrateOne(k, head, 0)).toBe(0);
    expect(holder.left).toBe(-1);
    expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(0);
    expect(k.waits.waitNs).toBeGreaterThan(ns);
    quiet(k);
  });

  it("a lock no one can release: the attempt backs out with -EAGAIN, the folio stays where it was, unlocked by us, on its LRU", () => {
    const k = makeSystem();
    const r = populatedRegion(k, 1, 1);
    const head = pfnAt(k, r.mm, r.addr);
    k.mem.setFlag(head, PG_locked);
    expect(migrateOne(k, head, 0)).toBe(1);
    expect(pfnAt(k, r.mm, r.addr)).toBe(head);
    expect(k.mem.testFlag(head, PG_waiters)).toBe(false);
    k.mem.clearFlag(head, PG_locked);
    quiet(k);
  });

  it("a sleeper on a folio an exchange holds between phases runs the exchange to its unlock", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 1);
    const b = populatedRegion(k, 0, 1);
    const [ha, hb] = [pfnAt(k, a.mm, a.addr), pfnAt(k, b.mm, b.addr)];
    const op = new ExchangeOp(k, ha, hb, MIGRATE_SYNC);
    while (op.phase !== "move") expect(op.step()).toBe(0);
    const task = new TaskOwner("task");
    expect(folioLock(k, ha, task)).toBe(0);
    expect(op.phase).toBe("putback");
    folioUnlock(k, ha);
    op.step();
    expect(op.rc).toBe(0);
    quiet(k);
  });
});

describe("read(2) and a frozen folio", () => {
  it("filemap_read() between the mapping swap and the data swap never returns the partner's data (folio_try_get() fails: -EAGAIN from inside the mover)", () => {
    const { k, sb } = makeFsSystem();
    const f1 = writtenFile(k, sb, 1, 1);
    const f2 = writtenFile(k, sb, 1, 0);
    const [h1, h2] = [cachedAt(f1.inode, 0), cachedAt(f2.inode, 0)];
    const reads: number[] = [];
    k.trace.on("mm_folio_exchange_step", ({ step }) => {
      if (step !== "folio_exchange_mapping") return;
      const rc = filemapRead(k, f1.inode, 0);
      reads.push(rc === 4096 ? k.fileIoState.lastToken : rc);
    });
    expect(folioExchange(k, h1, h2, MIGRATE_SYNC)).toBe(0);
    expect(reads).toHaveLength(1);
    expect(reads[0]).not.toBe(f2.tokens[0]);
    expect(filemapRead(k, f1.inode, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(f1.tokens[0]);
  });
});

describe("mlock(2)", () => {
  it("mlock(2) makes the folios PG_mlocked and unevictable, and the exchange refuses them with -EOPNOTSUPP; munlock(2) undoes it", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 2);
    const b = populatedRegion(k, 0, 1);
    const sys = syscalls(k, a.task);
    const events = k.vmstat.event(UNEVICTABLE_PGMLOCKED);
    expect(sys.mlock(a.addr + 100, PAGE)).toBe(0);
    const ha = pfnAt(k, a.mm, a.addr);
    expect(k.mem.testFlag(ha, PG_mlocked)).toBe(true);
    expect(k.mem.testFlag(ha, PG_unevictable)).toBe(true);
    expect(k.lru.folioLruList(ha)).toBe(LRU_UNEVICTABLE);
    expect(k.vmstat.event(UNEVICTABLE_PGMLOCKED) - events).toBe(2);
    expect(k.vmstat.zonePage(k.mem.zone[ha]!, NR_MLOCK)).toBe(2);
    const hb = pfnAt(k, b.mm, b.addr);
    expect(folioExchange(k, ha, hb, MIGRATE_SYNC)).toBe(-EOPNOTSUPP);
    quiet(k);
    expect(sys.munlock(a.addr, 2 * PAGE)).toBe(0);
    expect(k.mem.testFlag(ha, PG_mlocked)).toBe(false);
    expect(k.vmstat.event(UNEVICTABLE_PGMUNLOCKED)).toBe(2);
    expect(k.vmstat.zonePage(k.mem.zone[ha]!, NR_MLOCK)).toBe(0);
    expect(folioExchange(k, ha, hb, MIGRATE_SYNC)).toBe(0);
    quiet(k);
  });

  it("a fault in a VM_LOCKED vma mlocks the new folio; migration keeps it mlocked on the new frame (the remap's mlock_vma_folio); munmap munlocks", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 1);
    const sys = syscalls(k, a.task);
    expect(sys.mlock(a.addr, PAGE)).toBe(0);
    const head = pfnAt(k, a.mm, a.addr);
    expect(k.mem.testFlag(head, PG_mlocked)).toBe(true);
    expect(migrateOne(k, head, 0)).toBe(0);
    const moved = pfnAt(k, a.mm, a.addr);
    expect(k.folioNid(moved)).toBe(0);
    expect(k.mem.testFlag(moved, PG_mlocked)).toBe(true);
    expect(k.vmstat.zonePage(k.mem.zone[moved]!, NR_MLOCK)).toBe(1);
    expect(k.vmstat.zonePage(k.mem.zone[head]!, NR_MLOCK)).toBe(0);
    quiet(k);
  });

  it("mlock(2) of an unmapped range is -ENOMEM; of a range not yet touched it faults the pages in, mlocked", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 1);
    const sys = syscalls(k, a.task);
    expect(sys.mlock(a.addr + 64 * PAGE, PAGE)).toBe(-ENOMEM);
    const fresh = doMmap(k, a.mm, 2 * PAGE);
    expect(pfnAt(k, a.mm, fresh)).toBe(-1);
    expect(sys.mlock(fresh, 2 * PAGE)).toBe(0);
    for (const at of [fresh, fresh + PAGE]) expect(k.mem.testFlag(pfnAt(k, a.mm, at), PG_mlocked)).toBe(true);
    expect(accessVirtual(k, a.mm, fresh, true)).toBe(ACCESS_OK);
    expect(k.mem.testFlag(pfnAt(k, a.mm, fresh), PG_mlocked)).toBe(true);
    quiet(k);
  });
});

describe("smaller kernel facts", () => {
  it("folio_get_anon_vma() of a folio that is not mapped is NULL, and takes no reference", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 1);
    const head = pfnAt(k, a.mm, a.addr);
    const av = folioGetAnonVma(k, head)!;
    expect(av).not.toBeNull();
    const refs = av.refcount;
    av.refcount--;
    k.mem.mapcount[head]!--;
    k.mem.largeMapcount[head]!--;
    expect(folioGetAnonVma(k, head)).toBeNull();
    expect(av.refcount).toBe(refs - 1);
    k.mem.mapcount[head]!++;
    k.mem.largeMapcount[head]!++;
  });

  it("folio_walk_start(FW_ZEROPAGE) gives the shared zero page, and no other special PTE", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 2);
    const vma = a.mm.vmaLookup(a.addr)!;
    const pt = k.pgtables;
    pt.walk(a.mm.pgd, a.addr / PAGE, false);
    pt.setPfnPte(k.alloc.zeroPfn, _PAGE_SPECIAL);
    expect(folioWalkStartVma(k, vma, a.addr, FW_ZEROPAGE)?.folio).toBe(k.alloc.zeroPfn);
    expect(folioWalkStartVma(k, vma, a.addr, 0)).toBeNull();
    const other = pfnAt(k, a.mm, a.addr + PAGE);
    pt.walk(a.mm.pgd, a.addr / PAGE, false);
    pt.setPfnPte(other, _PAGE_SPECIAL);
    expect(folioWalkStartVma(k, vma, a.addr, FW_ZEROPAGE)).toBeNull();
  });

  it("migrate_folio_unmap() of an orphaned folio with private data: folio_detach_private() drops the private data's reference", () => {
    const k = makeSystem();
    const a = populatedRegion(k, 1, 1);
    const head = pfnAt(k, a.mm, a.addr);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, head, list)).toBe(true);
    // an orphan: no mapping (truncated), PG_private with its reference (folio_attach_private)
    k.mem.mapping[head] = 0;
    k.mem.setFlag(head, PG_private);
    k.mem.private[head] = 7;
    k.mem.refcount[head]!++;
    const refs = k.mem.refcount[head]!;
    const dst = { value: -1 };
    const rc = migrateFolioUnmap(k, (kk, src) => allocMigrationTarget(kk, src, toNode(0)), null, null, head, dst, MIGRATE_SYNC, MR_SYSCALL, null);
    expect(rc).toBeLessThan(0);
    expect(k.mem.testFlag(head, PG_private)).toBe(false);
    expect(k.mem.private[head]).toBe(0);
    expect(k.mem.refcount[head]).toBe(refs - 1);
  });
});

describe("lockdep", () => {
  it("is on by default; createSystem({ lockdep: false }) records nothing and reports nothing", () => {
    const on = makeSystem();
    const a = populatedRegion(on, 1, 1);
    const b = populatedRegion(on, 0, 1);
    expect(folioExchange(on, pfnAt(on, a.mm, a.addr), pfnAt(on, b.mm, b.addr), MIGRATE_SYNC)).toBe(0);
    expect(on.lockdep.enabled).toBe(true);
    expect(on.lockdep.acquisitions).toBeGreaterThan(0);
    const off = makeSystem({ lockdep: false });
    const t = new TaskOwner("t");
    lockAcquire(off.lockdep, LOCK_FOLIO, 1, t);
    lockAcquire(off.lockdep, LOCK_FOLIO, 1, t);
    expect(off.lockdep.acquisitions).toBe(0);
  });

  it("reports recursive locking, an ABBA between classes with both chains, and a bad unlock", () => {
    const k = makeSystem();
    const t1 = new TaskOwner("t1");
    const t2 = new TaskOwner("t2");
    lockAcquire(k.lockdep, LOCK_I_PAGES, 5, t1);
    expect(() => lockAcquire(k.lockdep, LOCK_I_PAGES, 5, t1)).toThrow(/possible recursive locking/);
    lockRelease(k.lockdep, LOCK_I_PAGES, 5, t1);
    lockAcquire(k.lockdep, LOCK_FOLIO, 9, t1);
    lockAcquire(k.lockdep, LOCK_I_PAGES, 5, t1);
    lockRelease(k.lockdep, LOCK_I_PAGES, 5, t1);
    lockRelease(k.lockdep, LOCK_FOLIO, 9, t1);
    lockAcquire(k.lockdep, LOCK_I_PAGES, 6, t2);
    let err: LockdepBug | null = null;
    try {
      lockAcquire(k.lockdep, LOCK_FOLIO, 10, t2);
    } catch (e) {
      err = e as LockdepBug;
    }
    expect(err?.report.chain).toBe("t2: &mapping->i_pages#6 -> folio_lock#10");
    expect(err?.report.otherChain).toBe("t1: folio_lock#9 -> &mapping->i_pages#5");
    expect(() => lockRelease(k.lockdep, LOCK_FOLIO, 3, t2)).toThrow(/bad unlock balance/);
  });
});
