/**
 * Swap-out from reclaim: the anon and shmem branch of shrink_folio_list() (mm/vmscan.c, v6.12)
 * with add_to_swap() (mm/swap_state.c), try_to_unmap() for swap (mm/rmap.c try_to_unmap_one:
 * each PTE becomes a swap entry holding a swap_map reference, PG_anon_exclusive rides in
 * _PAGE_SWP_EXCLUSIVE), pageout() → swap_writepage() (mm/page_io.c) and __remove_mapping().
 *
 * Writeback is asynchronous (fs/page-writeback.ts): swap_writepage() writes the data to the
 * device at submission (stable pages) and queues the I/O; the folio stays in the swap cache
 * under PG_writeback and reclaim keeps it on the inactive list. Once completeWriteback() ends
 * the I/O, the next reclaim pass finds it clean and unmapped and __remove_mapping() frees it:
 * the data then lives only on the device.
 *
 * A shmem folio (page-cache, swap-backed) goes through shmem_writepage() (swap/shmem-swap.ts):
 * it leaves its file's page cache for the swap cache, and its xarray slot holds the swap entry.
 */
import type { Kernel } from "../kernel/kernel.js";
import { listDel } from "../mm/list.js";
import { PG_active, PG_anon_exclusive, PG_dirty, PG_locked, PG_mlocked, PG_reclaim, PG_swapbacked, PG_unevictable, PG_writeback } from "../mm/page-flags.js";
import { pteDirty, ptePresent } from "../mm/pgtable.js";
import { folioRemoveRmapPte, rmapWalk, tryToUnmapFlush } from "../mm/rmap.js";
import { folioPut, folioPutbackLru } from "../mm/swap.js";
import { NR_ISOLATED_ANON } from "../mm/vmstat.js";
import { folioClearDirtyForIo } from "../fs/page-writeback.js";
import { folioMarkDirty } from "../mm/folio-dirty.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { folioRefFreeze } from "../mm/page-ref.js";
import { addToSwapCache, __deleteFromSwapCache, pageSwapEntry } from "./swap-state.js";
import { swapPteBits, swpEntry, swpOffset } from "../mm/pgtable.js";
import { putSwapFolio, swapDuplicate } from "./swapfile.js";
import { swapWritepage } from "./page-io.js";
import { shmemWritepage } from "./shmem-swap.js";

/** What swapOutFolio() did with the folio (shrink_folio_list's outcomes). */
export const SWAPOUT_FREED = 0;
/** keep it on the inactive list (writeback in flight) */
export const SWAPOUT_KEEP = 1;
/** activate_locked: no swap space, still mapped, pinned, or under writeback already */
export const SWAPOUT_ACTIVATE = 2;

/**
 * add_to_swap() (mm/swap_state.c): allocate nr slots (folio_alloc_swap), add the locked folio to
 * the swap cache and mark it dirty (it must be written before it can be freed). False if swap
 * is full (or has no aligned run of nr free slots: the kernel would split the folio).
 */
export function addToSwap(k: Kernel, head: number): boolean {
  const si = k.swap;
  if (!si) return false;
  const nr = k.mem.folioNrPages(head);
  const off = si.allocSlots(nr);
  if (off === 0) return false;
  addToSwapCache(k, head, swpEntry(off));
  k.mem.setFlag(head, PG_dirty);
  return true;
}

/**
 * try_to_unmap() (mm/rmap.c try_to_unmap_one) for reclaim, batched flush. Anon pages: each PTE
 * becomes the page's swap entry (swap_duplicate), exclusive if PG_anon_exclusive was set
 * (folio_try_share_anon_rmap_pte: a pinned exclusive page cannot be unmapped — stop). File
 * (shmem) pages: the PTE is cleared. Dirty PTEs dirty the folio; MM_ANONPAGES/MM_FILEPAGES go
 * down. The caller checks folio_mapped() afterwards.
 */
export function tryToUnmap(k: Kernel, head: number): void {
  const mem = k.mem;
  const pt = k.pgtables;
  const anon = mem.folioTestAnon(head);
  rmapWalk(k, head, (vma, i) => {
    const pte = pt.leaf[pt.off]!;
    const page = head + i;
    if (!ptePresent(pte) || pt.frame[pt.off]! !== page) return true;
    if (anon) {
      const exclusive = mem.testFlag(page, PG_anon_exclusive);
      if (exclusive && mem.pincount[head]! > 0) return false;
      const entry = pageSwapEntry(k, head, page);
      if (swapDuplicate(k, entry) < 0) return false;
      if (exclusive) mem.clearFlag(page, PG_anon_exclusive);
      if (pteDirty(pte)) mem.setFlag(head, PG_dirty);
      pt.setSwpPte(swpOffset(entry), swapPteBits(exclusive)); // swp_entry_to_pte() (+ pte_swp_mkexclusive())
      vma.mm.rssAnon--; // MM_ANONPAGES -> MM_SWAPENTS (not modelled)
    } else {
      if (pteDirty(pte)) folioMarkDirty(k, head);
      pt.clearPte();
      // the file's data stays in the shadow of the file; the PTE shadow is gone with the PTE
      pt.shadow[pt.off] = 0;
      vma.mm.rssFile--;
    }
    k.tlb.flushRequired = true;
    folioRemoveRmapPte(k, page);
    folioPut(k, head);
    return true;
  });
}

/**
 * __remove_mapping() for a swap-cache folio (mm/vmscan.c): freeze the refcount at 1 (ours, the
 * isolation reference) + nr (the cache); delete it from the swap cache (put_swap_folio); the
 * isolation reference is then the last. False if someone else holds a reference.
 */
export function removeMappingSwap(k: Kernel, head: number): boolean {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  if (!folioRefFreeze(k, head, 1 + nr)) return false;
  const entry = __deleteFromSwapCache(k, head);
  putSwapFolio(k, entry, nr);
  // folio_ref_unfreeze(folio, 1): the cache's refs are gone, ours stays
  mem.refcount[head] = 1;
  return true;
}

/**
 * The swap device's part of shrink_folio_list() for one isolated, swap-backed folio that
 * reclaim decided to reclaim: add_to_swap → try_to_unmap → pageout (swap_writepage or
 * shmem_writepage) → __remove_mapping. On SWAPOUT_FREED the folio was taken off the reclaim
 * list and freed.
 */
export function swapOutFolio(k: Kernel, head: number): number {
  const mem = k.mem;
  if (!k.swap) return SWAPOUT_ACTIVATE;
  if (mem.testFlag(head, PG_writeback)) return SWAPOUT_ACTIVATE;
  if (mem.testFlag(head, PG_mlocked) || mem.testFlag(head, PG_unevictable)) return SWAPOUT_ACTIVATE;
  if (mem.testSetFlag(head, PG_locked)) return SWAPOUT_KEEP;
  const shmem = folioAddressSpace(k, head);
  if (!shmem && mem.folioTestAnon(head) && mem.testFlag(head, PG_swapbacked) && !mem.folioTestSwapcache(head)) {
    if (!addToSwap(k, head)) return unlockWith(k, head, SWAPOUT_ACTIVATE);
  }
  if (!shmem && !mem.folioTestSwapcache(head)) return unlockWith(k, head, SWAPOUT_ACTIVATE);
  if (mem.folioMapped(head)) {
    tryToUnmap(k, head);
    tryToUnmapFlush(k);
    if (mem.folioMapped(head)) return unlockWith(k, head, SWAPOUT_ACTIVATE);
  }
  if (shmem) {
    // pageout() → shmem_writepage(): into the swap cache, then swap_writepage (unlocks).
    mem.setFlag(head, PG_reclaim);
    const rc = shmemWritepage(k, shmem, head);
    if (rc !== 0) return mem.testFlag(head, PG_locked) ? unlockWith(k, head, SWAPOUT_ACTIVATE) : SWAPOUT_ACTIVATE;
    return SWAPOUT_KEEP;
  }
  if (mem.testFlag(head, PG_dirty)) {
    // pageout(): folio_clear_dirty_for_io, PG_reclaim, ->writepage; PAGE_SUCCESS + writeback: keep
    if (folioClearDirtyForIo(k, head)) {
      mem.setFlag(head, PG_reclaim);
      swapWritepage(k, head);
      return SWAPOUT_KEEP;
    }
  }
  // clean, unmapped, in the swap cache: __remove_mapping() and free
  if (!removeMappingSwap(k, head)) return unlockWith(k, head, SWAPOUT_KEEP);
  mem.clearFlag(head, PG_locked);
  listDel(mem, head);
  folioPut(k, head);
  return SWAPOUT_FREED;
}

function unlockWith(k: Kernel, head: number, rc: number): number {
  k.mem.clearFlag(head, PG_locked);
  return rc;
}

/**
 * reclaim_folio_list() for one folio (mm/vmscan.c reclaim_pages(), what MADV_PAGEOUT and
 * tests use): isolate it, run the swap-out steps without the reference check, put it back
 * unless it was freed. Returns SWAPOUT_*, or -1 if the folio could not be isolated.
 */
export function reclaimFolio(k: Kernel, head: number): number {
  const lru = k.lru;
  if (!lru.folioIsolateLru(head)) return -1;
  const nid = k.folioNid(head);
  const nr = k.mem.folioNrPages(head);
  const item = NR_ISOLATED_ANON + (lru.folioIsFileLru(head) ? 1 : 0);
  k.vmstat.modNode(nid, item, nr);
  const rc = lru.folioIsFileLru(head) ? SWAPOUT_ACTIVATE : swapOutFolio(k, head);
  k.vmstat.modNode(nid, item, -nr);
  if (rc !== SWAPOUT_FREED) {
    if (rc === SWAPOUT_ACTIVATE) k.mem.setFlag(head, PG_active);
    folioPutbackLru(k, head);
  }
  return rc;
}
