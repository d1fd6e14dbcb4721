/**
 * The swap cache: mm/swap_state.c (add_to_swap_cache, __delete_from_swap_cache,
 * delete_from_swap_cache, swap_cache_get_folio/filemap_get_folio on swapper_spaces) and the
 * parts of mm/swapfile.c that free swap together with its cached folio (folio_free_swap,
 * free_swap_and_cache → __try_to_reclaim_swap, folio_swapped).
 *
 * A folio in the swap cache has PG_swapcache (owner_priv_1, meaningful with PG_swapbacked),
 * folio->swap (the first entry) in mem.private, nr references held by the cache, and nr xarray
 * slots in swapper_spaces[type] naming it. It counts in NR_FILE_PAGES and NR_SWAPCACHE of its
 * node (__add_to_swap_cache: __node_stat_mod_folio(NR_FILE_PAGES) and NR_SWAPCACHE).
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { PG_dirty, PG_locked, PG_swapbacked, PG_swapcache, PG_writeback } from "../mm/page-flags.js";
import { folioPut, folioPutRefs } from "../mm/swap.js";
import { NR_FILE_PAGES, NR_SWAPCACHE } from "../mm/vmstat.js";
import { swpEntry, swpOffset } from "../mm/pgtable.js";
import { putSwapFolio, swapEntryFree, swapInfoOf, type SwapAddressSpace } from "./swapfile.js";

/** swap_address_space(entry) of a folio in the swap cache, or null. */
export function folioSwapSpace(k: Kernel, head: number): SwapAddressSpace | null {
  if (!k.mem.folioTestSwapcache(head) || !k.swap) return null;
  return k.swap.space;
}

/**
 * add_to_swap_cache(folio, entry): the folio is locked and swap-backed, its nr slots carry
 * SWAP_HAS_CACHE. +nr references, PG_swapcache, folio->swap, nr xarray slots, the counters.
 */
export function addToSwapCache(k: Kernel, head: number, entry: number): void {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_locked) || !mem.testFlag(head, PG_swapbacked)) throw new KernelBug(`add_to_swap_cache: pfn ${head} is not locked and swap-backed`);
  if (mem.folioTestSwapcache(head)) throw new KernelBug(`add_to_swap_cache: pfn ${head} is already in the swap cache`);
  const si = swapInfoOf(k, entry);
  const nr = mem.folioNrPages(head);
  const off = swpOffset(entry);
  mem.refcount[head]! += nr;
  mem.setFlag(head, PG_swapcache);
  mem.private[head] = entry;
  for (let i = 0; i < nr; i++) {
    if (si.space.iPages.store(off + i, head + 1) !== 0) throw new KernelBug(`add_to_swap_cache: swap offset ${off + i} is already cached`);
  }
  si.space.nrpages += nr;
  const nid = k.folioNid(head);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_FILE_PAGES, nr);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_SWAPCACHE, nr);
}

/**
 * __delete_from_swap_cache(): erase the slots, clear PG_swapcache and folio->swap, uncount.
 * The cache's references are the caller's to drop. Returns the entry it had.
 */
export function __deleteFromSwapCache(k: Kernel, head: number): number {
  const mem = k.mem;
  const entry = mem.private[head]!;
  const si = swapInfoOf(k, entry);
  const nr = mem.folioNrPages(head);
  const off = swpOffset(entry);
  for (let i = 0; i < nr; i++) {
    if (si.space.iPages.erase(off + i) !== head + 1) throw new KernelBug(`__delete_from_swap_cache: swap offset ${off + i} does not name pfn ${head}`);
  }
  si.space.nrpages -= nr;
  mem.clearFlag(head, PG_swapcache);
  mem.private[head] = 0;
  const nid = k.folioNid(head);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_FILE_PAGES, -nr);
  k.vmstat.modLruvec(mem.memcg[head]!, nid, NR_SWAPCACHE, -nr);
  return entry;
}

/**
 * delete_from_swap_cache(): __delete_from_swap_cache(), put_swap_folio() (slots with no
 * reference left are freed), and folio_ref_sub(nr). The caller holds its own reference.
 */
export function deleteFromSwapCache(k: Kernel, head: number): void {
  const nr = k.mem.folioNrPages(head);
  const entry = __deleteFromSwapCache(k, head);
  putSwapFolio(k, entry, nr);
  folioPutRefs(k, head, nr);
}

/** The page of the swap cache for `entry` (filemap_get_folio() without the ref), or -1. */
export function swapCacheLookup(k: Kernel, entry: number): number {
  const si = swapInfoOf(k, entry);
  return si.space.iPages.load(swpOffset(entry)) - 1;
}

/** folio_swapped(): does any slot of the folio still have references (swap PTEs)? */
export function folioSwapped(k: Kernel, head: number): boolean {
  const entry = k.mem.private[head]!;
  const si = swapInfoOf(k, entry);
  const off = swpOffset(entry);
  const nr = k.mem.folioNrPages(head);
  for (let i = 0; i < nr; i++) if (si.count(off + i) > 0) return true;
  return false;
}

/**
 * folio_free_swap() (mm/swapfile.c): if the folio is in the swap cache, not under writeback and
 * no swap PTE refers to its slots any more, delete it from the swap cache and dirty it (the data
 * now lives only in memory). The folio is locked. True if freed.
 */
export function folioFreeSwap(k: Kernel, head: number): boolean {
  const mem = k.mem;
  if (!mem.folioTestSwapcache(head)) return false;
  if (mem.testFlag(head, PG_writeback)) return false;
  if (folioSwapped(k, head)) return false;
  deleteFromSwapCache(k, head);
  mem.setFlag(head, PG_dirty);
  return true;
}

/**
 * free_swap_and_cache(entry) (mm/swapfile.c): drop a swap PTE's reference; if only the swap
 * cache is left holding the slot, try to reclaim the cached folio (__try_to_reclaim_swap with
 * TTRS_UNMAPPED | TTRS_FULL: trylock, not mapped, folio_free_swap, put).
 */
export function freeSwapAndCache(k: Kernel, entry: number): void {
  const left = swapEntryFree(k, entry);
  if (left !== 0x8000) return; // SWAP_HAS_CACHE alone
  const head = swapCacheLookup(k, entry);
  if (head < 0) return;
  const mem = k.mem;
  if (mem.testFlag(head, PG_locked)) return;
  if (mem.folioMapped(head)) return;
  mem.refcount[head]!++;
  mem.setFlag(head, PG_locked);
  folioFreeSwap(k, head);
  mem.clearFlag(head, PG_locked);
  folioPut(k, head);
}

/** The swap entry of page `page` of a swap-cache folio (folio->swap + page index). */
export function pageSwapEntry(k: Kernel, head: number, page: number): number {
  return swpEntry(swpOffset(k.mem.private[head]!) + (page - head));
}
