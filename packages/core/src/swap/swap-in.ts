/**
 * Swap-in: do_swap_page() (mm/memory.c, v6.12) for a PTE that holds a swap entry, with
 * swap_cache_get_folio() and swapin_readahead() → __read_swap_cache_async() reduced to one page
 * (no readahead window, no SWP_SYNCHRONOUS_IO bypass of the swap cache).
 *
 * The exclusive rules are v6.12's: the entry's _PAGE_SWP_EXCLUSIVE (set by try_to_unmap for a
 * PG_anon_exclusive page) lets the page be mapped exclusive — and writable when the vma allows,
 * even on a read fault — as does a refcount of 1 once the swap cache let go of the folio
 * (should_try_to_free_swap → folio_free_swap on a write fault when nobody else holds it).
 * Otherwise (a fork shared the entry) it maps read-only and a write goes through do_wp_page.
 */
import type { Kernel } from "../kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE } from "../mm/gfp.js";
import { VM_LOCKED, VM_WRITE, type VmArea } from "../mm/mm-types.js";
import { PG_locked, PG_mlocked, PG_swapbacked, PG_uptodate } from "../mm/page-flags.js";
import { _PAGE_DIRTY, _PAGE_RW, addrPageOffset, addrToVpn } from "../mm/pgtable.js";
import { RMAP_EXCLUSIVE, RMAP_NONE, anonVmaPrepare, folioAddAnonRmapPte, folioAddNewAnonRmap } from "../mm/rmap.js";
import { PAGE_MAPPING_ANON } from "../mm/mem-map.js";
import { addToSwapCache, folioFreeSwap, swapCacheLookup } from "./swap-state.js";
import { pteSwpExclusive, swpOffset } from "../mm/pgtable.js";
import { swapFree, swapInfoOf, swapcachePrepare, vmSwapFull } from "./swapfile.js";

const VM_FAULT_OOM = 0x000001;
const VM_FAULT_RETRY = 0x000400;

/** should_try_to_free_swap() (mm/memory.c) */
function shouldTryToFreeSwap(k: Kernel, head: number, vma: VmArea, write: boolean): boolean {
  const mem = k.mem;
  if (!mem.folioTestSwapcache(head)) return false;
  if (vmSwapFull(k) || vma.vmFlags & VM_LOCKED || mem.testFlag(head, PG_mlocked)) return true;
  return write && !mem.folioTestKsm(head) && mem.refcount[head] === 1 + mem.folioNrPages(head);
}

/**
 * do_swap_page(): `pte` (at the vma's addr, in the leaf the caller walked) is a swap entry.
 * Returns a VM_FAULT_* mask: 0 when the page is mapped (a write fault that could not map it
 * writable is retried by the caller and goes through do_wp_page), VM_FAULT_RETRY when the
 * cached folio is locked by someone else, VM_FAULT_OOM.
 */
export function doSwapPage(k: Kernel, vma: VmArea, addr: number, pte: number, write: boolean): number {
  const mem = k.mem;
  const mm = vma.mm;
  const pt = k.pgtables;
  const entry = pt.frame[pt.off]!; // pte_to_swp_entry(): the swap PTE's frame is its offset
  const si = swapInfoOf(k, entry);
  const offset = swpOffset(entry);
  let head = swapCacheLookup(k, entry);
  if (head >= 0) {
    // swap_cache_get_folio() + folio_lock_or_retry()
    if (mem.testFlag(head, PG_locked)) {
      k.faultState.waitPfn = head; // the fault sleeps on this folio's lock
      return VM_FAULT_RETRY;
    }
    mem.refcount[head]!++;
    mem.setFlag(head, PG_locked);
  } else {
    // __read_swap_cache_async(): a new folio, SWAP_HAS_CACHE, the swap cache, the LRU, the read
    head = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, mm.homeNid);
    if (head < 0) return VM_FAULT_OOM;
    mem.setFlag(head, PG_locked);
    mem.setFlag(head, PG_swapbacked);
    mem.memcg[head] = mm.memcg; // mem_cgroup_swapin_charge_folio()
    swapcachePrepare(k, entry);
    addToSwapCache(k, head, entry);
    k.lru.folioAddLru(head);
    si.readSlot(k, offset, head);
    mem.setFlag(head, PG_uptodate);
  }
  const page = head + (offset - swpOffset(mem.private[head]!));
  const exclusive = pteSwpExclusive(pte);
  // Remove the swap entry and conditionally try to free up the swapcache.
  swapFree(k, entry);
  if (shouldTryToFreeSwap(k, head, vma, write)) folioFreeSwap(k, head);
  mm.rssAnon++;
  let bits = 0;
  let rmapFlags = RMAP_NONE;
  if (!mem.folioTestKsm(head) && (exclusive || mem.refcount[head] === 1)) {
    if (vma.vmFlags & VM_WRITE) {
      bits |= _PAGE_RW;
      if (write) bits |= _PAGE_DIRTY;
    }
    rmapFlags = RMAP_EXCLUSIVE;
  }
  if (!mem.folioTestAnon(head)) {
    // folio_add_new_anon_rmap(): __folio_set_anon() uses the root anon_vma unless exclusive
    const av = anonVmaPrepare(k, vma);
    folioAddNewAnonRmap(k, head, vma, addr - addrPageOffset(addr), rmapFlags);
    if (rmapFlags !== RMAP_EXCLUSIVE) mem.mapping[head] = ((av.root ?? av).id << 2) | PAGE_MAPPING_ANON;
  } else {
    folioAddAnonRmapPte(k, page, rmapFlags);
  }
  pt.walk(mm.pgd, addrToVpn(addr), true);
  pt.setPfnPte(page, bits);
  mem.clearFlag(head, PG_locked);
  return 0;
}
