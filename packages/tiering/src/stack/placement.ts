/**
 * Placement policies: which folios to promote and which to demote.
 * - `none`: nothing (the kernel's own paths decide).
 * - `hot-cold`: promote the hottest slow-tier folios the model calls hot (hottest first, within
 *   the budget); pair each with the coldest fast-tier folio that is colder than it and not hot.
 * - `nimble-lru` (Nimble's mm_manage): every `periodEpochs`, the LRU lists are the hotness
 *   source: slow-tier folios whose PTEs were referenced since the last pass (folio_referenced
 *   clears the bits) are hot; fast-tier folios from the inactive tail that were not are cold.
 *   Up to `maxPages` pairs, exchanged as two lists.
 * - `oracle`: the pages the whole trace says are the epoch's hottest (see tiering/oracle.ts).
 */
import { folioReferenced } from "@foliox/core";
import { PG_active } from "@foliox/core";
import { forEachLruFolio } from "./folios.js";
import type { HotnessModel, MovePlan, PlacementPolicy, TieringContext } from "./types.js";

export class NoPlacement implements PlacementPolicy {
  readonly name = "none";
  plan(): MovePlan {
    return { promote: [], demote: [] };
  }
}

export interface HotColdOptions {
  /** cap on folios promoted per epoch; default no cap besides the rate limiter */
  maxPages?: number;
}

export class HotColdPlacement implements PlacementPolicy {
  readonly name = "hot-cold";
  readonly maxPages: number;
  constructor(o: HotColdOptions = {}) {
    this.maxPages = o.maxPages ?? Number.MAX_SAFE_INTEGER;
  }
  plan(ctx: TieringContext, hot: HotnessModel, budgetPages: number): MovePlan {
    const k = ctx.k;
    const cand: number[] = [];
    for (const nid of ctx.slowNids) forEachLruFolio(k, nid, (h) => void (hot.isHot(h) && cand.push(h)));
    cand.sort((a, b) => hot.hotness(b) - hot.hotness(a) || a - b);
    const promote: number[] = [];
    let pages = 0;
    const limit = Math.min(budgetPages, this.maxPages);
    for (const h of cand) {
      const nr = k.mem.folioNrPages(h);
      if (pages + nr > limit) break;
      promote.push(h);
      pages += nr;
    }
    if (promote.length === 0) return { promote, demote: [] };
    const cold: number[] = [];
    for (const nid of ctx.fastNids) forEachLruFolio(k, nid, (h) => void (!hot.isHot(h) && cold.push(h)));
    cold.sort((a, b) => hot.hotness(a) - hot.hotness(b) || a - b);
    const demote: number[] = [];
    for (let i = 0; i < promote.length && i < cold.length; i++) {
      if (hot.hotness(cold[i]!) >= hot.hotness(promote[i]!)) break;
      demote.push(cold[i]!);
    }
    return { promote, demote };
  }
}

export interface NimbleOptions {
  /** run every this many epochs (the launcher's SIGALRM period); default 1 */
  periodEpochs?: number;
  /** mm_manage's nr_pages; default 1024 */
  maxPages?: number;
}

export class NimbleLruPlacement implements PlacementPolicy {
  readonly name = "nimble-lru";
  readonly periodEpochs: number;
  readonly maxPages: number;
  constructor(o: NimbleOptions = {}) {
    this.periodEpochs = o.periodEpochs ?? 1;
    this.maxPages = o.maxPages ?? 1024;
  }
  plan(ctx: TieringContext, _hot: HotnessModel, budgetPages: number): MovePlan {
    const k = ctx.k;
    if ((ctx.epoch + 1) % this.periodEpochs !== 0) return { promote: [], demote: [] };
    const limit = Math.min(budgetPages, this.maxPages);
    const promote: number[] = [];
    let pages = 0;
    for (const nid of ctx.slowNids) {
      forEachLruFolio(k, nid, (h) => {
        if (folioReferenced(k, h).referenced > 0 || k.mem.testFlag(h, PG_active)) {
          const nr = k.mem.folioNrPages(h);
          if (pages + nr > limit) return false;
          promote.push(h);
          pages += nr;
        }
      });
    }
    const demote: number[] = [];
    for (const nid of ctx.fastNids) {
      forEachLruFolio(k, nid, (h) => {
        if (demote.length >= promote.length) return false;
        if (k.mem.testFlag(h, PG_active)) return;
        if (folioReferenced(k, h).referenced === 0) demote.push(h);
      });
    }
    return { promote, demote };
  }
}
