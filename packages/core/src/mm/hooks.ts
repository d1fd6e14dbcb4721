/**
 * The function tables through which mm calls the layers above it. mm sits below the page
 * cache (fs/), swap (swap/) and NUMA balancing (numa/), yet its fault and unmap paths must
 * reach them (and the page cache must reach swap for shmem's swapped-out pages); as in the kernel, where mm calls a filesystem through vma->vm_ops, the upper
 * layer installs a table and mm calls through it, so no mm module imports an upper one
 * (docs/architecture.md, "Layers"):
 * - VmOperations (vm_operations_struct): set on a vma by mmap of a file (fs/file-fault.ts);
 * - SwapOperations: carried by the swap device (k.swap.ops), installed by swapon(); the page
 *   cache calls it too, for shmem's value entries;
 * - NumaHintFaultOperations: NUMA balancing's part of do_numa_page() (k.numab), installed by
 *   enableNumaBalancing().
 * The allocator's call into reclaim is the fourth such table: DirectReclaimer (page-alloc.ts).
 */
import type { AddressSpace } from "../fs/address-space.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import type { VmArea } from "./mm-types.js";

/** struct vm_operations_struct, reduced to the fault path's calls. */
export interface VmOperations {
  /**
   * ->fault (filemap_fault): the folio at file index pgoff, with a reference for the caller;
   * its head pfn, or a negative VM_FAULT_* (a RETRY leaves the folio to wait on in k.faultState)
   */
  fault(k: Kernel, vma: VmArea, pgoff: number): number;
  /** ->page_mkwrite: a shared mapping is about to make folio `head` writable; 0 or a negative errno */
  pageMkwrite?(k: Kernel, vma: VmArea, head: number): number;
}

/**
 * The swap layer's entry points that mm and the page cache call: there is a swap device (k.swap)
 * whenever a swap PTE, a swap-cache folio or a shmem value entry exists, and it carries them.
 */
export interface SwapOperations {
  /** do_swap_page(): `pte` (in the leaf the caller walked) is a swap entry; a VM_FAULT_* mask */
  doSwapPage(k: Kernel, vma: VmArea, addr: number, pte: number, write: boolean): number;
  /** free_swap_and_cache(): a zapped swap PTE drops its reference on the slot */
  freeSwapAndCache(k: Kernel, entry: number): void;
  /** folio_free_swap(): free the swap slots of a swap-cache folio no swap PTE needs any more */
  folioFreeSwap(k: Kernel, head: number): boolean;
  /**
   * shmem_swapin_folio(): the page-cache lookup found shmem's value entry at `index`; the head
   * pfn of the folio swapped back into the cache, or a negative errno
   */
  shmemSwapinFolio(k: Kernel, as: AddressSpace, index: number, nid: number): number;
  /** shmem_free_swap(): truncate drops the value entry at `index` and its swap */
  shmemFreeSwap(k: Kernel, as: AddressSpace, index: number): void;
}

/**
 * NUMA balancing's part of do_numa_page(): count the hint fault, decide whether the folio moves
 * to the faulting task's node (numa_migrate_check() → should_numa_migrate_memory(), the
 * promotion decision) and, if so, migrate it (migrate_misplaced_folio()). True if it moved:
 * the PTE now maps the new folio. False leaves do_numa_page() to restore the hint PTEs.
 */
export interface NumaHintFaultOperations {
  numaHintFault(k: Kernel, vma: VmArea, addr: number, head: number): boolean;
}

/** The swap layer's entry points (k.swap.ops); a swap entry with no swap device is a bug. */
export function swapOps(k: Kernel): SwapOperations {
  const si = k.swap;
  if (!si) throw new KernelBug("a swap entry or swap-cache folio, but the system has no swap device");
  return si.ops;
}
