/**
 * shmem and the swap cache: mm/shmem.c shmem_writepage(), shmem_delete_from_page_cache(),
 * shmem_swapin_folio(), shmem_add_to_page_cache() and shmem_free_swap() (v6.12), in core
 * because they are swap-cache code; the tmpfs backend (@foliox/fs-tmpfs) calls them.
 *
 * Value entries. When shmem swaps a folio out, its file's xarray keeps the swap entry in the
 * folio's place (swp_to_radix_entry(), an xa_mk_value()). Core's XArray stores Int32s and the
 * page cache stores head pfn + 1 (always positive), so foliox encodes a value entry as a
 * NEGATIVE number: xaMkValue(v) = -v, for v > 0 (a swap entry is never 0: slot 0 is the swap
 * header). Core's page-cache walkers skip negative slots (they name no folio); filemap_get_folio
 * swaps such an index in (fs/filemap.ts), truncate frees its swap (fs/truncate.ts).
 * A large folio stores one value per index (the entry of that page), not a multi-index value.
 */
import { EAGAIN, ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { AddressSpace } from "../fs/address-space.js";
import { xaIsValue, xaMkValue, xaToValue } from "../fs/xarray.js";
import { GFP_HIGHUSER_MOVABLE } from "../mm/gfp.js";
import { PG_dirty, PG_locked, PG_swapbacked, PG_uptodate } from "../mm/page-flags.js";
import { folioPut, folioPutRefs } from "../mm/swap.js";
import { NR_FILE_PAGES, NR_SHMEM, lruvecStatModFolio } from "../mm/vmstat.js";
import { addToSwapCache, deleteFromSwapCache, freeSwapAndCache, swapCacheLookup } from "./swap-state.js";
import { folioWaitWriteback } from "../fs/page-writeback.js";
import { swpEntry, swpOffset } from "../mm/pgtable.js";
import { swapEntryFree, swapcachePrepare } from "./swapfile.js";
import { swapWritepage } from "./page-io.js";

/**
 * shmem_writepage(): the folio is locked, unmapped and in the shmem mapping's page cache. It gets
 * swap slots, enters the swap cache (swap_shmem_alloc: the file's reference on each slot), and
 * leaves the page cache (shmem_delete_from_page_cache: the slots hold the swap entries,
 * folio->mapping = NULL, NR_FILE_PAGES/NR_SHMEM down, the cache's refs dropped); then
 * swap_writepage() starts the write and unlocks. 0, or -ENOMEM with the folio untouched (still
 * locked: the kernel redirties it and returns AOP_WRITEPAGE_ACTIVATE).
 */
export function shmemWritepage(k: Kernel, as: AddressSpace, head: number): number {
  const mem = k.mem;
  const si = k.swap;
  if (!si) return -ENOMEM;
  const nr = mem.folioNrPages(head);
  const off = si.allocSlots(nr);
  if (off === 0) return -ENOMEM;
  mem.clearFlag(head, PG_dirty); // folio_clear_dirty_for_io(): shmem has no dirty accounting
  const entry = swpEntry(off);
  addToSwapCache(k, head, entry);
  for (let i = 0; i < nr; i++) si.swapMap[off + i]!++; // swap_shmem_alloc()
  // shmem_delete_from_page_cache(folio, swp_to_radix_entry(swap))
  const index = mem.index[head]!;
  for (let i = 0; i < nr; i++) as.iPages.store(index + i, xaMkValue(swpEntry(off + i)));
  as.nrpages -= nr;
  mem.mapping[head] = 0;
  const nid = k.folioNid(head);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_FILE_PAGES, -nr);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_SHMEM, -nr);
  folioPutRefs(k, head, nr);
  return swapWritepage(k, head);
}

/**
 * shmem_swapin_folio() for the value entry at `index`: find the folio in the swap cache, or
 * read it from the device into a new order-0 folio (swap_cluster_readahead, one page), then
 * shmem_add_to_page_cache() in the value entry's place, delete_from_swap_cache(),
 * folio_mark_dirty() and swap_free() of the file's reference. Returns the head pfn (in the page
 * cache, unlocked, no extra reference) or a negative errno (-ENOMEM; -EAGAIN when another task
 * holds the cached folio locked: retry).
 */
export function shmemSwapinFolio(k: Kernel, as: AddressSpace, index: number, nid: number): number {
  const mem = k.mem;
  const value = as.iPages.load(index);
  const entry = xaToValue(value);
  let head = swapCacheLookup(k, entry);
  if (head >= 0) {
    if (mem.testFlag(head, PG_locked)) return -EAGAIN; //: folio_lock() would sleep
    mem.refcount[head]!++;
    mem.setFlag(head, PG_locked);
    folioWaitWriteback(k, head);
  } else {
    head = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, nid);
    if (head < 0) return -ENOMEM;
    mem.setFlag(head, PG_locked);
    mem.setFlag(head, PG_swapbacked);
    mem.memcg[head] = as.memcg; // mem_cgroup_swapin_charge_folio()
    swapcachePrepare(k, entry);
    addToSwapCache(k, head, entry);
    k.lru.folioAddLru(head);
    k.swap!.readSlot(k, swpOffset(entry), head);
    mem.setFlag(head, PG_uptodate);
  }
  const nr = mem.folioNrPages(head);
  const first = swpOffset(mem.private[head]!);
  const base = index - (swpOffset(entry) - first);
  // shmem_add_to_page_cache(): the folio replaces the value entries
  mem.refcount[head]! += nr;
  mem.mapping[head] = as.tagged;
  mem.index[head] = base;
  as.iPages.storeRange(base, nr, head + 1);
  as.nrpages += nr;
  lruvecStatModFolio(k, head, NR_FILE_PAGES, nr);
  lruvecStatModFolio(k, head, NR_SHMEM, nr);
  const swap = mem.private[head]!;
  deleteFromSwapCache(k, head);
  mem.setFlag(head, PG_dirty);
  for (let i = 0; i < nr; i++) swapEntryFree(k, swpEntry(swpOffset(swap) + i));
  mem.clearFlag(head, PG_locked);
  folioPut(k, head);
  return head;
}

/**
 * shmem_free_swap() (truncate): the value entry at `index` goes, with the file's reference on
 * its slot (free_swap_and_cache: a folio left in the swap cache for it is freed if it can be).
 */
export function shmemFreeSwap(k: Kernel, as: AddressSpace, index: number): void {
  const value = as.iPages.load(index);
  if (!xaIsValue(value)) return;
  as.iPages.erase(index);
  freeSwapAndCache(k, xaToValue(value));
}
