/**
 * lockdep records the order of the locks the model takes where the kernel takes them: the rmap
 * walks' anon_vma / i_mmap locks and PTE locks inside the folio lock, mmap_lock around a fault
 * and around the syscalls' lookups, the LRU lock innermost. A run leaves those orders in the
 * graph, and a later acquisition in the opposite order is reported with both chains.
 */
import { describe, expect, it } from "vitest";
import { doMmapFile } from "../src/fs/file-fault.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import {
  LOCK_ANON_VMA,
  LOCK_FOLIO,
  LOCK_I_MMAP,
  LOCK_LRU,
  LOCK_MMAP,
  LOCK_PTL,
  LockdepBug,
  NR_LOCK_CLASSES,
  lockAcquire,
  lockRelease,
  type Lockdep,
} from "../src/kernel/lockdep.js";
import { TaskOwner } from "../src/kernel/wait.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { MAP_SHARED, doMmap } from "../src/mm/mmap.js";
import { MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { createProcess } from "../src/syscalls/fork.js";
import { cachedAt, healthy, makeFsSystem, mappedPfn, writtenFile } from "./fs-helpers.js";
import { makeSystem } from "./helpers.js";

const dep = (ld: Lockdep, a: number, b: number): number => ld.dep[a * NR_LOCK_CLASSES + b]!;
const chain = (ld: Lockdep, a: number, b: number): string => ld.depChain[a * NR_LOCK_CLASSES + b]!;

/** A mapped, written file page on node 1 and a written anon page on node 0. */
function fileAndAnon(opts: { lockdep?: boolean } = {}) {
  const { k, sb } = makeFsSystem(opts);
  const { inode } = writtenFile(k, sb, 1, 1);
  const ft = createProcess(k, { nid: 1 });
  const faddr = doMmapFile(k, ft.mm!, inode, 4096, { flags: MAP_SHARED });
  expect(accessVirtual(k, ft.mm!, faddr, true)).toBe(ACCESS_OK);
  const at = createProcess(k, { nid: 0 });
  const aaddr = doMmap(k, at.mm!, 4096);
  expect(accessVirtual(k, at.mm!, aaddr, true)).toBe(ACCESS_OK);
  return { k, fileHead: cachedAt(inode, 0), anonHead: mappedPfn(k, at.mm!, aaddr) };
}

describe("lockdep records the model's lock order where the kernel takes each lock", () => {
  it("a fault takes the PTE lock and the LRU lock inside mmap_lock", () => {
    const k = makeSystem();
    const t = createProcess(k, { nid: 0 });
    const addr = doMmap(k, t.mm!, 4096);
    k.lockdep.reset();
    expect(accessVirtual(k, t.mm!, addr, true)).toBe(ACCESS_OK);
    const ld = k.lockdep;
    expect(dep(ld, LOCK_MMAP, LOCK_PTL)).toBe(1);
    expect(dep(ld, LOCK_MMAP, LOCK_LRU)).toBe(1);
    expect(chain(ld, LOCK_MMAP, LOCK_PTL)).toMatch(/^current: &mm->mmap_lock#\d+ -> ptlock#\d+$/);
    // nothing is held once the access returns
    expect(k.waits.current.heldLocks).toBeNull();
  });

  it("an exchange of a file folio with an anon folio: folio lock → i_mmap → ptl and folio lock → anon_vma → ptl", () => {
    const { k, fileHead, anonHead } = fileAndAnon();
    k.lockdep.reset();
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
    const ld = k.lockdep;
    expect(dep(ld, LOCK_FOLIO, LOCK_I_MMAP)).toBe(1);
    expect(dep(ld, LOCK_I_MMAP, LOCK_PTL)).toBe(1);
    expect(dep(ld, LOCK_FOLIO, LOCK_ANON_VMA)).toBe(1);
    expect(dep(ld, LOCK_ANON_VMA, LOCK_PTL)).toBe(1);
    expect(dep(ld, LOCK_FOLIO, LOCK_PTL)).toBe(1);
    // the exchange op is the holder: both folio locks, then the walk's locks
    expect(chain(ld, LOCK_I_MMAP, LOCK_PTL)).toMatch(/folio_lock#\d+ -> folio_lock#\d+ -> &mapping->i_mmap_rwsem#\d+ -> ptlock#\d+$/);
    // and none of the reverse orders
    expect(dep(ld, LOCK_PTL, LOCK_FOLIO)).toBe(0);
    expect(dep(ld, LOCK_I_MMAP, LOCK_FOLIO)).toBe(0);
    expect(dep(ld, LOCK_ANON_VMA, LOCK_FOLIO)).toBe(0);
    expect(ld.enabled).toBe(true);
    healthy(k);
  });

  it("after the exchange, a folio lock taken under a PTE lock is reported with both chains", () => {
    const { k, fileHead, anonHead } = fileAndAnon();
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
    const task = new TaskOwner("task 7");
    lockAcquire(k.lockdep, LOCK_PTL, 3, task);
    let bug: unknown;
    try {
      lockAcquire(k.lockdep, LOCK_FOLIO, fileHead, task);
    } catch (e) {
      bug = e;
    }
    expect(bug).toBeInstanceOf(LockdepBug);
    const report = (bug as LockdepBug).report;
    expect(report.kind).toBe("circular locking dependency");
    expect(report.chain).toBe(`task 7: ptlock#3 -> folio_lock#${fileHead}`);
    expect(report.otherChain).toMatch(/folio_lock#\d+ .*-> ptlock#\d+/);
    lockRelease(k.lockdep, LOCK_PTL, 3, task);
  });

  it("an inverted rmap order (i_mmap, then the folio lock) is reported against the exchange's", () => {
    const { k, fileHead, anonHead } = fileAndAnon();
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
    const task = new TaskOwner("task 8");
    lockAcquire(k.lockdep, LOCK_I_MMAP, 1, task);
    expect(() => lockAcquire(k.lockdep, LOCK_FOLIO, anonHead, task)).toThrow(
      /circular locking dependency[\s\S]*task 8: &mapping->i_mmap_rwsem#1 -> folio_lock#\d+[\s\S]*earlier, the other order: .*folio_lock#\d+ -> .*&mapping->i_mmap_rwsem#\d+/,
    );
  });

  it("with lockdep off nothing is recorded, and the exchange is the same", () => {
    const { k, fileHead, anonHead } = fileAndAnon({ lockdep: false });
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
    expect(k.lockdep.acquisitions).toBe(0);
    expect(k.lockdep.dependencies).toBe(0);
    healthy(k);
  });
});
