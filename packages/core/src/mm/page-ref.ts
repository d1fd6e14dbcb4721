/**
 * Folio reference freezing: folio_ref_freeze() and folio_ref_unfreeze() (include/linux/page_ref.h).
 * A mover freezes a folio at exactly the references it expects, so that nobody can take a new
 * one while its mapping is switched; both movers and swap's __remove_mapping() use it.
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";

/** folio_ref_freeze(): succeeds only at exactly `count` references, leaving 0. */
export function folioRefFreeze(k: Kernel, head: number, count: number): boolean {
  if (k.mem.refcount[head] !== count) return false;
  k.mem.refcount[head] = 0;
  return true;
}

/** folio_ref_unfreeze() */
export function folioRefUnfreeze(k: Kernel, head: number, count: number): void {
  if (k.mem.refcount[head] !== 0) throw new KernelBug(`folio_ref_unfreeze: pfn ${head} is not frozen`);
  k.mem.refcount[head] = count;
}
