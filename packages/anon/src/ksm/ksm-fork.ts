/**
 * KSM and the life of an mm: ksm_fork() (include/linux/ksm.h), which dup_mmap() calls so that
 * the child of an mm KSM scans is scanned too (MMF_VM_MERGEABLE is inherited: __ksm_enter()),
 * and the PTEs of KSM pages that no rmap item lists, which the kernel has too and
 * rmap_walk_ksm() does not reach:
 * - when ksmd's scan passes an address whose page is unmapped for migration (a migration entry:
 *   folio_walk_start() finds no page), the address's rmap item goes (get_next_rmap_item(),
 *   remove_trailing_rmap_items()); the KSM page mapped there again afterwards has no rmap item
 *   until the next scan finds it and appends one;
 * - a page a child shares with its fork parent (COW, so read-only in both) can be merged by the
 *   child's scan (try_to_merge_one_page(): "if it's mapped elsewhere, all of its ptes are
 *   necessarily already write-protected"); the parent's PTE then maps the KSM page, but the
 *   child's rmap item holds the child's anon_vma, whose tree does not hold the parent's vma.
 */
import type { Kernel, MmStruct, VmArea } from "@foliox/core";
import { ksmActive, ksmOf } from "./ksm-state.js";
import { ksmEnter } from "./ksmd.js";

/** ksm_fork(): a child of a registered mm is registered (a slot at the end of the scan list). */
export function ksmFork(k: Kernel, oldMm: MmStruct, mm: MmStruct): void {
  if (ksmActive(k) && ksmOf(k).slotOf.has(oldMm)) ksmEnter(k, mm);
}

/**
 * A PTE of a KSM folio that no rmap item lists, as in the kernel (see the header): its mm has no
 * rmap item at that address. One that has an item there must be listed by it.
 */
export function ksmRmapPending(k: Kernel, vma: VmArea, addr: number): boolean {
  const slot = ksmOf(k).slotOf.get(vma.mm);
  return slot === undefined || !slot.items.some((it) => it.address === addr);
}
