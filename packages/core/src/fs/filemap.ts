/**
 * The page cache: mm/filemap.c (filemap_add_folio, __filemap_remove_folio, filemap_read,
 * generic_perform_write, filemap_release_folio), mm/readahead.c (page_cache_ra_unbounded, page_cache_sync_ra,
 * page_cache_async_ra, read_pages) and fs/mpage.c mpage_read_folio reduced to "read each page
 * from its block". Every I/O is one 4 KiB page: read and write move whole pages.
 *
 * Readahead is a fixed window (page_cache_ra_unbounded-lite): a miss reads sb.raPages pages
 * from the faulting index (bdi->ra_pages, VM_READAHEAD_PAGES = 32 by default) and marks the
 * folio at window - window/4 PG_readahead; hitting a PG_readahead folio reads the next window
 * (page_cache_async_ra). The ramp-up of get_init_ra_size/get_next_ra_size is left out.
 *
 * Contents: a page's data is its token (and bytes in bytes mode). A write stores a fresh token
 * and records it in the inode's integrity shadow, as a store through a PTE does in the PTE
 * shadow.
 */
import { EAGAIN, ENOMEM } from "../kernel/errno.js";
import type { Backend } from "../backend/contract.js";
import type { Kernel } from "../kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_NORETRY, __GFP_NOWARN } from "../mm/gfp.js";
import { PG_locked, PG_private, PG_readahead, PG_referenced, PG_swapbacked, PG_uptodate, PG_writeback } from "../mm/page-flags.js";
import { folioPut, folioPutRefs } from "../mm/swap.js";
import { NR_FILE_PAGES, NR_SHMEM } from "../mm/vmstat.js";
import type { AddressSpace } from "./address-space.js";
import type { Inode } from "./inode.js";
import { folioMarkDirty } from "../mm/folio-dirty.js";
import { swapOps } from "../mm/hooks.js";
import { xaIsValue } from "./xarray.js";
import { folioWaitLocked } from "../mm/folio-lock.js";

/**
 * __filemap_add_folio() + folio_add_lru(): the folio (locked, one reference from its
 * allocator) enters the cache at index: +nr references, mapping and index set, NR_FILE_PAGES
 * (and NR_SHMEM for swap-backed) counted, then onto the file (or anon, for shmem) LRU.
 */
export function filemapAddFolio(k: Kernel, as: AddressSpace, head: number, index: number): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  mem.setFlag(head, PG_locked);
  mem.refcount[head]! += nr;
  mem.mapping[head] = as.tagged;
  mem.index[head] = index;
  if (as.swapBacked) mem.setFlag(head, PG_swapbacked);
  as.iPages.storeRange(index, nr, head + 1);
  as.nrpages += nr;
  // mem_cgroup_charge(): the folio is charged to the memcg that adds it (the mapping's)
  mem.memcg[head] = as.memcg;
  const nid = k.folioNid(head);
  k.vmstat.modLruvec(as.memcg, nid, NR_FILE_PAGES, nr);
  if (as.swapBacked) k.vmstat.modLruvec(as.memcg, nid, NR_SHMEM, nr);
  k.lru.folioAddLru(head);
}

/**
 * __filemap_remove_folio() + filemap_free_folio() (mm/filemap.c): page_cache_delete() erases
 * the slots, uncounts NR_FILE_PAGES (NR_SHMEM), clears folio->mapping, and the cache's nr
 * references are dropped. The folio is locked, unmapped and clean; the caller holds a ref.
 */
export function filemapRemoveFolio(k: Kernel, as: AddressSpace, head: number): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const index = mem.index[head]!;
  as.iPages.storeRange(index, nr, 0);
  as.nrpages -= nr;
  const nid = k.folioNid(head);
  const memcg = mem.memcg[head]!;
  k.vmstat.modLruvec(memcg, nid, NR_FILE_PAGES, -nr);
  if (mem.testFlag(head, PG_swapbacked)) k.vmstat.modLruvec(memcg, nid, NR_SHMEM, -nr);
  mem.mapping[head] = 0;
  folioPutRefs(k, head, nr);
}

/**
 * mpage_read_folio(): read each page of a locked folio from its block (a hole reads zeroes),
 * mark it uptodate and unlock it. The generic a_ops->read_folio.
 */
export function mpageReadFolio(k: Kernel, head: number): number {
  const mem = k.mem;
  const as = k.fs.addressSpaces[mem.mapping[head]! >> 2]!;
  const inode = as.host;
  const nr = mem.folioNrPages(head);
  const index = mem.index[head]!;
  for (let i = 0; i < nr; i++) inode.sb.store.readBlock(k, inode.blocks.load(index + i) - 1, head + i);
  mem.setFlag(head, PG_uptodate);
  mem.clearFlag(head, PG_locked);
  return 0;
}

/** read_pages(): ->read_folio on one new locked folio. */
function readPage(k: Kernel, as: AddressSpace, head: number): number {
  return as.aOps.readFolio ? as.aOps.readFolio(k, head) : mpageReadFolio(k, head);
}

/**
 * page_cache_ra_unbounded() (mm/readahead.c): allocate and read folios for the uncached
 * indexes of [index, index + nrToRead) inside i_size, marking the one at
 * nrToRead - lookaheadSize PG_readahead. Order-0 folios; an allocation failure ends the
 * window early (readahead_gfp_mask has __GFP_NORETRY). Returns folios added.
 */
export function pageCacheRaUnbounded(k: Kernel, as: AddressSpace, index: number, nrToRead: number, lookaheadSize: number, nid: number): number {
  const mem = k.mem;
  const end = Math.min(index + nrToRead, as.host.sizePages);
  let added = 0;
  for (let i = index; i < end; i++) {
    if (as.iPages.load(i) !== 0) continue;
    const head = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_NORETRY | __GFP_NOWARN, 0, nid);
    if (head < 0) break;
    if (i - index === nrToRead - lookaheadSize) mem.setFlag(head, PG_readahead);
    filemapAddFolio(k, as, head, i);
    readPage(k, as, head);
    folioPut(k, head); // the readahead control's reference
    added++;
  }
  return added;
}

/** page_cache_sync_ra(): a miss at index reads a whole window from there. */
export function pageCacheSyncRa(k: Kernel, as: AddressSpace, index: number, nid: number): number {
  const ra = as.host.sb.raPages;
  return pageCacheRaUnbounded(k, as, index, ra, ra >> 2, nid);
}

/** page_cache_async_ra(): a hit on a PG_readahead folio reads the next window. */
export function pageCacheAsyncRa(k: Kernel, as: AddressSpace, head: number, nid: number): number {
  k.mem.clearFlag(head, PG_readahead);
  const ra = as.host.sb.raPages;
  const start = k.mem.index[head]! + (ra >> 2);
  return pageCacheRaUnbounded(k, as, start, ra, ra >> 2, nid);
}

/**
 * filemap_get_pages() for one index: look it up, reading it (and its window) in on a miss.
 * Returns the head pfn, or a negative errno (-ENOMEM if nothing could be allocated).
 */
export function filemapGetFolio(k: Kernel, as: AddressSpace, index: number, nid: number): number {
  const mem = k.mem;
  // shmem: a swapped-out page's value entry swaps in (shmem_swapin_folio, through the swap device)
  if (xaIsValue(as.iPages.load(index))) return swapOps(k).shmemSwapinFolio(k, as, index, nid);
  let head = as.iPages.load(index) - 1;
  if (head < 0 && as.aOps.allocFolioOnMiss) head = as.aOps.allocFolioOnMiss(k, as, index, nid);
  if (head < 0) {
    pageCacheSyncRa(k, as, index, nid);
    head = as.iPages.load(index) - 1;
    if (head < 0) return -ENOMEM;
  } else if (mem.testFlag(head, PG_readahead)) {
    pageCacheAsyncRa(k, as, head, nid);
  }
  return head;
}

/**
 * filemap_read() of the page at `index`: 4096 bytes read (the token in k.fileIoState.lastToken),
 * 0 at or past EOF, or a negative errno (-EAGAIN: the folio is frozen by a mover that cannot be
 * run from here). `nid` is the reader's node (where misses allocate).
 */
export function filemapRead(k: Kernel, inode: Inode, index: number, nid = 0): number {
  if (index >= inode.sizePages) return 0;
  const as = inode.mapping;
  let head = filemapGetFolio(k, as, index, nid);
  // filemap_get_read_batch(): folio_try_get() fails on a frozen folio — a mover is switching
  // its mapping (folio_ref_freeze) — and the lookup is retried until it is unfrozen. The mover
  // holds the folio lock, so the reader waits for that holder (kernel/wait.ts); one that cannot
  // move (this read runs inside the mover's own step) gives -EAGAIN, never the other data.
  for (let retry = 0; head >= 0 && k.mem.refcount[head] === 0; retry++) {
    if (retry > 0 || folioWaitLocked(k, head, k.waits.current) !== 0 || k.mem.refcount[head] === 0) return -EAGAIN;
    head = filemapGetFolio(k, as, index, nid);
  }
  if (head < 0) return head;
  k.mem.setFlag(head, PG_referenced); // folio_mark_accessed()
  k.fileIoState.lastToken = k.mem.content[head + (index - k.mem.index[head]!)]!;
  return 4096;
}

/**
 * generic_perform_write() of one whole page at `index` (write_begin, copy, write_end): the
 * page's data becomes a fresh token (or `token`), the folio is dirtied, i_size grows. Returns
 * 4096, -ENOMEM, or -EAGAIN when the folio is locked by someone else (the writer would sleep
 * on the folio lock; retry once it is unlocked).
 */
export function filemapWrite(k: Kernel, inode: Inode, index: number, nid = 0, token?: number): number {
  const mem = k.mem;
  const as = inode.mapping;
  if (xaIsValue(as.iPages.load(index))) {
    const rc = swapOps(k).shmemSwapinFolio(k, as, index, nid);
    if (rc < 0) return rc;
  }
  let head = as.iPages.load(index) - 1;
  // write_begin's lookup (shmem_write_begin → shmem_get_folio): the filesystem's own miss allocation
  if (head < 0 && as.aOps.allocFolioOnMiss) head = as.aOps.allocFolioOnMiss(k, as, index, nid);
  if (head >= 0) {
    if (mem.testFlag(head, PG_locked)) return -EAGAIN;
    mem.refcount[head]!++;
    mem.setFlag(head, PG_locked);
  } else {
    // __filemap_get_folio(FGP_WRITEBEGIN): a whole-page write needs no read.
    head = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, nid);
    if (head < 0) return -ENOMEM;
    filemapAddFolio(k, as, head, index);
  }
  const page = head + (index - mem.index[head]!);
  const t = token ?? k.content.nextToken();
  k.content.writePage(page, t);
  inode.shadow.store(index, t);
  // write_end: block_write_end / generic_write_end
  mem.setFlag(head, PG_uptodate);
  folioMarkDirty(k, head);
  if ((index + 1) * 4096 > inode.size) inode.size = (index + 1) * 4096;
  mem.clearFlag(head, PG_locked);
  folioPut(k, head);
  return 4096;
}

/**
 * filemap_release_folio(): ask the filesystem to drop its private data. True when there is
 * nothing to release or it was released; false under writeback or when the fs refuses.
 * Without ->release_folio the kernel calls try_to_free_buffers(); core has no buffer heads.
 */
export function filemapReleaseFolio(k: Kernel, backend: Backend, head: number, gfp: number): boolean {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_private)) return true;
  if (mem.testFlag(head, PG_writeback)) return false;
  if (backend.releaseFolio) return backend.releaseFolio(k, head, gfp);
  return false;
}
