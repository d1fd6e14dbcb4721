/**
 * The buddy allocator: mm/page_alloc.c. Per-zone free lists by order (free_area), the
 * watermarks min/low/high/promo computed by calculate_min_free_kbytes() and
 * __setup_per_zone_wmarks(), __zone_watermark_ok(), and __alloc_pages() with its fast path,
 * slow path, kswapd wake-up and direct reclaim.
 *
 * Sparse memory (mem-map.ts): at boot only the sections that hold the zero page or the partial
 * sections at a zone's ends get their memmap; every whole section of free memory inside a zone
 * is deferred (CONFIG_DEFERRED_STRUCT_PAGE_INIT, pgdat->first_deferred_pfn). Its pages count as
 * free (NR_FREE_PAGES, and nr_free of MAX_PAGE_ORDER: 32 blocks a section), so watermarks see
 * the machine the kernel sees once boot is done, but no block of it is on a free list yet.
 * When a zone's MAX_PAGE_ORDER list runs dry, deferred_grow_zone() initializes the next
 * deferred section, lowest first, and puts its blocks on the list. Free memory nobody touched
 * costs two numbers per zone.
 *
 * Left out, on purpose: per-cpu page lists (pcp), migratetypes and pageblocks, compaction, CMA,
 * highatomic reserves and the OOM killer. An allocation that would invoke the OOM killer fails,
 * which is what the movers see anyway: they allocate with __GFP_NORETRY or without reclaim.
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import { KernelBug } from "../kernel/bug.js";
import {
  gfpName,
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGH,
  __GFP_HIGHMEM,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MOVABLE,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_THISNODE,
  __GFP_ZERO,
} from "./gfp.js";
import { listDel, type FolioList } from "./list.js";
import { MAX_PAGE_ORDER, NR_PAGE_ORDERS, PAGES_PER_SECTION, PAGE_SHIFT, PFN_SECTION_SHIFT, PGTY_buddy, PGTY_none } from "./mem-map.js";
import { PG_head, PG_locked, PG_lru, PG_reserved, PG_writeback } from "./page-flags.js";
import { MAX_NR_ZONES, ZONE_MOVABLE, ZONE_NORMAL, type Zone } from "./topology.js";
import { NR_FREE_PAGES, PGALLOC_MOVABLE, PGALLOC_NORMAL, PGFREE, ALLOCSTALL_NORMAL } from "./vmstat.js";
import { CONTENT, LIST_HEADS, MEM_MAP, RECLAIMERS, TOPOLOGY, TRACEPOINTS, VMSTAT } from "../tokens.js";
import type { MemMap } from "./mem-map.js";
import type { ListHeads } from "./list.js";
import type { Topology } from "./topology.js";
import type { VmStat } from "./vmstat.js";
import type { Tracepoints } from "../kernel/trace.js";
import type { Content } from "./content.js";

export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;
export const WMARK_PROMO = 3;
export const WMARK_NAMES = ["min", "low", "high", "promo"] as const;

/** alloc_flags (mm/internal.h) */
export const ALLOC_WMARK_MIN = WMARK_MIN;
export const ALLOC_WMARK_LOW = WMARK_LOW;
export const ALLOC_WMARK_HIGH = WMARK_HIGH;
export const ALLOC_WMARK_MASK = 0x3;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/** MAX_RECLAIM_RETRIES */
export const MAX_RECLAIM_RETRIES = 16;
/** sysctl vm.watermark_scale_factor default */
export const WATERMARK_SCALE_FACTOR = 10;

/** Something that direct reclaim can shrink (vmscan's shrink_node, registered by tiering). */
export interface DirectReclaimer {
  /** try_to_free_pages(): pages reclaimed from the given nodes */
  tryToFreePages(order: number, gfp: number, nids: readonly number[]): number;
}

@injectable()
export class PageAlloc {
  /** free_area[order] per zone */
  readonly freeArea: FolioList[][];
  /** free_area[order].nr_free per zone, [zone.idx * NR_PAGE_ORDERS + order] */
  readonly nrFree: Int32Array;
  /** calls to __alloc_pages(), failed ones included */
  nrAllocCalls = 0;
  /** wakeup_kswapd() calls per node */
  readonly kswapdWakeups: Int32Array;
  /**
   * Nodes whose kswapd was woken and has not run yet (pgdat->kswapd_wait): 1 = pending. The
   * kswapd actor (reclaim/vmscan.ts) drains this queue; kswapdOrder keeps the largest order asked.
   */
  readonly kswapdPending: Uint8Array;
  readonly kswapdOrder: Int8Array;
  minFreeKbytes = 0;
  /** user_min_free_kbytes: what the administrator wrote to vm.min_free_kbytes, or null */
  private userMinFreeKbytes: number | null = null;
  /** the shared zero page (ZERO_PAGE(0)): reserved, never freed */
  readonly zeroPfn: number;
  /** node_zonelist() per node: every node by distance, and the node alone (THISNODE) */
  private readonly zonelists: number[][];
  private readonly thisNode: number[][];
  /** zones by global zone index */
  private readonly zoneByIdx: Zone[] = [];
  /**
   * Per zone (by global index): the deferred sections still uninitialized, [firstDeferredPfn,
   * deferredEndPfn), whole sections of free memory (pgdat->first_deferred_pfn, per zone here).
   */
  readonly firstDeferredPfn: Float64Array;
  readonly deferredEndPfn: Float64Array;

  constructor(
    @inject(MEM_MAP) private readonly mem: MemMap,
    @inject(TOPOLOGY) private readonly topo: Topology,
    @inject(VMSTAT) private readonly vmstat: VmStat,
    @inject(TRACEPOINTS) private readonly trace: Tracepoints,
    @inject(LIST_HEADS) lists: ListHeads,
    @inject(CONTENT) private readonly content: Content,
    @inject(RECLAIMERS) private readonly reclaimers: DirectReclaimer[],
  ) {
    const nrZoneSlots = topo.nrNodes * MAX_NR_ZONES;
    this.freeArea = Array.from({ length: nrZoneSlots }, () => Array.from({ length: NR_PAGE_ORDERS }, () => lists.alloc()));
    this.nrFree = new Int32Array(nrZoneSlots * NR_PAGE_ORDERS);
    this.kswapdWakeups = new Int32Array(topo.nrNodes);
    this.kswapdPending = new Uint8Array(topo.nrNodes);
    this.kswapdOrder = new Int8Array(topo.nrNodes);
    this.zonelists = topo.nodes.map((n) => topo.zonelistNodes(n.nid));
    this.thisNode = topo.nodes.map((n) => [n.nid]);
    for (const zone of topo.zones) this.zoneByIdx[zone.idx] = zone;
    this.firstDeferredPfn = new Float64Array(nrZoneSlots);
    this.deferredEndPfn = new Float64Array(nrZoneSlots);
    // memmap_init(): every zone's pages, except the whole sections of free memory, which are
    // deferred (the zero page's section and a zone's partial end sections never are).
    for (const zone of topo.zones) {
      const spanEnd = zone.startPfn + zone.managedPages;
      const freeStart = zone.startPfn === 0 ? 1 : zone.startPfn;
      let dStart = Math.ceil(freeStart / PAGES_PER_SECTION) * PAGES_PER_SECTION;
      let dEnd = Math.floor(spanEnd / PAGES_PER_SECTION) * PAGES_PER_SECTION;
      if (dEnd <= dStart) dStart = dEnd = spanEnd;
      this.firstDeferredPfn[zone.idx] = dStart;
      this.deferredEndPfn[zone.idx] = dEnd;
      this.memmapInit(zone, zone.startPfn, dStart);
      this.memmapInit(zone, dEnd, spanEnd);
    }
    // The zero page is memblock-reserved at pfn 0 of node 0, like the kernel's empty_zero_page.
    this.zeroPfn = 0;
    mem.setFlag(0, PG_reserved);
    mem.refcount[0] = 1;
    topo.zones[0]!.managedPages -= 1;
    // memblock_free_all(): hand every other page to the buddy allocator; the deferred sections
    // are free memory that no free list holds yet.
    for (const zone of topo.zones) {
      const start = zone.startPfn === 0 ? 1 : zone.startPfn;
      const end = zone.startPfn + zone.managedPages + (zone.startPfn === 0 ? 1 : 0);
      const dStart = this.firstDeferredPfn[zone.idx]!;
      const dEnd = this.deferredEndPfn[zone.idx]!;
      this.freeRange(start, dStart);
      this.freeRange(dEnd, end);
      const deferred = dEnd - dStart;
      if (deferred > 0) {
        this.nrFree[zone.idx * NR_PAGE_ORDERS + MAX_PAGE_ORDER]! += deferred >> MAX_PAGE_ORDER;
        this.vmstat.modZone(zone.idx, NR_FREE_PAGES, deferred);
      }
    }
    this.setupPerZoneWmarks();
  }

  /** memmap_init_range() of [start, end) in zone, and its sections marked initialized. */
  private memmapInit(zone: Zone, start: number, end: number): void {
    if (end <= start) return;
    this.mem.memmapInitRange(start, end, zone.idx);
    for (let nr = start >>> PFN_SECTION_SHIFT; nr <= (end - 1) >>> PFN_SECTION_SHIFT; nr++) this.mem.markSectionInitialized(nr);
  }

  /** Pages of the zone's deferred sections: free, counted, on no free list yet. */
  nrDeferredPages(zone: Zone): number {
    return this.deferredEndPfn[zone.idx]! - this.firstDeferredPfn[zone.idx]!;
  }

  /**
   * deferred_grow_zone(): initialize the zone's next deferred section (deferred_init_memmap_chunk)
   * and put its MAX_PAGE_ORDER blocks on the free list; they were already counted free. False
   * if the zone has none left.
   */
  private deferredGrowZone(zone: Zone): boolean {
    const start = this.firstDeferredPfn[zone.idx]!;
    if (start >= this.deferredEndPfn[zone.idx]!) return false;
    const end = start + PAGES_PER_SECTION;
    this.firstDeferredPfn[zone.idx] = end;
    this.memmapInit(zone, start, end);
    const mem = this.mem;
    const list = this.freeArea[zone.idx]![MAX_PAGE_ORDER]!;
    for (let pfn = start; pfn < end; pfn += 1 << MAX_PAGE_ORDER) {
      mem.pageType[pfn] = PGTY_buddy;
      mem.order[pfn] = MAX_PAGE_ORDER;
      list.add(pfn);
    }
    return true;
  }

  /** __free_pages_memory(): free [start, end) in the largest naturally aligned blocks. */
  private freeRange(start: number, end: number): void {
    let pfn = start;
    while (pfn < end) {
      let order = MAX_PAGE_ORDER;
      while (order > 0 && ((pfn & ((1 << order) - 1)) !== 0 || pfn + (1 << order) > end)) order--;
      this.freeOnePage(pfn, order);
      pfn += 1 << order;
    }
  }

  /**
   * calculate_min_free_kbytes() and __setup_per_zone_wmarks(). ZONE_MOVABLE (and highmem)
   * zones get a small fixed min of managed/1024 clamped to [32, 128] pages; the other zones
   * share pages_min in proportion to their size. The low/high/promo gaps are
   * max(tmp/4, managed * watermark_scale_factor / 10000).
   */
  setupPerZoneWmarks(): void {
    let lowmemPages = 0;
    for (const z of this.topo.zones) if (z.type !== ZONE_MOVABLE) lowmemPages += z.managedPages;
    const lowmemKbytes = lowmemPages * (1 << (PAGE_SHIFT - 10));
    this.minFreeKbytes = this.userMinFreeKbytes ?? Math.min(Math.max(Math.floor(Math.sqrt(lowmemKbytes * 16)), 128), 262144);
    const pagesMin = this.minFreeKbytes >> (PAGE_SHIFT - 10);
    for (const z of this.topo.zones) {
      let tmp = lowmemPages > 0 ? Math.floor((pagesMin * z.managedPages) / lowmemPages) : 0;
      if (z.type === ZONE_MOVABLE) {
        z.watermark[WMARK_MIN] = Math.min(Math.max(Math.floor(z.managedPages / 1024), 32), 128);
      } else {
        z.watermark[WMARK_MIN] = tmp;
      }
      tmp = Math.max(tmp >> 2, Math.floor((z.managedPages * WATERMARK_SCALE_FACTOR) / 10000));
      z.watermark[WMARK_LOW] = z.watermark[WMARK_MIN]! + tmp;
      z.watermark[WMARK_HIGH] = z.watermark[WMARK_MIN]! + tmp * 2;
      z.watermark[WMARK_PROMO] = z.watermark[WMARK_MIN]! + tmp * 3;
    }
  }

  /**
   * Writing vm.min_free_kbytes (min_free_kbytes_sysctl_handler): user_min_free_kbytes is kept
   * and the watermarks recomputed from it; null goes back to calculate_min_free_kbytes().
   */
  setMinFreeKbytes(kbytes: number | null): void {
    if (kbytes !== null && !(Number.isInteger(kbytes) && kbytes >= 0)) throw new RangeError(`vm.min_free_kbytes must be an integer >= 0, got ${kbytes}`);
    this.userMinFreeKbytes = kbytes;
    this.setupPerZoneWmarks();
  }

  zoneFreePages(zone: Zone): number {
    return this.vmstat.zonePage(zone.idx, NR_FREE_PAGES);
  }

  /** wmark_pages(zone, i) */
  wmarkPages(zone: Zone, wmark: number): number {
    return zone.watermark[wmark]!;
  }

  /** __zone_watermark_ok() */
  zoneWatermarkOk(zone: Zone, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
    const freePages = this.zoneFreePages(zone) - ((1 << order) - 1);
    let min = mark;
    if (allocFlags & ALLOC_RESERVES) {
      if (allocFlags & ALLOC_MIN_RESERVE) {
        min -= Math.floor(min / 2);
        if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
      }
      if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
    }
    if (freePages <= min + zone.lowmemReserve[highestZoneidx]!) return false;
    if (order === 0) return true;
    for (let o = order; o < NR_PAGE_ORDERS; o++) if (this.nrFree[zone.idx * NR_PAGE_ORDERS + o]! > 0) return true;
    return false;
  }

  /** gfp_zone(): GFP_HIGHUSER_MOVABLE may use ZONE_MOVABLE, everything else stops at NORMAL. */
  gfpZone(gfp: number): number {
    return (gfp & __GFP_MOVABLE) !== 0 && (gfp & __GFP_HIGHMEM) !== 0 ? ZONE_MOVABLE : ZONE_NORMAL;
  }

  /** gfp_to_alloc_flags() for the slow path. */
  gfpToAllocFlags(gfp: number, order: number): number {
    let flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
    flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
    if ((gfp & __GFP_DIRECT_RECLAIM) === 0) {
      if ((gfp & __GFP_NOMEMALLOC) === 0) {
        flags |= ALLOC_NON_BLOCK;
        if (order > 0) flags |= ALLOC_HIGHATOMIC;
      }
      if (flags & ALLOC_MIN_RESERVE) flags &= ~ALLOC_CPUSET;
    }
    return flags;
  }

  /**
   * __alloc_pages(gfp, order, preferred_nid, nodemask): the head pfn of a new folio with one
   * reference, or -1. Every call counts in nrAllocCalls, successful or not.
   */
  allocPages(gfp: number, order: number, preferredNid: number, nodemask: readonly number[] | null = null): number {
    this.nrAllocCalls++;
    if (order < 0 || order > MAX_PAGE_ORDER) throw new RangeError(`__alloc_pages: order ${order} is outside 0..${MAX_PAGE_ORDER}`);
    const nodes = this.zonelist(gfp, preferredNid, nodemask);
    const highest = this.gfpZone(gfp);
    const pfn = this.getPageFromFreelist(gfp, order, ALLOC_WMARK_LOW, nodes, highest);
    if (pfn >= 0) return pfn;
    return this.allocPagesSlowpath(gfp, order, nodes, highest);
  }

  /** node_zonelist(): THISNODE keeps only the preferred node; a nodemask filters. */
  private zonelist(gfp: number, preferredNid: number, nodemask: readonly number[] | null): number[] {
    if (preferredNid < 0 || preferredNid >= this.topo.nrNodes) throw new RangeError(`__alloc_pages: no node ${preferredNid}`);
    if (gfp & __GFP_THISNODE) return nodemask && !nodemask.includes(preferredNid) ? [] : this.thisNode[preferredNid]!;
    const order = this.zonelists[preferredNid]!;
    return nodemask ? filterNodes(order, nodemask) : order;
  }

  private allocPagesSlowpath(gfp: number, order: number, nodes: number[], highest: number): number {
    const allocFlags = this.gfpToAllocFlags(gfp, order);
    if (allocFlags & ALLOC_KSWAPD) for (const nid of nodes) this.wakeupKswapd(nid, order, gfp);
    let pfn = this.getPageFromFreelist(gfp, order, allocFlags, nodes, highest);
    if (pfn >= 0) return pfn;
    if ((gfp & __GFP_DIRECT_RECLAIM) === 0) return this.nopage(gfp, order, nodes);
    for (let retries = 0; retries < MAX_RECLAIM_RETRIES; retries++) {
      this.vmstat.countEvents(ALLOCSTALL_NORMAL, 1);
      let progress = 0;
      for (const r of this.reclaimers) progress += r.tryToFreePages(order, gfp, nodes);
      pfn = this.getPageFromFreelist(gfp, order, allocFlags, nodes, highest);
      if (pfn >= 0) return pfn;
      if (gfp & __GFP_NORETRY || progress === 0) break;
    }
    return this.nopage(gfp, order, nodes);
  }

  private nopage(gfp: number, order: number, nodes: number[]): number {
    if ((gfp & __GFP_NOWARN) === 0 && this.trace.enabled("mm_page_alloc_fail")) {
      this.trace.emit("mm_page_alloc_fail", { order, gfp: gfpName(gfp), nid: nodes[0] ?? -1 });
    }
    return -1;
  }

  /** Join / leave the direct-reclaim sources (reclaim/vmscan.ts registers its reclaimer here). */
  addReclaimer(r: DirectReclaimer): void {
    if (!this.reclaimers.includes(r)) this.reclaimers.push(r);
  }
  removeReclaimer(r: DirectReclaimer): void {
    const i = this.reclaimers.indexOf(r);
    if (i >= 0) this.reclaimers.splice(i, 1);
  }

  /** wakeup_kswapd(): kswapd itself is a tiering actor; here the wake-up is counted and traced. */
  wakeupKswapd(nid: number, order: number, gfp: number): void {
    this.kswapdWakeups[nid]!++;
    this.kswapdPending[nid] = 1;
    if (order > this.kswapdOrder[nid]!) this.kswapdOrder[nid] = order;
    if (this.trace.enabled("mm_vmscan_wakeup_kswapd")) this.trace.emit("mm_vmscan_wakeup_kswapd", { nid, order, gfp: gfpName(gfp) });
  }

  private getPageFromFreelist(gfp: number, order: number, allocFlags: number, nodes: number[], highest: number): number {
    for (const nid of nodes) {
      for (const zone of this.topo.nodes[nid]!.zones) {
        if (zone.type > highest) continue;
        if ((allocFlags & ALLOC_NO_WATERMARKS) === 0) {
          const mark = zone.watermark[allocFlags & ALLOC_WMARK_MASK]!;
          if (!this.zoneWatermarkOk(zone, order, mark, highest, allocFlags)) continue;
        }
        const pfn = this.rmqueueSmallest(zone, order);
        if (pfn >= 0) {
          this.prepNewPage(pfn, order, gfp);
          this.vmstat.countEvents(zone.type === ZONE_MOVABLE ? PGALLOC_MOVABLE : PGALLOC_NORMAL, 1 << order);
          return pfn;
        }
      }
    }
    return -1;
  }

  /** __rmqueue_smallest() + expand() */
  private rmqueueSmallest(zone: Zone, order: number): number {
    for (let current = order; current < NR_PAGE_ORDERS; current++) {
      let pfn = this.freeArea[zone.idx]![current]!.first();
      if (pfn < 0 && current === MAX_PAGE_ORDER && this.deferredGrowZone(zone)) pfn = this.freeArea[zone.idx]![current]!.first();
      if (pfn < 0) continue;
      this.delPageFromFreeList(zone, pfn, current);
      // expand(): give back the upper halves, largest first.
      let high = current;
      while (high > order) {
        high--;
        this.addToFreeList(zone, pfn + (1 << high), high);
      }
      return pfn;
    }
    return -1;
  }

  private addToFreeList(zone: Zone, pfn: number, order: number): void {
    const mem = this.mem;
    mem.pageType[pfn] = PGTY_buddy;
    mem.order[pfn] = order;
    this.freeArea[zone.idx]![order]!.add(pfn);
    this.nrFree[zone.idx * NR_PAGE_ORDERS + order]!++;
    this.vmstat.modZone(zone.idx, NR_FREE_PAGES, 1 << order);
  }

  private delPageFromFreeList(zone: Zone, pfn: number, order: number): void {
    const mem = this.mem;
    listDel(mem, pfn);
    mem.pageType[pfn] = PGTY_none;
    mem.order[pfn] = 0;
    this.nrFree[zone.idx * NR_PAGE_ORDERS + order]!--;
    this.vmstat.modZone(zone.idx, NR_FREE_PAGES, -(1 << order));
  }

  /** post_alloc_hook() + prep_compound_page() */
  private prepNewPage(pfn: number, order: number, gfp: number): void {
    const mem = this.mem;
    const nr = 1 << order;
    mem.order.fill(order, pfn, pfn + nr);
    mem.flags.fill(0, pfn, pfn + nr);
    mem.lastCpupid.fill(-1, pfn, pfn + nr);
    if (order > 0) mem.setFlag(pfn, PG_head);
    mem.refcount[pfn] = 1;
    if (gfp & __GFP_ZERO) this.content.zeroRange(pfn, nr);
  }

  /**
   * __free_pages() of a folio whose last reference is gone: free_pages_prepare() checks the
   * page is clean (a bad page state is a kernel bug), then __free_one_page() merges buddies.
   */
  freeFolio(head: number): void {
    const mem = this.mem;
    const order = mem.order[head]!;
    const nr = 1 << order;
    const bad = (1 << PG_lru) | (1 << PG_locked) | (1 << PG_writeback);
    for (let i = 0; i < nr; i++) {
      const p = head + i;
      if (mem.mapcount[p] !== 0 || (mem.flags[p]! & bad) !== 0 || mem.pageType[p] !== PGTY_none) {
        throw new KernelBug(`BUG: Bad page state: pfn ${p} mapcount ${mem.mapcount[p]} flags 0x${mem.flags[p]!.toString(16)}`);
      }
    }
    if (mem.refcount[head] !== 0) throw new KernelBug(`BUG: freeing pfn ${head} with refcount ${mem.refcount[head]}`);
    if (mem.largeMapcount[head] !== 0) throw new KernelBug(`BUG: Bad page state: folio ${head} large mapcount ${mem.largeMapcount[head]}`);
    setRange(mem.flags, 0, head, nr);
    setRange(mem.mapping, 0, head, nr);
    setRange(mem.index, 0, head, nr);
    setRange(mem.private, 0, head, nr);
    setRange(mem.memcg, 0, head, nr);
    setRange(mem.pincount, 0, head, nr);
    setRange(mem.lastCpupid, -1, head, nr);
    setRange(mem.order, 0, head, nr);
    this.vmstat.countEvents(PGFREE, nr);
    this.freeOnePage(head, order);
  }

  /** __free_one_page(): merge with free buddies of the same order, then add to the free list. */
  private freeOnePage(pfn: number, order: number): void {
    const mem = this.mem;
    const zoneIdx = mem.zone[pfn]!;
    const zone = this.zoneByIdx[zoneIdx]!;
    const zoneEnd = zone.startPfn + zone.managedPages + (zone.startPfn === 0 ? 1 : 0);
    while (order < MAX_PAGE_ORDER) {
      const buddy = pfn ^ (1 << order);
      if (buddy < zone.startPfn || buddy >= zoneEnd) break;
      if (mem.pageType[buddy] !== PGTY_buddy || mem.order[buddy] !== order) break;
      this.delPageFromFreeList(zone, buddy, order);
      pfn = pfn & buddy;
      order++;
    }
    this.addToFreeList(zone, pfn, order);
  }

  /** Free pages of a node, summed over its zones. */
  nodeFreePages(nid: number): number {
    let sum = 0;
    for (const z of this.topo.nodes[nid]!.zones) sum += this.zoneFreePages(z);
    return sum;
  }
}

/**
 * The nodes of `order` that `nodemask` allows. Its own function: a filter callback in
 * zonelist() would make every call allocate a context for nodemask, even with no nodemask.
 */
function filterNodes(order: readonly number[], nodemask: readonly number[]): number[] {
  return order.filter((nid) => nodemask.includes(nid));
}

/** a[head .. head + nr) = v: one store for a base page, where fill() is a call into the runtime */
function setRange(a: Int32Array | Uint16Array | Uint8Array | Float64Array, v: number, head: number, nr: number): void {
  if (nr === 1) a[head] = v;
  else a.fill(v, head, head + nr);
}
