/**
 * NUMA balancing in memory-tiering mode (kernel.numa_balancing = 2; docs/kernel-facts.md#promotion),
 * v6.12:
 * - task_numa_work() (kernel/sched/fair.c) scans a window of each task's address space every
 *   scan period and change_prot_numa() (mm/mprotect.c change_pte_range with MM_CP_PROT_NUMA)
 *   turns its PTEs into NUMA hint PTEs (_PAGE_PROTNONE). On a slow-tier folio it records the
 *   scan time in last_cpupid (folio_xchg_access_time), as the kernel does in tiering mode.
 * - The next access takes a hint fault: do_numa_page() (mm/memory.c) → numa_migrate_check() →
 *   mpol_misplaced() → should_numa_migrate_memory() (fair.c): promote when the top-tier node
 *   has plenty of free space (pgdat_free_space_enough); otherwise only if the scan-to-fault
 *   latency is below the hot threshold, which numa_promotion_adjust_threshold() tunes toward
 *   the promotion rate limit, and numa_promotion_rate_limit() lets the candidate through
 *   (pgpromote_candidate). Then migrate_misplaced_folio_prepare() (migrate_balanced_pgdat:
 *   a failure wakes kswapd in tiering mode) and migrate_misplaced_folio() (THISNODE, no
 *   reclaim). On failure the PTE is made present again (out_map).
 *
 * Left out: the NORMAL mode's placement logic (numa groups, cpupid private/shared checks, task
 * migration and update_task_scan_period(), which tiering mode never reaches: the period is
 * task_scan_min() of the task's RSS at its first scan); a remote top-tier folio is never moved
 * by the hint fault. One CPU node per task (mm.homeNid).
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import type { Kernel } from "../kernel/kernel.js";
import type { NumaHintFaultOperations } from "../mm/hooks.js";
import type { Topology } from "../mm/topology.js";
import { TOPOLOGY } from "../tokens.js";
import { migrateMisplacedFolio, migrateMisplacedFolioPrepare } from "../migrate/migrate-misplaced.js";
import { NUMA_NO_NODE } from "../migrate/migration-target.js";
import { NUMA_BALANCING_MEMORY_TIERING, NUMA_BALANCING_NORMAL, numaBalancingMode } from "../migrate/migrate-folio.js";
import { VM_HUGETLB, VM_IO, VM_PFNMAP, VM_READ, VM_WRITE, type MmStruct, type VmArea } from "../mm/mm-types.js";
import { PG_active, PG_dirty, PG_lru, PG_referenced } from "../mm/page-flags.js";
import { WMARK_PROMO } from "../mm/page-alloc.js";
import { _PAGE_PROTNONE, ptePresent, pteSpecial, vpnPteIndex } from "../mm/pgtable.js";
import { ZONE_MOVABLE } from "../mm/topology.js";
import { PGPROMOTE_CANDIDATE } from "../mm/vmstat.js";
import { folioLikelyMappedShared } from "../mm/mapped-shared.js";
import { errnoName } from "../kernel/errno.js";

/** Refusal reasons of the hint-fault promotion path (failures by reason). */
export const PROMOTE_REFUSAL_THRESHOLD = "numab:hot-threshold";
export const PROMOTE_REFUSAL_RATE_LIMIT = "numab:rate-limit";
export const PROMOTE_REFUSAL_TPP_INACTIVE = "numab:tpp-inactive";

/** PAGE_ACCESS_TIME_MASK: last_cpupid holds a ms timestamp of LAST_CPUPID_SHIFT (21) bits */
export const PAGE_ACCESS_TIME_MASK = (1 << 21) - 1;
/** NUMA_MIGRATION_ADJUST_STEPS */
export const NUMA_MIGRATION_ADJUST_STEPS = 16;

export interface NumaBalancingOptions {
  /** sysctl_numa_balancing_hot_threshold (ms); default 1000 */
  hotThresholdMs?: number;
  /** sysctl_numa_balancing_promote_rate_limit (MB/s); default 65536 */
  promoteRateLimitMBps?: number;
  /** sysctl_numa_balancing_scan_period_min (ms): task_scan_min() scales it to the task's RSS; default 1000 */
  scanPeriodMs?: number;
  /** sysctl_numa_balancing_scan_delay (ms): the first scan's delay; default 1000 */
  scanDelayMs?: number;
  /** sysctl_numa_balancing_scan_period_max (ms): the threshold-adjust period; default 60000 */
  scanPeriodMaxMs?: number;
  /** sysctl_numa_balancing_scan_size (MB per scan); default 256 */
  scanSizeMB?: number;
  /** promote in the fault (numab2, tpp); false = the hint fault only feeds a sampler */
  promote?: boolean;
  /** TPP: promote only folios already on the active LRU; others are marked accessed */
  activeLruFilter?: boolean;
}

/**
 * The NUMA balancing state: sysctls, per-node pglist_data fields, per-mm scan state. One per
 * system, built by its container; it runs once enableNumaBalancing() has set the sysctls
 * (k.numab is null until then).
 */
@injectable()
export class NumaBalancing implements NumaHintFaultOperations {
  /** task_numa_work() scans and hint faults are taken (enableNumaBalancing) */
  enabled = false;
  hotThresholdMs = 1000;
  promoteRateLimitMBps = 65536;
  scanPeriodMs = 1000;
  scanPeriodMaxMs = 60000;
  scanDelayMs = 1000;
  scanSizeMB = 256;
  promote = true;
  activeLruFilter = false;
  /** pgdat->nbp_threshold, nbp_th_start, nbp_th_nr_cand, nbp_rl_start, nbp_rl_nr_cand */
  readonly nbpThreshold: Float64Array;
  readonly nbpThStart: Float64Array;
  readonly nbpThNrCand: Float64Array;
  readonly nbpRlStart: Float64Array;
  readonly nbpRlNrCand: Float64Array;
  /** mm->numa_scan_offset and mm->numa_next_scan (kernel ms), by mm id */
  readonly scanOffset = new Map<number, number>();
  readonly nextScan = new Map<number, number>();
  /** p->numa_scan_period (ms), set at the task's first scan (task_scan_start), by mm id */
  readonly scanPeriod = new Map<number, number>();
  /** /proc/vmstat numa_hint_faults, numa_hint_faults_local, numa_pte_updates */
  numaHintFaults = 0;
  numaHintFaultsLocal = 0;
  numaPteUpdates = 0;
  /** PTE slots change_prot_numa() examined (present or not, in leaf tables that exist): its work */
  numaPteVisits = 0;
  /** hint faults that TPP's active-LRU filter turned away */
  tppFiltered = 0;
  /** a sampler's hook: called once per hint fault with the folio and its node */
  onHintFault: ((head: number, nrPages: number, nid: number) => void) | null = null;
  /** the engine's hook: a promotion in the fault moved src to dst */
  onPromoted: ((src: number, dst: number, nrPages: number) => void) | null = null;
  /**
   * The engine's hook: a hint fault on a misplaced slow-tier folio did not promote it, and why
   * (PROMOTE_REFUSAL_* or "numab:" + the errno of migrate_misplaced_folio_prepare() or
   * migrate_misplaced_folio()).
   */
  onPromoteFail: ((reason: string, nrPages: number) => void) | null = null;
  /** why the last numaMigrateCheck() said no (null: not a promotion candidate at all) */
  refusal: string | null = null;

  constructor(@inject(TOPOLOGY) topo: Topology) {
    const nrNodes = topo.nrNodes;
    this.nbpThreshold = new Float64Array(nrNodes);
    this.nbpThStart = new Float64Array(nrNodes);
    this.nbpThNrCand = new Float64Array(nrNodes);
    this.nbpRlStart = new Float64Array(nrNodes);
    this.nbpRlNrCand = new Float64Array(nrNodes);
  }

  /** do_numa_page()'s NUMA-balancing part (mm/hooks.ts NumaHintFaultOperations): see numaHintFault(). */
  numaHintFault(k: Kernel, vma: VmArea, addr: number, head: number): boolean {
    return numaHintFault(k, this, vma, addr, head);
  }

  /** Start from scratch with these sysctls: every node, mm and counter state reset, no hooks. */
  enable(o: NumaBalancingOptions): void {
    this.hotThresholdMs = o.hotThresholdMs ?? 1000;
    this.promoteRateLimitMBps = o.promoteRateLimitMBps ?? 65536;
    this.scanPeriodMs = o.scanPeriodMs ?? 1000;
    this.scanPeriodMaxMs = o.scanPeriodMaxMs ?? 60000;
    this.scanDelayMs = o.scanDelayMs ?? 1000;
    this.scanSizeMB = o.scanSizeMB ?? 256;
    this.promote = o.promote ?? true;
    this.activeLruFilter = o.activeLruFilter ?? false;
    for (const a of [this.nbpThreshold, this.nbpThStart, this.nbpThNrCand, this.nbpRlStart, this.nbpRlNrCand]) a.fill(0);
    this.scanOffset.clear();
    this.nextScan.clear();
    this.scanPeriod.clear();
    this.numaHintFaults = 0;
    this.numaHintFaultsLocal = 0;
    this.numaPteUpdates = 0;
    this.numaPteVisits = 0;
    this.tppFiltered = 0;
    this.onHintFault = null;
    this.onPromoted = null;
    this.onPromoteFail = null;
    this.refusal = null;
    this.enabled = true;
  }
}

/**
 * Turn NUMA balancing on for this kernel (sysctl kernel.numa_balancing must include 2), with fresh
 * state. Returns k.numab.
 */
export function enableNumaBalancing(k: Kernel, o: NumaBalancingOptions = {}): NumaBalancing {
  const nb = k.numaBalancing;
  nb.enable(o);
  return nb;
}

/** Turn NUMA balancing off: no more scans or hint faults (k.numab is null). */
export function disableNumaBalancing(k: Kernel): void {
  k.numaBalancing.enabled = false;
}

/** folio_use_access_time(): tiering mode and a folio off the top tier. */
export function folioUseAccessTime(k: Kernel, head: number): boolean {
  return (numaBalancingMode(k) & NUMA_BALANCING_MEMORY_TIERING) !== 0 && !k.tiers.nodeIsToptier(k.folioNid(head));
}

/** folio_xchg_access_time(): store now (ms) and return the previous time. */
export function folioXchgAccessTime(k: Kernel, head: number, time: number): number {
  const last = k.mem.lastCpupid[head]!;
  k.mem.lastCpupid[head] = time & PAGE_ACCESS_TIME_MASK;
  return last;
}

/** HPAGE_SIZE: task_numa_work()'s chunks end on a 2 MiB boundary */
const HPAGE_SIZE = 2 * 1024 * 1024;
/** MAX_SCAN_WINDOW (MB): task_scan_min() never scans faster than this much per second */
const MAX_SCAN_WINDOW = 2560;

/** task_nr_scan_windows(): the task's RSS in scan_size windows, rounded up (at least one). */
function taskNrScanWindows(nb: NumaBalancing, mm: MmStruct): number {
  const nrScanPages = (nb.scanSizeMB * 1024 * 1024) / 4096;
  const rss = mm.rssAnon + mm.rssFile || nrScanPages;
  return Math.ceil(rss / nrScanPages);
}

/**
 * task_scan_min(): the scan period that covers the task's RSS about once per
 * scan_period_min, but no faster than MAX_SCAN_WINDOW MB per second.
 */
export function taskScanMin(nb: NumaBalancing, mm: MmStruct): number {
  const windows = nb.scanSizeMB < MAX_SCAN_WINDOW ? Math.floor(MAX_SCAN_WINDOW / nb.scanSizeMB) : 1;
  const floor = Math.floor(1000 / windows);
  const scan = Math.floor(nb.scanPeriodMs / taskNrScanWindows(nb, mm));
  return Math.max(floor, scan);
}

/**
 * task_numa_work() for one mm: if its scan time has come, walk its vmas from numa_scan_offset
 * with change_prot_numa() in chunks of scan_size (256 MB) rounded up to 2 MiB, and stop once
 * scan_size worth of chunks had a PTE updated, or 8 × scan_size of address space was walked
 * (virtpages). Reaching the last vma resets the offset for the next scan (reset_ptenuma_scan).
 * The first call only sets numa_next_scan (scan_delay); the period is p->numa_scan_period,
 * set at the first scan to task_scan_start() = task_scan_min(): in tiering mode
 * task_numa_fault() keeps no statistics for slow-tier faults and top-tier pages are not
 * scanned, so update_task_scan_period() never runs and the period stays there. Returns the
 * PTEs updated. `force` ignores numa_next_scan.
 */
export function taskNumaWork(k: Kernel, mm: MmStruct, force = false): number {
  const nb = k.numab;
  if (!nb || mm.vmas.length === 0) return 0;
  const now = k.clock.msecs();
  const next = nb.nextScan.get(mm.id);
  if (next === undefined) {
    nb.nextScan.set(mm.id, now + nb.scanDelayMs);
    if (!force) return 0;
  } else if (!force && now < next) {
    return 0;
  }
  let period = nb.scanPeriod.get(mm.id);
  if (period === undefined) {
    period = taskScanMin(nb, mm);
    nb.scanPeriod.set(mm.id, period);
  }
  nb.nextScan.set(mm.id, now + period);
  const scanPages = (nb.scanSizeMB * 1024 * 1024) / 4096;
  let pages = scanPages;
  let virtpages = pages * 8;
  let start = nb.scanOffset.get(mm.id) ?? 0;
  let updated = 0;
  let vi = mm.vmas.findIndex((v) => v.vmEnd > start);
  if (vi < 0) {
    vi = 0;
    start = 0;
  }
  for (; vi < mm.vmas.length; vi++) {
    const vma = mm.vmas[vi]!;
    if (!vmaMigratable(vma)) continue;
    let end: number;
    do {
      start = Math.max(start, vma.vmStart);
      end = Math.min(Math.ceil((start + pages * 4096) / HPAGE_SIZE) * HPAGE_SIZE, vma.vmEnd);
      const r = changeProtNuma(k, vma, start, end, mm.homeNid);
      updated += r.updated;
      if (r.updated) pages -= (end - start) / 4096;
      virtpages -= (end - start) / 4096;
      start = end;
      if (pages <= 0 || virtpages <= 0) {
        nb.scanOffset.set(mm.id, start);
        return updated;
      }
    } while (end !== vma.vmEnd);
  }
  // reset_ptenuma_scan(): the next scan starts over
  nb.scanOffset.set(mm.id, 0);
  return updated;
}

/** vma_migratable() and task_numa_work()'s own vma filters. */
function vmaMigratable(vma: VmArea): boolean {
  if (vma.vmFlags & (VM_IO | VM_PFNMAP | VM_HUGETLB)) return false;
  // !vma_is_accessible(): PROT_NONE vmas are skipped
  if ((vma.vmFlags & (VM_READ | VM_WRITE)) === 0) return false;
  return true;
}

/**
 * change_prot_numa(vma, addr, end) → change_pte_range(MM_CP_PROT_NUMA): make each present
 * PTE a NUMA hint PTE, skipping what the kernel skips (already protnone, the zero page, KSM,
 * shared COW, dirty file folios, folios on the task's own node, and top-tier folios when
 * NUMA_BALANCING_NORMAL is off). One TLB flush for the range.
 */
export function changeProtNuma(k: Kernel, vma: VmArea, addr: number, end: number, targetNode: number): { updated: number } {
  const nb = k.numab!;
  const pt = k.pgtables;
  const mem = k.mem;
  const mode = numaBalancingMode(k);
  const now = k.clock.msecs();
  let updated = 0;
  let visited = 0;
  const endVpn = end / 4096;
  for (let vpn = addr / 4096; vpn < endVpn; ) {
    const tableEnd = Math.min(endVpn, vpn - vpnPteIndex(vpn) + 512);
    // one walk per leaf table, then its entries in order (change_pte_range)
    if (!pt.walk(vma.mm.pgd, vpn, false)) {
      vpn = tableEnd;
      continue;
    }
    const leaf = pt.leaf;
    const frames = pt.frame;
    let off = pt.off;
    for (; vpn < tableEnd; vpn++, off++) {
      visited++;
      const pte = leaf[off]!;
      if (!ptePresent(pte) || pteSpecial(pte) || pte & _PAGE_PROTNONE) continue;
      const head = mem.pageFolio(frames[off]!);
      if (mem.folioTestKsm(head)) continue;
      if (mem.pincount[head]! > 0 || folioLikelyMappedShared(k, head)) continue;
      if (k.lru.folioIsFileLru(head) && mem.testFlag(head, PG_dirty)) continue;
      const nid = k.folioNid(head);
      if (nid === targetNode) continue;
      const toptier = k.tiers.nodeIsToptier(nid);
      if (!(mode & NUMA_BALANCING_NORMAL) && toptier) continue;
      if (folioUseAccessTime(k, head)) folioXchgAccessTime(k, head, now);
      leaf[off] = pte | _PAGE_PROTNONE;
      updated++;
    }
  }
  nb.numaPteVisits += visited;
  if (updated) {
    k.tlb.shootdowns++;
    nb.numaPteUpdates += updated;
  }
  return { updated };
}

/**
 * NUMA balancing's part of do_numa_page() (mm/memory.ts), its NumaHintFaultOperations: count the
 * hint fault, feed the sampler, and when promotion in the fault is on, numa_migrate_check()
 * (should_numa_migrate_memory(): the promotion decision) and, for a target node,
 * migrate_misplaced_folio_prepare() + migrate_misplaced_folio(). True if the folio moved; a
 * refusal or a failed migration is reported to onPromoteFail and leaves the PTEs to
 * do_numa_page(), which makes them present again.
 */
function numaHintFault(k: Kernel, nb: NumaBalancing, vma: VmArea, addr: number, head: number): boolean {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const nid = k.folioNid(head);
  nb.numaHintFaults++;
  if (nid === vma.mm.homeNid) nb.numaHintFaultsLocal++;
  if (nb.onHintFault) nb.onHintFault(head, nr, nid);
  if (!nb.promote) return false;
  const target = numaMigrateCheck(k, head, vma, nid);
  if (target === NUMA_NO_NODE) {
    if (nb.refusal !== null && nb.onPromoteFail) nb.onPromoteFail(nb.refusal, nr);
    return false;
  }
  let rc = migrateMisplacedFolioPrepare(k, head, vma, target);
  if (rc === 0) {
    rc = migrateMisplacedFolio(k, head, vma, target);
    if (rc === 0) {
      if (nb.onPromoted) {
        const pt = k.pgtables;
        const dst = pt.walk(vma.mm.pgd, Math.floor(addr / 4096), false) && ptePresent(pt.leaf[pt.off]!) ? mem.pageFolio(pt.frame[pt.off]!) : -1;
        if (dst >= 0) nb.onPromoted(head, dst, nr);
      }
      return true;
    }
  }
  if (nb.onPromoteFail) nb.onPromoteFail(`numab:${errnoName(rc)}`, nr);
  return false;
}

/**
 * numa_migrate_check() + mpol_misplaced() for MPOL_DEFAULT (MPOL_F_MOF | MPOL_F_MORON): the
 * target is the faulting task's node; NUMA_NO_NODE when the folio is already there or
 * should_numa_migrate_memory() says no. TPP's filter (not upstream) sits here too.
 */
export function numaMigrateCheck(k: Kernel, head: number, vma: VmArea, srcNid: number): number {
  const nb = k.numab!;
  nb.refusal = null;
  const target = vma.mm.homeNid;
  if (target === srcNid) return NUMA_NO_NODE;
  if (!shouldNumaMigrateMemory(k, head, srcNid, target)) return NUMA_NO_NODE;
  if (nb.activeLruFilter && !k.mem.testFlag(head, PG_active)) {
    // TPP: "promote only from the active LRU"; the fault marks the folio accessed instead.
    nb.tppFiltered++;
    nb.refusal = PROMOTE_REFUSAL_TPP_INACTIVE;
    folioMarkAccessed(k, head);
    return NUMA_NO_NODE;
  }
  return target;
}

/**
 * should_numa_migrate_memory(), tiering branch (folio_use_access_time). The NORMAL-mode
 * branch (cpupid and numa group checks) is not modelled: a top-tier folio is not moved.
 */
export function shouldNumaMigrateMemory(k: Kernel, head: number, srcNid: number, dstNid: number): boolean {
  const nb = k.numab!;
  if (k.topo.nodes[dstNid]!.nrPages === 0) return false;
  if (!folioUseAccessTime(k, head)) return false;
  const nr = k.mem.folioNrPages(head);
  if (pgdatFreeSpaceEnough(k, dstNid)) {
    // workload changed, reset hot threshold
    nb.nbpThreshold[dstNid] = 0;
    return true;
  }
  const defTh = nb.hotThresholdMs;
  const rateLimit = mbToPages(nb.promoteRateLimitMBps);
  numaPromotionAdjustThreshold(k, dstNid, rateLimit, defTh);
  const th = nb.nbpThreshold[dstNid] || defTh;
  const latency = numaHintFaultLatency(k, head);
  if (latency >= th) {
    nb.refusal = PROMOTE_REFUSAL_THRESHOLD;
    return false;
  }
  if (numaPromotionRateLimit(k, dstNid, rateLimit, nr)) {
    nb.refusal = PROMOTE_REFUSAL_RATE_LIMIT;
    return false;
  }
  return true;
}

function mbToPages(mb: number): number {
  return (mb * 1024 * 1024) / 4096;
}

/** pgdat_free_space_enough(): a zone with free > promo + max(1 GiB, present/16). */
export function pgdatFreeSpaceEnough(k: Kernel, nid: number): boolean {
  const node = k.topo.nodes[nid]!;
  const enough = Math.max((1024 * 1024 * 1024) / 4096, node.nrPages >> 4);
  for (let z = node.zones.length - 1; z >= 0; z--) {
    const zone = node.zones[z]!;
    if (zone.managedPages <= 0) continue;
    if (k.alloc.zoneWatermarkOk(zone, 0, k.alloc.wmarkPages(zone, WMARK_PROMO) + enough, ZONE_MOVABLE, 0)) return true;
  }
  return false;
}

/** numa_hint_fault_latency(): now minus the scan time stored in last_cpupid (masked). */
export function numaHintFaultLatency(k: Kernel, head: number): number {
  const time = k.clock.msecs();
  const last = folioXchgAccessTime(k, head, time);
  return (time - last) & PAGE_ACCESS_TIME_MASK;
}

/**
 * numa_promotion_rate_limit(): count the candidate (pgpromote_candidate); true (refuse) once
 * this 1 s window's candidates reach the rate limit.
 */
export function numaPromotionRateLimit(k: Kernel, nid: number, rateLimit: number, nr: number): boolean {
  const nb = k.numab!;
  const now = k.clock.msecs();
  k.vmstat.modNode(nid, PGPROMOTE_CANDIDATE, nr);
  const nrCand = k.vmstat.nodePage(nid, PGPROMOTE_CANDIDATE);
  if (now - nb.nbpRlStart[nid]! > 1000) {
    nb.nbpRlStart[nid] = now;
    nb.nbpRlNrCand[nid] = nrCand;
  }
  return nrCand - nb.nbpRlNrCand[nid]! >= rateLimit;
}

/**
 * numa_promotion_adjust_threshold(): once per scan_period_max, move the hot threshold by one
 * unit (2·ref_th/16) toward a candidate rate of rate_limit: down when candidates exceed 110 %
 * of the reference, up when below 90 %, within [unit, 2·ref_th].
 */
export function numaPromotionAdjustThreshold(k: Kernel, nid: number, rateLimit: number, refTh: number): void {
  const nb = k.numab!;
  const now = k.clock.msecs();
  const thPeriod = nb.scanPeriodMaxMs;
  if (now - nb.nbpThStart[nid]! <= thPeriod) return;
  nb.nbpThStart[nid] = now;
  const refCand = (rateLimit * thPeriod) / 1000;
  const nrCand = k.vmstat.nodePage(nid, PGPROMOTE_CANDIDATE);
  const diffCand = nrCand - nb.nbpThNrCand[nid]!;
  const unitTh = Math.floor((refTh * 2) / NUMA_MIGRATION_ADJUST_STEPS);
  let th = nb.nbpThreshold[nid] || refTh;
  if (diffCand > (refCand * 11) / 10) th = Math.max(th - unitTh, unitTh);
  else if (diffCand < (refCand * 9) / 10) th = Math.min(th + unitTh, refTh * 2);
  nb.nbpThNrCand[nid] = nrCand;
  nb.nbpThreshold[nid] = th;
}

/**
 * folio_mark_accessed() (mm/swap.c): an unreferenced folio becomes referenced; a referenced,
 * inactive one on an LRU is activated (folio_activate) and loses PG_referenced.
 */
export function folioMarkAccessed(k: Kernel, head: number): void {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_referenced)) {
    mem.setFlag(head, PG_referenced);
    return;
  }
  if (!mem.testFlag(head, PG_active) && mem.testFlag(head, PG_lru)) {
    k.lru.lruvecDelFolio(head);
    mem.clearFlag(head, PG_lru);
    mem.setFlag(head, PG_active);
    k.lru.folioAddLru(head);
    mem.clearFlag(head, PG_referenced);
  }
}
