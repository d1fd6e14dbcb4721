/**
 * Per-memcg lruvec stats (and the memcg part of docs/decisions.md#seed-defect-7): charging at fault,
 * filemap_add_folio and swap-in, __mod_lruvec_state at every stat site, the stats moved between
 * a memcg's lruvecs by migration and by the exchange (each data under its own memcg), the
 * invariant that recomputes them. The seed's defect (stats under the partner's memcg) is
 * reproduced and caught in @foliox/conformance's tests, against its seed-literal mover.
 */
import { describe, expect, it } from "vitest";
import { doMmapFile } from "../src/fs/file-fault.js";
import type { Inode, SuperBlock } from "../src/fs/inode.js";
import { createInode } from "../src/fs/super.js";
import { filemapWrite } from "../src/fs/filemap.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import { copyProcess, createProcess } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { memCgroupMoveAccount } from "../src/mm/memcontrol.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { doMmap, MAP_SHARED } from "../src/mm/mmap.js";
import type { Task } from "../src/mm/mm-types.js";
import { MAX_MEMCGS, NR_ANON_MAPPED, NR_FILE_DIRTY, NR_FILE_MAPPED, NR_FILE_PAGES, VmStat } from "../src/mm/vmstat.js";
import { MIGRATE_SYNC, MR_SYSCALL } from "../src/migrate/migrate-mode.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { allocMigrationTargetCb, type MigrationTargetControl } from "../src/migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { cachedAt, healthy, makeFsSystem, mappedPfn } from "./fs-helpers.js";

const toNode = (nid: number): MigrationTargetControl => ({ nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });

function migrateOne(k: Kernel, head: number, nid: number): number {
  const list = k.lists.alloc();
  expect(isolateFolioForMigration(k, head, list)).toBe(true);
  const rc = migratePages(k, list, allocMigrationTargetCb, null, toNode(nid), MIGRATE_SYNC, MR_SYSCALL);
  putbackMovablePages(k, list);
  return rc;
}

/** `pages` anon pages written by a new process in memcg on node nid. */
function anonRegion(k: Kernel, nid: number, memcg: number, pages = 2): { task: Task; addr: number } {
  const task = createProcess(k, { nid, memcg });
  const addr = doMmap(k, task.mm!, pages * 4096);
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
  return { task, addr };
}

/** A file whose page cache is charged to memcg, written on node nid and mapped shared by a process there. */
function mappedFile(k: Kernel, sb: SuperBlock, nid: number, memcg: number, pages = 2): { inode: Inode; task: Task; addr: number } {
  const inode = createInode(k, sb);
  inode.mapping.memcg = memcg;
  for (let i = 0; i < pages; i++) expect(filemapWrite(k, inode, i, nid)).toBe(4096);
  const task = createProcess(k, { nid, memcg });
  const addr = doMmapFile(k, task.mm!, inode, pages * 4096, { flags: MAP_SHARED });
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, false)).toBe(ACCESS_OK);
  return { inode, task, addr };
}

describe("VmStat per-memcg lruvec stats", () => {
  it("modLruvec updates the node stat and the memcg's per-node stat; memory.stat names; bounded ids", () => {
    const vm = new VmStat(2, 4);
    vm.modLruvec(3, 1, NR_FILE_PAGES, 5);
    vm.modLruvec(0, 0, NR_FILE_PAGES, 2);
    expect(vm.nodePage(1, NR_FILE_PAGES)).toBe(5);
    expect(vm.lruvecPage(3, 1, NR_FILE_PAGES)).toBe(5);
    expect(vm.lruvecPage(3, 0, NR_FILE_PAGES)).toBe(0);
    expect(vm.memcgStat(3)).toMatchObject({ file: 5, anon: 0, file_dirty: 0, file_writeback: 0, shmem: 0, swapcached: 0, file_mapped: 0 });
    expect(vm.memcgIds()).toEqual([0, 3]);
    expect(vm.lruvecPage(9, 0, NR_FILE_PAGES)).toBe(0); // never touched: zero, not created
    expect(vm.memcgIds()).toEqual([0, 3]);
    expect(() => vm.modLruvec(MAX_MEMCGS, 0, NR_FILE_PAGES, 1)).toThrow(RangeError);
    expect(() => createProcess(makeFsSystem().k, { memcg: -1 })).toThrow(RangeError);
  });
});

describe("charging and the stat sites", () => {
  it("anon faults are charged to the task's memcg (and a fork child's COW copies to the child's)", () => {
    const { k } = makeFsSystem();
    const a = anonRegion(k, 0, 3, 3);
    expect(k.vmstat.memcgStat(3).anon).toBe(3);
    expect(k.vmstat.memcgStat(0).anon).toBe(0);
    expect(k.vmstat.lruvecPage(3, 0, NR_ANON_MAPPED)).toBe(3);
    const child = copyProcess(k, a.task) as Task;
    expect(child.mm!.memcg).toBe(3);
    expect(accessVirtual(k, child.mm!, a.addr, true)).toBe(ACCESS_OK); // COW: a new folio in memcg 3
    expect(k.vmstat.memcgStat(3).anon).toBe(4);
    healthy(k);
  });

  it("page-cache folios are charged to the mapping's memcg: file, file_dirty, file_mapped", () => {
    const { k, sb } = makeFsSystem();
    mappedFile(k, sb, 1, 4, 2);
    expect(k.vmstat.memcgStat(4)).toMatchObject({ file: 2, file_dirty: 2, file_mapped: 2, anon: 0 });
    expect(k.vmstat.lruvecPage(4, 1, NR_FILE_PAGES)).toBe(2);
    expect(k.vmstat.memcgStat(0).file).toBe(0);
    healthy(k);
  });

  it("mem_cgroup_move_account re-charges a folio with its stats", () => {
    const { k, sb } = makeFsSystem();
    const f = mappedFile(k, sb, 0, 0, 1);
    const head = cachedAt(f.inode, 0);
    memCgroupMoveAccount(k, head, 7);
    expect(k.mem.memcg[head]).toBe(7);
    expect(k.vmstat.memcgStat(7)).toMatchObject({ file: 1, file_dirty: 1, file_mapped: 1 });
    expect(k.vmstat.memcgStat(0)).toMatchObject({ file: 0, file_dirty: 0, file_mapped: 0 });
    healthy(k);
  });

  it("the invariant recomputes per-memcg per-node counters and reports a drift", () => {
    const { k } = makeFsSystem();
    anonRegion(k, 0, 2, 1);
    k.vmstat.modLruvec(2, 1, NR_ANON_MAPPED, 1);
    k.vmstat.modLruvec(2, 0, NR_ANON_MAPPED, -1);
    const bad = checkInvariants(k, { quiescent: true });
    expect(bad).toContain("memcg 2 node 0: anon 0, recomputed 1");
    expect(bad).toContain("memcg 2 node 1: anon 1, recomputed 0");
  });
});

describe("stats move between a memcg's lruvecs when a folio changes node", () => {
  it("migration: a file folio's and an anon folio's stats go to the new node under their memcg", () => {
    const { k, sb } = makeFsSystem();
    const f = mappedFile(k, sb, 0, 5, 1);
    const a = anonRegion(k, 0, 6, 1);
    expect(migrateOne(k, cachedAt(f.inode, 0), 1)).toBe(0);
    expect(migrateOne(k, mappedPfn(k, a.task.mm!, a.addr), 1)).toBe(0);
    for (const [memcg, item] of [
      [5, NR_FILE_PAGES],
      [5, NR_FILE_DIRTY],
      [5, NR_FILE_MAPPED],
      [6, NR_ANON_MAPPED],
    ] as const) {
      expect(k.vmstat.lruvecPage(memcg, 0, item)).toBe(0);
      expect(k.vmstat.lruvecPage(memcg, 1, item)).toBe(1);
    }
    expect(k.mem.memcg[cachedAt(f.inode, 0)]).toBe(5);
    healthy(k);
  });

  for (const kind of ["file <-> file", "file <-> anon"] as const) {
    it(`exchange ${kind} across memcgs: each data's stats move under its own memcg; memcg_data travels with the data`, () => {
      const { k, sb } = makeFsSystem();
      const f = mappedFile(k, sb, 1, 8, 1);
      const fh = cachedAt(f.inode, 0);
      let other: number;
      if (kind === "file <-> file") other = cachedAt(mappedFile(k, sb, 0, 9, 1).inode, 0);
      else {
        const a = anonRegion(k, 0, 9, 1);
        other = mappedPfn(k, a.task.mm!, a.addr);
      }
      const stat9 = k.vmstat.memcgStat(9);
      expect(folioExchange(k, fh, other, MIGRATE_SYNC)).toBe(0);
      expect(k.mem.memcg[other]).toBe(8);
      expect(k.mem.memcg[fh]).toBe(9);
      expect(k.vmstat.lruvecPage(8, 1, NR_FILE_PAGES)).toBe(0);
      expect(k.vmstat.lruvecPage(8, 0, NR_FILE_PAGES)).toBe(1);
      expect(k.vmstat.memcgStat(8)).toMatchObject({ file: 1, file_mapped: 1, anon: 0 });
      expect(k.vmstat.memcgStat(9)).toEqual(stat9);
      expect(k.vmstat.lruvecPage(9, 0, kind === "file <-> file" ? NR_FILE_PAGES : NR_ANON_MAPPED)).toBe(0);
      healthy(k);
    });
  }
});
