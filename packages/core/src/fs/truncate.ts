/**
 * Truncation and invalidation: mm/truncate.c (truncate_inode_pages_range, truncate_pagecache,
 * truncate_setsize, mapping_try_invalidate / invalidate_mapping_pages, mapping_evict_folio),
 * mm/memory.c unmap_mapping_range (zap_page_range of every i_mmap vma), and drop_caches
 * (fs/drop_caches.c). Truncate frees the blocks past the new size on the backing store, as the
 * filesystem's ->setattr does.
 *
 * Sleeping: truncate_inode_pages_range()'s second pass locks each folio and would sleep on
 * one that a mover holds locked; the model skips it and returns how many folios were left, so
 * the caller retries once the mover is done. Writeback is waited for (its I/O completes now).
 * Left out: the partial-folio zeroing of truncate_inode_partial_folio (contents are whole
 * pages; a size inside a page keeps that page's data), shadow (workingset) entries.
 */
import type { Kernel } from "../kernel/kernel.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { PG_dirty, PG_locked, PG_private, PG_writeback } from "../mm/page-flags.js";
import { isMigrationEntry, isSwapPte, ptePresent, pteSpecial } from "../mm/pgtable.js";
import { VM_SHARED } from "../mm/mm-types.js";
import { folioRemoveRmapPte } from "../mm/rmap.js";
import { folioPut } from "../mm/swap.js";
import { swapOps } from "../mm/hooks.js";
import type { AddressSpace } from "./address-space.js";
import { filemapReleaseFolio, filemapRemoveFolio } from "./filemap.js";
import type { Inode } from "./inode.js";
import { folioCancelDirty, folioWaitWriteback } from "./page-writeback.js";
import { xaIsValue } from "./xarray.js";

/**
 * unmap_mapping_range(mapping, start page, all, even_cows): zap every PTE of the file's VMAs at
 * file index >= start: page-cache pages (and their migration entries), and with evenCows the
 * private COW copies too, swapped out or not (truncate; invalidation keeps them).
 */
export function unmapMappingRange(k: Kernel, as: AddressSpace, start: number, evenCows: boolean): void {
  const pt = k.pgtables;
  const mem = k.mem;
  for (const vma of as.iMmap) {
    const mm = vma.mm;
    for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
      if (vma.linearPageIndex(vpn * 4096) < start) continue;
      if (!pt.walk(mm.pgd, vpn, false)) continue;
      const pte = pt.leaf[pt.off]!;
      if (pte === 0) continue;
      let page: number;
      if (ptePresent(pte)) {
        if (pteSpecial(pte)) continue;
        page = pt.frame[pt.off]!;
      } else if (isMigrationEntry(pte)) {
        page = pt.frame[pt.off]!;
      } else {
        // a private COW copy that was swapped out: zap_nonpresent_ptes() frees its swap
        if (evenCows && isSwapPte(pte)) {
          const entry = pt.frame[pt.off]!;
          pt.leaf[pt.off] = 0;
          pt.shadow[pt.off] = 0;
          swapOps(k).freeSwapAndCache(k, entry);
        }
        continue;
      }
      const head = mem.pageFolio(page);
      // A shared mapping holds no anonymous pages. A migration entry in one whose frame holds
      // anon data now belongs to an exchange between its data swap and its remap: it stands
      // for the file page, whose data has moved on, and is zapped as the file's.
      const anon = mem.folioTestAnon(head) && (vma.vmFlags & VM_SHARED) === 0;
      if (anon && !evenCows) continue;
      pt.leaf[pt.off] = 0;
      pt.shadow[pt.off] = 0;
      if (anon) mm.rssAnon--;
      else mm.rssFile--;
      if (ptePresent(pte)) {
        folioRemoveRmapPte(k, page);
        folioPut(k, head);
      }
    }
  }
  k.tlb.shootdowns++;
}

/**
 * truncate_inode_folio() on a locked folio: unmap what is left, do_invalidatefolio() for
 * fs-private data, folio_cancel_dirty(), then filemap_remove_folio().
 */
function truncateInodeFolio(k: Kernel, as: AddressSpace, head: number): void {
  const mem = k.mem;
  if (mem.folioMapped(head)) unmapMappingRange(k, as, mem.index[head]!, false);
  if (mem.testFlag(head, PG_private)) {
    as.aOps.invalidateFolio?.(k, head, 0, mem.folioNrPages(head) * 4096);
  }
  folioCancelDirty(k, head);
  filemapRemoveFolio(k, as, head);
}

/**
 * truncate_inode_pages_range(mapping, lstart, end): remove every folio from page index
 * ceil(lstart / PAGE_SIZE) to `end` (inclusive) from the cache and free it. Folios locked by
 * someone else are left; returns how many were left (0 when done).
 */
export function truncateInodePagesRange(k: Kernel, as: AddressSpace, lstart: number, end = 2 ** 31 - 1): number {
  const mem = k.mem;
  const start = Math.ceil(lstart / 4096);
  let left = 0;
  for (let index = as.iPages.findNext(start, end); index >= 0; index = as.iPages.findNext(index + 1, end)) {
    // shmem_undo_range(): a swapped-out page's value entry frees its swap
    if (xaIsValue(as.iPages.load(index))) {
      swapOps(k).shmemFreeSwap(k, as, index);
      continue;
    }
    const head = as.iPages.load(index) - 1;
    if (mem.index[head] !== index) continue;
    if (mem.testFlag(head, PG_locked)) {
      left++;
      continue;
    }
    // find_lock_entries(): a reference and the lock
    mem.refcount[head]!++;
    mem.setFlag(head, PG_locked);
    folioWaitWriteback(k, head);
    truncateInodeFolio(k, as, head);
    mem.clearFlag(head, PG_locked);
    folioPut(k, head); // folio_batch_release(): the last reference frees it
  }
  return left;
}

/**
 * truncate_setsize() + truncate_pagecache() + the filesystem's block truncation (vfs_truncate
 * → ->setattr). Growing only changes i_size. Shrinking unmaps, removes and frees the cached
 * folios past the new end, frees their blocks and forgets their shadow. Returns the folios left
 * because a mover had them locked (0 when done).
 */
export function truncateSetsize(k: Kernel, inode: Inode, newSize: number): number {
  if (!Number.isInteger(newSize) || newSize < 0) throw new RangeError(`truncate: bad size ${newSize}`);
  const old = inode.size;
  inode.size = newSize;
  if (newSize >= old) return 0;
  const as = inode.mapping;
  const holeStart = Math.ceil(newSize / 4096);
  unmapMappingRange(k, as, holeStart, true);
  const left = truncateInodePagesRange(k, as, newSize);
  unmapMappingRange(k, as, holeStart, true);
  const store = inode.sb.store;
  for (let i = inode.blocks.findNext(holeStart); i >= 0; i = inode.blocks.findNext(i + 1)) {
    store.freeBlock(inode.blocks.load(i) - 1);
    inode.blocks.erase(i);
  }
  for (let i = inode.shadow.findNext(holeStart); i >= 0; i = inode.shadow.findNext(i + 1)) inode.shadow.erase(i);
  return left;
}

/**
 * mapping_evict_folio() (mm/truncate.c): drop one clean, unmapped, unlocked folio from the
 * cache if nobody else holds a reference. True if it was evicted (and freed).
 */
export function mappingEvictFolio(k: Kernel, as: AddressSpace, head: number): boolean {
  const mem = k.mem;
  if (mem.testFlag(head, PG_locked) || mem.testFlag(head, PG_dirty) || mem.testFlag(head, PG_writeback)) return false;
  if (mem.folioMapped(head)) return false;
  const nr = mem.folioNrPages(head);
  // our reference is not taken yet: refcount must be the cache's nr (+ PG_private)
  if (mem.refcount[head]! > nr + (mem.testFlag(head, PG_private) ? 1 : 0)) return false;
  if (mem.testFlag(head, PG_private) && !filemapReleaseFolio(k, as.aOps, head, GFP_KERNEL)) return false;
  mem.refcount[head]!++;
  mem.setFlag(head, PG_locked);
  filemapRemoveFolio(k, as, head);
  mem.clearFlag(head, PG_locked);
  folioPut(k, head);
  return true;
}

/**
 * invalidate_mapping_pages() (mapping_try_invalidate): evict every clean, unmapped, unlocked
 * folio of [start, end]. Returns folios evicted.
 */
export function invalidateMappingPages(k: Kernel, as: AddressSpace, start = 0, end = 2 ** 31 - 1): number {
  let evicted = 0;
  for (let index = as.iPages.findNext(start, end); index >= 0; index = as.iPages.findNext(index + 1, end)) {
    const head = as.iPages.load(index) - 1;
    if (k.mem.index[head] !== index) continue;
    if (mappingEvictFolio(k, as, head)) evicted++;
  }
  return evicted;
}

/** echo 1 > /proc/sys/vm/drop_caches: invalidate every inode of every filesystem. */
export function dropPagecache(k: Kernel): number {
  let evicted = 0;
  for (const sb of k.fs.superBlocks) for (const inode of sb.inodes) evicted += invalidateMappingPages(k, inode.mapping);
  return evicted;
}
