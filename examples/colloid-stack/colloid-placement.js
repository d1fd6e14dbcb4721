// The "colloid" placement policy: balance the loaded access latency of the tiers, in the spirit
// of Colloid (Vuppalapati and Agarwal, "Tiered Memory Management: Access Latency is the Key!",
// SOSP '24). docs/composing-a-stack.md walks through it.
//
// The observation: under load the fast tier's latency rises (queueing), and can rise above the
// slow tier's; "pack the hottest pages into the fast tier" then makes things worse. Colloid's
// principle is to place pages so that the two tiers' average loaded latencies are equal:
// promote hot pages while the fast tier is the quicker one, demote hot pages while it is the
// slower one, and leave them alone when the two are within a few percent.
//
// What it does each epoch, as Colloid's kernel module does each sampling interval:
// 1. Per-tier occupancy and arrivals, smoothed with an EWMA: Colloid reads the CHA's
//    request-table occupancy and inserts (hardware counters); foliox's engine hands the same
//    two numbers to every part as ctx.memory (the latency it charged each node's accesses, and
//    their number). Latency = occupancy ÷ arrivals (Little's law); a tier that served nothing
//    counts at its idle latency (the topology's).
// 2. If the latencies are within `delta` (5%) of each other, nothing moves.
// 3. Otherwise the share p of accesses the fast tier serves is searched for by bisection between
//    p_lo and p_hi: while the fast tier is quicker p_lo = p (more traffic may go there), while it
//    is slower p_hi = p; a window narrower than `epsilon` (1%) is reopened on the side the
//    search is moving to (the workload may have changed). The target is the middle of the
//    window, and Δp = |target − p| is the share of traffic to shift this epoch.
// 4. Pages are picked so that their share of the accesses (hotness ÷ the hotness of every
//    folio on an LRU list) adds up to at most Δp, hottest first, skipping a page whose share
//    alone would overshoot: hot slow-tier pages to promote, or, when the fast tier is the slower
//    one, hot fast-tier pages to demote. Each is paired with the coldest partner of the same
//    order on the other tier, so an exchanging mover swaps them (a cold page takes the hot one's
//    place) and the migrate mover demotes the partner to make room.
//
// Left out: Colloid's per-page access probability from its own sampling (the stack's hotness
// model stands in), the migration quantum's time limit (the rate limiter is the budget), and the
// hardware counters themselves (the engine knows the latency it charged).

/** @typedef {import("@foliox/tiering/plugin").PlacementPolicy} PlacementPolicy */
/** @typedef {import("@foliox/tiering/plugin").TieringContext} TieringContext */
/** @typedef {import("@foliox/tiering/plugin").HotnessModel} HotnessModel */
/** @typedef {import("@foliox/tiering/plugin").MovePlan} MovePlan */

import { forEachLruFolio } from "@foliox/tiering/plugin";

/**
 * @typedef {object} ColloidOptions
 * @property {number} [delta] latencies within this share of each other count as balanced; default 0.05
 * @property {number} [epsilon] the narrowest search window before it is reopened; default 0.01
 * @property {number} [ewmaShift] EWMA weight 2^-shift for the newest epoch; default 1 (a half)
 * @property {number} [maxPages] cap on base pages moved per epoch, besides the rate limiter
 */

function option(o, key, fallback, ok) {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !ok(v)) throw new RangeError(`colloid: option ${key} is ${JSON.stringify(v)}; give a number in range (see ColloidOptions)`);
  return v;
}

/** @implements {PlacementPolicy} */
export class ColloidPlacement {
  /** @param {ColloidOptions} [o] */
  constructor(o = {}) {
    this.name = "colloid";
    this.delta = option(o, "delta", 0.05, (v) => v >= 0 && v < 1);
    this.epsilon = option(o, "epsilon", 0.01, (v) => v > 0 && v < 1);
    this.ewmaShift = option(o, "ewmaShift", 1, (v) => Number.isInteger(v) && v >= 0 && v <= 8);
    this.maxPages = option(o, "maxPages", Number.MAX_SAFE_INTEGER, (v) => v >= 1);
    // smoothed occupancy (ns) and arrivals per tier: [fast, slow]
    this.occ = [0, 0];
    this.ins = [0, 0];
    this.started = false;
    // the bisection window for the fast tier's share of accesses
    this.pLo = 0;
    this.pHi = 1;
    /** what the last epoch decided, for tests and reports */
    this.last = { fastLatencyNs: 0, slowLatencyNs: 0, p: 0, deltaP: 0, direction: "none" };
  }

  /** Smooth this epoch's counters into occ/ins (Colloid's EWMA). */
  observe(ctx) {
    const sum = (nids, counter) => nids.reduce((a, n) => a + counter[n], 0);
    const { latencyNs, accesses } = ctx.memory;
    const w = 2 ** this.ewmaShift;
    const mix = (old, v) => (this.started ? (v + (w - 1) * old) / w : v);
    this.occ = [mix(this.occ[0], sum(ctx.fastNids, latencyNs)), mix(this.occ[1], sum(ctx.slowNids, latencyNs))];
    this.ins = [mix(this.ins[0], sum(ctx.fastNids, accesses)), mix(this.ins[1], sum(ctx.slowNids, accesses))];
    this.started = true;
  }

  /** The tier's loaded latency (occupancy ÷ arrivals), or its idle latency if it served nothing. */
  latency(ctx, tier) {
    if (this.ins[tier] > 0) return this.occ[tier] / this.ins[tier];
    const nid = (tier === 0 ? ctx.fastNids : ctx.slowNids)[0];
    return ctx.k.topo.nodes[nid].spec.perf.readLatencyNs;
  }

  /** Δp and its direction ("promote": the fast tier is quicker), by Colloid's bisection. */
  deltaP(ctx) {
    const lf = this.latency(ctx, 0);
    const ls = this.latency(ctx, 1);
    const total = this.ins[0] + this.ins[1];
    const p = total > 0 ? this.ins[0] / total : 0;
    this.last = { fastLatencyNs: lf, slowLatencyNs: ls, p, deltaP: 0, direction: "none" };
    if (total === 0 || Math.abs(lf - ls) <= this.delta * lf) return 0;
    const fastSlower = lf > ls;
    if (!fastSlower) {
      this.pLo = p;
      if (this.pHi <= this.pLo) this.pHi = 1;
    } else {
      this.pHi = p;
      if (this.pLo >= this.pHi) this.pLo = 0;
    }
    if (this.pHi - this.pLo < this.epsilon) {
      if (!fastSlower) this.pHi = 1;
      else this.pLo = 0;
    }
    const d = Math.abs((this.pLo + this.pHi) / 2 - p);
    this.last.deltaP = d;
    this.last.direction = fastSlower ? "demote" : "promote";
    return d;
  }

  /**
   * @param {TieringContext} ctx
   * @param {HotnessModel} hot
   * @param {number} budgetPages
   * @returns {MovePlan}
   */
  plan(ctx, hot, budgetPages) {
    const none = { promote: [], demote: [] };
    if (ctx.fastNids.length === 0 || ctx.slowNids.length === 0) return none;
    this.observe(ctx);
    const dp = this.deltaP(ctx);
    if (dp === 0) return none;
    const k = ctx.k;
    const fast = [];
    const slow = [];
    for (const n of ctx.fastNids) forEachLruFolio(k, n, (h) => void fast.push(h));
    for (const n of ctx.slowNids) forEachLruFolio(k, n, (h) => void slow.push(h));
    let total = 0;
    for (const h of fast) total += hot.hotness(h);
    for (const h of slow) total += hot.hotness(h);
    if (total <= 0) return none;
    const promoting = this.last.direction === "promote";
    // movers: hot pages on the side traffic leaves; partners: the coldest on the other side
    const from = promoting ? slow : fast;
    const to = promoting ? fast : slow;
    const hotFirst = from.filter((h) => hot.isHot(h)).sort((a, b) => hot.hotness(b) - hot.hotness(a) || a - b);
    // partners by folio order, coldest first, each taken once (a cursor per order)
    const cold = new Map();
    for (const h of to.filter((c) => !hot.isHot(c)).sort((a, b) => hot.hotness(a) - hot.hotness(b) || a - b)) {
      const o = k.mem.order[h];
      if (!cold.has(o)) cold.set(o, { list: [], next: 0 });
      cold.get(o).list.push(h);
    }
    const partnerOf = (h) => {
      const q = cold.get(k.mem.order[h]);
      const c = q?.list[q.next];
      if (c === undefined || hot.hotness(c) >= hot.hotness(h)) return undefined;
      q.next++;
      return c;
    };
    const limit = Math.min(budgetPages, this.maxPages);
    // pairs[i] = [hot page, its partner]; a promotion without a partner goes last, unpaired
    const paired = [];
    const partners = [];
    const unpaired = [];
    let left = dp;
    let pages = 0;
    for (const h of hotFirst) {
      if (left <= 0) break;
      const share = hot.hotness(h) / total;
      const nr = k.mem.folioNrPages(h);
      if (share > left || pages + nr > limit) continue;
      const partner = partnerOf(h);
      if (partner === undefined) {
        if (!promoting) continue; // a demotion needs a page to trade places with
        unpaired.push(h);
      } else {
        paired.push(h);
        partners.push(partner);
      }
      left -= share;
      pages += nr;
    }
    // promote[i] pairs with demote[i] (MovePlan): the unpaired promotions come after the pairs
    if (promoting) return { promote: [...paired, ...unpaired], demote: partners };
    // demotion: the cold slow pages go up in exchange for the hot fast ones
    return { promote: partners, demote: paired };
  }
}
