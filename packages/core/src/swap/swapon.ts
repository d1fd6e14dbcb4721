/**
 * swapon() (mm/swapfile.c): give the system its swap device, and with it the swap layer's entry
 * points that mm's fault and unmap paths call (SwapOperations, mm/hooks.ts): do_swap_page() for
 * a swap PTE, free_swap_and_cache() when one is zapped, folio_free_swap() when a write fault
 * may reuse a swap-cache folio, and for the page cache shmem_swapin_folio() and
 * shmem_free_swap() of a shmem value entry. swap/ sits above mm and fs, so they reach them
 * through the device (k.swap.ops), which exists whenever a swap entry can.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { SwapOperations } from "../mm/hooks.js";
import { shmemFreeSwap, shmemSwapinFolio } from "./shmem-swap.js";
import { doSwapPage } from "./swap-in.js";
import { folioFreeSwap, freeSwapAndCache } from "./swap-state.js";
import { SwapInfo } from "./swapfile.js";

/** What mm calls in the swap layer (SwapInfo.ops). */
export const SWAP_OPS: Readonly<SwapOperations> = Object.freeze({ doSwapPage, freeSwapAndCache, folioFreeSwap, shmemSwapinFolio, shmemFreeSwap });

/**
 * swapon(): give the system a swap device of `pages` usable slots (plus the header slot).
 * One device per system. Returns it.
 */
export function swapon(k: Kernel, pages: number): SwapInfo {
  if (k.swap) throw new Error("swapon: this system already has a swap device (MAX_SWAPFILES is 1 in foliox)");
  const si = new SwapInfo(0, pages + 1, k.content.bytesMode, SWAP_OPS);
  k.swapDevices.si = si;
  return si;
}
