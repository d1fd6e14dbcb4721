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
import { folioAddressSpace, xaLock, xaUnlock, type AddressSpace } from "../fs/address-space.js";
import { moveMappingStats } from "../migrate/migrate-mapping.js";

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

/**
 * The i_pages locks of the two folios' page-cache mappings (either may be null), taken in
 * mapping-id order, and a mapping both folios share only once (reference §9b.4).
 */
export function folioExchangeXaLock(oldAs: AddressSpace | null, newAs: AddressSpace | null): void {
  const [a, b] = oldAs && newAs && newAs.id < oldAs.id ? [newAs, oldAs] : [oldAs, newAs];
  if (a) xaLock(a);
  if (b && b !== a) xaLock(b);
}

export function folioExchangeXaUnlock(oldAs: AddressSpace | null, newAs: AddressSpace | null): void {
  if (oldAs) xaUnlock(oldAs);
  if (newAs && newAs !== oldAs) xaUnlock(newAs);
}

/**
 * folio_exchange_mapping(): anon↔anon, file↔anon and file↔file. Both folios are frozen (each
 * at its own expected count) under their mappings' i_pages locks; this swaps index, mapping,
 * PG_swapbacked and PG_dirty, stores each page-cache folio into the slot(s) the other held (nr
 * slots if swap-backed, else one multi-index entry: both are storeRange here), and moves
 * NR_FILE_PAGES / NR_SHMEM / NR_SWAPCACHE / NR_FILE_DIRTY (+ NR_ZONE_WRITE_PENDING) of each
 * data from the node and zone it left to the one it now lives on — each folio's stats under
 * its own source node, never the partner's (§9b.7). Cannot fail.
 */
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
  const nr = mem.folioNrPages(oldHead);
  const oldZone = mem.zone[oldHead]!;
  const newZone = mem.zone[newHead]!;
  for (const head of [oldHead, newHead]) {
    const as = folioAddressSpace(k, head);
    if (!as) continue;
    if (!as.xaLocked) throw new KernelBug(`folio_exchange_mapping: i_pages of mapping ${as.id} is not locked`);
    as.iPages.storeRange(mem.index[head]!, nr, head + 1);
    // this frame's data came from the other frame
    if (head === oldHead) moveMappingStats(k, as, head, newZone, oldZone);
    else moveMappingStats(k, as, head, oldZone, newZone);
  }
}

export { swapBits };
