/**
 * migrate_folio() and what it transfers, mm/migrate.c (v6.12): __migrate_folio(),
 * folio_expected_refs() (≤6.15 semantics), __folio_migrate_mapping() for the no-mapping
 * (anon) case and folio_migrate_flags(). Facts: docs/kernel-facts.md#what-is-transferred.
 *
 * The page-cache and swap-cache cases of __folio_migrate_mapping (the i_pages freeze and slot
 * replacement) are in migrate-mapping.ts.
 *
 * folio_migrate_ksm() is the owning backend's (Backend.migrateKsm: core has no stable nodes).
 * Left out: folio_copy_owner()
 * (page_owner), pgalloc_tag_swap(), and folio_undo_large_rmappable() (no deferred-split queue).
 */
import { KernelBug, vmBug } from "../kernel/bug.js";
import { EAGAIN } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import {
  PG_active,
  PG_checked,
  PG_dirty,
  PG_idle,
  PG_mappedtodisk,
  PG_private,
  PG_readahead,
  PG_referenced,
  PG_swapbacked,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  PG_young,
} from "../mm/page-flags.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { folioEndWriteback } from "../fs/page-writeback.js";
import { folioMigrateMappingPagecache, folioMigrateMappingSwapcache } from "./migrate-mapping.js";
import { folioSwapSpace } from "../swap/swap-state.js";
import { MIGRATEPAGE_SUCCESS, type MigrateMode } from "./migrate-mode.js";

/** sysctl_numa_balancing_mode bits (include/linux/sched/sysctl.h) */
export const NUMA_BALANCING_DISABLED = 0x0;
export const NUMA_BALANCING_NORMAL = 0x1;
export const NUMA_BALANCING_MEMORY_TIERING = 0x2;

/** sysctl_numa_balancing_mode of this system (default NORMAL | MEMORY_TIERING). */
export function numaBalancingMode(k: Kernel): number {
  return k.options.numaBalancingMode ?? NUMA_BALANCING_NORMAL | NUMA_BALANCING_MEMORY_TIERING;
}

/**
 * folio_expected_refs() (mm/migrate.c, ≤6.15): 1 for the isolation reference, plus, when the
 * folio has an address_space, one per page for the cache and one for PG_private. Both movers use it;
 * the exchange calls it with mem.folioHasMapping(head).
 */
export function folioExpectedRefs(k: Kernel, hasMapping: boolean, head: number): number {
  let refs = 1;
  if (!hasMapping) return refs;
  refs += k.mem.folioNrPages(head);
  if (k.mem.testFlag(head, PG_private)) refs++;
  return refs;
}

/**
 * folio_mc_copy() (mm/util.c): copy every page; a machine check on the source would give
 * -EHWPOISON, which the model has no way to raise, so it always succeeds.
 */
export function folioMcCopy(k: Kernel, dst: number, src: number): number {
  k.content.copyPages(dst, src, k.mem.folioNrPages(src));
  return 0;
}

/**
 * __folio_migrate_mapping() for `mapping == NULL` (mm/migrate.c): no references to move, no
 * xarray slot; copy index, mapping (anon_vma | PAGE_MAPPING_ANON) and PG_swapbacked.
 * The large-folio freeze (taking it off the deferred-split queue) is a refcount check here.
 */
export function folioMigrateMappingNoMapping(k: Kernel, dst: number, src: number, expectedCount: number): number {
  const mem = k.mem;
  if (mem.order[src]! > 0 && mem.refcount[src] !== expectedCount) return -EAGAIN;
  mem.index[dst] = mem.index[src]!;
  mem.mapping[dst] = mem.mapping[src]!;
  if (mem.testFlag(src, PG_swapbacked)) mem.setFlag(dst, PG_swapbacked);
  return MIGRATEPAGE_SUCCESS;
}

/**
 * folio_migrate_flags(newfolio, folio) (mm/migrate.c, v6.12), in the kernel's order.
 * `dst` is newfolio, `src` is the old folio.
 */
export function folioMigrateFlags(k: Kernel, dst: number, src: number): void {
  const mem = k.mem;
  if (mem.testFlag(src, PG_referenced)) mem.setFlag(dst, PG_referenced);
  if (mem.testFlag(src, PG_uptodate)) mem.setFlag(dst, PG_uptodate);
  if (mem.testClearFlag(src, PG_active)) {
    if (mem.testFlag(src, PG_unevictable)) vmBug(`folio_migrate_flags: pfn ${src} is active and unevictable`);
    mem.setFlag(dst, PG_active);
  } else if (mem.testClearFlag(src, PG_unevictable)) {
    mem.setFlag(dst, PG_unevictable);
  }
  if (mem.testFlag(src, PG_workingset)) mem.setFlag(dst, PG_workingset);
  if (mem.testFlag(src, PG_checked)) mem.setFlag(dst, PG_checked);
  // PG_anon_exclusive travels in migration entries; this copies an unmapped head's bit.
  if (mem.testFlag(src, PG_mappedtodisk)) mem.setFlag(dst, PG_mappedtodisk);
  if (mem.testFlag(src, PG_dirty)) mem.setFlag(dst, PG_dirty);
  if (mem.testFlag(src, PG_young)) mem.setFlag(dst, PG_young);
  if (mem.testFlag(src, PG_idle)) mem.setFlag(dst, PG_idle);

  // folio_xchg_last_cpupid(folio, -1), then onto the new folio unless the tier changed.
  let cpupid = mem.lastCpupid[src]!;
  mem.lastCpupid[src] = -1;
  if (numaBalancingMode(k) & NUMA_BALANCING_MEMORY_TIERING) {
    const fToptier = k.tiers.nodeIsToptier(k.folioNid(src));
    const tToptier = k.tiers.nodeIsToptier(k.folioNid(dst));
    if (fToptier !== tToptier) cpupid = -1;
  }
  mem.lastCpupid[dst] = cpupid;

  // folio_migrate_ksm(newfolio, folio): the KSM backend moves stable_node->kpfn (Backend.migrateKsm).
  if (mem.folioTestKsm(src)) k.backends.forFolio(k, src)?.migrateKsm?.(k, dst, src);
  if (mem.folioTestSwapcache(src)) mem.clearFlag(src, PG_checked); // folio_clear_swapcache
  mem.clearFlag(src, PG_private);
  mem.private[src] = 0;

  if (mem.testFlag(dst, PG_writeback)) folioEndWriteback(k, dst);
  // PG_readahead shares PG_reclaim, which folio_end_writeback() may have cleared.
  if (mem.testFlag(src, PG_readahead)) mem.setFlag(dst, PG_readahead);

  // mem_cgroup_migrate(): the charge moves to the new folio; old->memcg_data = 0.
  mem.memcg[dst] = mem.memcg[src]!;
  mem.memcg[src] = 0;
}

/**
 * __migrate_folio(mapping, dst, src, src_private, mode) (mm/migrate.c, v6.12): refcount check,
 * copy, mapping (with the i_pages freeze for a page-cache folio), the private data
 * (folio_attach_private(dst, folio_detach_private(src)) when `srcPrivate`), flags.
 */
export function __migrateFolio(k: Kernel, dst: number, src: number, _mode: MigrateMode, srcPrivate = false): number {
  const mem = k.mem;
  const hasMapping = mem.folioHasMapping(src);
  const expectedCount = folioExpectedRefs(k, hasMapping, src);
  if (mem.refcount[src] !== expectedCount) return -EAGAIN;
  let rc = folioMcCopy(k, dst, src);
  if (rc) return rc;
  const swapSpace = folioSwapSpace(k, src);
  if (swapSpace) {
    rc = folioMigrateMappingSwapcache(k, swapSpace, dst, src, expectedCount);
  } else if (hasMapping) {
    const as = folioAddressSpace(k, src);
    if (!as) throw new KernelBug(`__folio_migrate_mapping: pfn ${src} has a mapping core does not know`);
    rc = folioMigrateMappingPagecache(k, as, dst, src, expectedCount);
  } else {
    rc = folioMigrateMappingNoMapping(k, dst, src, expectedCount);
  }
  if (rc !== MIGRATEPAGE_SUCCESS) return rc;
  if (srcPrivate) folioAttachPrivate(k, dst, folioDetachPrivate(k, src));
  folioMigrateFlags(k, dst, src);
  return MIGRATEPAGE_SUCCESS;
}

/** folio_detach_private(): clear PG_private, drop its reference, hand back ->private. */
export function folioDetachPrivate(k: Kernel, head: number): number {
  const mem = k.mem;
  const priv = mem.private[head]!;
  if (!mem.testClearFlag(head, PG_private)) return 0;
  mem.private[head] = 0;
  mem.refcount[head]!--;
  return priv;
}

/** folio_attach_private(): a reference for the private data, PG_private and ->private. */
export function folioAttachPrivate(k: Kernel, head: number, priv: number): void {
  const mem = k.mem;
  mem.refcount[head]!++;
  mem.private[head] = priv;
  mem.setFlag(head, PG_private);
}

/**
 * filemap_migrate_folio() (mm/migrate.c): __migrate_folio() moving whatever opaque ->private
 * the folio carries (f2fs, iomap users, ubifs …).
 */
export function filemapMigrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
  return __migrateFolio(k, dst, src, mode, k.mem.testFlag(src, PG_private));
}

/**
 * migrate_folio(mapping, dst, src, mode) (mm/migrate.c): the a_ops->migrate_folio of anonymous
 * memory (mapping NULL), shmem and the swap cache, and the last step of the fallback. BUG on
 * writeback, then __migrate_folio() with no private data.
 */
export function migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
  if (k.mem.testFlag(src, PG_writeback)) vmBug(`migrate_folio: pfn ${src} is under writeback`);
  return __migrateFolio(k, dst, src, mode);
}
