/**
 * KSM and the life of an mm: ksm_fork() (include/linux/ksm.h), which dup_mmap() calls so that
 * the child of an mm KSM scans is scanned too (MMF_VM_MERGEABLE is inherited: __ksm_enter()),
 * and what a scan leaves unlisted for a while: when ksmd's scan passes an address whose page
 * is unmapped for migration (a migration entry: folio_walk_start() finds no page), the address's
 * rmap item goes (get_next_rmap_item(), remove_trailing_rmap_items()), and the KSM page mapped
 * there again afterwards has no rmap item until the next scan finds it and appends one. Until
 * then rmap_walk_ksm() does not reach that PTE, in the kernel as here.
 */
import type { Kernel, MmStruct, VmArea } from "@foliox/core";
import { VM_MERGEABLE, ksmActive, ksmOf } from "./ksm-state.js";
import { ksmEnter } from "./ksmd.js";

/** ksm_fork(): a child of a registered mm is registered (a slot at the end of the scan list). */
export function ksmFork(k: Kernel, oldMm: MmStruct, mm: MmStruct): void {
  if (ksmActive(k) && ksmOf(k).slotOf.has(oldMm)) ksmEnter(k, mm);
}

/**
 * A PTE of a KSM folio that no rmap item lists yet, and that ksmd's next scan will list: its mm
 * is scanned, its vma mergeable, and the mm has no rmap item at the address.
 */
export function ksmRmapPending(k: Kernel, vma: VmArea, addr: number): boolean {
  const slot = ksmOf(k).slotOf.get(vma.mm);
  return slot !== undefined && (vma.vmFlags & VM_MERGEABLE) !== 0 && !slot.items.some((it) => it.address === addr);
}
