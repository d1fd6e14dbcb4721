import { describe, expect, it } from "vitest";
import { doMmapFile } from "../src/fs/file-fault.js";
import { filemapRead } from "../src/fs/filemap.js";
import { filemapWriteAndWait } from "../src/fs/page-writeback.js";
import type { Inode, SuperBlock } from "../src/fs/inode.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import { EXCHANGE_FAILURE_POINTS } from "../src/exchange/exchange-op.js";
import { createProcess } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { doMmap, MAP_SHARED } from "../src/mm/mmap.js";
import { PG_dirty } from "../src/mm/page-flags.js";
import { NR_FILE_DIRTY, NR_FILE_MAPPED, NR_FILE_PAGES, NR_ZONE_WRITE_PENDING, PGEXCHANGE_SUCCESS, PGMIGRATE_SUCCESS } from "../src/mm/vmstat.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MR_SYSCALL, type MigrateMode } from "../src/migrate/migrate-mode.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { allocMigrationTargetCb, type MigrationTargetControl } from "../src/migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { makeTestFsBackend, cachedAt, healthy, makeFsSystem, mappedPfn, writtenFile } from "./fs-helpers.js";
import type { Task } from "../src/mm/mm-types.js";
import { MAX_NR_ZONES } from "../src/mm/topology.js";

const EAGAIN = -11;
const toNode = (nid: number): MigrationTargetControl => ({ nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });

/** A file of `pages` on node `nid`, mapped shared by a process on that node, every page stored to (dirty). */
function mappedFile(k: Kernel, sb: SuperBlock, nid: number, pages = 2): { inode: Inode; task: Task; addr: number } {
  const { inode } = writtenFile(k, sb, pages, nid);
  const task = createProcess(k, { nid });
  const addr = doMmapFile(k, task.mm!, inode, pages * 4096, { flags: MAP_SHARED });
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
  return { inode, task, addr };
}

function anonRegion(k: Kernel, nid: number, pages = 2): { task: Task; addr: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, pages * 4096);
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
  return { task, addr };
}

function migrateOne(k: Kernel, head: number, nid: number, mode: MigrateMode = MIGRATE_SYNC): number {
  const list = k.lists.alloc();
  expect(isolateFolioForMigration(k, head, list)).toBe(true);
  const rc = migratePages(k, list, allocMigrationTargetCb, null, toNode(nid), mode, MR_SYSCALL);
  putbackMovablePages(k, list); // what the caller (move_pages) does with the failures
  return rc;
}

/** "unchanged" (docs/decisions.md#unchanged): mem_map (without LRU links and PG_dirty), PTEs, contents, caches, counters. */
function snapshot(k: Kernel): unknown {
  const mem = k.mem;
  const ptes: number[] = [];
  for (const mm of k.mms)
    for (const vma of mm.vmas)
      for (let v = vma.vmStart / 4096; v < vma.vmEnd / 4096; v++) ptes.push(k.pgtables.walk(mm.pgd, v, false) ? k.pgtables.leaf[k.pgtables.off]! : 0);
  const slots: number[] = [];
  for (const as of k.fs.addressSpaces)
    if (as) for (let i = as.iPages.findNext(0); i >= 0; i = as.iPages.findNext(i + 1)) slots.push(as.id, i, as.iPages.load(i));
  const events = Array.from(k.vmstat.events);
  return {
    flags: Array.from(mem.flags, (f) => f & ~(1 << PG_dirty)),
    refcount: Array.from(mem.refcount),
    mapcount: Array.from(mem.mapcount),
    mapping: Array.from(mem.mapping),
    index: Array.from(mem.index),
    content: Array.from(mem.content),
    ptes,
    slots,
    node: Array.from(k.vmstat.node),
    zone: Array.from(k.vmstat.zone),
    events: events.slice(0, events.length - 9),
  };
}

describe("migrating page-cache folios", () => {
  it("moves data, the cache slot, the PTEs and NR_FILE_PAGES / NR_FILE_DIRTY / NR_FILE_MAPPED to the target node", () => {
    const { k, sb } = makeFsSystem();
    const f = mappedFile(k, sb, 0);
    const old = cachedAt(f.inode, 0);
    const token = k.mem.content[old]!;
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(2);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(2);
    expect(migrateOne(k, old, 1)).toBe(0);
    const now = cachedAt(f.inode, 0);
    expect(now).not.toBe(old);
    expect(k.folioNid(now)).toBe(1);
    expect(k.mem.content[now]).toBe(token);
    expect(mappedPfn(k, f.task.mm!, f.addr)).toBe(now);
    expect(k.mem.testFlag(now, PG_dirty)).toBe(true);
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(1);
    expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(1);
    expect(k.vmstat.nodePage(1, NR_FILE_DIRTY)).toBe(1);
    expect(k.vmstat.nodePage(1, NR_FILE_MAPPED)).toBe(1);
    expect(k.vmstat.zonePage(k.mem.zone[now]!, NR_ZONE_WRITE_PENDING)).toBe(1);
    expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(1);
    expect(filemapRead(k, f.inode, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(token);
    healthy(k);
    // still writable through the mapping, and the store lands in the file
    expect(accessVirtual(k, f.task.mm!, f.addr, true)).toBe(ACCESS_OK);
    healthy(k);
  });

  it("an extra page-cache reference makes the freeze fail: -EAGAIN, retried, then counted failed; nothing moved", () => {
    const { k, sb } = makeFsSystem();
    const f = mappedFile(k, sb, 0);
    const old = cachedAt(f.inode, 0);
    k.mem.refcount[old]!++;
    k.mem.pincount[old]!++;
    expect(migrateOne(k, old, 1)).toBe(1);
    expect(cachedAt(f.inode, 0)).toBe(old);
    expect(mappedPfn(k, f.task.mm!, f.addr)).toBe(old);
    k.mem.refcount[old]!--;
    k.mem.pincount[old]!--;
    healthy(k);
  });

  it("without ->migrate_folio: a dirty folio is refused in ASYNC (-EBUSY); a clean one goes through fallback_migrate_folio", () => {
    const base = makeTestFsBackend();
    const backend = makeTestFsBackend("fallbackfs", {
      migrateFolio: undefined,
      manifest: { ...base.manifest, name: "fallbackfs", migrateCallback: "fallback_migrate_folio" },
    });
    const { k, sb } = makeFsSystem({ backend });
    const { inode, tokens } = writtenFile(k, sb, 2);
    const dirty = cachedAt(inode, 0);
    expect(migrateOne(k, dirty, 1, MIGRATE_ASYNC)).toBe(1);
    expect(cachedAt(inode, 0)).toBe(dirty);
    healthy(k);
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    expect(migrateOne(k, dirty, 1, MIGRATE_SYNC)).toBe(0);
    expect(k.folioNid(cachedAt(inode, 0))).toBe(1);
    expect(k.mem.content[cachedAt(inode, 0)]).toBe(tokens[0]);
    healthy(k);
  });
});

describe("folio exchange with page-cache folios", () => {
  function setup() {
    const { k, sb } = makeFsSystem();
    const file = mappedFile(k, sb, 1); // hot file data on the slow node
    const anon = anonRegion(k, 0); // cold anon data on the fast node
    return { k, sb, file, anon, fileHead: cachedAt(file.inode, 0), anonHead: mappedPfn(k, anon.task.mm!, anon.addr) };
  }

  it("file <-> anon: data, cache slot, PTEs and the page-cache counters follow the data", () => {
    const { k, file, anon, fileHead, anonHead } = setup();
    const fileToken = k.mem.content[fileHead]!;
    const anonToken = k.mem.content[anonHead]!;
    const calls = k.alloc.nrAllocCalls;
    expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(2);
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
    expect(k.alloc.nrAllocCalls).toBe(calls);
    // The file page now lives in the fast frame, in the cache and in the mapping.
    expect(cachedAt(file.inode, 0)).toBe(anonHead);
    expect(mappedPfn(k, file.task.mm!, file.addr)).toBe(anonHead);
    expect(k.mem.content[anonHead]).toBe(fileToken);
    expect(mappedPfn(k, anon.task.mm!, anon.addr)).toBe(fileHead);
    expect(k.mem.content[fileHead]).toBe(anonToken);
    expect(k.mem.folioTestAnon(fileHead)).toBe(true);
    expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(1);
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(1);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(1);
    expect(k.vmstat.nodePage(0, NR_FILE_MAPPED)).toBe(1);
    expect(k.vmstat.zonePage(1 * MAX_NR_ZONES + (k.mem.zone[fileHead]! % MAX_NR_ZONES), NR_ZONE_WRITE_PENDING)).toBe(1);
    expect(k.vmstat.event(PGEXCHANGE_SUCCESS)).toBe(1);
    healthy(k);
    expect(filemapRead(k, file.inode, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(fileToken);
    expect(accessVirtual(k, file.task.mm!, file.addr, true)).toBe(ACCESS_OK);
    expect(accessVirtual(k, anon.task.mm!, anon.addr, true)).toBe(ACCESS_OK);
    healthy(k);
    // and back (anon <-> file order)
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_ASYNC)).toBe(0);
    expect(cachedAt(file.inode, 0)).toBe(fileHead);
    expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(2);
    healthy(k);
  });

  it("file <-> file across two files, and two folios of the same file (its i_pages lock taken once)", () => {
    const { k, sb } = makeFsSystem();
    const a = mappedFile(k, sb, 1);
    const b = mappedFile(k, sb, 0);
    const ha = cachedAt(a.inode, 1);
    const hb = cachedAt(b.inode, 0);
    const ta = k.mem.content[ha]!;
    expect(folioExchange(k, ha, hb, MIGRATE_SYNC)).toBe(0);
    expect(cachedAt(a.inode, 1)).toBe(hb);
    expect(cachedAt(b.inode, 0)).toBe(ha);
    expect(k.mem.content[hb]).toBe(ta);
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(2);
    healthy(k);
    // same file: index 0 and 1 of a swap frames
    const a0 = cachedAt(a.inode, 0);
    const a1 = cachedAt(a.inode, 1);
    const t0 = k.mem.content[a0]!;
    expect(folioExchange(k, a0, a1, MIGRATE_SYNC)).toBe(0);
    expect(cachedAt(a.inode, 0)).toBe(a1);
    expect(cachedAt(a.inode, 1)).toBe(a0);
    expect(k.mem.content[a1]).toBe(t0);
    expect(mappedPfn(k, a.task.mm!, a.addr)).toBe(a1);
    expect(a.inode.mapping.xaLocked).toBe(false);
    healthy(k);
  });

  it("an extra reference on the page-cache folio: -EAGAIN, everything unchanged", () => {
    const { k, fileHead, anonHead } = setup();
    k.mem.refcount[fileHead]!++;
    k.mem.pincount[fileHead]!++;
    const before = snapshot(k);
    expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(EAGAIN);
    expect(snapshot(k)).toEqual(before);
    k.mem.refcount[fileHead]!--;
    k.mem.pincount[fileHead]!--;
    healthy(k);
  });

  describe("failure injection: file <-> anon unchanged after a failure at each step", () => {
    for (const point of EXCHANGE_FAILURE_POINTS) {
      it(point, () => {
        const { k, fileHead, anonHead } = setup();
        const before = snapshot(k);
        k.faultInject.arm(point, EAGAIN);
        expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(EAGAIN);
        expect(snapshot(k)).toEqual(before);
        healthy(k);
        expect(folioExchange(k, fileHead, anonHead, MIGRATE_SYNC)).toBe(0);
        healthy(k);
      });
    }
  });

  it("bytes mode: file <-> file carries every byte, and the store still agrees after eviction", () => {
    const { k, sb } = makeFsSystem({ bytes: true });
    const a = mappedFile(k, sb, 1);
    const b = mappedFile(k, sb, 0);
    expect(folioExchange(k, cachedAt(a.inode, 0), cachedAt(b.inode, 1), MIGRATE_SYNC)).toBe(0);
    healthy(k);
    expect(filemapWriteAndWait(k, a.inode.mapping)).toBe(0);
    healthy(k);
  });
});
