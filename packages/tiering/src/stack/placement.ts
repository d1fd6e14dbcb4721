/**
 * Placement policies: which folios to promote and which to demote.
 * - `none`: nothing (the kernel's own paths decide).
 * - `hot-cold`: promote the hottest slow-tier folios the model calls hot (hottest first, within
 *   the budget); pair each with the coldest fast-tier folio of the same order that is colder
 *   than it and not hot (fast-tier folios visited from the LRU tails, inactive lists first).
 *   With `pairOnly` (an exchange mover, which needs a partner for every promotion), only the
 *   promotions that found a partner are planned, so a candidate without one is not a failure
 *   but simply not planned, and the next-hottest candidates of other orders still are.
 * - `nimble-lru`: Nimble's mm_manage() (the ASPLOS '19 kernel's mm/memory_manage.c), run every
 *   `periodMs` of simulated time as the launcher's SIGALRM does (its default period: 1 s):
 *   1. MPOL_MF_SHRINK_LISTS: on the slow node and then the fast node, half of each evictable
 *      LRU list is aged from its tail: on an inactive list a folio whose PTEs were referenced
 *      is activated if it was referenced before (PG_referenced) or through more than one PTE
 *      (else PG_referenced is set), a referenced executable one at once; on an active list
 *      every folio is deactivated except referenced executable file folios. So a folio needs
 *      references in two passes to become active;
 *   2. candidates: folios from the tails of the slow node's *active* lists (ISOLATE_HOT_PAGES),
 *      up to nr_pages — or from all its lists when the fast node has room for nr_pages
 *      (ISOLATE_HOT_AND_COLD_PAGES);
 *   3. when the fast node lacks room for them, cold partners from the tails of the fast
 *      node's *inactive* lists (ISOLATE_COLD_PAGES), as many pages as are missing.
 *   The fast node's free pages above its high watermark stand in for the memcg limit's
 *   headroom (max_nr_base_pages − size); there is one set of lists per node, not per memcg.
 * - `epoch-oracle`: the pages the next epoch touches most (see stack/oracle.ts).
 */
import { folioReferenced } from "@foliox/core";
import { PG_active, PG_lru, PG_referenced } from "@foliox/core";
import { LRU_ACTIVE_ANON, LRU_ACTIVE_FILE, LRU_INACTIVE_ANON, LRU_INACTIVE_FILE } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { forEachLruFolio, roomAboveHigh } from "./folios.js";
import { nthSmallest } from "./select.js";
import type { HotnessModel, MovePlan, PlacementPolicy, TieringContext } from "./types.js";

export class NoPlacement implements PlacementPolicy {
  readonly name = "none";
  plan(): MovePlan {
    return { promote: [], demote: [] };
  }
}

export interface HotColdOptions {
  /** cap on base pages promoted per epoch; default no cap besides the rate limiter */
  maxPages?: number;
  /** plan only promotions that have a partner (for exchange movers); default false */
  pairOnly?: boolean;
}

export class HotColdPlacement implements PlacementPolicy {
  readonly name = "hot-cold";
  readonly maxPages: number;
  readonly pairOnly: boolean;
  constructor(o: HotColdOptions = {}) {
    this.maxPages = o.maxPages ?? Number.MAX_SAFE_INTEGER;
    this.pairOnly = o.pairOnly ?? false;
  }
  plan(ctx: TieringContext, hot: HotnessModel, budgetPages: number): MovePlan {
    const k = ctx.k;
    const cand: number[] = [];
    if (hot.forEachHot) {
      // the model's own list of hot frames: slow-tier folio heads on an LRU
      hot.forEachHot((h) => {
        if (k.mem.testFlag(h, PG_lru) && k.mem.pageFolio(h) === h && !k.tiers.nodeIsToptier(k.folioNid(h))) cand.push(h);
      });
    } else {
      for (const nid of ctx.slowNids) forEachLruFolio(k, nid, (h) => void (hot.isHot(h) && cand.push(h)));
    }
    if (cand.length === 0) return { promote: [], demote: [] };
    hottestFirst(cand, hot);
    // cold partners by order, coldest first (LRU tail order among equals)
    const coldByOrder = new Map<number, number[]>();
    for (const nid of ctx.fastNids) {
      forEachLruFolio(k, nid, (h) => {
        if (hot.isHot(h)) return;
        const o = k.mem.order[h]!;
        let list = coldByOrder.get(o);
        if (!list) coldByOrder.set(o, (list = []));
        list.push(h);
      });
    }
    // a partner is used at most once per planned promotion: only the coldest of each order matter
    const limit = Math.min(budgetPages, this.maxPages);
    const need = Math.min(cand.length, limit);
    for (const [o, list] of coldByOrder) coldByOrder.set(o, coldest(list, hot, need));
    const used = new Map<number, number>();
    // plans are positional (demote[i] is promote[i]'s partner): paired promotions first
    const paired: number[] = [];
    const unpaired: number[] = [];
    const demote: number[] = [];
    let pages = 0;
    for (const h of cand) {
      const nr = k.mem.folioNrPages(h);
      if (pages + nr > limit) break;
      const o = k.mem.order[h]!;
      const list = coldByOrder.get(o);
      const at = used.get(o) ?? 0;
      if (list !== undefined && at < list.length && hot.hotness(list[at]!) < hot.hotness(h)) {
        paired.push(h);
        demote.push(list[at]!);
        used.set(o, at + 1);
      } else if (this.pairOnly) {
        continue;
      } else {
        unpaired.push(h);
      }
      pages += nr;
    }
    return { promote: paired.concat(unpaired), demote };
  }
}

/**
 * Sort folio heads hottest first, the lower pfn first among equals. Each hotness is read once
 * (a comparison sort would read two per comparison, each a load from a per-frame array the
 * size of memory), then the heads are ordered by those values.
 */
function hottestFirst(heads: number[], hot: HotnessModel): void {
  const n = heads.length;
  const heat = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    heat[i] = hot.hotness(heads[i]!);
    order[i] = i;
  }
  order.sort((i, j) => heat[j]! - heat[i]! || heads[i]! - heads[j]!);
  const sorted = Array.from(order, (i) => heads[i]!);
  for (let i = 0; i < n; i++) heads[i] = sorted[i]!;
}

/**
 * The `need` coldest of `heads`, coldest first, ties in their order in `heads` (the LRU walk):
 * the first `need` of a stable sort by hotness, without sorting all of them. The need-th
 * smallest hotness is found by selection (nthSmallest); only the folios at or below it are
 * ordered by comparison (a fast tier has far more folios than one epoch moves).
 */
function coldest(heads: readonly number[], hot: HotnessModel, need: number): number[] {
  const n = heads.length;
  if (need <= 0 || n === 0) return [];
  const heat = new Float64Array(n);
  for (let i = 0; i < n; i++) heat[i] = hot.hotness(heads[i]!);
  const pick: number[] = [];
  if (need < n) {
    const cut = nthSmallest(heat.slice(), need - 1);
    let below = 0;
    for (let i = 0; i < n; i++) if (heat[i]! < cut) below++;
    // every folio colder than the cut, and the first of those at it in walk order
    let ties = need - below;
    for (let i = 0; i < n; i++) {
      const v = heat[i]!;
      if (v < cut) pick.push(i);
      else if (v === cut && ties > 0) {
        pick.push(i);
        ties--;
      }
    }
  } else {
    for (let i = 0; i < n; i++) pick.push(i);
  }
  pick.sort((a, b) => heat[a]! - heat[b]! || a - b);
  const out = new Array<number>(pick.length);
  for (let i = 0; i < pick.length; i++) out[i] = heads[pick[i]!]!;
  return out;
}

export interface NimbleOptions {
  /** the launcher's SIGALRM period (dumpstats_period), ms of simulated time; default 1000 */
  periodMs?: number;
  /** mm_manage's nr_pages (the launcher's --managed_pages); default all */
  maxPages?: number;
  /** MPOL_MF_SHRINK_LISTS (--shrink_page_lists); default true */
  shrinkLists?: boolean;
}

const EVICTABLE = [LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE] as const;
const isActive = (lru: number) => lru === LRU_ACTIVE_ANON || lru === LRU_ACTIVE_FILE;

/** isolate_lru_pages()'s walk: folios from the list's tail until `nrPages` pages or folios. */
function tailFolios(k: Kernel, nid: number, lru: number, nrPages: number): { heads: number[]; pages: number } {
  const mem = k.mem;
  const list = k.lru.lists[nid]![lru]!;
  const heads: number[] = [];
  let pages = 0;
  for (let p = mem.lruPrev[list.head]!; p !== list.head && heads.length < nrPages && pages < nrPages; p = mem.lruPrev[p]!) {
    heads.push(p);
    pages += mem.folioNrPages(p);
  }
  return { heads, pages };
}

/** Move a folio to the head of its (new) list, active or not. */
function relink(k: Kernel, head: number, active: boolean): void {
  const mem = k.mem;
  k.lru.lruvecDelFolio(head);
  mem.clearFlag(head, PG_lru);
  if (active) mem.setFlag(head, PG_active);
  else mem.clearFlag(head, PG_active);
  k.lru.folioAddLru(head);
}

/** Nimble's shrink_lists_node_memcg() for one node: half of each evictable list, from its tail. */
export function nimbleShrinkLists(k: Kernel, nid: number): void {
  const mem = k.mem;
  for (const lru of EVICTABLE) {
    const size = k.lru.lists[nid]![lru]!.count();
    const { heads } = tailFolios(k, nid, lru, Math.floor(size / 2));
    for (const h of heads) {
      if (!mem.testFlag(h, PG_lru)) continue;
      const r = folioReferenced(k, h);
      if (isActive(lru)) {
        // shrink_active_list: deactivate all but referenced executable file folios
        relink(k, h, r.referenced > 0 && r.exec && k.lru.folioIsFileLru(h));
      } else {
        // shrink_inactive_page_list
        const referencedPage = mem.testClearFlag(h, PG_referenced);
        let activate = false;
        if (r.referenced > 0) {
          mem.setFlag(h, PG_referenced);
          activate = referencedPage || r.referenced > 1 || r.exec;
        }
        relink(k, h, activate);
      }
    }
  }
}

export class NimbleLruPlacement implements PlacementPolicy {
  readonly name = "nimble-lru";
  readonly periodMs: number;
  readonly maxPages: number;
  readonly shrinkLists: boolean;
  private lastNs = -Infinity;
  constructor(o: NimbleOptions = {}) {
    this.periodMs = o.periodMs ?? 1000;
    this.maxPages = o.maxPages ?? Number.MAX_SAFE_INTEGER;
    this.shrinkLists = o.shrinkLists ?? true;
  }
  plan(ctx: TieringContext, _hot: HotnessModel, budgetPages: number): MovePlan {
    const k = ctx.k;
    const now = k.clock.nowNs;
    if (now - this.lastNs < this.periodMs * 1e6) return { promote: [], demote: [] };
    this.lastNs = now;
    if (this.shrinkLists) {
      for (const nid of ctx.slowNids) nimbleShrinkLists(k, nid);
      for (const nid of ctx.fastNids) nimbleShrinkLists(k, nid);
    }
    let free = 0;
    let fastPages = 0;
    for (const nid of ctx.fastNids) {
      free += roomAboveHigh(k, nid);
      fastPages += k.topo.nodes[nid]!.nrPages;
    }
    // do not migrate in more pages than the fast node can hold
    const nr = Math.min(this.maxPages, budgetPages, fastPages);
    const hotAndCold = nr < free;
    const promote: number[] = [];
    let taken = 0;
    for (const nid of ctx.slowNids) {
      for (const lru of EVICTABLE) {
        if (!hotAndCold && !isActive(lru)) continue;
        const r = tailFolios(k, nid, lru, nr - taken);
        promote.push(...r.heads);
        taken += r.pages;
        if (taken >= nr) break;
      }
    }
    const demote: number[] = [];
    if (free < taken) {
      let want = taken - free;
      for (const nid of ctx.fastNids) {
        for (const lru of EVICTABLE) {
          if (isActive(lru) || want <= 0) continue;
          const r = tailFolios(k, nid, lru, want);
          demote.push(...r.heads);
          want -= r.pages;
        }
      }
    }
    return { promote, demote };
  }
}
