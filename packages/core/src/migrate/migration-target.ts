/**
 * Destination allocators for migrate_pages(): alloc_migration_target() (mm/migrate.c, with
 * struct migration_target_control from mm/internal.h) and alloc_misplaced_dst_folio()
 * (mm/migrate.c, the NUMA-balancing one). Both return a head pfn with one reference, or -1.
 */
import type { Kernel } from "../kernel/kernel.js";
import {
  GFP_HIGHUSER_MOVABLE,
  GFP_TRANSHUGE,
  GFP_TRANSHUGE_LIGHT,
  __GFP_COMP,
  __GFP_HIGHMEM,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_THISNODE,
} from "../mm/gfp.js";
import { MAX_NR_ZONES, ZONE_MOVABLE } from "../mm/topology.js";

export const NUMA_NO_NODE = -1;

/** struct migration_target_control */
export interface MigrationTargetControl {
  /** preferred node, or NUMA_NO_NODE for the source folio's node */
  nid: number;
  /** allowed nodes, or null for all */
  nmask: readonly number[] | null;
  gfpMask: number;
}

/** __folio_alloc(): __alloc_pages() with __GFP_COMP. */
export function folioAlloc(k: Kernel, gfp: number, order: number, nid: number, nmask: readonly number[] | null): number {
  return k.alloc.allocPages(gfp | __GFP_COMP, order, nid, nmask);
}

/**
 * alloc_migration_target(): the source's order on mtc.nid (or the source node). A large folio
 * drops __GFP_RECLAIM and takes GFP_TRANSHUGE; a source in a highmem or movable zone adds
 * __GFP_HIGHMEM. No hugetlb.
 */
export function allocMigrationTarget(k: Kernel, src: number, mtc: MigrationTargetControl): number {
  let gfpMask = mtc.gfpMask;
  let nid = mtc.nid;
  let order = 0;
  if (nid === NUMA_NO_NODE) nid = k.folioNid(src);
  if (k.mem.order[src]! > 0) {
    // Consistent with regular THP allocations.
    gfpMask &= ~__GFP_RECLAIM;
    gfpMask |= GFP_TRANSHUGE;
    order = k.mem.order[src]!;
  }
  const zidx = k.mem.zone[src]! % MAX_NR_ZONES;
  if (zidx === ZONE_MOVABLE) gfpMask |= __GFP_HIGHMEM;
  return folioAlloc(k, gfpMask, order, nid, mtc.nmask);
}

/** alloc_migration_target() as a migrate_pages() callback: `priv` is the MigrationTargetControl. */
export function allocMigrationTargetCb(k: Kernel, src: number, priv: unknown): number {
  return allocMigrationTarget(k, src, priv as MigrationTargetControl);
}

/**
 * alloc_misplaced_dst_folio(): on node `priv` only, never reclaiming: a large folio with
 * GFP_TRANSHUGE_LIGHT, a small one with GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC |
 * __GFP_NORETRY | __GFP_NOWARN and __GFP_RECLAIM cleared.
 */
export function allocMisplacedDstFolio(k: Kernel, src: number, priv: unknown): number {
  const nid = priv as number;
  const order = k.mem.order[src]!;
  let gfp = __GFP_THISNODE;
  if (order > 0) {
    gfp |= GFP_TRANSHUGE_LIGHT;
  } else {
    gfp |= GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN;
    gfp &= ~__GFP_RECLAIM;
  }
  // __folio_alloc_node()
  return folioAlloc(k, gfp, order, nid, null);
}
