/**
 * The syscall facade on file, shmem and KSM mappings: sys.movePages,
 * sys.migratePages and sys.exchangeFolios on an ext4/f2fs MAP_SHARED file, a tmpfs (shmem)
 * mapping, a MAP_PRIVATE file (a read-only page-cache page next to its COW anon copy) and a KSM
 * page, with the kernel's errnos: -EACCES for a folio that may be mapped by more than one mm
 * without MPOL_MF_MOVE_ALL (folio_likely_mapped_shared() on v6.12; docs/decisions.md#eacces-rule).
 * Every backend is registered as the CLI registers them (BUILTIN_BACKENDS).
 */
import "reflect-metadata";
import {
  ACCESS_OK,
  MAP_PRIVATE,
  MAP_SHARED,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  NR_FILE_PAGES,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  NR_SHMEM,
  PGMIGRATE_SUCCESS,
  SWAPOUT_FREED,
  SWAPOUT_KEEP,
  completeWriteback,
  reclaimFolio,
  accessVirtual,
  checkIntegrity,
  checkInvariants,
  createInode,
  createProcess,
  createSystem,
  doMmap,
  doMmapFile,
  filemapWrite,
  folioWalkStart,
  mountFs,
  syscalls,
  userNodemask,
  type Inode,
  type Kernel,
  type SuperBlock,
  type Task,
} from "@foliox/core";
import { ksmGetFolioProbe, ksmMadviseMergeable, ksmRmapItem, ksmStats, ksmdRun } from "@foliox/anon";
import { mountTmpfs, shmemWrite } from "@foliox/fs-tmpfs";
import { describe, expect, it } from "vitest";
import { BUILTIN_BACKENDS } from "../src/plugin.js";

const ENOENT = -2;
const EACCES = -13;
const EFAULT = -14;
const MiB = 1 << 20;
/** A value no syscall writes: shows that a status/err slot was left alone. */
const UNTOUCHED = 12345;
const ADMIN = { uid: 0, capSysNice: true, capSysPtrace: true };

function system(kernelVersion: "6.12" | "6.16" = "6.12"): Kernel {
  return createSystem({ memory: [16 * MiB, 16 * MiB], swapPages: 256, kernel: kernelVersion, backends: BUILTIN_BACKENDS.map((b) => b.register) }).kernel;
}

function healthy(k: Kernel, when = ""): void {
  expect(checkInvariants(k, { quiescent: true }), when).toEqual([]);
  const r = checkIntegrity(k);
  expect(r.violations, when).toEqual([]);
  expect(r.ok, when).toBe(true);
}

const pagesOf = (addr: number, n: number) => Array.from({ length: n }, (_, i) => addr + i * 4096);
const cachedAt = (inode: Inode, index: number) => inode.mapping.iPages.load(index) - 1;
const mappedAt = (k: Kernel, task: Task, addr: number) => folioWalkStart(k, task.mm!, addr);
const untouched = (n: number) => new Int32Array(n).fill(UNTOUCHED);
const isolated = (k: Kernel) => [0, 1].reduce((s, n) => s + k.vmstat.nodePage(n, NR_ISOLATED_ANON) + k.vmstat.nodePage(n, NR_ISOLATED_FILE), 0);

function mountOf(k: Kernel, fs: string): SuperBlock {
  return fs === "tmpfs" ? mountTmpfs(k) : mountFs(k, fs, { raPages: 1 });
}

/** A file of `pages` pages cached on `nid`, mapped with `flags` by a task on nid and read (faulted in). */
function mappedFile(k: Kernel, sb: SuperBlock, nid: number, pages: number, flags = MAP_SHARED, inode?: Inode) {
  if (!inode) {
    inode = createInode(k, sb);
    for (let i = 0; i < pages; i++) {
      const rc = sb.backend.manifest.name === "tmpfs" ? shmemWrite(k, inode, i, nid) : filemapWrite(k, inode, i, nid);
      expect(rc).toBe(4096);
    }
  }
  const task = createProcess(k, { nid });
  const addr = doMmapFile(k, task.mm!, inode, pages * 4096, { flags });
  expect(addr).toBeGreaterThan(0);
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, false)).toBe(ACCESS_OK);
  return { inode, task, addr };
}

/** A task's anon page written on nid, in a new mapping of `task` (or of a new task). */
function anonIn(k: Kernel, task: Task, pages = 1): number {
  const addr = doMmap(k, task.mm!, pages * 4096);
  expect(addr).toBeGreaterThan(0);
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
  return addr;
}

for (const fs of ["ext4-4k", "ext4-1k", "f2fs", "tmpfs"]) {
  const counter = fs === "tmpfs" ? NR_SHMEM : NR_FILE_PAGES;
  describe(`${fs}: MAP_SHARED mapping`, () => {
    it("move_pages moves each page-cache folio with its cache slot, writes status[], keeps the data and counters", () => {
      const k = system();
      const sb = mountOf(k, fs);
      const { inode, task, addr } = mappedFile(k, sb, 1, 3);
      healthy(k, "mapped");
      const pages = pagesOf(addr, 3);
      const before = pages.map((a) => mappedAt(k, task, a));
      before.forEach((h, i) => expect(cachedAt(inode, i)).toBe(h));
      const tokens = [0, 1, 2].map((i) => inode.shadow.load(i));
      const onSlow = k.vmstat.nodePage(1, counter);
      const status = untouched(3);
      expect(syscalls(k, task).movePages(0, 3, pages, [0, 0, 0], status, MPOL_MF_MOVE)).toBe(0);
      expect(Array.from(status)).toEqual([0, 0, 0]);
      pages.forEach((a, i) => {
        const h = mappedAt(k, task, a);
        expect(h).not.toBe(before[i]);
        expect(k.folioNid(h)).toBe(0);
        expect(cachedAt(inode, i)).toBe(h);
        expect(k.mem.index[h]).toBe(i);
        expect(inode.shadow.load(i)).toBe(tokens[i]);
      });
      expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(3);
      expect(k.vmstat.nodePage(1, counter)).toBe(onSlow - 3);
      expect(k.vmstat.nodePage(0, counter)).toBeGreaterThanOrEqual(3);
      expect(isolated(k)).toBe(0);
      healthy(k, "moved");
      // query mode reports the new node; the task still writes through its PTEs
      const q = untouched(3);
      expect(syscalls(k, task).movePages(0, 3, pages, null, q, 0)).toBe(0);
      expect(Array.from(q)).toEqual([0, 0, 0]);
      for (const a of pages) expect(accessVirtual(k, task.mm!, a, true)).toBe(ACCESS_OK);
      healthy(k, "written after the move");
    });

    it("a page mapped by two processes: -EACCES without MPOL_MF_MOVE_ALL; MOVE_ALL (CAP_SYS_NICE) moves it under both", () => {
      const k = system();
      const sb = mountOf(k, fs);
      const a = mappedFile(k, sb, 1, 2);
      // B maps only page 0 of the same file
      const b = mappedFile(k, sb, 1, 1, MAP_SHARED, a.inode);
      const shared = cachedAt(a.inode, 0);
      expect(mappedAt(k, b.task, b.addr)).toBe(shared);
      expect(k.mem.folioMapcount(shared)).toBe(2);
      const pages = pagesOf(a.addr, 2);
      const status = untouched(2);
      expect(syscalls(k, a.task).movePages(0, 2, pages, [0, 0], status, MPOL_MF_MOVE)).toBe(0);
      expect(Array.from(status)).toEqual([EACCES, 0]);
      expect(cachedAt(a.inode, 0)).toBe(shared);
      expect(k.folioNid(shared)).toBe(1);
      expect(k.folioNid(cachedAt(a.inode, 1))).toBe(0);
      healthy(k, "shared page refused");
      // MOVE_ALL needs CAP_SYS_NICE: the admin moves it, and both processes map the new folio
      const admin = createProcess(k, { nid: 0, cred: ADMIN });
      expect(syscalls(k, a.task).movePages(0, 1, [a.addr], [0], status, MPOL_MF_MOVE_ALL)).toBe(-1); // EPERM
      expect(syscalls(k, admin).movePages(a.task.pid, 1, [a.addr], [0], status, MPOL_MF_MOVE_ALL)).toBe(0);
      expect(status[0]).toBe(0);
      const moved = cachedAt(a.inode, 0);
      expect(moved).not.toBe(shared);
      expect(k.folioNid(moved)).toBe(0);
      expect(mappedAt(k, a.task, a.addr)).toBe(moved);
      expect(mappedAt(k, b.task, b.addr)).toBe(moved);
      expect(k.mem.folioMapcount(moved)).toBe(2);
      expect(isolated(k)).toBe(0);
      healthy(k, "shared page moved with MOVE_ALL");
    });

    it("migrate_pages moves the file pages; a page shared with another mm is skipped without CAP_SYS_NICE (not a failure)", () => {
      const k = system();
      const sb = mountOf(k, fs);
      const a = mappedFile(k, sb, 1, 3);
      const b = mappedFile(k, sb, 1, 1, MAP_SHARED, a.inode);
      const shared = cachedAt(a.inode, 0);
      const anonAddr = anonIn(k, a.task, 1);
      expect(syscalls(k, a.task).migratePages(0, 3, userNodemask([1]), userNodemask([0]))).toBe(0);
      expect(cachedAt(a.inode, 0)).toBe(shared);
      expect(k.folioNid(shared)).toBe(1);
      for (const i of [1, 2]) {
        expect(k.folioNid(cachedAt(a.inode, i))).toBe(0);
        expect(mappedAt(k, a.task, a.addr + i * 4096)).toBe(cachedAt(a.inode, i));
      }
      expect(k.folioNid(mappedAt(k, a.task, anonAddr))).toBe(0);
      expect(isolated(k)).toBe(0);
      healthy(k, "migrate_pages without CAP_SYS_NICE");
      const admin = createProcess(k, { nid: 0, cred: ADMIN });
      expect(syscalls(k, admin).migratePages(a.task.pid, 3, userNodemask([1]), userNodemask([0]))).toBe(0);
      expect(k.folioNid(cachedAt(a.inode, 0))).toBe(0);
      expect(mappedAt(k, b.task, b.addr)).toBe(cachedAt(a.inode, 0));
      healthy(k, "migrate_pages with CAP_SYS_NICE");
    });

    it("exchange_folios swaps a file page with an anon page of another range of the same process", () => {
      const k = system();
      const sb = mountOf(k, fs);
      const { inode, task, addr } = mappedFile(k, sb, 1, 1);
      task.mm!.homeNid = 0;
      const anonAddr = anonIn(k, task, 1);
      const file = mappedAt(k, task, addr);
      const anon = mappedAt(k, task, anonAddr);
      expect(k.folioNid(file)).toBe(1);
      expect(k.folioNid(anon)).toBe(0);
      const fileToken = inode.shadow.load(0);
      const fileOnSlow = k.vmstat.nodePage(1, counter);
      const err = untouched(1);
      expect(syscalls(k, task).exchangeFolios(0, 1, [addr], [anonAddr], err)).toBe(0);
      expect(Array.from(err)).toEqual([0]);
      // the data traded frames: the file's page now lives in the anon page's frame and vice versa
      expect(mappedAt(k, task, addr)).toBe(anon);
      expect(mappedAt(k, task, anonAddr)).toBe(file);
      expect(cachedAt(inode, 0)).toBe(anon);
      expect(k.mem.index[anon]).toBe(0);
      expect(k.mem.folioTestAnon(file)).toBe(true);
      expect(k.mem.folioTestAnon(anon)).toBe(false);
      expect(inode.shadow.load(0)).toBe(fileToken);
      expect(k.vmstat.nodePage(1, counter)).toBe(fileOnSlow - 1);
      expect(isolated(k)).toBe(0);
      healthy(k, "exchanged");
      // and back: identity
      expect(syscalls(k, task).exchangeFolios(0, 1, [addr], [anonAddr], err)).toBe(0);
      expect(mappedAt(k, task, addr)).toBe(file);
      expect(cachedAt(inode, 0)).toBe(file);
      healthy(k, "exchanged back");
    });

    it("exchange_folios of a file page mapped by two processes: -EACCES without CAP_SYS_NICE", () => {
      const k = system();
      const sb = mountOf(k, fs);
      const a = mappedFile(k, sb, 1, 1);
      mappedFile(k, sb, 1, 1, MAP_SHARED, a.inode);
      const anonAddr = anonIn(k, a.task, 1);
      const file = mappedAt(k, a.task, a.addr);
      const err = untouched(1);
      expect(syscalls(k, a.task).exchangeFolios(0, 1, [anonAddr], [a.addr], err)).toBe(1);
      expect(Array.from(err)).toEqual([EACCES]);
      expect(cachedAt(a.inode, 0)).toBe(file);
      healthy(k, "refused");
      const admin = createProcess(k, { nid: 0, cred: ADMIN });
      expect(syscalls(k, admin).exchangeFolios(a.task.pid, 1, [anonAddr], [a.addr], err)).toBe(0);
      expect(Array.from(err)).toEqual([0]);
      expect(cachedAt(a.inode, 0)).not.toBe(file);
      healthy(k, "exchanged by the admin");
    });
  });
}

describe("MAP_PRIVATE file mapping (ext4): the page-cache page vs its COW anon copy", () => {
  it("move_pages moves the read-only page-cache page with its slot and the COW copy as anon", () => {
    const k = system();
    const sb = mountOf(k, "ext4-4k");
    const { inode, task, addr } = mappedFile(k, sb, 1, 2, MAP_PRIVATE);
    // page 1 written: do_wp_page copies it into an anon folio; the page-cache page stays
    expect(accessVirtual(k, task.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    const cache0 = cachedAt(inode, 0);
    const cache1 = cachedAt(inode, 1);
    const cow = mappedAt(k, task, addr + 4096);
    expect(mappedAt(k, task, addr)).toBe(cache0);
    expect(cow).not.toBe(cache1);
    expect(k.mem.folioTestAnon(cow)).toBe(true);
    expect(k.mem.folioTestAnon(cache0)).toBe(false);
    healthy(k, "COW done");
    const status = untouched(2);
    expect(syscalls(k, task).movePages(0, 2, pagesOf(addr, 2), [0, 0], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([0, 0]);
    const moved0 = mappedAt(k, task, addr);
    expect(moved0).not.toBe(cache0);
    expect(cachedAt(inode, 0)).toBe(moved0);
    expect(k.folioNid(moved0)).toBe(0);
    const movedCow = mappedAt(k, task, addr + 4096);
    expect(movedCow).not.toBe(cow);
    expect(k.mem.folioTestAnon(movedCow)).toBe(true);
    expect(k.folioNid(movedCow)).toBe(0);
    // the unmapped page-cache page of index 1 was not asked for: it stays
    expect(cachedAt(inode, 1)).toBe(cache1);
    expect(k.folioNid(cache1)).toBe(1);
    expect(isolated(k)).toBe(0);
    healthy(k, "moved");
    // the private page is still read-only: a write COWs it, the file is untouched
    const token0 = inode.shadow.load(0);
    expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
    expect(mappedAt(k, task, addr)).not.toBe(moved0);
    expect(inode.shadow.load(0)).toBe(token0);
    healthy(k, "COW after the move");
  });

  it("exchange_folios of the page-cache page with its COW copy; a pte_none page is -ENOENT", () => {
    const k = system();
    const sb = mountOf(k, "ext4-4k");
    const { inode, task, addr } = mappedFile(k, sb, 1, 2, MAP_PRIVATE);
    expect(accessVirtual(k, task.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    const cache0 = cachedAt(inode, 0);
    const cow = mappedAt(k, task, addr + 4096);
    const hole = doMmapFile(k, task.mm!, inode, 4096, { flags: MAP_PRIVATE });
    const err = untouched(2);
    expect(syscalls(k, task).exchangeFolios(0, 2, [addr, hole], [addr + 4096, addr], err)).toBe(1);
    expect(Array.from(err)).toEqual([0, ENOENT]);
    expect(mappedAt(k, task, addr)).toBe(cow);
    expect(cachedAt(inode, 0)).toBe(cow);
    expect(mappedAt(k, task, addr + 4096)).toBe(cache0);
    expect(k.mem.folioTestAnon(cache0)).toBe(true);
    healthy(k, "exchanged");
  });
});

describe("tmpfs: a swapped-out shmem page and the LRU a shmem folio is isolated from", () => {
  it("shmem folios are swap-backed (anon LRU: NR_ISOLATED_ANON), file folios are not; a swapped-out page is -ENOENT", () => {
    const k = system();
    const shm = mappedFile(k, mountOf(k, "tmpfs"), 1, 2);
    const ext4 = mappedFile(k, mountOf(k, "ext4-4k"), 1, 1);
    expect(k.lru.folioIsFileLru(cachedAt(shm.inode, 0))).toBe(false);
    expect(k.lru.folioIsFileLru(cachedAt(ext4.inode, 0))).toBe(true);
    // page 1 of the shmem file goes to swap: its PTE is cleared, the xarray holds a value entry
    const head1 = cachedAt(shm.inode, 1);
    expect(reclaimFolio(k, head1)).toBe(SWAPOUT_KEEP);
    completeWriteback(k);
    expect(reclaimFolio(k, head1)).toBe(SWAPOUT_FREED);
    healthy(k, "swapped out");
    const q = untouched(2);
    expect(syscalls(k, shm.task).movePages(0, 2, pagesOf(shm.addr, 2), null, q, 0)).toBe(0);
    expect(Array.from(q)).toEqual([1, ENOENT]);
    const status = untouched(2);
    expect(syscalls(k, shm.task).movePages(0, 2, pagesOf(shm.addr, 2), [0, 0], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([0, ENOENT]);
    const err = untouched(1);
    expect(syscalls(k, shm.task).exchangeFolios(0, 1, [shm.addr + 4096], [shm.addr], err)).toBe(1);
    expect(Array.from(err)).toEqual([ENOENT]);
    expect(isolated(k)).toBe(0);
    healthy(k, "after the syscalls");
    // the fault swaps it back in; it moves like any shmem page
    expect(accessVirtual(k, shm.task.mm!, shm.addr + 4096, false)).toBe(ACCESS_OK);
    expect(syscalls(k, shm.task).migratePages(0, 3, userNodemask([0, 1]), userNodemask([1, 0]))).toBe(0);
    healthy(k, "after migrate_pages");
  });
});

describe('the -EACCES rule is "maybe mapped by more than one mm" as the kernel version computes it (docs/decisions.md#eacces-rule)', () => {
  it("a small file folio mapped twice by the same mm is shared by mapcount (> 1) on 6.12 and 6.16 alike", () => {
    for (const v of ["6.12", "6.16"] as const) {
      const k = system(v);
      const sb = mountOf(k, "ext4-4k");
      const { inode, task } = mappedFile(k, sb, 1, 1);
      const addr2 = doMmapFile(k, task.mm!, inode, 4096, { flags: MAP_SHARED });
      expect(accessVirtual(k, task.mm!, addr2, false)).toBe(ACCESS_OK);
      const status = untouched(1);
      expect(syscalls(k, task).movePages(0, 1, [addr2], [0], status, MPOL_MF_MOVE)).toBe(0);
      expect(Array.from(status), v).toEqual([EACCES]);
      healthy(k, v);
    }
  });

  it("a huge (order-9) shmem folio whose pages two mms map apart: moved on 6.12 (first-page guess), -EACCES on 6.16", () => {
    for (const v of ["6.12", "6.16"] as const) {
      const k = system(v);
      const sb = mountTmpfs(k, { huge: "always" });
      const inode = createInode(k, sb);
      expect(shmemWrite(k, inode, 0, 1)).toBe(4096);
      expect(shmemWrite(k, inode, 1, 1)).toBe(4096);
      const head = cachedAt(inode, 0);
      expect(k.mem.order[head]).toBe(9);
      const a = createProcess(k, { nid: 1 });
      const aAddr = doMmapFile(k, a.mm!, inode, 2 * 4096, { flags: MAP_SHARED });
      expect(accessVirtual(k, a.mm!, aAddr, false)).toBe(ACCESS_OK); // page 0 only
      const b = createProcess(k, { nid: 1 });
      const bAddr = doMmapFile(k, b.mm!, inode, 2 * 4096, { flags: MAP_SHARED });
      expect(accessVirtual(k, b.mm!, bAddr + 4096, false)).toBe(ACCESS_OK); // page 1 only
      expect(k.mem.folioMapcount(head)).toBe(2);
      healthy(k, `${v} mapped`);
      const status = untouched(1);
      expect(syscalls(k, a).movePages(0, 1, [aAddr], [0], status, MPOL_MF_MOVE)).toBe(0);
      if (v === "6.12") {
        expect(status[0]).toBe(0);
        const moved = cachedAt(inode, 0);
        expect(moved).not.toBe(head);
        expect(k.mem.order[moved]).toBe(9);
        expect(k.folioNid(moved)).toBe(0);
        expect(cachedAt(inode, 1)).toBe(moved);
        expect(mappedAt(k, a, aAddr)).toBe(moved);
        expect(folioWalkStart(k, b.mm!, bAddr + 4096)).toBe(moved);
      } else {
        expect(status[0]).toBe(EACCES);
        expect(cachedAt(inode, 0)).toBe(head);
      }
      expect(isolated(k)).toBe(0);
      healthy(k, `${v} after move_pages`);
    }
  });
});

describe("KSM pages through the syscalls", () => {
  /** Two processes whose page 0 holds the same data, merged into one KSM page. */
  function merged() {
    const k = system();
    const b = createProcess(k, { nid: 0 });
    const bAddr = anonIn(k, b, 2);
    const a = createProcess(k, { nid: 1 });
    const aAddr = anonIn(k, a, 2);
    const src = mappedAt(k, a, aAddr);
    const dst = mappedAt(k, b, bAddr);
    const token = k.mem.content[src]!;
    k.content.writePage(dst, token);
    k.pgtables.walk(b.mm!.pgd, bAddr / 4096, false);
    k.pgtables.shadow[k.pgtables.off] = token;
    expect(ksmMadviseMergeable(k, a.mm!, aAddr, 2 * 4096)).toBe(0);
    expect(ksmMadviseMergeable(k, b.mm!, bAddr, 2 * 4096)).toBe(0);
    ksmdRun(k, 2);
    const ksm = mappedAt(k, a, aAddr);
    expect(k.mem.folioTestKsm(ksm)).toBe(true);
    expect(mappedAt(k, b, bAddr)).toBe(ksm);
    return { k, a, aAddr, b, bAddr, ksm, node: ksmRmapItem(k, a.mm!, aAddr)!.head! };
  }

  it("migrate_pages skips the KSM page without CAP_SYS_NICE and moves it (kpfn follows) with it", () => {
    const { k, a, aAddr, b, bAddr, ksm, node } = merged();
    const stats = ksmStats(k);
    expect(syscalls(k, a).migratePages(0, 3, userNodemask([0]), userNodemask([1]))).toBe(0);
    expect(mappedAt(k, a, aAddr)).toBe(ksm);
    healthy(k, "skipped");
    const admin = createProcess(k, { nid: 0, cred: ADMIN });
    // the KSM page sits on node 0 (B's copy was kept), a's unmerged page 1 on node 1
    const from = k.folioNid(ksm);
    const to = 1 - from;
    expect(syscalls(k, admin).migratePages(a.pid, 3, userNodemask([from]), userNodemask([to]))).toBe(0);
    const moved = mappedAt(k, a, aAddr);
    expect(moved).not.toBe(ksm);
    expect(k.folioNid(moved)).toBe(to);
    expect(mappedAt(k, b, bAddr)).toBe(moved);
    expect(node.kpfn).toBe(moved);
    expect(ksmGetFolioProbe(k, node)).toBe(moved);
    expect(ksmStats(k)).toEqual(stats);
    healthy(k, "moved");
  });

  it("exchange_folios KSM↔file: -EACCES without CAP_SYS_NICE; with it the stable node follows the data into the old file frame", () => {
    const { k, a, aAddr, b, bAddr, ksm, node } = merged();
    const sb = mountOf(k, "f2fs");
    const { inode, addr } = (() => {
      const inode = createInode(k, sb);
      expect(filemapWrite(k, inode, 0, 1)).toBe(4096);
      const addr = doMmapFile(k, a.mm!, inode, 4096, { flags: MAP_SHARED });
      expect(accessVirtual(k, a.mm!, addr, false)).toBe(ACCESS_OK);
      return { inode, addr };
    })();
    const file = cachedAt(inode, 0);
    const err = untouched(1);
    expect(syscalls(k, a).exchangeFolios(0, 1, [aAddr], [addr], err)).toBe(1);
    expect(Array.from(err)).toEqual([EACCES]);
    healthy(k, "refused");
    const stats = ksmStats(k);
    const admin = createProcess(k, { nid: 0, cred: ADMIN });
    expect(syscalls(k, admin).exchangeFolios(a.pid, 1, [aAddr], [addr], err)).toBe(0);
    expect(Array.from(err)).toEqual([0]);
    expect(mappedAt(k, a, aAddr)).toBe(file);
    expect(mappedAt(k, b, bAddr)).toBe(file);
    expect(k.mem.folioTestKsm(file)).toBe(true);
    expect(node.kpfn).toBe(file);
    expect(ksmGetFolioProbe(k, node)).toBe(file);
    expect(cachedAt(inode, 0)).toBe(ksm);
    expect(mappedAt(k, a, addr)).toBe(ksm);
    expect(ksmStats(k)).toEqual(stats);
    healthy(k, "exchanged");
  });

  it("move_pages of a KSM page is -EACCES without MOVE_ALL, an unmapped address -EFAULT", () => {
    const { k, a, aAddr, ksm } = merged();
    const status = untouched(2);
    const to = 1 - k.folioNid(ksm);
    expect(syscalls(k, a).movePages(0, 2, [aAddr, 0x1000], [to, to], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([EACCES, EFAULT]);
    expect(mappedAt(k, a, aAddr)).toBe(ksm);
    healthy(k, "refused");
  });
});
