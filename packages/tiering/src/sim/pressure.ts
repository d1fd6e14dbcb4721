/**
 * buildPressureScenario(): a small system whose fast and slow nodes are both full, with a hot
 * folio on the slow node and cold folios on the fast node — the situation the seed is about,
 * where migrate_pages() toward the fast node fails for want of a free page and folio exchange
 * does not need one.
 *
 * "Full" is "memory pressure as a state" (docs/decisions.md#memory-pressure), made exact for
 * this model:
 *
 * 1. Watermarks. For every zone of the node, NR_FREE_PAGES <= WMARK_MIN + lowmem_reserve, so
 *    __zone_watermark_ok(zone, order 0, WMARK_MIN, no ALLOC_RESERVES) is false — and with it
 *    every larger order, since (2^order - 1) is subtracted from the free count. The pages still
 *    on the free lists are the min reserve: only ALLOC_MIN_RESERVE/ALLOC_NON_BLOCK/ALLOC_OOM or
 *    ALLOC_NO_WATERMARKS callers (GFP_ATOMIC, PF_MEMALLOC) may take them. A NUMA promotion does
 *    not: alloc_misplaced_dst_folio() asks for __GFP_THISNODE with __GFP_RECLAIM cleared and
 *    __GFP_NOMEMALLOC (GFP_TRANSHUGE_LIGHT for a large folio), which gfp_to_alloc_flags() turns
 *    into plain ALLOC_WMARK_MIN.
 * 2. Nothing reclaimable. The fill ends with a GFP_HIGHUSER_MOVABLE fault (direct reclaim
 *    allowed, zonelist over both nodes) that fails with VM_FAULT_OOM after direct reclaim ran
 *    (allocstall counted) and freed nothing: no reclaimer (kswapd demotion, swap-out) is
 *    registered, so kswapd, which the failed promotion wakes, cannot restore the PROMO
 *    watermark either.
 * 3. No swap: the model has no swap device; anon memory can only stay where it is.
 *
 * How it is filled: the hot process (home: slow node) and the cold process (home: fast node)
 * fault their folios first, so that order-9 folios still find free order-9 blocks. Then a filler
 * whose home is the fast node writes pages until one lands elsewhere: the default
 * GFP_HIGHUSER_MOVABLE falls back along the zonelist once the fast node is at its min
 * watermark. Then a filler whose home is the slow node writes pages until a fault fails with
 * ACCESS_OOM (its zonelist is slow, fast: both at min). The slow path takes an order-0 page
 * only while free > min, so both nodes end with exactly WMARK_MIN pages free: "at" the min
 * watermark, which __zone_watermark_ok() treats as below it (free <= min fails).
 *
 * Hot and cold: after the fill the hot process writes its pages again (young, dirty PTEs), and
 * an aging pass clears the young bits of the cold process's PTEs (what folio_referenced() does
 * to PTEs it finds young). The hot and cold folios are picked with k.rng, so the seed chooses
 * them.
 */
import type { Kernel } from "@foliox/core";
import { createProcess } from "@foliox/core";
import { ACCESS_OK, ACCESS_OOM, accessVirtual } from "@foliox/core";
import { doMmap } from "@foliox/core";
import { folioWalkStart } from "@foliox/core";
import type { Task } from "@foliox/core";
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO } from "@foliox/core";
import { _PAGE_ACCESSED, ptePresent } from "@foliox/core";
import { rmapWalk } from "@foliox/core";
import { ZONE_MOVABLE } from "@foliox/core";
import { ALLOCSTALL_NORMAL } from "@foliox/core";

export interface PressureOptions {
  /** order of the hot and cold folios: 0, or 1..9 for PTE-mapped large folios; default 0 */
  order?: number;
  /** base pages the hot process maps on the slow node; default 4 folios' worth */
  hotPages?: number;
  /** base pages the cold process maps on the fast node; default 4 folios' worth */
  coldPages?: number;
  /** default 0 */
  fastNid?: number;
  /** default 1 */
  slowNid?: number;
}

/** One chosen folio: the task that maps it, the address of its first page, its head pfn. */
export interface PressureFolio {
  task: Task;
  addr: number;
  head: number;
}

export interface ZonePressure {
  zone: string;
  /** global zone index */
  idx: number;
  free: number;
  min: number;
  low: number;
  high: number;
  promo: number;
  /** lowmem_reserve[ZONE_MOVABLE]: what a GFP_HIGHUSER_MOVABLE caller must leave on top of min */
  lowmemReserve: number;
  /** __zone_watermark_ok(zone, 0, WMARK_MIN, ZONE_MOVABLE, no reserves): can a page still be taken? */
  allocatable: boolean;
}

export interface NodePressure {
  nid: number;
  free: number;
  zones: ZonePressure[];
  /** every zone refuses an order-0 ALLOC_WMARK_MIN allocation without reserves */
  full: boolean;
}

export interface PressureScenario {
  hot: PressureFolio;
  cold: PressureFolio;
  /** every folio head of the hot and cold processes, in address order */
  hotFolios: number[];
  coldFolios: number[];
  /** the two filler tasks: fast-node home first */
  fillers: Task[];
  /** base pages each filler faulted in */
  filled: number[];
  /** the last fill fault ran direct reclaim, which freed nothing, and failed with ACCESS_OOM */
  reclaimFailed: boolean;
  nodes: NodePressure[];
}

/** The "full" predicate (docs/decisions.md#memory-pressure) for one node (see the module comment, point 1). */
export function nodePressure(k: Kernel, nid: number): NodePressure {
  const node = k.topo.nodes[nid];
  if (!node) throw new RangeError(`node ${nid} does not exist; the system has nodes 0..${k.topo.nrNodes - 1}`);
  const zones = node.zones.map((zone): ZonePressure => {
    const min = k.alloc.wmarkPages(zone, WMARK_MIN);
    return {
      zone: zone.name,
      idx: zone.idx,
      free: k.alloc.zoneFreePages(zone),
      min,
      low: k.alloc.wmarkPages(zone, WMARK_LOW),
      high: k.alloc.wmarkPages(zone, WMARK_HIGH),
      promo: k.alloc.wmarkPages(zone, WMARK_PROMO),
      lowmemReserve: zone.lowmemReserve[ZONE_MOVABLE]!,
      allocatable: k.alloc.zoneWatermarkOk(zone, 0, min, ZONE_MOVABLE, WMARK_MIN),
    };
  });
  return {
    nid,
    free: k.alloc.nodeFreePages(nid),
    zones,
    full: zones.every((z) => !z.allocatable),
  };
}

/** A process with `pages` written pages; returns it, its base address and its folio heads. */
function populate(k: Kernel, nid: number, pages: number, order: number, what: string): { task: Task; addr: number; folios: number[] } {
  const task = createProcess(k, { nid });
  const mm = task.mm!;
  const addr = doMmap(k, mm, pages * 4096, { thpOrder: order });
  if (addr < 0) throw new Error(`buildPressureScenario: mmap for the ${what} process failed (${addr})`);
  const folios: number[] = [];
  for (let i = 0; i < pages; i++) {
    const rc = accessVirtual(k, mm, addr + i * 4096, true);
    if (rc !== ACCESS_OK)
      throw new Error(`buildPressureScenario: the ${what} process could not fault page ${i} (access result ${rc}); give the system more memory`);
    const head = folioWalkStart(k, task.mm!, addr + i * 4096);
    if (folios[folios.length - 1] !== head) folios.push(head);
  }
  for (const head of folios) {
    if (k.folioNid(head) !== nid || k.mem.order[head] !== order) {
      throw new Error(
        `buildPressureScenario: a ${what} folio (pfn ${head}) is order ${k.mem.order[head]} on node ${k.folioNid(head)}, not order ${order} on node ${nid}; give node ${nid} more memory`,
      );
    }
  }
  return { task, addr, folios };
}

/**
 * Fault pages of a new process at home `nid` until a fault fails (ACCESS_OOM) or, with
 * stopOffNode, a page lands on another node. Returns the task, the pages faulted, and whether
 * it ended in OOM.
 */
function fill(k: Kernel, nid: number, maxPages: number, stopOffNode: boolean): { task: Task; pages: number; oom: boolean; stalled: boolean } {
  const task = createProcess(k, { nid });
  const mm = task.mm!;
  const addr = doMmap(k, mm, maxPages * 4096);
  if (addr < 0) throw new Error(`buildPressureScenario: mmap for the node ${nid} filler failed (${addr})`);
  for (let i = 0; i < maxPages; i++) {
    const stalls = k.vmstat.event(ALLOCSTALL_NORMAL);
    const rc = accessVirtual(k, mm, addr + i * 4096, true);
    if (rc === ACCESS_OOM) return { task, pages: i, oom: true, stalled: k.vmstat.event(ALLOCSTALL_NORMAL) > stalls };
    if (rc !== ACCESS_OK) throw new Error(`buildPressureScenario: the node ${nid} filler got access result ${rc}`);
    if (stopOffNode && k.folioNid(folioWalkStart(k, task.mm!, addr + i * 4096)) !== nid) return { task, pages: i + 1, oom: false, stalled: false };
  }
  return { task, pages: maxPages, oom: false, stalled: false };
}

/**
 * Clear the young bit of every PTE that maps the folio (folio_referenced()'s
 * ptep_clear_young): an aging pass found it, so the folio now looks cold. Returns how many
 * PTEs were young.
 */
export function ageFolio(k: Kernel, head: number): number {
  const pt = k.pgtables;
  let young = 0;
  rmapWalk(k, head, (_vma, i) => {
    const pte = pt.leaf[pt.off]!;
    if (ptePresent(pte) && pt.frame[pt.off]! === head + i && (pte & _PAGE_ACCESSED) !== 0) {
      pt.leaf[pt.off] = pte & ~_PAGE_ACCESSED;
      young++;
    }
    return true;
  });
  return young;
}

/**
 * Build the scenario on a fresh system (no processes yet, or at least enough free memory for
 * the hot and cold folios). Throws, saying what to change, if the nodes do not end up full as
 * defined above.
 */
export function buildPressureScenario(k: Kernel, opts: PressureOptions = {}): PressureScenario {
  const order = opts.order ?? 0;
  const fastNid = opts.fastNid ?? 0;
  const slowNid = opts.slowNid ?? 1;
  if (!Number.isInteger(order) || order < 0 || order > 9) throw new RangeError(`buildPressureScenario: order must be an integer in 0..9, got ${order}`);
  for (const nid of [fastNid, slowNid]) {
    if (!k.topo.nodes[nid]) throw new RangeError(`buildPressureScenario: node ${nid} does not exist; the system has nodes 0..${k.topo.nrNodes - 1}`);
  }
  if (fastNid === slowNid) throw new RangeError("buildPressureScenario: the fast and slow nodes must differ");
  const nr = 1 << order;
  const hotPages = opts.hotPages ?? 4 * nr;
  const coldPages = opts.coldPages ?? 4 * nr;
  for (const [name, pages] of [
    ["hotPages", hotPages],
    ["coldPages", coldPages],
  ] as const) {
    if (!Number.isInteger(pages) || pages < nr || pages % nr !== 0) {
      throw new RangeError(`buildPressureScenario: ${name} must be a positive multiple of ${nr} (one order-${order} folio), got ${pages}`);
    }
  }

  // Large folios first, while free blocks of their order exist.
  const hot = populate(k, slowNid, hotPages, order, "hot");
  const cold = populate(k, fastNid, coldPages, order, "cold");

  // Fast node down to its min watermark, then the slow node, until a fault fails.
  const fastFill = fill(k, fastNid, k.topo.nodes[fastNid]!.nrPages + 1, true);
  const slowFill = fill(k, slowNid, k.topo.nrPages, false);
  if (!slowFill.oom) throw new Error("buildPressureScenario: the slow-node filler never hit an allocation failure");

  // Hot: written again after the fill. Cold: an aging pass finds the PTEs young and clears them.
  for (let i = 0; i < hotPages; i++) accessVirtual(k, hot.task.mm!, hot.addr + i * 4096, true);
  for (const head of cold.folios) ageFolio(k, head);

  const hotIdx = k.rng.below(hot.folios.length);
  const coldIdx = k.rng.below(cold.folios.length);
  const nodes = k.topo.nodes.map((n) => nodePressure(k, n.nid));
  for (const nid of [fastNid, slowNid]) {
    const p = nodes[nid]!;
    if (!p.full) {
      const z = p.zones.find((zz) => zz.allocatable)!;
      throw new Error(
        `buildPressureScenario: node ${nid} is not full: zone ${z.zone} has ${z.free} free pages, above min ${z.min} + lowmem_reserve ${z.lowmemReserve}`,
      );
    }
  }
  return {
    hot: { task: hot.task, addr: hot.addr + hotIdx * nr * 4096, head: hot.folios[hotIdx]! },
    cold: { task: cold.task, addr: cold.addr + coldIdx * nr * 4096, head: cold.folios[coldIdx]! },
    hotFolios: hot.folios,
    coldFolios: cold.folios,
    fillers: [fastFill.task, slowFill.task],
    filled: [fastFill.pages, slowFill.pages],
    reclaimFailed: slowFill.oom && slowFill.stalled,
    nodes,
  };
}
