/**
 * checkInvariants(): every violation of the model's invariants, as a list of sentences. In
 * debug/, above every subsystem it reads (the page cache, the swap device, the backends'
 * own checks), in the spirit of CONFIG_DEBUG_VM; nothing in the kernel model calls it.
 *
 * - Refcount: for a user folio on an LRU, refcount = mapcount + pincount; off the LRU (isolated
 *   by a mover, or owned by whoever allocated it) refcount = 1 + mapcount + pincount. This
 *   holds at every phase boundary of both movers; it is broken only inside a step, between a
 *   refcount freeze and its unfreeze.
 * - PTE <-> folio: every present PTE and migration entry names a page of an allocated folio
 *   whose mapping is the vma's anon_vma (or one chained to it) and whose index matches the
 *   address; every present PTE is counted in its page's mapcount, and nothing else is.
 * - rmap finds every PTE: the folio's anon_vma lists the vma, and vma_address(index) is the
 *   PTE's address.
 * - Memory: free + allocated + reserved = capacity, free lists agree with nr_free and
 *   NR_FREE_PAGES (a zone's deferred sections count as free blocks of MAX_PAGE_ORDER that no
 *   list holds yet; their pages are neither read nor touched).
 * - A KSM folio (mapping tag 3): its stable node's rmap items, walked by the owning backend's
 *   rmapWalk, find every PTE; the backend's checkInvariants() checks its own state.
 * - Counters equal recomputed state: LRU sizes, NR_ANON_MAPPED, and with `quiescent` (no mover
 *   in flight) NR_ISOLATED_* = 0 and every mapped folio on an LRU.
 * - Swap: every swap PTE and shmem value entry names a used slot, and each slot's swap_map count
 *   equals those references; SWAP_HAS_CACHE is set exactly where the swap cache holds a folio,
 *   whose folio->swap and slots agree; the swap cache holds nr references; NR_SWAPCACHE (and
 *   NR_FILE_PAGES, which counts the swap cache too) match.
 * - Per-memcg lruvec stats (MEMCG_STAT_ITEMS: anon, file, file_mapped, file_dirty,
 *   file_writeback, shmem, swapcached) of every memcg on every node equal those recomputed with
 *   each folio under its own folio->memcg_data.
 */
import type { Kernel } from "../kernel/kernel.js";
import {
  MAX_PAGE_ORDER,
  NR_PAGE_ORDERS,
  PAGES_PER_SECTION,
  PAGE_MAPPING_ANON,
  PAGE_MAPPING_KSM,
  PAGE_SECTION_MASK,
  PFN_SECTION_SHIFT,
  PGTY_buddy,
} from "../mm/mem-map.js";
import type { VmArea } from "../mm/mm-types.js";
import { rmapWalk } from "../mm/rmap.js";
import { NR_LRU_LISTS } from "../mm/lru.js";
import { PG_head, PG_lru, PG_reserved } from "../mm/page-flags.js";
import { isMigrationEntry, isSwapPte, ptePresent, pteSpecial, swpOffset } from "../mm/pgtable.js";
import {
  NR_ACTIVE_ANON,
  NR_ACTIVE_FILE,
  NR_ANON_MAPPED,
  NR_FREE_PAGES,
  NR_INACTIVE_ANON,
  NR_INACTIVE_FILE,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  NR_UNEVICTABLE,
} from "../mm/vmstat.js";
import { NR_FILE_DIRTY, NR_FILE_MAPPED, NR_FILE_PAGES, NR_SHMEM, NR_WRITEBACK, NR_ZONE_WRITE_PENDING } from "../mm/vmstat.js";
import { PG_dirty, PG_locked, PG_private, PG_swapbacked, PG_writeback } from "../mm/page-flags.js";
import { NR_SWAPCACHE, MEMCG_STAT_ITEMS, NR_VM_NODE_STAT_ITEMS } from "../mm/vmstat.js";
import { xaIsValue, xaToValue } from "../fs/xarray.js";

/** Page-cache counters recomputed from mem_map (per node; write-pending per zone). */
/**
 * Per-memcg lruvec stats recomputed from the folios (memcg id -> [node][item]), for the items
 * VmStat keeps per memcg (MEMCG_STAT_ITEMS). Each folio counts under its own folio->memcg_data.
 */
class MemcgCounts {
  readonly byMemcg = new Map<number, Float64Array>();
  constructor(readonly nrNodes: number) {}
  add(memcg: number, nid: number, item: number, nr: number): void {
    let a = this.byMemcg.get(memcg);
    if (!a) this.byMemcg.set(memcg, (a = new Float64Array(this.nrNodes * NR_VM_NODE_STAT_ITEMS)));
    a[nid * NR_VM_NODE_STAT_ITEMS + item]! += nr;
  }
  get(memcg: number, nid: number, item: number): number {
    return this.byMemcg.get(memcg)?.[nid * NR_VM_NODE_STAT_ITEMS + item] ?? 0;
  }
}

/** One allocated folio's contribution to its memcg's per-node stats. */
function countMemcgFolio(k: Kernel, head: number, pagecache: boolean, swapcache: boolean, mc: MemcgCounts): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const memcg = mem.memcg[head]!;
  const nid = k.folioNid(head);
  let mapped = 0;
  for (let i = 0; i < nr; i++) if (mem.mapcount[head + i]! > 0) mapped++;
  if (mapped && mem.folioTestAnon(head)) mc.add(memcg, nid, NR_ANON_MAPPED, mapped);
  if (mapped && pagecache) mc.add(memcg, nid, NR_FILE_MAPPED, mapped);
  if (pagecache || swapcache) {
    mc.add(memcg, nid, NR_FILE_PAGES, nr);
    if (mem.testFlag(head, PG_writeback)) mc.add(memcg, nid, NR_WRITEBACK, nr);
  }
  if (swapcache) mc.add(memcg, nid, NR_SWAPCACHE, nr);
  if (pagecache) {
    if (mem.testFlag(head, PG_swapbacked)) mc.add(memcg, nid, NR_SHMEM, nr);
    const as = k.fs.addressSpaces[mem.mapping[head]! >> 2];
    if (mem.testFlag(head, PG_dirty) && as?.canWriteback) mc.add(memcg, nid, NR_FILE_DIRTY, nr);
  }
}

/** Every memcg's per-node counters (lruvec_page_state) equal the recomputed ones. */
function checkMemcgCounters(k: Kernel, mc: MemcgCounts, out: string[]): void {
  const ids = new Set([...k.vmstat.memcgIds(), ...mc.byMemcg.keys()]);
  for (const memcg of [...ids].sort((a, b) => a - b)) {
    for (const node of k.topo.nodes) {
      for (const [item, name] of MEMCG_STAT_ITEMS) {
        const c = k.vmstat.lruvecPage(memcg, node.nid, item);
        const r = mc.get(memcg, node.nid, item);
        if (c !== r) out.push(`memcg ${memcg} node ${node.nid}: ${name} ${c}, recomputed ${r}`);
      }
    }
  }
}

class FileCounts {
  readonly mapped: Float64Array;
  readonly pages: Float64Array;
  readonly shmem: Float64Array;
  readonly dirty: Float64Array;
  readonly writeback: Float64Array;
  readonly writePending: Float64Array;
  constructor(nrNodes: number, nrZones: number) {
    this.mapped = new Float64Array(nrNodes);
    this.pages = new Float64Array(nrNodes);
    this.shmem = new Float64Array(nrNodes);
    this.dirty = new Float64Array(nrNodes);
    this.writeback = new Float64Array(nrNodes);
    this.writePending = new Float64Array(nrZones);
  }
}

function migrationStash(k: Kernel, head: number): boolean {
  const mem = k.mem;
  if (!mem.testFlag(head, PG_locked) || mem.testFlag(head, PG_lru)) return false;
  const as = k.fs.addressSpaces[mem.mapping[head]! >> 2];
  return !as || as.iPages.load(mem.index[head]!) - 1 !== head;
}

/** A page-cache folio: its xarray slots name it, and its counters. */
function checkPagecacheFolio(k: Kernel, head: number, file: FileCounts, out: string[]): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const nid = k.folioNid(head);
  const as = k.fs.addressSpaces[mem.mapping[head]! >> 2];
  if (!as) {
    out.push(`pfn ${head}: page-cache mapping ${mem.mapping[head]! >> 2} does not exist`);
    return;
  }
  for (let i = 0; i < nr; i++) {
    const slot = as.iPages.load(mem.index[head]! + i) - 1;
    if (slot !== head) out.push(`pfn ${head}: mapping ${as.id} index ${mem.index[head]! + i} names pfn ${slot}, not this folio`);
  }
  file.pages[nid]! += nr;
  if (mem.testFlag(head, PG_swapbacked)) file.shmem[nid]! += nr;
  if (mem.testFlag(head, PG_dirty) && as.canWriteback) {
    file.dirty[nid]! += nr;
    file.writePending[mem.zone[head]!]! += nr;
  }
  if (mem.testFlag(head, PG_writeback)) {
    file.writeback[nid]! += nr;
    file.writePending[mem.zone[head]!]! += nr;
  }
}

/** Every address_space: each xarray entry names a folio of this mapping at that index; nrpages. */
function checkAddressSpaces(k: Kernel, out: string[], swapRefs: Int32Array | null): void {
  const mem = k.mem;
  for (const as of k.fs.addressSpaces) {
    if (!as) continue;
    if (as.xaLocked) out.push(`mapping ${as.id}: i_pages lock left held`);
    let values = 0;
    for (let i = as.iPages.findNext(0); i >= 0; i = as.iPages.findNext(i + 1)) {
      const v = as.iPages.load(i);
      if (xaIsValue(v)) {
        // shmem: a swapped-out page's swap entry (swap/shmem-swap.ts) holds a slot reference
        values++;
        const off = swpOffset(xaToValue(v));
        if (!as.swapBacked || !swapRefs || off <= 0 || off >= swapRefs.length)
          out.push(`mapping ${as.id} index ${i}: value entry ${xaToValue(v)} is not a swap entry of a swap-backed mapping`);
        else swapRefs[off]!++;
        continue;
      }
      const head = v - 1;
      const idx = mem.index[head]!;
      if (mem.mapping[head] !== as.tagged || i < idx || i >= idx + mem.folioNrPages(head)) {
        out.push(`mapping ${as.id} index ${i}: names pfn ${head}, whose mapping is ${mem.mapping[head]! >> 2} and index ${idx}`);
      }
    }
    if (as.iPages.count - values !== as.nrpages) out.push(`mapping ${as.id}: nrpages ${as.nrpages}, xarray holds ${as.iPages.count - values} folio slots`);
    for (const vma of as.iMmap) {
      if (vma.vmFile?.mapping !== as || !vma.mm.vmas.includes(vma)) out.push(`mapping ${as.id}: i_mmap lists a vma that does not map it`);
    }
  }
  for (const h of k.fs.writebackQueue) {
    if (!mem.testFlag(h, PG_writeback)) out.push(`pfn ${h}: in-flight writeback, but PG_writeback is clear`);
  }
}

/** A swap-cache folio: folio->swap, its slots in swapper_space name it and have SWAP_HAS_CACHE. */
function checkSwapcacheFolio(k: Kernel, head: number, file: FileCounts, swapcache: Float64Array, out: string[]): void {
  const mem = k.mem;
  const si = k.swap;
  const nr = mem.folioNrPages(head);
  const entry = mem.private[head]!;
  const off = swpOffset(entry);
  if (!si || off <= 0 || off + nr > si.max) {
    out.push(`pfn ${head}: PG_swapcache with folio->swap 0x${entry.toString(16)}, which names no swap slot`);
    return;
  }
  for (let i = 0; i < nr; i++) {
    const slot = si.space.iPages.load(off + i) - 1;
    if (slot !== head) out.push(`pfn ${head}: swap cache offset ${off + i} names pfn ${slot}, not this folio`);
    if (!si.hasCache(off + i)) out.push(`pfn ${head}: swap slot ${off + i} lacks SWAP_HAS_CACHE`);
  }
  if (mem.mapping[head] !== 0 && (mem.mapping[head]! & 3) === 0) out.push(`pfn ${head}: in the swap cache and in a page cache`);
  const nid = k.folioNid(head);
  file.pages[nid]! += nr;
  swapcache[nid]! += nr;
  if (mem.testFlag(head, PG_writeback)) {
    file.writeback[nid]! += nr;
    file.writePending[mem.zone[head]!]! += nr;
  }
}

/** The swap device: swap_map counts = recomputed references, SWAP_HAS_CACHE = a cached folio. */
function checkSwapDevice(k: Kernel, swapRefs: Int32Array | null, out: string[]): void {
  const si = k.swap;
  if (!si || !swapRefs) return;
  const space = si.space;
  if (space.xaLocked) out.push("swapper_space: i_pages lock left held");
  if (space.iPages.count !== space.nrpages) out.push(`swapper_space: nrpages ${space.nrpages}, xarray holds ${space.iPages.count}`);
  let inuse = 0;
  for (let off = 1; off < si.max; off++) {
    const map = si.swapMap[off]!;
    if (map === 0) {
      if (si.slotBlock[off] !== 0) out.push(`swap slot ${off}: free, but still owns a block`);
      continue;
    }
    inuse++;
    if (si.count(off) !== swapRefs[off])
      out.push(`swap slot ${off}: swap_map count ${si.count(off)}, ${swapRefs[off]} swap PTEs and value entries refer to it`);
    const cached = space.iPages.load(off) - 1;
    if (si.hasCache(off) !== cached >= 0)
      out.push(`swap slot ${off}: SWAP_HAS_CACHE ${si.hasCache(off)}, but the swap cache ${cached >= 0 ? `holds pfn ${cached}` : "is empty"}`);
    if (cached >= 0 && (!k.mem.folioTestSwapcache(cached) || k.mem.refcount[cached] === 0))
      out.push(`swap slot ${off}: the swap cache names pfn ${cached}, which is not a swap-cache folio`);
    if (!si.hasCache(off) && si.slotBlock[off] === 0) out.push(`swap slot ${off}: referenced, not cached, and never written (the data is lost)`);
  }
  for (let off = 1; off < si.max; off++) {
    if (si.swapMap[off] === 0 && swapRefs[off]! > 0) out.push(`swap slot ${off}: free, but ${swapRefs[off]} swap PTEs or value entries refer to it`);
    swapRefs[off] = 0; // the scratch is left zero for the next call
  }
  if (inuse !== si.inusePages) out.push(`swap: inuse_pages ${si.inusePages}, ${inuse} slots in use`);
}

export interface InvariantOptions {
  /** no mover is in flight: nothing may be isolated */
  quiescent?: boolean;
}

const LRU_STAT = [NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE];

export function checkInvariants(k: Kernel, opts: InvariantOptions = {}): string[] {
  const scratch = k.invariantScratch;
  const n = k.mem.nrPages;
  // present PTEs per pfn, and references to each swap slot (swap PTEs, shmem's value entries):
  // buffers kept from call to call, which every call leaves zero
  if (scratch.ptes.length !== n) scratch.ptes = new Int32Array(n);
  if (k.swap && scratch.swapRefs.length !== k.swap.max) scratch.swapRefs = new Int32Array(k.swap.max);
  try {
    return checkAllInvariants(k, opts, scratch.ptes, k.swap ? scratch.swapRefs : null);
  } catch (err) {
    // a check that throws leaves counts behind: clear them all
    scratch.ptes.fill(0);
    scratch.swapRefs.fill(0);
    throw err;
  }
}

function checkAllInvariants(k: Kernel, opts: InvariantOptions, ptes: Int32Array, swapRefs: Int32Array | null): string[] {
  const out: string[] = [];
  const mem = k.mem;
  const n = mem.nrPages;
  const pt = k.pgtables;
  const swapcache = new Float64Array(k.topo.nrNodes);

  // Page tables -> folios.
  for (const mm of k.mms) {
    for (const vma of mm.vmas) {
      for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
        if (!pt.walk(mm.pgd, vpn, false)) continue;
        const pte = pt.leaf[pt.off]!;
        if (pte === 0) continue;
        const addr = vpn * 4096;
        let page: number;
        if (ptePresent(pte)) {
          if (pteSpecial(pte)) {
            if (pt.frame[pt.off]! !== k.alloc.zeroPfn) out.push(`mm ${mm.id} 0x${addr.toString(16)}: special PTE is not the zero page`);
            continue;
          }
          page = pt.frame[pt.off]!;
        } else if (isMigrationEntry(pte)) {
          page = pt.frame[pt.off]!;
        } else {
          // a swap entry: it names a used slot of the swap device, in an anonymous vma
          const si = k.swap;
          const off = pt.frame[pt.off]!;
          if (!isSwapPte(pte) || !si || off <= 0 || off >= si.max)
            out.push(`mm ${mm.id} 0x${addr.toString(16)}: swap entry 0x${pte.toString(16)} names no slot of a swap device`);
          else swapRefs![off]!++;
          continue;
        }
        if (
          page >= n ||
          !mem.sectionHasMemMap(page >>> PFN_SECTION_SHIFT) ||
          mem.pageType[page] === PGTY_buddy ||
          (mem.refcount[mem.pageFolio(page)]! === 0 && ptePresent(pte))
        ) {
          out.push(`mm ${mm.id} 0x${addr.toString(16)}: PTE names pfn ${page}, which is free`);
          continue;
        }
        // counted only for a page of an allocated folio: the folio loop below reads and clears it
        if (ptePresent(pte)) ptes[page]!++;
        const head = mem.pageFolio(page);
        const m = mem.mapping[head]!;
        if (m !== 0 && (m & 3) === 0) {
          // A page-cache page: the vma maps its file, i_mmap lists the vma, the file index matches.
          const as = k.fs.addressSpaces[m >> 2];
          if (!as || !vma.vmFile || vma.vmFile.mapping !== as) {
            out.push(`mm ${mm.id} 0x${addr.toString(16)}: pfn ${page} is a page-cache page of mapping ${m >> 2}, which this vma does not map`);
            continue;
          }
          if (!as.iMmap.includes(vma)) {
            out.push(`mm ${mm.id} 0x${addr.toString(16)}: rmap cannot find this PTE: i_mmap of mapping ${as.id} does not list the vma`);
            continue;
          }
          const want = vma.address(mem.index[head]! + (page - head));
          if (want !== addr)
            out.push(
              `mm ${mm.id} 0x${addr.toString(16)}: pfn ${page} has file index ${mem.index[head]! + (page - head)}, which rmap places at ${want < 0 ? "no address" : "0x" + want.toString(16)}`,
            );
          continue;
        }
        if ((m & 3) === PAGE_MAPPING_KSM) {
          // KSM: the rmap is the stable node's rmap items (the owning backend's rmapWalk), and
          // the address comes from the rmap item, not from the index.
          if (!rmapFinds(k, head, vma, addr) && !k.backends.forFolio(k, head)?.rmapPending?.(k, head, vma, addr))
            out.push(`mm ${mm.id} 0x${addr.toString(16)}: rmap cannot find this PTE: KSM folio pfn ${head} (stable node ${m >> 2}) does not list it`);
          continue;
        }
        if ((m & 3) !== PAGE_MAPPING_ANON) {
          out.push(`mm ${mm.id} 0x${addr.toString(16)}: pfn ${page} is mapped but its folio is not anon (mapping ${m})`);
          continue;
        }
        const av = k.anonVmas[m >> 2];
        if (!av || !av.vmas.includes(vma)) {
          out.push(`mm ${mm.id} 0x${addr.toString(16)}: rmap cannot find this PTE: anon_vma ${m >> 2} does not list the vma`);
          continue;
        }
        const want = vma.address(mem.index[head]! + (page - head));
        if (want !== addr) {
          out.push(
            `mm ${mm.id} 0x${addr.toString(16)}: pfn ${page} has index ${mem.index[head]! + (page - head)}, which rmap places at ${want < 0 ? "no address" : "0x" + want.toString(16)}`,
          );
        }
      }
    }
  }

  // Folios: mapcount, refcount, LRU membership.
  let allocated = 0;
  let reserved = 0;
  const lruPages = new Float64Array(k.topo.nrNodes * NR_LRU_LISTS);
  const anonMapped = new Float64Array(k.topo.nrNodes);
  const file = new FileCounts(k.topo.nrNodes, k.vmstat.nrZones);
  const memcgCounts = new MemcgCounts(k.topo.nrNodes);
  for (let pfn = 0; pfn < n; ) {
    // a deferred section: free memory whose memmap was never initialized (nothing to read)
    if ((pfn & PAGE_SECTION_MASK) === 0 && !mem.sectionHasMemMap(pfn >>> PFN_SECTION_SHIFT)) {
      pfn += PAGES_PER_SECTION;
      continue;
    }
    if (mem.pageType[pfn] === PGTY_buddy) {
      pfn += 1 << mem.order[pfn]!;
      continue;
    }
    if (mem.testFlag(pfn, PG_reserved)) {
      reserved++;
      ptes[pfn] = 0;
      pfn++;
      continue;
    }
    const head = pfn;
    const order = mem.order[head]!;
    const nr = 1 << order;
    if (order > 0 && !mem.testFlag(head, PG_head)) out.push(`pfn ${head}: order ${order} folio without PG_head`);
    if (mem.refcount[head] === 0) {
      out.push(`pfn ${head}: neither free nor referenced (leaked)`);
      pfn += nr;
      continue;
    }
    allocated += nr;
    // A page-cache folio: untagged mapping. A migration destination between unmap and move
    // also has an untagged mapping (the anon_vma stashed by __migrate_folio_record), but it is
    // locked, off the LRU and in no xarray.
    const pagecache = mem.mapping[head] !== 0 && (mem.mapping[head]! & 3) === 0 && !migrationStash(k, head);
    let mapcount = 0;
    for (let i = 0; i < nr; i++) {
      const mc = mem.mapcount[head + i]!;
      if (mc !== ptes[head + i]) out.push(`pfn ${head + i}: mapcount ${mc}, but ${ptes[head + i]} present PTEs map it`);
      ptes[head + i] = 0;
      mapcount += mc;
      if (mc > 0 && mem.folioTestAnon(head)) anonMapped[k.folioNid(head)]! += 1;
      if (mc > 0 && pagecache) file.mapped[k.folioNid(head)]! += 1;
    }
    if (pagecache) checkPagecacheFolio(k, head, file, out);
    const inSwapcache = mem.folioTestSwapcache(head);
    countMemcgFolio(k, head, pagecache, inSwapcache, memcgCounts);
    if (inSwapcache) checkSwapcacheFolio(k, head, file, swapcache, out);
    if (mem.largeMapcount[head] !== mapcount) out.push(`pfn ${head}: folio mapcount ${mem.largeMapcount[head]}, its pages' mapcounts sum to ${mapcount}`);
    const onLru = mem.testFlag(head, PG_lru);
    // the page cache holds nr references, and one more for PG_private (folio_attach_private)
    // the swap cache holds nr references (a folio is in one cache or the other)
    const cacheRefs = pagecache ? nr + (mem.testFlag(head, PG_private) ? 1 : 0) : inSwapcache ? nr : 0;
    const expected = (onLru ? 0 : 1) + cacheRefs + mapcount + mem.pincount[head]!;
    if (mem.refcount[head] !== expected) {
      out.push(
        `pfn ${head}: refcount ${mem.refcount[head]}, expected ${expected} (${onLru ? "on LRU" : "off LRU: +1"}, ${inSwapcache ? "swap" : "page"} cache ${cacheRefs}, mapcount ${mapcount}, pincount ${mem.pincount[head]})`,
      );
    }
    if (onLru) lruPages[k.folioNid(head) * NR_LRU_LISTS + k.lru.folioLruList(head)]! += nr;
    else if (opts.quiescent && mem.mapping[head] !== 0) out.push(`pfn ${head}: mapped folio is off the LRU with no mover in flight`);
    pfn += nr;
  }

  // Free memory.
  let free = 0;
  for (const zone of k.topo.zones) {
    let zoneFree = 0;
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      const list = k.alloc.freeArea[zone.idx]![o]!;
      const deferred = o === MAX_PAGE_ORDER ? k.alloc.nrDeferredPages(zone) >> MAX_PAGE_ORDER : 0;
      const count = list.count() + deferred;
      if (count !== k.alloc.nrFree[zone.idx * NR_PAGE_ORDERS + o])
        out.push(`zone ${zone.idx} order ${o}: ${count} free blocks (${deferred} deferred), nr_free says ${k.alloc.nrFree[zone.idx * NR_PAGE_ORDERS + o]}`);
      zoneFree += count << o;
    }
    if (zoneFree !== k.vmstat.zonePage(zone.idx, NR_FREE_PAGES))
      out.push(`zone ${zone.idx}: nr_free_pages ${k.vmstat.zonePage(zone.idx, NR_FREE_PAGES)}, free lists hold ${zoneFree}`);
    free += zoneFree;
  }
  if (free + allocated + reserved !== n) out.push(`memory: free ${free} + allocated ${allocated} + reserved ${reserved} != capacity ${n}`);
  for (const zone of k.topo.zones) {
    const c = k.vmstat.zonePage(zone.idx, NR_ZONE_WRITE_PENDING);
    if (c !== file.writePending[zone.idx]) out.push(`zone ${zone.idx}: nr_zone_write_pending ${c}, recomputed ${file.writePending[zone.idx]}`);
  }
  checkAddressSpaces(k, out, swapRefs);
  checkSwapDevice(k, swapRefs, out);

  // Counters.
  for (const node of k.topo.nodes) {
    for (let l = 0; l < NR_LRU_LISTS; l++) {
      const c = k.vmstat.nodePage(node.nid, LRU_STAT[l]!);
      if (c !== lruPages[node.nid * NR_LRU_LISTS + l])
        out.push(`node ${node.nid}: LRU list ${l} counter ${c}, lists hold ${lruPages[node.nid * NR_LRU_LISTS + l]}`);
    }
    for (const [item, name, arr] of [
      [NR_FILE_MAPPED, "nr_mapped", file.mapped],
      [NR_FILE_PAGES, "nr_file_pages", file.pages],
      [NR_SHMEM, "nr_shmem", file.shmem],
      [NR_FILE_DIRTY, "nr_dirty", file.dirty],
      [NR_WRITEBACK, "nr_writeback", file.writeback],
    ] as const) {
      const c = k.vmstat.nodePage(node.nid, item);
      if (c !== arr[node.nid]) out.push(`node ${node.nid}: ${name} ${c}, recomputed ${arr[node.nid]}`);
    }
    const sc = k.vmstat.nodePage(node.nid, NR_SWAPCACHE);
    if (sc !== swapcache[node.nid]) out.push(`node ${node.nid}: nr_swapcached ${sc}, recomputed ${swapcache[node.nid]}`);
    const am = k.vmstat.nodePage(node.nid, NR_ANON_MAPPED);
    if (am !== anonMapped[node.nid]) out.push(`node ${node.nid}: nr_anon_pages ${am}, recomputed ${anonMapped[node.nid]}`);
    if (opts.quiescent) {
      for (const item of [NR_ISOLATED_ANON, NR_ISOLATED_FILE]) {
        const c = k.vmstat.nodePage(node.nid, item);
        if (c !== 0) out.push(`node ${node.nid}: ${item === NR_ISOLATED_ANON ? "nr_isolated_anon" : "nr_isolated_file"} is ${c} with no mover in flight`);
      }
    }
  }
  checkMemcgCounters(k, memcgCounts, out);
  for (const b of k.backends.all) b.checkInvariants?.(k, opts.quiescent ?? false, out);
  return out;
}

/** Does rmap_walk() of the folio visit (vma, addr)? */
function rmapFinds(k: Kernel, head: number, vma: VmArea, addr: number): boolean {
  let found = false;
  rmapWalk(k, head, (v, _i, a) => {
    found = v === vma && a === addr;
    return !found;
  });
  return found;
}
