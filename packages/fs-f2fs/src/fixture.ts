/**
 * The conformance fixtures of the f2fs and fallback backends: a one-page file on the backend's
 * filesystem (mounted once per system), written with write(2) and fsync'd, mapped MAP_SHARED by
 * a task and read-faulted so that the page-cache folio is mapped and clean. States:
 * - dirty: a store through the shared mapping (page_mkwrite → folio_mark_dirty);
 * - writeback: dirty, then writeback started and left in flight (endWriteback ends it);
 * - buffers-locked (f2fs): f2fs GC's move_data_page() holds the folio — f2fs_get_lock_data_folio()
 *   took its lock and a reference — and set PAGE_PRIVATE_ONGOING_MIGRATION; unlockPrivate() is the
 *   GC finishing (folio_mark_dirty, f2fs_put_page(folio, 1)).
 * The fallback fixture drops the private data ->writepage attached once the fsync is done (a
 * clean folio's buffers are freeable), so a plain fallback folio carries none.
 */
import { ACCESS_OK, GFP_KERNEL, MAP_SHARED, PG_locked, WB_SYNC_NONE, accessVirtual, createInode, createProcess, doMmapFile, filemapLookup, filemapReleaseFolio, filemapWrite, filemapWriteAndWait, folioAddressSpace, folioMarkDirty, folioPut, folioWaitWriteback, folioWalkStart, mountFs, truncateSetsize, writeCachePages, type Backend, type ConformanceFixture, type FixtureFolio, type FixtureFolioOptions, type Inode, type Kernel, type SuperBlock } from "@foliox/core";
import { PAGE_PRIVATE_ONGOING_MIGRATION, clearPagePrivate, setPagePrivate } from "./page-private.js";

const mounts = new WeakMap<Kernel, Map<string, SuperBlock>>();

/** The filesystem of backend `name` in system k, mounted on first use. */
export function fixtureSuper(k: Kernel, name: string): SuperBlock {
  let m = mounts.get(k);
  if (!m) mounts.set(k, (m = new Map()));
  let sb = m.get(name);
  if (!sb) {
    sb = mountFs(k, name, { raPages: 1 });
    m.set(name, sb);
  }
  return sb;
}

/** The inode a fixture folio's mapping maps. */
export function fixtureInode(f: FixtureFolio): Inode {
  const inode = f.task.mm!.vmaLookup(f.addr)?.vmFile;
  if (!inode) throw new Error(`fixture: no file mapped at 0x${f.addr.toString(16)}`);
  return inode;
}

function fail(name: string, what: string): never {
  throw new Error(`${name} fixture: ${what}`);
}

/** A mapped, clean one-page file folio of backend `name` on node nid (see the header). */
export function makeFileFolio(k: Kernel, name: string, nid: number, order: number, opts: FixtureFolioOptions, afterFsync?: (head: number) => void): FixtureFolio {
  if (order !== 0) fail(name, `only order-0 folios (asked for order ${order})`);
  const sb = fixtureSuper(k, name);
  const inode = createInode(k, sb);
  if (filemapWrite(k, inode, 0, nid) !== 4096) fail(name, "write(2) failed");
  if (filemapWriteAndWait(k, inode.mapping) !== 0) fail(name, "fsync failed");
  afterFsync?.(filemapLookup(inode.mapping, 0));
  const task = opts.task ?? createProcess(k, { nid });
  const mm = task.mm!;
  const addr = doMmapFile(k, mm, inode, 4096, { flags: MAP_SHARED });
  if (addr < 0) fail(name, `mmap failed (${addr})`);
  const home = mm.homeNid;
  mm.homeNid = nid;
  try {
    const rc = accessVirtual(k, mm, addr, opts.state === "dirty" || opts.state === "writeback");
    if (rc !== ACCESS_OK) fail(name, `fault failed (${rc})`);
  } finally {
    mm.homeNid = home;
  }
  const head = folioWalkStart(k, mm, addr);
  if (head < 0 || k.folioNid(head) !== nid) fail(name, `wanted a folio on node ${nid}, got pfn ${head}`);
  if (opts.state === "writeback" && writeCachePages(k, inode.mapping, WB_SYNC_NONE) !== 1) fail(name, "writeback did not start");
  return { head, task, addr, len: 4096 };
}

const common: Omit<ConformanceFixture, "makeFolio"> = {
  endWriteback(k: Kernel, head: number): void {
    folioWaitWriteback(k, head);
  },
  truncate(k: Kernel, folio: FixtureFolio): void {
    truncateSetsize(k, fixtureInode(folio), 0);
  },
};

export const f2fsFixture: ConformanceFixture = {
  ...common,
  makeFolio(k, nid, order, opts = {}) {
    if (opts.state && !["dirty", "writeback", "buffers-locked"].includes(opts.state)) fail("f2fs", `no "${opts.state}" state`);
    const f = makeFileFolio(k, "f2fs", nid, order, opts);
    if (opts.state === "buffers-locked") {
      // move_data_page(): f2fs_get_lock_data_folio() — the lock and a reference — then the GC mark.
      k.mem.refcount[f.head]!++;
      k.mem.setFlag(f.head, PG_locked);
      setPagePrivate(k, f.head, PAGE_PRIVATE_ONGOING_MIGRATION);
    }
    return f;
  },
  /** The private word is flags, not a pointer: the one frame it belongs to is the page cache's. */
  privateRefs(k, head) {
    const as = folioAddressSpace(k, head);
    return as ? [filemapLookup(as, k.mem.index[head]!)] : [];
  },
  /** The GC's move_data_page() finishes: folio_mark_dirty(), f2fs_put_page(folio, 1). */
  unlockPrivate(k, head) {
    folioMarkDirty(k, head);
    k.mem.clearFlag(head, PG_locked);
    folioPut(k, head);
  },
};

export const fallbackFixture: ConformanceFixture = {
  ...common,
  makeFolio(k, nid, order, opts = {}) {
    if (opts.state && !["dirty", "writeback"].includes(opts.state)) fail("fallback", `no "${opts.state}" state`);
    return makeFileFolio(k, "fallback", nid, order, opts, (head) => {
      // The clean folio's buffers are freeable (try_to_free_buffers()): drop them.
      const backend = k.backends.byName("fallback") as Backend;
      k.mem.setFlag(head, PG_locked);
      filemapReleaseFolio(k, backend, head, GFP_KERNEL);
      k.mem.clearFlag(head, PG_locked);
    });
  },
};

/** Undo the f2fs GC mark (tests): clear_page_private_gcing(). */
export function clearGcing(k: Kernel, head: number): void {
  clearPagePrivate(k, head, PAGE_PRIVATE_ONGOING_MIGRATION);
}
