/**
 * Reclaim with demotion: mm/vmscan.c (v6.12), reduced to what tiering needs.
 *
 * - kswapd per node: woken by wakeup_kswapd() (page-alloc.ts queues the node in
 *   kswapdPending; the simulation engine drains the queue with runPendingKswapd()), it runs
 *   balance_pgdat() until pgdat_balanced(): every node's zones above WMARK_HIGH, or above
 *   WMARK_PROMO when NUMA_BALANCING_MEMORY_TIERING is on (the kernel applies PROMO to every
 *   node in that mode, not only top-tier ones) — plus an optional demotion headroom (TPP),
 *   which wakeupProactiveDemotion() also uses to wake kswapd early.
 * - shrink_node() → shrink_lruvec(): shrink_active_list() refills the inactive list when it is
 *   low (inactive_is_low), shrink_inactive_list() isolates folios from the inactive tail
 *   (NR_ISOLATED_* counted) and shrink_folio_list() decides with folio_check_references()
 *   (folio_referenced(): PTE young bits tested and cleared through the rmap walk, plus
 *   PG_referenced): activate, keep, or reclaim.
 * - Demotion first: with can_demote(), reclaimable folios go to demote_folios and
 *   demote_folio_list() migrates them (migrate_pages(MIGRATE_ASYNC, MR_DEMOTION),
 *   alloc_demote_folio: the preferred target with __GFP_THISNODE first, then any node of the
 *   lower-tier mask), counting pgdemote_kswapd or pgdemote_direct on the source node. Folios
 *   that could not be demoted are retried with do_demote_pass = false: normal reclaim.
 * - Normal reclaim of a swap-backed folio (anon, shmem) needs swap: with a swap device
 *   (k.swap, swapon) the `swapOut` hook defaults to swap/swap-out.ts swapOutFolio(): add_to_swap
 *   → try_to_unmap → pageout (asynchronous swap_writepage: the folio is kept inactive until its
 *   I/O completes) → __remove_mapping frees it on a later pass. Without swap the folio is
 *   activated (activate_locked), exactly what the kernel does when add_to_swap() fails.
 *   File folios (pageout / __remove_mapping) are left to the filesystem backends and kept.
 * - A DirectReclaimer (try_to_free_pages → shrink_node per allowed node) is registered in
 *   RECLAIMERS so direct reclaim can demote too (pgdemote_direct).
 *
 * Its own layer, reclaim/, above migrate and swap (docs/architecture.md#layers): demotion is
 * migrate_pages() with alloc_demote_folio() as its new-folio callback, and swap-out is swap/'s.
 * Nothing below calls reclaim except the allocator, and it does so through the DirectReclaimer
 * table and the kswapd wake-up queue.
 *
 * Left out: MGLRU, memcg lruvecs (one lruvec per node), writeback throttling, the anon/file
 * scan balance (get_scan_count: anon is scanned when it can be reclaimed, at the same rate as
 * file), shrinkers, compaction and kswapd's high-order handling.
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import { errnoName } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { TOPOLOGY } from "../tokens.js";
import type { Topology } from "../mm/topology.js";
import { numaBalancingMode, NUMA_BALANCING_MEMORY_TIERING } from "../migrate/migrate-folio.js";
import { MIGRATE_ASYNC, MR_DEMOTION } from "../migrate/migrate-mode.js";
import { migratePages } from "../migrate/migrate-pages.js";
import { allocMigrationTarget, type MigrationTargetControl } from "../migrate/migration-target.js";
import { GFP_HIGHUSER_MOVABLE, GFP_NOWAIT, __GFP_NOMEMALLOC, __GFP_NOWARN, __GFP_RECLAIM, __GFP_THISNODE } from "../mm/gfp.js";
import type { FolioList } from "../mm/list.js";
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE } from "../mm/lru.js";
import { VM_EXEC } from "../mm/mm-types.js";
import { MAX_RECLAIM_RETRIES, WMARK_HIGH, WMARK_PROMO, type DirectReclaimer } from "../mm/page-alloc.js";
import { PG_active, PG_locked, PG_referenced, PG_unevictable, PG_workingset } from "../mm/page-flags.js";
import { _PAGE_ACCESSED, ptePresent } from "../mm/pgtable.js";
import { rmapWalk } from "../mm/rmap.js";
import { folioPutbackLru } from "../mm/swap.js";
import { ZONE_MOVABLE } from "../mm/topology.js";
import { SWAPOUT_ACTIVATE, SWAPOUT_FREED, SWAPOUT_KEEP, swapOutFolio } from "../swap/swap-out.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  PGDEMOTE_DIRECT,
  PGDEMOTE_KSWAPD,
  PGMIGRATE_FAIL,
} from "../mm/vmstat.js";

export const SWAP_CLUSTER_MAX = 32;
export const DEF_PRIORITY = 12;

/** enum folio_references */
export const FOLIOREF_RECLAIM = 0;
export const FOLIOREF_RECLAIM_CLEAN = 1;
export const FOLIOREF_KEEP = 2;
export const FOLIOREF_ACTIVATE = 3;

/** struct scan_control, reduced */
export interface ScanControl {
  nrToReclaim: number;
  nrReclaimed: number;
  nrScanned: number;
  priority: number;
  order: number;
  gfpMask: number;
  /** current_is_kswapd(): pgdemote_kswapd, else pgdemote_direct */
  kswapd: boolean;
  noDemotion: boolean;
  /** pages demoted in this reclaim */
  nrDemoted: number;
}

/**
 * A swap device's part of shrink_folio_list (add_to_swap, try_to_unmap, pageout,
 * __remove_mapping): SWAPOUT_FREED (or true: the folio was taken off the list and freed),
 * SWAPOUT_KEEP (stays inactive, e.g. writeback in flight), SWAPOUT_ACTIVATE (or false).
 */
export type SwapOutFn = (k: Kernel, head: number) => boolean | number;

/** The swap-out hook in effect: an explicit one, else the swap device's, else none. */
export function swapOutHook(k: Kernel): SwapOutFn | null {
  return k.vmscan?.swapOut ?? (k.swap ? swapOutFolio : null);
}

export interface VmscanOptions {
  /** /sys/kernel/mm/numa/demotion_enabled; default true */
  demotionEnabled?: boolean;
  /**
   * Extra free pages kswapd keeps above its watermark on top-tier nodes (TPP's proactive
   * demotion headroom, decoupled from the allocation watermarks); default 0 (upstream).
   */
  headroomPages?: number;
  /** the swap-out hook; default swapOutFolio when the system has a swap device, else none */
  swapOut?: SwapOutFn | null;
}

/**
 * Reclaim's state: the vmscan sysctls and hooks, and kswapd's per-node counters. One per system,
 * built by its container; it runs once installVmscan() has set it up (k.vmscan is null until then).
 */
@injectable()
export class Vmscan implements DirectReclaimer {
  /** the system it reclaims from: set by installVmscan(); null = not installed */
  private k: Kernel | null = null;
  demotionEnabled = true;
  headroomPages = 0;
  swapOut: SwapOutFn | null = null;
  /** pgdat->kswapd_failures */
  readonly kswapdFailures: Int32Array;
  /** kswapd runs (balance_pgdat calls) per node */
  readonly kswapdRuns: Int32Array;
  /** observers of each demoted folio (src head → dst head), for the engine's metrics */
  onDemoted: ((src: number, dst: number, nrPages: number) => void) | null = null;
  /**
   * observers of failed demotions: the reclaimer ("kswapd" or "direct"), the reason
   * (migrate_pages()'s errno: "-ENOMEM" when no lower-tier page could be allocated, "-EAGAIN"
   * when its retries ran out) and the base pages that failed — what pgmigrate_fail counts for
   * this demote_folio_list() call (after an -ENOMEM the rest of the batch is not tried, and
   * not counted)
   */
  onDemoteFailed: ((reclaimer: "kswapd" | "direct", reason: string, nrPages: number) => void) | null = null;

  constructor(@inject(TOPOLOGY) topo: Topology) {
    this.kswapdFailures = new Int32Array(topo.nrNodes);
    this.kswapdRuns = new Int32Array(topo.nrNodes);
  }

  /** Is reclaim installed (installVmscan)? */
  get installed(): boolean {
    return this.k !== null;
  }

  /** Start from scratch for system k with these options: counters reset, no observers. */
  install(k: Kernel, o: VmscanOptions): void {
    this.k = k;
    this.demotionEnabled = o.demotionEnabled ?? true;
    this.headroomPages = o.headroomPages ?? 0;
    this.swapOut = o.swapOut ?? null;
    this.kswapdFailures.fill(0);
    this.kswapdRuns.fill(0);
    this.onDemoted = null;
    this.onDemoteFailed = null;
  }

  /** try_to_free_pages(): direct reclaim over the allocation's nodes. */
  tryToFreePages(order: number, gfp: number, nids: readonly number[]): number {
    const k = this.k;
    if (!k) return 0;
    let reclaimed = 0;
    for (const nid of nids) {
      const sc = newScanControl(order, gfp, false, SWAP_CLUSTER_MAX);
      for (sc.priority = DEF_PRIORITY; sc.priority >= 0 && sc.nrReclaimed < sc.nrToReclaim; sc.priority--) shrinkNode(k, nid, sc);
      if (sc.nrReclaimed) this.kswapdFailures[nid] = 0;
      reclaimed += sc.nrReclaimed;
      if (reclaimed >= SWAP_CLUSTER_MAX) break;
    }
    return reclaimed;
  }
}

function newScanControl(order: number, gfp: number, kswapd: boolean, nrToReclaim: number): ScanControl {
  return { nrToReclaim, nrReclaimed: 0, nrScanned: 0, priority: DEF_PRIORITY, order, gfpMask: gfp, kswapd, noDemotion: false, nrDemoted: 0 };
}

/**
 * Install reclaim into a kernel: kswapd state and the direct reclaimer, from scratch (a second
 * call starts over with the new options). Returns k.vmscan.
 */
export function installVmscan(k: Kernel, o: VmscanOptions = {}): Vmscan {
  const v = k.reclaim;
  if (v.installed) k.alloc.removeReclaimer(v);
  v.install(k, o);
  k.alloc.addReclaimer(v);
  return v;
}

/**
 * kswapd's main loop for every node whose wake-up is pending (wakeup_kswapd → kswapd_wait):
 * balance_pgdat() once per woken node. Returns the pages reclaimed (demoted).
 */
export function runPendingKswapd(k: Kernel): number {
  const pending = k.alloc.kswapdPending;
  let total = 0;
  for (let nid = 0; nid < pending.length; nid++) {
    if (!pending[nid]) continue;
    pending[nid] = 0;
    const order = k.alloc.kswapdOrder[nid]!;
    k.alloc.kswapdOrder[nid] = 0;
    total += kswapd(k, nid, order);
  }
  return total;
}

/**
 * TPP's proactive demotion (ASPLOS '23 §5.1): with a demotion headroom, kswapd is woken as
 * soon as a top-tier node's free memory drops below its demotion watermark (kswapdMark(): the
 * PROMO/HIGH mark plus the headroom), not only when an allocation reaches the low watermark,
 * so the headroom is kept free ahead of new allocations and promotions. The allocator's own
 * wake-up is unchanged; the engine calls this on its kswapd tick. Returns the nodes woken.
 */
export function wakeupProactiveDemotion(k: Kernel): number {
  const v = k.vmscan;
  if (!v || v.headroomPages <= 0 || !v.demotionEnabled) return 0;
  let woken = 0;
  for (const node of k.topo.nodes) {
    if (!k.tiers.nodeIsToptier(node.nid) || node.nrPages === 0) continue;
    if (v.kswapdFailures[node.nid]! >= MAX_RECLAIM_RETRIES) continue;
    if (pgdatBalanced(k, node.nid, 0, ZONE_MOVABLE)) continue;
    k.alloc.wakeupKswapd(node.nid, 0, 0);
    woken++;
  }
  return woken;
}

/** One kswapd run on nid; a hopeless node (kswapd_failures >= MAX_RECLAIM_RETRIES) is skipped. */
export function kswapd(k: Kernel, nid: number, order = 0): number {
  const v = k.vmscan;
  if (!v) return 0;
  if (v.kswapdFailures[nid]! >= MAX_RECLAIM_RETRIES) return 0;
  if (pgdatBalanced(k, nid, order, ZONE_MOVABLE)) return 0;
  return balancePgdat(k, nid, order, ZONE_MOVABLE);
}

/** The watermark kswapd balances a zone to. */
export function kswapdMark(k: Kernel, nid: number, zoneIdx: number): number {
  const zone = k.topo.zones.find((z) => z.idx === zoneIdx)!;
  const tiering = (numaBalancingMode(k) & NUMA_BALANCING_MEMORY_TIERING) !== 0;
  let mark = k.alloc.wmarkPages(zone, tiering ? WMARK_PROMO : WMARK_HIGH);
  if (k.vmscan && k.vmscan.headroomPages > 0 && k.tiers.nodeIsToptier(nid)) mark += k.vmscan.headroomPages;
  return mark;
}

/** pgdat_balanced(): some managed zone up to highestZoneidx meets its kswapd mark. */
export function pgdatBalanced(k: Kernel, nid: number, order: number, highestZoneidx: number): boolean {
  for (const zone of k.topo.nodes[nid]!.zones) {
    if (zone.managedPages <= 0 || zone.type > highestZoneidx) continue;
    if (k.alloc.zoneWatermarkOk(zone, order, kswapdMark(k, nid, zone.idx), highestZoneidx, 0)) return true;
  }
  return false;
}

/**
 * balance_pgdat(): raise the scan priority (DEF_PRIORITY down to 0) and shrink the node until
 * it is balanced. No progress at all counts a kswapd failure.
 */
export function balancePgdat(k: Kernel, nid: number, order: number, highestZoneidx: number): number {
  const v = k.vmscan!;
  v.kswapdRuns[nid]!++;
  const gfp = GFP_HIGHUSER_MOVABLE;
  let reclaimed = 0;
  for (let priority = DEF_PRIORITY; priority >= 0; priority--) {
    if (pgdatBalanced(k, nid, order, highestZoneidx)) break;
    // kswapd_shrink_node(): nr_to_reclaim = max(high watermark, SWAP_CLUSTER_MAX) per zone
    let toReclaim = 0;
    for (const zone of k.topo.nodes[nid]!.zones) toReclaim += Math.max(k.alloc.wmarkPages(zone, WMARK_HIGH), SWAP_CLUSTER_MAX);
    const sc = newScanControl(order, gfp, true, toReclaim);
    sc.priority = priority;
    shrinkNode(k, nid, sc);
    reclaimed += sc.nrReclaimed;
  }
  if (reclaimed === 0) v.kswapdFailures[nid]!++;
  else v.kswapdFailures[nid] = 0;
  return reclaimed;
}

/** can_demote() */
export function canDemote(k: Kernel, nid: number, sc: ScanControl | null): boolean {
  const v = k.vmscan;
  if (!v || !v.demotionEnabled) return false;
  if (sc && sc.noDemotion) return false;
  return k.tiers.nextDemotionNode(nid) >= 0;
}

/** can_reclaim_anon_pages(): swap space, or a demotion target. */
export function canReclaimAnonPages(k: Kernel, nid: number, sc: ScanControl | null): boolean {
  return swapOutHook(k) !== null || canDemote(k, nid, sc);
}

/** shrink_node() → shrink_lruvec(): anon lists (when reclaimable), then file lists. */
export function shrinkNode(k: Kernel, nid: number, sc: ScanControl): void {
  const stat = k.vmstat;
  const types: [number, number, number, number][] = [];
  if (canReclaimAnonPages(k, nid, sc)) types.push([LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, NR_INACTIVE_ANON, NR_ACTIVE_ANON]);
  types.push([LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, NR_INACTIVE_FILE, NR_ACTIVE_FILE]);
  for (const [inactive, active, nrInactive, nrActive] of types) {
    if (sc.nrReclaimed >= sc.nrToReclaim) break;
    const inactiveSize = stat.nodePage(nid, nrInactive);
    const activeSize = stat.nodePage(nid, nrActive);
    const size = inactiveSize + activeSize;
    // get_scan_count(): lruvec size >> priority (at least one cluster at priority 0)
    let scan = Math.floor(size / 2 ** sc.priority);
    if (sc.priority === 0) scan = Math.max(scan, Math.min(size, SWAP_CLUSTER_MAX));
    if (scan === 0) continue;
    // shrink_lruvec(): in chunks of SWAP_CLUSTER_MAX, stopping once nr_to_reclaim is met
    while (scan > 0 && sc.nrReclaimed < sc.nrToReclaim) {
      const chunk = Math.min(scan, SWAP_CLUSTER_MAX);
      scan -= chunk;
      if (inactiveIsLow(stat.nodePage(nid, nrInactive), stat.nodePage(nid, nrActive))) shrinkActiveList(k, nid, active, chunk, sc);
      shrinkInactiveList(k, nid, inactive, chunk, sc);
    }
  }
}

/** inactive_is_low(): inactive * inactive_ratio < active, ratio = int_sqrt(10 * GiB) or 1. */
export function inactiveIsLow(inactive: number, active: number): boolean {
  const gb = Math.floor(((inactive + active) * 4096) / (1 << 30));
  const ratio = gb ? Math.floor(Math.sqrt(10 * gb)) : 1;
  return inactive * ratio < active;
}

/** The LRU list's tail (the oldest folio), or -1. */
function lruTail(k: Kernel, list: FolioList): number {
  const p = k.mem.lruPrev[list.head]!;
  return p === list.head ? -1 : p;
}

/**
 * isolate_lru_folios(): up to nrToScan base pages from the tail of lists[nid][lru] onto `dst`,
 * each isolated (PG_lru cleared, a reference taken). Returns the base pages taken.
 */
function isolateLruFolios(k: Kernel, nid: number, lru: number, nrToScan: number, dst: FolioList): number {
  const list = k.lru.lists[nid]![lru]!;
  let taken = 0;
  let scanned = 0;
  while (scanned < nrToScan) {
    const head = lruTail(k, list);
    if (head < 0) break;
    const nr = k.mem.folioNrPages(head);
    scanned += nr;
    if (!k.lru.folioIsolateLru(head)) break;
    dst.addTail(head);
    taken += nr;
  }
  return taken;
}

/**
 * shrink_active_list(): move folios from the active tail to the inactive list. folio_referenced()
 * clears their young bits; only referenced executable file folios stay active.
 */
export function shrinkActiveList(k: Kernel, nid: number, lru: number, nrToScan: number, _sc: ScanControl): void {
  const hold = k.lists.alloc();
  const taken = isolateLruFolios(k, nid, lru, nrToScan, hold);
  const isoItem = NR_ISOLATED_ANON + (lru === LRU_ACTIVE_FILE ? 1 : 0);
  k.vmstat.modNode(nid, isoItem, taken);
  for (let head = hold.first(); head !== -1; head = hold.first()) {
    const { referenced, exec } = folioReferenced(k, head);
    listDelAndPutback(k, head, referenced > 0 && exec && k.lru.folioIsFileLru(head));
  }
  k.vmstat.modNode(nid, isoItem, -taken);
  hold.release();
}

function listDelAndPutback(k: Kernel, head: number, keepActive: boolean): void {
  const mem = k.mem;
  // list_del from the private list
  mem.lruNext[mem.lruPrev[head]!] = mem.lruNext[head]!;
  mem.lruPrev[mem.lruNext[head]!] = mem.lruPrev[head]!;
  mem.lruNext[head] = head;
  mem.lruPrev[head] = head;
  if (!keepActive) {
    mem.clearFlag(head, PG_active);
    mem.setFlag(head, PG_workingset);
  }
  folioPutbackLru(k, head);
}

/**
 * folio_referenced(): walk the rmap, count the PTEs with the accessed bit and clear it
 * (ptep_clear_flush_young_notify: no TLB flush on x86). `exec` if a VM_EXEC vma maps it.
 */
export function folioReferenced(k: Kernel, head: number): { referenced: number; exec: boolean } {
  const pt = k.pgtables;
  const nr = k.mem.folioNrPages(head);
  let referenced = 0;
  let exec = false;
  rmapWalk(k, head, (vma, i) => {
    const pte = pt.leaf[pt.off]!;
    if (!ptePresent(pte) || pt.frame[pt.off]! !== head + i || i >= nr) return true;
    if (pte & _PAGE_ACCESSED) {
      pt.leaf[pt.off] = pte & ~_PAGE_ACCESSED;
      referenced++;
      if (vma.vmFlags & VM_EXEC) exec = true;
    }
    return true;
  });
  return { referenced, exec };
}

/** folio_check_references() */
export function folioCheckReferences(k: Kernel, head: number): number {
  const mem = k.mem;
  const { referenced: referencedPtes, exec } = folioReferenced(k, head);
  const referencedFolio = mem.testClearFlag(head, PG_referenced);
  if (referencedPtes) {
    mem.setFlag(head, PG_referenced);
    if (referencedFolio || referencedPtes > 1) return FOLIOREF_ACTIVATE;
    if (exec && k.lru.folioIsFileLru(head)) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  if (referencedFolio && k.lru.folioIsFileLru(head)) return FOLIOREF_RECLAIM_CLEAN;
  return FOLIOREF_RECLAIM;
}

/**
 * shrink_inactive_list(): isolate from the inactive tail, shrink_folio_list(), put the rest
 * back (move_folios_to_lru), NR_ISOLATED_* up and down around it.
 */
export function shrinkInactiveList(k: Kernel, nid: number, lru: number, nrToScan: number, sc: ScanControl): number {
  const list = k.lists.alloc();
  const taken = isolateLruFolios(k, nid, lru, nrToScan, list);
  const isoItem = NR_ISOLATED_ANON + (lru === LRU_INACTIVE_FILE ? 1 : 0);
  k.vmstat.modNode(nid, isoItem, taken);
  sc.nrScanned += taken;
  const reclaimed = shrinkFolioList(k, list, nid, sc);
  // move_folios_to_lru()
  for (let head = list.first(); head !== -1; head = list.first()) listDelAndPutback(k, head, k.mem.testFlag(head, PG_active));
  k.vmstat.modNode(nid, isoItem, -taken);
  list.release();
  sc.nrReclaimed += reclaimed;
  return reclaimed;
}

/**
 * shrink_folio_list(): every isolated folio on `list` is activated, kept, demoted or reclaimed.
 * Folios that stay are left on `list` (PG_active set for the activated ones). Returns the base
 * pages reclaimed, demotions included.
 */
export function shrinkFolioList(k: Kernel, list: FolioList, nid: number, sc: ScanControl): number {
  const mem = k.mem;
  const ret = k.lists.alloc();
  const demote = k.lists.alloc();
  let reclaimed = 0;
  let doDemotePass = canDemote(k, nid, sc);
  for (;;) {
    for (let head = list.first(); head !== -1; head = list.first()) {
      if (mem.testFlag(head, PG_locked) || mem.testFlag(head, PG_unevictable)) {
        ret.moveTail(head);
        continue;
      }
      const refs = folioCheckReferences(k, head);
      if (refs === FOLIOREF_ACTIVATE) {
        mem.setFlag(head, PG_active);
        ret.moveTail(head);
        continue;
      }
      if (refs === FOLIOREF_KEEP) {
        ret.moveTail(head);
        continue;
      }
      // Before reclaiming the folio, try to demote it to another (slower) node.
      if (doDemotePass && canDemote(k, nid, sc)) {
        demote.moveTail(head);
        continue;
      }
      if (!k.lru.folioIsFileLru(head)) {
        // swap-backed: add_to_swap() + pageout(). Without a swap device nothing is freed and
        // the folio is activated (activate_locked), as when add_to_swap() fails.
        const swap = swapOutHook(k);
        const nr = mem.folioNrPages(head);
        const rc = swap ? swap(k, head) : SWAPOUT_ACTIVATE;
        if (rc === true || rc === SWAPOUT_FREED) {
          // the swap device took the folio off the list and freed it
          reclaimed += nr;
          continue;
        }
        if (rc === SWAPOUT_KEEP) {
          ret.moveTail(head);
          continue;
        }
        mem.setFlag(head, PG_active);
        ret.moveTail(head);
        continue;
      }
      // file: pageout()/__remove_mapping() belong to the filesystem backends; keep.
      ret.moveTail(head);
    }
    // Migrate folios selected for demotion.
    if (!demote.isEmpty()) reclaimed += demoteFolioList(k, demote, nid, sc);
    // Folios that could not be demoted still need to be reclaimed: retry without demotion.
    if (!demote.isEmpty()) {
      list.spliceTail(demote);
      if (doDemotePass) {
        doDemotePass = false;
        continue;
      }
    }
    break;
  }
  list.spliceTail(ret);
  ret.release();
  demote.release();
  return reclaimed;
}

/**
 * demote_folio_list(): migrate_pages(MIGRATE_ASYNC, MR_DEMOTION) with alloc_demote_folio() to
 * next_demotion_node(nid), falling back to the lower-tier mask. Counts pgdemote_kswapd or
 * pgdemote_direct (+ reclaimer_offset()) on the source node. Folios that were not demoted are
 * left on `list`. Returns the base pages demoted.
 */
export function demoteFolioList(k: Kernel, list: FolioList, nid: number, sc: ScanControl): number {
  if (list.isEmpty()) return 0;
  const target = k.tiers.nextDemotionNode(nid, (n) => k.rng.below(n));
  if (target < 0) return 0;
  const mtc: DemoteControl = {
    nid: target,
    nmask: k.tiers.lowerTierMask(nid),
    gfpMask: (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_NOWARN | __GFP_NOMEMALLOC | GFP_NOWAIT,
    observed: k.vmscan?.onDemoted ? { src: [], dst: [] } : null,
  };
  const succeeded = { value: 0 };
  const fail0 = k.vmstat.event(PGMIGRATE_FAIL);
  const rc = migratePages(k, list, allocDemoteFolio, null, mtc, MIGRATE_ASYNC, MR_DEMOTION, succeeded);
  const failed = k.vmstat.event(PGMIGRATE_FAIL) - fail0;
  const failedCb = k.vmscan?.onDemoteFailed;
  if (failedCb && failed > 0) failedCb(sc.kswapd ? "kswapd" : "direct", rc < 0 ? errnoName(rc) : "-EAGAIN", failed);
  if (succeeded.value) {
    k.vmstat.modNode(nid, sc.kswapd ? PGDEMOTE_KSWAPD : PGDEMOTE_DIRECT, succeeded.value);
    sc.nrDemoted += succeeded.value;
    const obs = mtc.observed;
    const cb = k.vmscan?.onDemoted;
    if (obs && cb) reportMoves(k, obs, cb);
  }
  return succeeded.value;
}

/** Migration control for demotion, plus the (src, dst) pairs allocated, for observers. */
interface DemoteControl extends MigrationTargetControl {
  observed: { src: number[]; dst: number[]; mapping?: number[]; index?: number[] } | null;
}

/**
 * alloc_demote_folio(): THISNODE on the preferred target (nmask dropped) first, then anywhere
 * in the allowed lower-tier mask.
 */
export function allocDemoteFolio(k: Kernel, src: number, priv: unknown): number {
  const mtc = priv as DemoteControl;
  const allowed = mtc.nmask;
  const first: MigrationTargetControl = { nid: mtc.nid, nmask: null, gfpMask: mtc.gfpMask | __GFP_THISNODE };
  let dst = allocMigrationTarget(k, src, first);
  if (dst < 0) dst = allocMigrationTarget(k, src, { nid: mtc.nid, nmask: allowed, gfpMask: mtc.gfpMask & ~__GFP_THISNODE });
  if (dst >= 0 && mtc.observed) recordPair(k, mtc.observed, src, dst);
  return dst;
}

/** Remember an allocated (src, dst) pair with the src's identity, to confirm after the move. */
export function recordPair(k: Kernel, obs: { src: number[]; dst: number[]; mapping?: number[]; index?: number[] }, src: number, dst: number): void {
  obs.src.push(src);
  obs.dst.push(dst);
  (obs.mapping ??= []).push(k.mem.mapping[src]!);
  (obs.index ??= []).push(k.mem.index[src]!);
}

/**
 * Report the pairs whose move completed: dst is live and carries the identity (mapping,
 * index) src had when its destination was allocated.
 */
export function reportMoves(
  k: Kernel,
  obs: { src: number[]; dst: number[]; mapping?: number[]; index?: number[] },
  cb: (src: number, dst: number, nrPages: number) => void,
): void {
  const mem = k.mem;
  for (let i = 0; i < obs.src.length; i++) {
    const d = obs.dst[i]!;
    if (mem.refcount[d]! > 0 && mem.mapping[d] === obs.mapping![i] && mem.index[d] === obs.index![i]) cb(obs.src[i]!, d, mem.folioNrPages(d));
  }
}
