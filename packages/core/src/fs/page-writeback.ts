/**
 * Writeback of page-cache folios: mm/page-writeback.c (folio_cancel_dirty,
 * folio_clear_dirty_for_io, __folio_start_writeback, write_cache_pages), mm/filemap.c
 * folio_end_writeback, mm/rmap.c folio_mkclean, and fs/mpage.c/fs/buffer.c
 * block_write_full_folio reduced to "write each page to its block". Dirtying a folio
 * (folio_mark_dirty, filemap_dirty_folio) is mm's: mm/folio-dirty.ts.
 *
 * Writeback completes asynchronously: folio_start_writeback() puts the folio on
 * k.fs.writebackQueue, and completeWriteback(k, n) — a test, or a scheduler tick — ends the
 * oldest n I/Os (folio_end_writeback). The bio carries the folio's data as it was at
 * submission (stable pages), so the block is written at submit time; completion only ends
 * PG_writeback. Deterministic: FIFO order, no clock.
 *
 * Left out: balance_dirty_pages throttling, the bdi writeback threads and their periodic flush
 * (a caller drives writeback with filemapFdatawrite/vfsFsync), PAGECACHE_TAG_* marks,
 * memcg dirty limits and cgroup writeback (NR_FILE_DIRTY / NR_WRITEBACK are counted per memcg:
 * __lruvec_stat_mod_folio), wb_stat NR_WRITTEN/NR_DIRTIED.
 */
import { KernelBug } from "../kernel/bug.js";
import { EAGAIN } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { folioAccountCleaned, folioMarkDirty } from "../mm/folio-dirty.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { PG_dirty, PG_locked, PG_reclaim, PG_waiters, PG_writeback } from "../mm/page-flags.js";
import { WAIT_IO_NS } from "../kernel/wait.js";
import { _PAGE_DIRTY, _PAGE_RW, ptePresent } from "../mm/pgtable.js";
import { rmapWalkFile } from "../mm/rmap.js";
import { NR_WRITEBACK, NR_ZONE_WRITE_PENDING, lruvecStatModFolio } from "../mm/vmstat.js";
import type { AddressSpace } from "./address-space.js";

/** folio_cancel_dirty() (truncate): clear PG_dirty with the accounting, no writeback. */
export function folioCancelDirty(k: Kernel, head: number): void {
  const as = folioAddressSpace(k, head);
  if (k.mem.testClearFlag(head, PG_dirty) && as) folioAccountCleaned(k, head, as);
}

/**
 * folio_mkclean() (mm/rmap.c): write-protect and clean every shared PTE of the folio, so that
 * the next store faults (wp_page_shared) and dirties the folio again. True if a PTE was dirty.
 */
export function folioMkclean(k: Kernel, head: number): boolean {
  const pt = k.pgtables;
  let cleaned = false;
  rmapWalkFile(k, head, (_vma, i, _addr) => {
    const pte = pt.leaf[pt.off]!;
    if (!ptePresent(pte) || pt.frame[pt.off]! !== head + i) return true;
    if ((pte & (_PAGE_RW | _PAGE_DIRTY)) === 0) return true;
    if (pte & _PAGE_DIRTY) cleaned = true;
    pt.leaf[pt.off] = pte & ~(_PAGE_RW | _PAGE_DIRTY);
    k.tlb.shootdowns++;
    return true;
  });
  return cleaned;
}

/**
 * folio_clear_dirty_for_io() (mm/page-writeback.c): the folio is locked; fold dirty PTEs into
 * the folio (folio_mkclean + folio_mark_dirty), then clear PG_dirty and its accounting.
 * True if it was dirty (the caller must write it).
 */
export function folioClearDirtyForIo(k: Kernel, head: number): boolean {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_locked)) throw new KernelBug(`folio_clear_dirty_for_io: pfn ${head} is not locked`);
  const as = folioAddressSpace(k, head);
  if (!as || !as.canWriteback) return mem.testClearFlag(head, PG_dirty);
  if (folioMkclean(k, head)) folioMarkDirty(k, head);
  if (!mem.testClearFlag(head, PG_dirty)) return false;
  folioAccountCleaned(k, head, as);
  return true;
}

/**
 * __folio_start_writeback() (mm/page-writeback.c): PG_writeback, NR_WRITEBACK and the zone's
 * NR_ZONE_WRITE_PENDING; the I/O joins the in-flight queue.
 */
export function folioStartWriteback(k: Kernel, head: number): void {
  const mem = k.mem;
  if (mem.testSetFlag(head, PG_writeback)) throw new KernelBug(`folio_start_writeback: pfn ${head} is already under writeback`);
  const nr = mem.folioNrPages(head);
  lruvecStatModFolio(k, head, NR_WRITEBACK, nr);
  k.vmstat.modZone(mem.zone[head]!, NR_ZONE_WRITE_PENDING, nr);
  k.fs.writebackQueue.push(head);
}

/**
 * folio_end_writeback() (mm/filemap.c), as far as core models writeback: clear PG_reclaim,
 * clear PG_writeback and uncount NR_WRITEBACK / NR_ZONE_WRITE_PENDING. Waiters are woken by
 * the scheduler when the bit is gone.
 */
export function folioEndWriteback(k: Kernel, head: number): void {
  const mem = k.mem;
  mem.clearFlag(head, PG_reclaim);
  if (!mem.testClearFlag(head, PG_writeback)) throw new KernelBug(`folio_end_writeback: pfn ${head} is not under writeback`);
  const nr = mem.folioNrPages(head);
  lruvecStatModFolio(k, head, NR_WRITEBACK, -nr);
  k.vmstat.modZone(mem.zone[head]!, NR_ZONE_WRITE_PENDING, -nr);
}

/**
 * block_write_full_folio() / mpage_writepages() for one folio: the generic ->writepage. The
 * folio is locked and cleaned for I/O; each page inside i_size is written to its block
 * (allocated on first write), writeback starts and the folio is unlocked.
 */
export function blockWriteFullFolio(k: Kernel, head: number): number {
  const mem = k.mem;
  const as = folioAddressSpace(k, head);
  if (!as) throw new KernelBug(`block_write_full_folio: pfn ${head} is not in the page cache`);
  const inode = as.host;
  const store = inode.sb.store;
  const nr = mem.folioNrPages(head);
  const index = mem.index[head]!;
  folioStartWriteback(k, head);
  for (let i = 0; i < nr; i++) {
    if (index + i >= inode.sizePages) break;
    let b = inode.blocks.load(index + i) - 1;
    if (b < 0) {
      b = store.allocBlock();
      inode.blocks.store(index + i, b + 1);
    }
    store.writeBlock(k, b, head + i);
  }
  mem.clearFlag(head, PG_locked);
  return 0;
}

/**
 * folio_end_writeback() for the oldest n in-flight I/Os (all when n is omitted): the bio
 * completions. Returns how many completed.
 */
export function completeWriteback(k: Kernel, n: number = Infinity): number {
  const q = k.fs.writebackQueue;
  const count = Math.min(n, q.length);
  const done = q.splice(0, count);
  for (const head of done) folioEndWriteback(k, head);
  return count;
}

/**
 * folio_wait_writeback(): the model is synchronous, so waiting for a folio's I/O means its bio
 * completes now (ahead of the rest of the queue).
 */
export function folioWaitWriteback(k: Kernel, head: number): void {
  if (!k.mem.testFlag(head, PG_writeback)) return;
  const q = k.fs.writebackQueue;
  const at = q.indexOf(head);
  if (at < 0) throw new KernelBug(`folio_wait_writeback: pfn ${head} is under writeback with no I/O in flight`);
  q.splice(at, 1);
  folioEndWriteback(k, head);
}

/**
 * folio_wait_writeback() for a SYNC path that sleeps on it (the wait model, kernel/wait.ts):
 * PG_waiters is set, the I/O in flight completes now, and the sleep costs WAIT_IO_NS. False if
 * PG_writeback is set with no I/O in flight (set by hand: nothing can end it), so the caller
 * backs out, leaving the wait queue (PG_waiters goes again unless another waiter set it).
 */
export function folioWaitWritebackSleep(k: Kernel, head: number): boolean {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_writeback)) return true;
  const w = k.waits;
  const others = mem.testFlag(head, PG_waiters);
  mem.setFlag(head, PG_waiters);
  w.waits++;
  if (!k.fs.writebackQueue.includes(head)) {
    w.waitsFailed++;
    if (!others) mem.clearFlag(head, PG_waiters);
    return false;
  }
  folioWaitWriteback(k, head);
  mem.clearFlag(head, PG_waiters);
  w.charge(WAIT_IO_NS);
  return true;
}

/** WB_SYNC_NONE / WB_SYNC_ALL (include/linux/writeback.h) */
export const WB_SYNC_NONE = 0;
export const WB_SYNC_ALL = 1;

/**
 * write_cache_pages() + ->writepage over [start, end] page indexes of a mapping
 * (do_writepages / filemap_fdatawrite_wbc). A folio locked by someone else (a mover) is skipped
 * in WB_SYNC_NONE; in WB_SYNC_ALL the writer would sleep on it, so it is counted in `busy`.
 * A folio already under writeback is waited for in WB_SYNC_ALL. Returns folios written, or
 * -EAGAIN if WB_SYNC_ALL met a locked dirty folio.
 */
export function writeCachePages(k: Kernel, as: AddressSpace, syncMode: number, start = 0, end = Infinity): number {
  const mem = k.mem;
  let written = 0;
  let busy = 0;
  const last = Math.min(end, 2 ** 31 - 1);
  for (let index = as.iPages.findNext(start, last); index >= 0; index = as.iPages.findNext(index + 1, last)) {
    const head = as.iPages.load(index) - 1;
    if (mem.index[head] !== index) continue; // the tail slots of a multi-index entry
    if (!mem.testFlag(head, PG_dirty)) continue;
    if (mem.testFlag(head, PG_locked)) {
      if (syncMode === WB_SYNC_ALL) busy++;
      continue;
    }
    mem.setFlag(head, PG_locked);
    if (mem.testFlag(head, PG_writeback)) {
      if (syncMode === WB_SYNC_NONE) {
        mem.clearFlag(head, PG_locked);
        continue;
      }
      folioWaitWriteback(k, head);
    }
    if (!folioClearDirtyForIo(k, head)) {
      mem.clearFlag(head, PG_locked);
      continue;
    }
    const rc = as.aOps.writepage ? as.aOps.writepage(k, head) : blockWriteFullFolio(k, head);
    if (rc < 0) return rc;
    written++;
  }
  return busy ? -EAGAIN : written;
}

/** filemap_fdatawait_range(): wait for (complete) every in-flight I/O of the mapping. */
export function filemapFdatawait(k: Kernel, as: AddressSpace): void {
  const q = k.fs.writebackQueue;
  for (let i = 0; i < q.length; ) {
    const head = q[i]!;
    if (folioAddressSpace(k, head) === as) {
      q.splice(i, 1);
      folioEndWriteback(k, head);
    } else {
      i++;
    }
  }
}

/**
 * vfs_fsync() -> file_write_and_wait_range() (mm/filemap.c): write out every dirty folio and
 * wait for the I/O. 0, or -EAGAIN if a dirty folio was locked by a mover (retry later).
 */
export function filemapWriteAndWait(k: Kernel, as: AddressSpace): number {
  const rc = writeCachePages(k, as, WB_SYNC_ALL);
  filemapFdatawait(k, as);
  return rc < 0 ? rc : 0;
}
