/**
 * folio_exchange_mapping() (the seed's mm/exchange.c), preceded by the refcount freeze the seed
 * leaves out for anon↔anon (reference §9b.2, §9b.3): both folios are frozen at their expected
 * count first, so an extra reference taken after the support check gives -EAGAIN while nothing
 * has moved. Then anon↔anon swaps index, mapping, PG_swapbacked and PG_dirty (the dirty bit
 * travels with the data).
 */
import { EAGAIN } from "../kernel/errno.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { PG_dirty, PG_swapbacked } from "../mm/page-flags.js";

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

/** Freeze both at their expected counts, or neither: 0 or -EAGAIN. */
export function folioExchangeFreeze(k: Kernel, oldHead: number, oldExpected: number, newHead: number, newExpected: number): number {
  const oldRc = k.faultInject.check("folio_ref_freeze(old)");
  if (oldRc || !folioRefFreeze(k, oldHead, oldExpected)) return oldRc || -EAGAIN;
  const newRc = k.faultInject.check("folio_ref_freeze(new)");
  if (newRc || !folioRefFreeze(k, newHead, newExpected)) {
    folioRefUnfreeze(k, oldHead, oldExpected);
    return newRc || -EAGAIN;
  }
  return 0;
}

function swapBits(k: Kernel, a: number, b: number, mask: number): void {
  const flags = k.mem.flags;
  const fa = flags[a]!;
  const fb = flags[b]!;
  const diff = (fa ^ fb) & mask;
  flags[a] = fa ^ diff;
  flags[b] = fb ^ diff;
}

/** folio_exchange_mapping_anon_anon(): cannot fail. */
export function folioExchangeMapping(k: Kernel, oldHead: number, newHead: number): void {
  const mem = k.mem;
  if (mem.folioTestSwapcache(oldHead) || mem.folioTestSwapcache(newHead)) {
    throw new KernelBug("folio_exchange_mapping: swap-cache folios need the swap backend");
  }
  const index = mem.index[oldHead]!;
  mem.index[oldHead] = mem.index[newHead]!;
  mem.index[newHead] = index;
  const mapping = mem.mapping[oldHead]!;
  mem.mapping[oldHead] = mem.mapping[newHead]!;
  mem.mapping[newHead] = mapping;
  swapBits(k, oldHead, newHead, (1 << PG_swapbacked) | (1 << PG_dirty));
}

export { swapBits };
