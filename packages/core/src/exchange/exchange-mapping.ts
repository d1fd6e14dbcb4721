/**
 * The helpers of folio_exchange_mapping() (the seed's mm/exchange.c; the step itself is
 * FolioExchange.folioExchangeMapping(), exchange-template.ts), and of the refcount freeze that
 * precedes it, which the seed leaves out for anon↔anon (docs/decisions.md#seed-defect-2,
 * #seed-defect-3): both folios are frozen at their expected count first, so an extra reference
 * taken after the support check gives -EAGAIN while nothing has moved. A KSM folio outside the
 * swap cache is never frozen (only its count is checked), and its mapping is swapped by its
 * backend (docs/decisions.md#ksm-exchange).
 */
import { EAGAIN } from "../kernel/errno.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import type { WaitOwner } from "../kernel/wait.js";
import { xaLock, xaUnlock, type XaLockable } from "../fs/address-space.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { folioRefFreeze, folioRefUnfreeze } from "../mm/page-ref.js";
import { swpOffset } from "../mm/pgtable.js";
import { moveMappingStats } from "../migrate/migrate-mapping.js";

/** folio_ref_freeze(), or for a folio that must not be frozen the folio_ref_count() test. */
function freezeOrCheck(k: Kernel, head: number, count: number, freeze: boolean): boolean {
  return freeze ? folioRefFreeze(k, head, count) : k.mem.refcount[head] === count;
}

/**
 * Freeze both at their expected counts, or neither: 0 or -EAGAIN. A side with `freeze*` false
 * (Backend.exchangeMayFreeze) is only checked at its expected count, never frozen.
 */
export function folioExchangeFreeze(
  k: Kernel,
  oldHead: number,
  oldExpected: number,
  newHead: number,
  newExpected: number,
  freezeOld = true,
  freezeNew = true,
): number {
  const oldRc = k.faultInject.check("folio_ref_freeze(old)");
  if (oldRc || !freezeOrCheck(k, oldHead, oldExpected, freezeOld)) return oldRc || -EAGAIN;
  const newRc = k.faultInject.check("folio_ref_freeze(new)");
  if (newRc || !freezeOrCheck(k, newHead, newExpected, freezeNew)) {
    if (freezeOld) folioRefUnfreeze(k, oldHead, oldExpected);
    return newRc || -EAGAIN;
  }
  return 0;
}

/**
 * After the swap each frame needs the references of the data it now holds: a frozen side is
 * unfrozen at the partner's expected count; a side that was not frozen gains (or loses) the
 * difference with folio_ref_add() (the seed's file↔anon path does this for its anon side). For
 * two folios with no address_space (anon, KSM) both counts are 1: no reference moves.
 */
export function folioExchangeUnfreeze(
  k: Kernel,
  oldHead: number,
  oldExpected: number,
  newHead: number,
  newExpected: number,
  freezeOld = true,
  freezeNew = true,
): void {
  if (freezeOld) folioRefUnfreeze(k, oldHead, newExpected);
  else k.mem.refcount[oldHead]! += newExpected - oldExpected;
  if (freezeNew) folioRefUnfreeze(k, newHead, oldExpected);
  else k.mem.refcount[newHead]! += oldExpected - newExpected;
}

/** Swap the bits of `mask` between the flags of frames a and b. */
export function swapBits(k: Kernel, a: number, b: number, mask: number): void {
  const flags = k.mem.flags;
  const fa = flags[a]!;
  const fb = flags[b]!;
  const diff = (fa ^ fb) & mask;
  flags[a] = fa ^ diff;
  flags[b] = fb ^ diff;
}

/**
 * The i_pages locks of the two folios' mappings — page cache, or swap cache (swapper_spaces,
 * whose negative ids order first) — either may be null, taken in mapping-id order, and a
 * mapping both folios share (one file, or one swap space) only once (docs/decisions.md#seed-defect-4).
 */
export function folioExchangeXaLock(k: Kernel, oldAs: XaLockable | null, newAs: XaLockable | null, owner: WaitOwner): void {
  const swap = oldAs !== null && newAs !== null && newAs.id < oldAs.id;
  const a = swap ? newAs : oldAs;
  const b = swap ? oldAs : newAs;
  if (a) xaLock(k, a, owner);
  if (b && b !== a) xaLock(k, b, owner);
}

export function folioExchangeXaUnlock(k: Kernel, oldAs: XaLockable | null, newAs: XaLockable | null, owner: WaitOwner): void {
  if (oldAs) xaUnlock(k, oldAs, owner);
  if (newAs && newAs !== oldAs) xaUnlock(k, newAs, owner);
}

/**
 * The stats half of folio_exchange_mapping() (FolioExchange.folioExchangeMapping() swaps index,
 * mapping and the bits first): stores each page-cache folio into the slot(s) the other held (nr
 * slots if swap-backed, else one multi-index entry: both are storeRange here), points the swap
 * cache's slots of `oldSwap` / `newSwap` (the entries read before anything moved, or 0) at the
 * frame that now holds the data, and moves NR_FILE_PAGES / NR_SHMEM / NR_SWAPCACHE /
 * NR_FILE_DIRTY (+ NR_ZONE_WRITE_PENDING) of each data from the node and zone it left to the one
 * it now lives on, under `memcgInOld` / `memcgInNew`: the memcg of the data each frame now holds
 * (its own, never the partner's: seed-defect-7). Cannot fail.
 */
export function folioExchangeMappingStats(
  k: Kernel,
  oldHead: number,
  newHead: number,
  oldSwap: number,
  newSwap: number,
  memcgInOld: number,
  memcgInNew: number,
): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(oldHead);
  const oldZone = mem.zone[oldHead]!;
  const newZone = mem.zone[newHead]!;
  // each frame's data came from the other frame (a page-cache folio is not in the swap cache)
  pagecacheFollowsData(k, oldHead, nr, newZone, oldZone, memcgInOld);
  pagecacheFollowsData(k, newHead, nr, oldZone, newZone, memcgInNew);
  if (oldSwap) swapcacheFollowsData(k, oldSwap, newHead, nr, oldZone, newZone, memcgInNew);
  if (newSwap) swapcacheFollowsData(k, newSwap, oldHead, nr, newZone, oldZone, memcgInOld);
}

/** The page cache's nr slots of the data now on frame `head` name it; its stats move with the data. */
function pagecacheFollowsData(k: Kernel, head: number, nr: number, fromZone: number, toZone: number, memcg: number): void {
  const as = folioAddressSpace(k, head);
  if (!as) return;
  if (!as.xaLocked) throw new KernelBug(`folio_exchange_mapping: i_pages of mapping ${as.id} is not locked`);
  as.iPages.storeRange(k.mem.index[head]!, nr, head + 1);
  moveMappingStats(k, as, head, fromZone, toZone, false, memcg);
}

/** The swap cache's nr slots of `entry` now name frame `to`; its stats move with the data. */
function swapcacheFollowsData(k: Kernel, entry: number, to: number, nr: number, fromZone: number, toZone: number, memcg: number): void {
  const space = k.swap!.space;
  if (!space.xaLocked) throw new KernelBug("folio_exchange_mapping: the swap cache's i_pages is not locked");
  const off = swpOffset(entry);
  for (let i = 0; i < nr; i++) space.iPages.store(off + i, to + 1);
  moveMappingStats(k, space, to, fromZone, toZone, true, memcg);
}

/** The first of the two folios' backends that takes the mapping swap (Backend.exchangeMapping). */
export function backendExchangeMapping(k: Kernel, oldHead: number, newHead: number): boolean {
  const a = k.backends.forFolio(k, oldHead);
  if (a?.exchangeMapping?.(k, oldHead, newHead)) return true;
  const b = k.backends.forFolio(k, newHead);
  return b !== a && !!b?.exchangeMapping?.(k, oldHead, newHead);
}
