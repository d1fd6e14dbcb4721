import { describe, expect, it } from "vitest";
import { doMmapFile } from "../src/fs/file-fault.js";
import { filemapRead, filemapWrite } from "../src/fs/filemap.js";
import { filemapWriteAndWait } from "../src/fs/page-writeback.js";
import { truncateSetsize } from "../src/fs/truncate.js";
import { copyProcess, createProcess } from "../src/syscalls/fork.js";
import { ACCESS_BLOCKED, ACCESS_OK, ACCESS_SEGV, accessVirtual } from "../src/mm/memory.js";
import { MAP_PRIVATE, MAP_SHARED, doMunmap } from "../src/mm/mmap.js";
import { PG_dirty, PG_locked } from "../src/mm/page-flags.js";
import { pteWrite } from "../src/mm/pgtable.js";
import { removeMigrationPtes, rmapWalk, tryToMigrate } from "../src/mm/rmap.js";
import { NR_ANON_MAPPED, NR_FILE_DIRTY, NR_FILE_MAPPED } from "../src/mm/vmstat.js";
import { checkInvariants } from "../src/debug/invariants.js";
import type { Task } from "../src/mm/mm-types.js";
import { pteAt } from "./helpers.js";
import { cachedAt, healthy, makeFsSystem, mappedPfn, writtenFile } from "./fs-helpers.js";

describe("mmap of files", () => {
  it("a shared mapping faults the page-cache page in; a store dirties it and read() sees it", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 4);
    filemapWriteAndWait(k, inode.mapping);
    const t = createProcess(k, { nid: 0 });
    const addr = doMmapFile(k, t.mm!, inode, 4 * 4096, { flags: MAP_SHARED });
    expect(addr).toBeGreaterThan(0);
    // A load maps the cached page read-only (dirty tracking).
    expect(accessVirtual(k, t.mm!, addr + 4096, false)).toBe(ACCESS_OK);
    const head = cachedAt(inode, 1);
    expect(mappedPfn(k, t.mm!, addr + 4096)).toBe(head);
    expect(pteWrite(pteAt(k, t.mm!, addr + 4096))).toBe(false);
    expect(k.vmstat.nodePage(0, NR_FILE_MAPPED)).toBe(1);
    expect(t.mm!.rssFile).toBe(1);
    healthy(k);
    // A store faults (wp_page_shared), dirties the folio, and the file has the new data.
    expect(accessVirtual(k, t.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    expect(k.mem.testFlag(head, PG_dirty)).toBe(true);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(1);
    const written = k.mem.content[head]!;
    expect(filemapRead(k, inode, 1)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(written);
    healthy(k);
    // fsync writes it out and write-protects the PTE; the next store dirties it again.
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    expect(pteWrite(pteAt(k, t.mm!, addr + 4096))).toBe(false);
    expect(k.mem.testFlag(head, PG_dirty)).toBe(false);
    healthy(k);
    expect(accessVirtual(k, t.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    expect(k.mem.testFlag(head, PG_dirty)).toBe(true);
    healthy(k);
    // A write() is visible through the mapping.
    expect(filemapWrite(k, inode, 1)).toBe(4096);
    expect(accessVirtual(k, t.mm!, addr + 4096, false)).toBe(ACCESS_OK);
    expect(k.faultState.lastToken).toBe(inode.shadow.load(1));
    healthy(k);
    // A store fault on an unfaulted page maps it writable and dirty at once (do_shared_fault).
    expect(accessVirtual(k, t.mm!, addr + 2 * 4096, true)).toBe(ACCESS_OK);
    expect(pteWrite(pteAt(k, t.mm!, addr + 2 * 4096))).toBe(true);
    healthy(k);
    // Past EOF: SIGBUS (the access fails).
    truncateSetsize(k, inode, 3 * 4096);
    expect(accessVirtual(k, t.mm!, addr + 3 * 4096, false)).toBe(ACCESS_SEGV);
    healthy(k);
    expect(doMunmap(k, t.mm!, addr, 4 * 4096)).toBe(0);
    expect(inode.mapping.iMmap.length).toBe(0);
    expect(k.vmstat.nodePage(0, NR_FILE_MAPPED)).toBe(0);
    healthy(k);
  });

  it("a private mapping copies on write into an anonymous folio; the file keeps its data", () => {
    const { k, sb } = makeFsSystem();
    const { inode, tokens } = writtenFile(k, sb, 2);
    const t = createProcess(k, { nid: 0 });
    const addr = doMmapFile(k, t.mm!, inode, 2 * 4096, { flags: MAP_PRIVATE });
    expect(accessVirtual(k, t.mm!, addr, false)).toBe(ACCESS_OK);
    expect(mappedPfn(k, t.mm!, addr)).toBe(cachedAt(inode, 0));
    healthy(k);
    // wp_page_copy(): the PTE now maps an anon copy.
    expect(accessVirtual(k, t.mm!, addr, true)).toBe(ACCESS_OK);
    const cow = mappedPfn(k, t.mm!, addr);
    expect(cow).not.toBe(cachedAt(inode, 0));
    expect(k.mem.folioTestAnon(cow)).toBe(true);
    expect(t.mm!.rssAnon).toBe(1);
    expect(t.mm!.rssFile).toBe(0);
    expect(k.vmstat.nodePage(0, NR_FILE_MAPPED)).toBe(0);
    expect(filemapRead(k, inode, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(tokens[0]);
    healthy(k);
    // do_cow_fault(): a first store to an unfaulted page copies directly.
    expect(accessVirtual(k, t.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    expect(k.mem.folioTestAnon(mappedPfn(k, t.mm!, addr + 4096))).toBe(true);
    expect(k.vmstat.nodePage(0, NR_ANON_MAPPED)).toBe(2);
    expect(filemapRead(k, inode, 1)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(tokens[1]);
    healthy(k);
    // truncate zaps the private COW copies too
    truncateSetsize(k, inode, 0);
    expect(mappedPfn(k, t.mm!, addr)).toBe(-1);
    expect(t.mm!.rssAnon).toBe(0);
    healthy(k);
  });

  it("rmap through i_mmap finds every process; try_to_migrate and remove_migration_ptes round-trip", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 4);
    const tasks: Task[] = [];
    const addrs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = createProcess(k, { nid: 0 });
      // the third maps from file page 1, so index 2 is at its second page
      const a = doMmapFile(k, t.mm!, inode, 3 * 4096, { flags: i === 1 ? MAP_PRIVATE : MAP_SHARED, pgoff: i === 2 ? 1 : 0 });
      tasks.push(t);
      addrs.push(a);
    }
    for (let i = 0; i < 3; i++) expect(accessVirtual(k, tasks[i]!.mm!, addrs[i]! + (i === 2 ? 1 : 2) * 4096, i !== 1)).toBe(ACCESS_OK);
    const head = cachedAt(inode, 2);
    expect(k.mem.folioMapcount(head)).toBe(3);
    const seen: string[] = [];
    rmapWalk(k, head, (vma, _i, addr) => {
      seen.push(`${vma.mm.id}@${(addr - vma.vmStart) / 4096}`);
      return true;
    });
    expect(seen).toEqual([`${tasks[0]!.mm!.id}@2`, `${tasks[1]!.mm!.id}@2`, `${tasks[2]!.mm!.id}@1`]);
    healthy(k);
    // A fork shares the mapping: i_mmap gains the child's vmas.
    const child = copyProcess(k, tasks[0]!) as Task;
    expect(inode.mapping.iMmap.length).toBe(4);
    expect(accessVirtual(k, child.mm!, addrs[0]! + 2 * 4096, false)).toBe(ACCESS_OK);
    expect(k.mem.folioMapcount(head)).toBe(4);
    healthy(k);

    k.mem.setFlag(head, PG_locked);
    tryToMigrate(k, head, 0);
    expect(k.mem.folioMapcount(head)).toBe(0);
    expect(k.vmstat.nodePage(0, NR_FILE_MAPPED)).toBe(0);
    // a fault on a migration entry blocks until the remap
    expect(accessVirtual(k, tasks[0]!.mm!, addrs[0]! + 2 * 4096, false)).toBe(ACCESS_BLOCKED);
    removeMigrationPtes(k, head, head);
    k.mem.clearFlag(head, PG_locked);
    expect(k.mem.folioMapcount(head)).toBe(4);
    expect(mappedPfn(k, tasks[2]!.mm!, addrs[2]! + 4096)).toBe(head);
    healthy(k);
  });

  it("checkInvariants catches a file PTE that i_mmap does not list", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 1);
    const t = createProcess(k, { nid: 0 });
    const addr = doMmapFile(k, t.mm!, inode, 4096);
    expect(accessVirtual(k, t.mm!, addr, false)).toBe(ACCESS_OK);
    inode.mapping.iMmap.length = 0;
    expect(checkInvariants(k).some((s) => s.includes("i_mmap"))).toBe(true);
  });
});
