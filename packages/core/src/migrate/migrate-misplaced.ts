/**
 * NUMA-balancing migration of one folio, mm/migrate.c (v6.12): migrate_balanced_pgdat(),
 * migrate_misplaced_folio_prepare() and migrate_misplaced_folio(). do_numa_page() calls
 * prepare (checks, room on the target node, LRU isolation), then the migration itself:
 * migrate_pages(MIGRATE_ASYNC, MR_NUMA_MISPLACED) with alloc_misplaced_dst_folio(), so a large
 * folio is never split and the destination is never reclaimed for.
 * Facts: docs/kernel-facts.md#promotion; "full" memory: docs/decisions.md#memory-pressure.
 */
import { EACCES, EAGAIN } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { VM_EXEC, type VmArea } from "../mm/mm-types.js";
import { WMARK_HIGH } from "../mm/page-alloc.js";
import { PG_dirty } from "../mm/page-flags.js";
import { ZONE_MOVABLE } from "../mm/topology.js";
import { NR_ISOLATED_ANON, NUMA_PAGE_MIGRATE, PGPROMOTE_SUCCESS } from "../mm/vmstat.js";
import { folioLikelyMappedShared } from "../mm/mapped-shared.js";
import { NUMA_BALANCING_MEMORY_TIERING, numaBalancingMode } from "./migrate-folio.js";
import { MIGRATE_ASYNC, MR_NUMA_MISPLACED } from "./migrate-mode.js";
import { migratePages } from "./migrate-pages.js";
import { allocMisplacedDstFolio } from "./migration-target.js";
import { putbackMovablePages } from "./unmap-and-move.js";

/**
 * migrate_balanced_pgdat(): does some managed zone of the node stay above its high watermark
 * after taking nr pages? (zone_watermark_ok(zone, 0, high + nr, ZONE_MOVABLE, ALLOC_CMA))
 */
export function migrateBalancedPgdat(k: Kernel, nid: number, nrMigratePages: number): boolean {
  const zones = k.topo.nodes[nid]!.zones;
  for (let z = zones.length - 1; z >= 0; z--) {
    const zone = zones[z]!;
    if (zone.managedPages <= 0) continue;
    if (!k.alloc.zoneWatermarkOk(zone, 0, k.alloc.wmarkPages(zone, WMARK_HIGH) + nrMigratePages, ZONE_MOVABLE, 0)) continue;
    return true;
  }
  return false;
}

/**
 * migrate_misplaced_folio_prepare(): 0 with the folio isolated (NR_ISOLATED_* counted, on no
 * list yet), or -EACCES (a shared executable file folio: probably a library), -EAGAIN (a dirty
 * file folio; a target node without room above its high watermark — in tiering mode kswapd is
 * woken there first; or the folio is not on an LRU).
 */
export function migrateMisplacedFolioPrepare(k: Kernel, head: number, vma: VmArea, node: number): number {
  const mem = k.mem;
  const nrPages = mem.folioNrPages(head);
  if (k.lru.folioIsFileLru(head)) {
    if (vma.vmFlags & VM_EXEC && folioLikelyMappedShared(k, head)) return -EACCES;
    // Not every filesystem can move dirty folios in MIGRATE_ASYNC.
    if (mem.testFlag(head, PG_dirty)) return -EAGAIN;
  }
  // Avoid migrating to a node that is nearly full.
  if (!migrateBalancedPgdat(k, node, nrPages)) {
    if (!(numaBalancingMode(k) & NUMA_BALANCING_MEMORY_TIERING)) return -EAGAIN;
    const zones = k.topo.nodes[node]!.zones;
    let z = zones.length - 1;
    while (z >= 0 && zones[z]!.managedPages <= 0) z--;
    if (z < 0) return -EAGAIN;
    // wakeup_kswapd(zone, 0, folio_order(folio), ZONE_MOVABLE)
    k.alloc.wakeupKswapd(node, mem.order[head]!, 0);
    return -EAGAIN;
  }
  if (!k.lru.folioIsolateLru(head)) return -EAGAIN;
  k.vmstat.modNode(k.folioNid(head), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(head) ? 1 : 0), nrPages);
  return 0;
}

/**
 * migrate_misplaced_folio(): migrate a folio isolated by prepare to `node`. 0, or -EAGAIN with
 * the folio back on its LRU. Counts numa_pages_migrated and, for a promotion (slow tier to top
 * tier in tiering mode), pgpromote_success on the target node.
 */
export function migrateMisplacedFolio(k: Kernel, head: number, _vma: VmArea | null, node: number): number {
  const migratepages = k.lists.alloc();
  migratepages.add(head);
  const nrSucceeded = { value: 0 };
  const nrRemaining = migratePages(k, migratepages, allocMisplacedDstFolio, null, node, MIGRATE_ASYNC, MR_NUMA_MISPLACED, nrSucceeded);
  if (nrRemaining && !migratepages.isEmpty()) putbackMovablePages(k, migratepages);
  if (nrSucceeded.value) {
    k.vmstat.countEvents(NUMA_PAGE_MIGRATE, nrSucceeded.value);
    // folio_nid(folio) of the old folio: pfn arithmetic, still its node.
    if (numaBalancingMode(k) & NUMA_BALANCING_MEMORY_TIERING && !k.tiers.nodeIsToptier(k.folioNid(head)) && k.tiers.nodeIsToptier(node)) {
      k.vmstat.modNode(node, PGPROMOTE_SUCCESS, nrSucceeded.value);
    }
  }
  migratepages.release();
  return nrRemaining ? -EAGAIN : 0;
}
