import "reflect-metadata";
import { describe, expect, it } from "vitest";
import {
  GFP_ATOMIC,
  GFP_HIGHUSER_MOVABLE,
  GFP_TRANSHUGE_LIGHT,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_THISNODE,
} from "../src/mm/gfp.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { MAX_PAGE_ORDER, PGTY_buddy } from "../src/mm/mem-map.js";
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN, WMARK_PROMO } from "../src/mm/page-alloc.js";
import { PG_head, PG_reserved } from "../src/mm/page-flags.js";
import { folioPut } from "../src/mm/swap.js";
import { ZONE_MOVABLE, ZONE_NORMAL } from "../src/mm/topology.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { MiB, freeListShape, freePagesFromLists, makeSystem } from "./helpers.js";

/** alloc_misplaced_dst_folio()'s order-0 mask: THISNODE, NOMEMALLOC, NORETRY, no reclaim. */
const GFP_MISPLACED = (__GFP_THISNODE | GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM;

function zoneOf(k: Kernel, nid: number) {
  return k.topo.nodes[nid]!.zones[0]!;
}

function free(k: Kernel, nid: number): number {
  return k.alloc.nodeFreePages(nid);
}

/** Allocate with gfp from nid until it fails; returns the pfns handed out. */
function allocUntilFail(k: Kernel, gfp: number, nid: number, order = 0): number[] {
  const out: number[] = [];
  for (;;) {
    const pfn = k.alloc.allocPages(gfp, order, nid);
    if (pfn < 0) return out;
    out.push(pfn);
    if (out.length > k.mem.nrPages) throw new Error("allocator handed out more pages than exist");
  }
}

/** int_sqrt() */
function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/**
 * Watermarks recomputed independently: calculate_min_free_kbytes() then
 * __setup_per_zone_wmarks() (docs/kernel-facts.md#watermarks), from the zones' managed pages.
 */
function expectedWmarks(managed: { normal: number[]; movable: number[] }) {
  const lowmem = managed.normal.reduce((a, b) => a + b, 0);
  const minFreeKbytes = Math.min(Math.max(intSqrt(lowmem * 4 * 16), 128), 262144);
  const pagesMin = minFreeKbytes >> 2;
  const one = (m: number, movable: boolean) => {
    const share = Math.floor((pagesMin * m) / lowmem);
    const min = movable ? Math.min(Math.max(Math.floor(m / 1024), 32), 128) : share;
    const gap = Math.max(share >> 2, Math.floor((m * 10) / 10000));
    return [min, min + gap, min + 2 * gap, min + 3 * gap];
  };
  return { minFreeKbytes, normal: managed.normal.map((m) => one(m, false)), movable: managed.movable.map((m) => one(m, true)) };
}

describe("buddy allocator", () => {
  it("boots with the zero page reserved and everything else in maximal aligned blocks", () => {
    const k = makeSystem();
    expect(k.alloc.zeroPfn).toBe(0);
    expect(k.mem.testFlag(0, PG_reserved)).toBe(true);
    expect(k.mem.refcount[0]).toBe(1);
    expect(zoneOf(k, 0).managedPages).toBe(2047);
    expect(zoneOf(k, 1).managedPages).toBe(2048);
    const shape = freeListShape(k);
    const z0 = shape[0]!;
    // pfn 0 is reserved, so node 0 is 1 + 2 + 4 + ... + 512 + 1024
    for (let o = 0; o <= MAX_PAGE_ORDER; o++) expect(z0[o]).toEqual([1 << o]);
    const z1 = shape[1]!;
    expect(z1[MAX_PAGE_ORDER]).toEqual([2048, 3072]);
    for (let o = 0; o < MAX_PAGE_ORDER; o++) expect(z1[o]).toEqual([]);
    expect(freePagesFromLists(k)).toBe(4095);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  });

  it("order 0 and order 9: split on alloc, merge back to the same free-list shape on free", () => {
    const k = makeSystem();
    const before = freeListShape(k);
    const freeBefore = free(k, 0) + free(k, 1);

    const a = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, 0);
    const b = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, 0);
    // the lone order-0 block goes first, then the order-1 block at 2 is split: 2 out, 3 free
    expect([a, b]).toEqual([1, 2]);
    expect(freeListShape(k)[0]![0]).toEqual([3]);
    expect(freeListShape(k)[0]![1]).toEqual([]);

    const h = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 9, 1);
    expect(h).toBeGreaterThanOrEqual(2048);
    expect(h % 512).toBe(0);
    expect(k.mem.testFlag(h, PG_head)).toBe(true);
    expect(k.mem.refcount[h]).toBe(1);
    for (let i = 0; i < 512; i++) expect(k.mem.order[h + i]).toBe(9);
    for (let i = 0; i < 512; i++) expect(k.mem.pageFolio(h + i)).toBe(h);
    // an order-10 block was split: its other half is now a free order-9 buddy
    const mid = freeListShape(k);
    expect(mid[1]![9]).toEqual([h ^ 512]);
    expect(mid[1]![10]!.length).toBe(1);
    expect(free(k, 0) + free(k, 1)).toBe(freeBefore - 2 - 512);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);

    // free in a different order than allocated
    folioPut(k, a);
    folioPut(k, h);
    folioPut(k, b);
    expect(freeListShape(k)).toEqual(before);
    expect(free(k, 0) + free(k, 1)).toBe(freeBefore);
    expect(k.mem.pageType[2048]).toBe(PGTY_buddy);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  });

  it("many mixed allocations freed in reverse order restore the boot shape", () => {
    const k = makeSystem();
    const before = freeListShape(k);
    const got: number[] = [];
    for (let i = 0; i < 200; i++) {
      const order = [0, 1, 3, 0, 2, 9][i % 6]!;
      const pfn = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, order, i % 2);
      if (pfn >= 0) {
        expect(pfn % (1 << order)).toBe(0);
        got.push(pfn);
      }
    }
    expect(got.length).toBeGreaterThan(50);
    expect(new Set(got).size).toBe(got.length);
    expect(checkInvariants(k)).toEqual([]);
    for (const pfn of got.reverse()) folioPut(k, pfn);
    expect(freeListShape(k)).toEqual(before);
  });

  it("rejects orders above MAX_PAGE_ORDER", () => {
    const k = makeSystem();
    expect(() => k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, MAX_PAGE_ORDER + 1, 0)).toThrow(RangeError);
  });

  it("a fragmented node fails an order-9 request that an order-0 request still gets", () => {
    const k = makeSystem();
    const pages = allocUntilFail(k, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 1);
    // free every other page: half the node is free, but no two free pages are buddies
    for (let i = 0; i < pages.length; i++) if (pages[i]! % 2 === 0) folioPut(k, pages[i]!);
    expect(free(k, 1)).toBeGreaterThan(900);
    expect(k.alloc.allocPages(GFP_TRANSHUGE_LIGHT | __GFP_THISNODE, 9, 1)).toBe(-1);
    expect(k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0, 1)).toBeGreaterThanOrEqual(2048);
  });
});

describe("watermarks (calculate_min_free_kbytes + __setup_per_zone_wmarks)", () => {
  it("small nodes: the gap is min/4 (tmp >> 2 dominates the scale factor)", () => {
    const k = makeSystem({ memory: [8 * MiB, 8 * MiB] });
    const normal = zoneOf(k, 0);
    const movable = zoneOf(k, 1);
    expect(normal.type).toBe(ZONE_NORMAL);
    expect(movable.type).toBe(ZONE_MOVABLE);
    const want = expectedWmarks({ normal: [normal.managedPages], movable: [movable.managedPages] });
    expect(k.alloc.minFreeKbytes).toBe(want.minFreeKbytes);
    expect(Array.from(normal.watermark)).toEqual(want.normal[0]);
    expect(Array.from(movable.watermark)).toEqual(want.movable[0]);
    // the same numbers worked by hand: lowmem 2047 pages = 8188 kB, int_sqrt(131008) = 361 kB
    expect(k.alloc.minFreeKbytes).toBe(361);
    expect(Array.from(normal.watermark)).toEqual([90, 112, 134, 156]);
    // ZONE_MOVABLE: min = clamp(2048/1024, 32, 128) = 32; the gap still follows the share (90 >> 2)
    expect(Array.from(movable.watermark)).toEqual([32, 54, 76, 98]);
  });

  it("large nodes: the gap is managed * watermark_scale_factor / 10000 and movable min caps at 128", () => {
    const k = makeSystem({ memory: [1024 * MiB, 1024 * MiB] });
    const normal = zoneOf(k, 0);
    const movable = zoneOf(k, 1);
    const want = expectedWmarks({ normal: [normal.managedPages], movable: [movable.managedPages] });
    expect(k.alloc.minFreeKbytes).toBe(want.minFreeKbytes);
    expect(Array.from(normal.watermark)).toEqual(want.normal[0]);
    expect(Array.from(movable.watermark)).toEqual(want.movable[0]);
    expect(k.alloc.minFreeKbytes).toBe(4095);
    expect(Array.from(normal.watermark)).toEqual([1023, 1285, 1547, 1809]);
    expect(Array.from(movable.watermark)).toEqual([128, 390, 652, 914]);
    const gap = (w: Int32Array) => [w[WMARK_LOW]! - w[WMARK_MIN]!, w[WMARK_HIGH]! - w[WMARK_LOW]!, w[WMARK_PROMO]! - w[WMARK_HIGH]!];
    expect(gap(normal.watermark)).toEqual([262, 262, 262]);
    expect(gap(movable.watermark)).toEqual([262, 262, 262]);
  });
});

describe("allocation under pressure", () => {
  it("THISNODE fills a node down to its min watermark, then fails honestly", () => {
    const k = makeSystem();
    const z = zoneOf(k, 0);
    const free1 = free(k, 1);
    const pages = allocUntilFail(k, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0);
    expect(pages.length).toBe(2047 - z.watermark[WMARK_MIN]!);
    // never fell back to node 1
    for (const pfn of pages) expect(k.topo.pfnToNid(pfn)).toBe(0);
    expect(free(k, 1)).toBe(free1);
    // the zero page was never handed out
    expect(pages.includes(0)).toBe(false);
    expect(new Set(pages).size).toBe(pages.length);
    // order-0 requests stop exactly when free <= min
    expect(free(k, 0)).toBe(z.watermark[WMARK_MIN]);
    expect(checkInvariants(k)).toEqual([]);
  });

  it("reserves: GFP_ATOMIC digs deeper than __GFP_HIGH|NOMEMALLOC, which digs deeper than a NOMEMALLOC request", () => {
    const k = makeSystem();
    const min = zoneOf(k, 0).watermark[WMARK_MIN]!;
    allocUntilFail(k, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0);
    expect(free(k, 0)).toBe(min);

    // the promotion mask (NOMEMALLOC, no reclaim) gets nothing below min
    expect(k.alloc.allocPages(GFP_MISPLACED, 0, 0)).toBe(-1);
    expect(free(k, 0)).toBe(min);

    // __GFP_HIGH without NON_BLOCK (NOMEMALLOC): min - min/2
    const halfMin = min - Math.floor(min / 2);
    const high = allocUntilFail(k, GFP_ATOMIC | __GFP_NOMEMALLOC | __GFP_THISNODE, 0);
    expect(high.length).toBe(min - halfMin);
    expect(free(k, 0)).toBe(halfMin);

    // GFP_ATOMIC: __GFP_HIGH and non-blocking: a further quarter off
    const atomicMin = halfMin - Math.floor(halfMin / 4);
    const atomic = allocUntilFail(k, GFP_ATOMIC | __GFP_THISNODE, 0);
    expect(atomic.length).toBe(halfMin - atomicMin);
    expect(free(k, 0)).toBe(atomicMin);
    expect(atomicMin).toBeLessThan(halfMin);
    expect(k.alloc.allocPages(GFP_ATOMIC | __GFP_THISNODE, 0, 0)).toBe(-1);
    expect(checkInvariants(k)).toEqual([]);
  });

  it("plain GFP_HIGHUSER_MOVABLE falls back to the next node at the low watermark; THISNODE does not", () => {
    const k = makeSystem();
    const z = zoneOf(k, 0);
    let fellBackAt = -1;
    for (let i = 0; i < 4096; i++) {
      const pfn = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      if (k.topo.pfnToNid(pfn) === 1) {
        fellBackAt = i;
        break;
      }
    }
    expect(fellBackAt).toBe(2047 - z.watermark[WMARK_LOW]!);
    // the fast path (low watermark) found node 1: node 0 was left at its low watermark
    expect(free(k, 0)).toBe(z.watermark[WMARK_LOW]);
    expect(k.alloc.kswapdWakeups[0]).toBe(0);
    // THISNODE still gets node 0 pages (slow path, min watermark), never node 1
    const rest = allocUntilFail(k, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0);
    expect(rest.length).toBe(z.watermark[WMARK_LOW]! - z.watermark[WMARK_MIN]!);
    for (const pfn of rest) expect(k.topo.pfnToNid(pfn)).toBe(0);
  });

  it("nrAllocCalls counts failures; the slow path wakes kswapd (traced), a no-reclaim mask does not", () => {
    const k = makeSystem();
    const wakeups: { nid: number; order: number }[] = [];
    const fails: { nid: number; order: number }[] = [];
    k.trace.on("mm_vmscan_wakeup_kswapd", (e) => wakeups.push({ nid: e.nid, order: e.order }));
    k.trace.on("mm_page_alloc_fail", (e) => fails.push({ nid: e.nid, order: e.order }));

    const calls0 = k.alloc.nrAllocCalls;
    const pages = allocUntilFail(k, GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0);
    // every success plus the one failure
    expect(k.alloc.nrAllocCalls - calls0).toBe(pages.length + 1);
    const low = zoneOf(k, 0).watermark[WMARK_LOW]!;
    const min = zoneOf(k, 0).watermark[WMARK_MIN]!;
    // the fast path served until free reached low; each later call entered the slow path
    expect(k.alloc.kswapdWakeups[0]).toBe(low - min + 1);
    expect(k.alloc.kswapdWakeups[1]).toBe(0);
    expect(wakeups.length).toBe(low - min + 1);
    expect(wakeups.every((w) => w.nid === 0 && w.order === 0)).toBe(true);
    expect(fails).toEqual([{ nid: 0, order: 0 }]);

    const calls1 = k.alloc.nrAllocCalls;
    const w0 = k.alloc.kswapdWakeups[0]!;
    expect(k.alloc.allocPages(GFP_MISPLACED, 0, 0)).toBe(-1);
    expect(k.alloc.nrAllocCalls).toBe(calls1 + 1);
    // no __GFP_KSWAPD_RECLAIM: no wake-up; __GFP_NOWARN: no failure trace
    expect(k.alloc.kswapdWakeups[0]).toBe(w0);
    expect(fails.length).toBe(1);
  });
});
