/**
 * __folio_migrate_mapping() with a mapping, folio_migrate_mapping(), and the page-cache stat
 * moves (mm/migrate.c, v6.12; docs/kernel-facts.md#folio-migrate-mapping). Under the i_pages
 * lock: freeze the old folio at its expected count, give the new folio index, mapping and +nr
 * cache references, move PG_swapbacked and PG_dirty, replace the xarray entry (one multi-index entry for the page
 * cache; nr entries for the swap cache), unfreeze the old folio at expected - nr, and, if the
 * zone changed, move NR_FILE_PAGES, NR_SHMEM, NR_SWAPCACHE, NR_FILE_DIRTY and the zone's
 * NR_ZONE_WRITE_PENDING from the old node/zone to the new one.
 *
 * The swap cache (folioMigrateMappingSwapcache): the same under swapper_space's lock, with nr
 * xarray entries, PG_swapcache set on the new folio and the swap entry (->private) copied.
 *
 * The stats move between the lruvecs of the folio's memcg on the two nodes (old_lruvec =
 * mem_cgroup_lruvec(memcg, oldzone->zone_pgdat), new_lruvec likewise).
 *
 * Left out: NR_SHMEM_THPS/NR_FILE_THPS (large
 * page-cache folios are PTE-mapped here).
 */
import { KernelBug } from "../kernel/bug.js";
import { EAGAIN } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { PG_dirty, PG_swapbacked, PG_swapcache } from "../mm/page-flags.js";
import { swpOffset } from "../mm/pgtable.js";
import type { SwapAddressSpace } from "../swap/swapfile.js";
import { NR_FILE_DIRTY, NR_FILE_PAGES, NR_SHMEM, NR_SWAPCACHE, NR_ZONE_WRITE_PENDING } from "../mm/vmstat.js";
import { xaLock, xaUnlock, type AddressSpace } from "../fs/address-space.js";
import { folioRefFreeze, folioRefUnfreeze } from "../mm/page-ref.js";
import { MIGRATEPAGE_SUCCESS } from "./migrate-mode.js";
import { MAX_NR_ZONES } from "../mm/topology.js";

/**
 * The per-node (lruvec) stats a page-cache folio contributes, moved by ±nr from one node/zone
 * to another under one memcg's lruvecs: the tail of __folio_migrate_mapping(), and the
 * exchange's stat move. Flags are read from `head` as they are now. No-op if the zones are the
 * same.
 */
export function moveMappingStats(
  k: Kernel,
  as: { readonly canWriteback: boolean } | null,
  head: number,
  fromZone: number,
  toZone: number,
  /** the data is in the swap cache (default: read off head; the exchange passes it) */
  swapcache = k.mem.folioTestSwapcache(head),
  /** the memcg whose lruvecs the data is accounted to (default: head's) */
  memcg = k.mem.memcg[head]!,
): void {
  if (fromZone === toZone || !as) return;
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const fromNid = Math.floor(fromZone / MAX_NR_ZONES);
  const toNid = Math.floor(toZone / MAX_NR_ZONES);
  const vm = k.vmstat;
  vm.modLruvec(memcg, fromNid, NR_FILE_PAGES, -nr);
  vm.modLruvec(memcg, toNid, NR_FILE_PAGES, nr);
  if (mem.testFlag(head, PG_swapbacked) && !swapcache) {
    vm.modLruvec(memcg, fromNid, NR_SHMEM, -nr);
    vm.modLruvec(memcg, toNid, NR_SHMEM, nr);
  }
  if (swapcache) {
    vm.modLruvec(memcg, fromNid, NR_SWAPCACHE, -nr);
    vm.modLruvec(memcg, toNid, NR_SWAPCACHE, nr);
  }
  if (mem.testFlag(head, PG_dirty) && as.canWriteback) {
    vm.modLruvec(memcg, fromNid, NR_FILE_DIRTY, -nr);
    vm.modZone(fromZone, NR_ZONE_WRITE_PENDING, -nr);
    vm.modLruvec(memcg, toNid, NR_FILE_DIRTY, nr);
    vm.modZone(toZone, NR_ZONE_WRITE_PENDING, nr);
  }
}

/** __folio_migrate_mapping(mapping, newfolio, folio, expected_count) for a page-cache folio. */
export function folioMigrateMappingPagecache(k: Kernel, as: AddressSpace, dst: number, src: number, expectedCount: number): number {
  const mem = k.mem;
  if (mem.folioTestSwapcache(src)) throw new KernelBug("__folio_migrate_mapping: swap-cache folios need the swap device");
  const nr = mem.folioNrPages(src);
  const oldZone = mem.zone[src]!;
  const newZone = mem.zone[dst]!;
  const memcg = mem.memcg[src]!; // folio_memcg(folio), read before folio_migrate_flags moves it
  xaLock(k, as);
  if (!folioRefFreeze(k, src, expectedCount)) {
    xaUnlock(k, as);
    return -EAGAIN;
  }
  // Now we know that no one else is looking at the folio: copy index and mapping, +nr refs.
  mem.index[dst] = mem.index[src]!;
  mem.mapping[dst] = mem.mapping[src]!;
  mem.refcount[dst]! += nr;
  if (mem.testFlag(src, PG_swapbacked)) mem.setFlag(dst, PG_swapbacked);
  // Dirty moves while the refs are frozen.
  const dirty = mem.testClearFlag(src, PG_dirty);
  if (dirty) mem.setFlag(dst, PG_dirty);
  // xas_store(): the (multi-index) entry now names the new folio.
  as.iPages.storeRange(mem.index[dst]!, nr, dst + 1);
  // Drop the cache's references on the old folio; the caller's isolation ref stays.
  folioRefUnfreeze(k, src, expectedCount - nr);
  xaUnlock(k, as);
  // If moved to a different zone then also account the folio to that zone (flags read off dst).
  moveMappingStats(k, as, dst, oldZone, newZone, false, memcg);
  return MIGRATEPAGE_SUCCESS;
}

/**
 * __folio_migrate_mapping() for a folio in the swap cache (folio_mapping() is swapper_spaces[type],
 * a_ops swap_aops → migrate_folio): under the swap cache's xa_lock, freeze at the expected count,
 * copy index and mapping (the anon_vma, or NULL for shmem's), +nr references on dst,
 * PG_swapbacked and PG_swapcache set on dst, folio->swap copied (src's is cleared by
 * folio_migrate_flags), PG_dirty moved, the nr xarray entries (one per slot) replaced, src
 * unfrozen at expected - nr; then NR_FILE_PAGES and NR_SWAPCACHE move if the zone changed.
 */
export function folioMigrateMappingSwapcache(k: Kernel, space: SwapAddressSpace, dst: number, src: number, expectedCount: number): number {
  const mem = k.mem;
  const nr = mem.folioNrPages(src);
  const oldZone = mem.zone[src]!;
  const newZone = mem.zone[dst]!;
  const memcg = mem.memcg[src]!;
  xaLock(k, space);
  if (!folioRefFreeze(k, src, expectedCount)) {
    xaUnlock(k, space);
    return -EAGAIN;
  }
  mem.index[dst] = mem.index[src]!;
  mem.mapping[dst] = mem.mapping[src]!;
  mem.refcount[dst]! += nr;
  mem.setFlag(dst, PG_swapbacked);
  mem.setFlag(dst, PG_swapcache);
  const entry = mem.private[src]!;
  mem.private[dst] = entry;
  const dirty = mem.testClearFlag(src, PG_dirty);
  if (dirty) mem.setFlag(dst, PG_dirty);
  const off = swpOffset(entry);
  for (let i = 0; i < nr; i++) space.iPages.store(off + i, dst + 1);
  folioRefUnfreeze(k, src, expectedCount - nr);
  xaUnlock(k, space);
  moveMappingStats(k, space, dst, oldZone, newZone, true, memcg);
  return MIGRATEPAGE_SUCCESS;
}
