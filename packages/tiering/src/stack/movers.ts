/**
 * Movers: how a plan is carried out.
 * - `migrate`: first demote enough cold fast-tier folios to make room above the high
 *   watermark (migrate_pages(MIGRATE_ASYNC, MR_DEMOTION) with alloc_demote_folio), then
 *   promote with migrate_pages(MIGRATE_ASYNC, MR_NUMA_MISPLACED) and alloc_misplaced_dst_folio
 *   (THISNODE, no reclaim): under pressure it fails for want of a free page, as Linux does.
 *   Counts pgpromote_success for each promoted page (as migrate_misplaced_folio does).
 * - `exchange`: folio_exchange_batch() of (hot slow, cold fast) pairs of the same order, in
 *   batches of `batch` pairs (MIGRATE_ASYNC): no allocation at all. Unpaired promotions are
 *   left alone (failure "exchange:no-partner").
 * - `exchange-fallback`: exchange, then migrate whatever could not be exchanged.
 * - `mm-manage`: what Nimble's mm_manage() does with MPOL_MF_EXCHANGE (mm/memory_manage.c):
 *   only THP pairs (order 9 on both sides) are exchanged, in batches of `batch` (its
 *   migration_batch_size, 16); base pages are migrated — the cold fast-tier ones down first,
 *   then the hot slow-tier ones up ("base pages can include file-backed ones, we do not handle
 *   them at the moment", says its source).
 * With `free` (the epoch-oracle), moves are recorded but cost no simulated time.
 * Failures are recorded by path and reason, per folio (per pair for exchange):
 * "demote:-ENOMEM", "promote:-EAGAIN", "exchange:-EBUSY", "exchange:no-partner", ...
 */
import { errnoName } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { folioExchangeBatch } from "@foliox/core";
import { MIGRATE_ASYNC, MR_DEMOTION, MR_NUMA_MISPLACED } from "@foliox/core";
import { migratePages } from "@foliox/core";
import { allocMisplacedDstFolio } from "@foliox/core";
import { putbackMovablePages } from "@foliox/core";
import { GFP_HIGHUSER_MOVABLE, GFP_NOWAIT, __GFP_NOMEMALLOC, __GFP_NOWARN, __GFP_RECLAIM } from "@foliox/core";
import { allocDemoteFolio, recordPair, reportMoves } from "@foliox/core";
import { NR_ISOLATED_ANON, PGPROMOTE_SUCCESS } from "@foliox/core";
import { roomAboveHigh } from "./folios.js";
import type { MovePlan, Mover, TieringContext } from "./types.js";

export interface MoverOptions {
  /** the oracle's moves cost nothing */
  free?: boolean;
  /** pairs per folio_exchange_batch; default 32 */
  batch?: number;
}

type Obs = { src: number[]; dst: number[]; mapping?: number[]; index?: number[] };

/** Isolate folios onto a new list, counting NR_ISOLATED_*; returns the list and base pages. */
function isolate(k: Kernel, heads: readonly number[]) {
  const list = k.lists.alloc();
  let pages = 0;
  for (const h of heads) {
    if (!k.lru.folioIsolateLru(h)) continue;
    list.addTail(h);
    const nr = k.mem.folioNrPages(h);
    k.vmstat.modNode(k.folioNid(h), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(h) ? 1 : 0), nr);
    pages += nr;
  }
  return { list, pages };
}

/** Migrate-based promotion of `promote` (demoting from `demote` first to make room). */
export function migrateMove(ctx: TieringContext, plan: MovePlan, free: boolean): number {
  const k = ctx.k;
  const fast = ctx.fastNids[0]!;
  let want = 0;
  for (const h of plan.promote) want += k.mem.folioNrPages(h);
  const room = roomAboveHigh(k, fast);
  // demotion to make room
  if (want > room && plan.demote.length > 0 && ctx.slowNids.length > 0) {
    const need = want - room;
    const victims: number[] = [];
    let pages = 0;
    for (const h of plan.demote) {
      if (pages >= need) break;
      victims.push(h);
      pages += k.mem.folioNrPages(h);
    }
    const { list } = isolate(k, victims);
    const target = k.tiers.nextDemotionNode(fast, (n) => ctx.rng.below(n));
    const obs: Obs = { src: [], dst: [] };
    const mtc = {
      nid: target < 0 ? ctx.slowNids[0]! : target,
      nmask: k.tiers.lowerTierMask(fast),
      gfpMask: (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) | __GFP_NOWARN | __GFP_NOMEMALLOC | GFP_NOWAIT,
      observed: obs,
    };
    const drc = migratePages(k, list, allocDemoteFolio, null, mtc, MIGRATE_ASYNC, MR_DEMOTION, { value: 0 });
    // MR_DEMOTION leaves NR_ISOLATED_* to the caller (as shrink_folio_list's caller does)
    reportMoves(k, obs, (src, dst, nr) => {
      k.vmstat.modNode(k.folioNid(src), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(dst) ? 1 : 0), -nr);
      ctx.moved(src, dst, nr, true, free);
    });
    const left = list.count();
    if (left) ctx.fail(`demote:${drc < 0 ? errnoName(drc) : "-EAGAIN"}`, left);
    putbackMovablePages(k, list);
    list.release();
  }
  // promotion
  const { list } = isolate(k, plan.promote);
  const obs: Obs = { src: [], dst: [] };
  const alloc = (kk: Kernel, src: number, priv: unknown) => {
    const dst = allocMisplacedDstFolio(kk, src, priv);
    if (dst >= 0) recordPair(kk, obs, src, dst);
    return dst;
  };
  const succeeded = { value: 0 };
  const rc = migratePages(k, list, alloc, null, fast, MIGRATE_ASYNC, MR_NUMA_MISPLACED, succeeded);
  let promoted = 0;
  reportMoves(k, obs, (src, dst, nr) => {
    k.vmstat.modNode(fast, PGPROMOTE_SUCCESS, nr);
    promoted += nr;
    ctx.moved(src, dst, nr, true, free);
  });
  const left = list.count();
  if (left) ctx.fail(`promote:${rc < 0 ? errnoName(rc) : obs.src.length < plan.promote.length ? "-ENOMEM" : "-EAGAIN"}`, left);
  putbackMovablePages(k, list);
  list.release();
  return promoted;
}

/** Exchange pairs (promote[i], demote[i]); returns the indexes of promote[] not exchanged. */
export function exchangeMove(ctx: TieringContext, plan: MovePlan, free: boolean, batch: number): { promoted: number; left: number[] } {
  const k = ctx.k;
  const left: number[] = [];
  const pairs: [number, number][] = [];
  for (let i = 0; i < plan.promote.length; i++) {
    const hot = plan.promote[i]!;
    const cold = plan.demote[i];
    if (cold === undefined || k.mem.order[hot] !== k.mem.order[cold]) {
      left.push(i);
      continue;
    }
    pairs.push([hot, cold]);
  }
  let promoted = 0;
  for (let s = 0; s < pairs.length; s += batch) {
    const chunk = pairs.slice(s, s + batch);
    const rcs = folioExchangeBatch(k, chunk, MIGRATE_ASYNC);
    rcs.forEach((rc, j) => {
      const [hot, cold] = chunk[j]!;
      if (rc === 0) {
        const nr = k.mem.folioNrPages(hot);
        promoted += nr;
        ctx.exchanged(hot, cold, nr, chunk.length > 1, free);
      } else {
        ctx.fail(`exchange:${errnoName(rc)}`);
        left.push(plan.promote.indexOf(hot));
      }
    });
  }
  return { promoted, left };
}

export class MigrateMover implements Mover {
  readonly name = "migrate";
  readonly free: boolean;
  constructor(o: MoverOptions = {}) {
    this.free = o.free ?? false;
  }
  run(ctx: TieringContext, plan: MovePlan): number {
    if (plan.promote.length === 0) return 0;
    return migrateMove(ctx, plan, this.free);
  }
}

export class ExchangeMover implements Mover {
  readonly name: string = "exchange";
  readonly free: boolean;
  readonly batch: number;
  constructor(o: MoverOptions = {}) {
    this.free = o.free ?? false;
    this.batch = o.batch ?? 32;
  }
  run(ctx: TieringContext, plan: MovePlan): number {
    if (plan.promote.length === 0) return 0;
    const r = exchangeMove(ctx, plan, this.free, this.batch);
    const unpaired = r.left.filter((i) => plan.demote[i] === undefined).length;
    if (unpaired) ctx.fail("exchange:no-partner", unpaired);
    return r.promoted;
  }
}

/** The THP order mm_manage() exchanges (HPAGE_PMD_ORDER). */
const HPAGE_PMD_ORDER = 9;

export class MmManageMover implements Mover {
  readonly name = "mm-manage";
  readonly free: boolean;
  readonly batch: number;
  constructor(o: MoverOptions = {}) {
    this.free = o.free ?? false;
    this.batch = o.batch ?? 16;
  }
  run(ctx: TieringContext, plan: MovePlan): number {
    if (plan.promote.length === 0) return 0;
    const k = ctx.k;
    const huge = (h: number) => k.mem.order[h]! >= HPAGE_PMD_ORDER;
    const hugeFrom = plan.promote.filter(huge);
    const hugeTo = plan.demote.filter(huge);
    const n = Math.min(hugeFrom.length, hugeTo.length);
    let promoted = 0;
    let leftFrom: number[] = hugeFrom.slice(n);
    const leftTo: number[] = hugeTo.slice(n);
    if (n > 0) {
      const r = exchangeMove(ctx, { promote: hugeFrom.slice(0, n), demote: hugeTo.slice(0, n) }, this.free, this.batch);
      promoted += r.promoted;
      leftFrom = leftFrom.concat(r.left.map((i) => hugeFrom[i]!));
    }
    const alive = (h: number) => k.mem.refcount[h]! > 0;
    const rest: MovePlan = {
      promote: plan.promote
        .filter((h) => !huge(h))
        .concat(leftFrom)
        .filter((h) => alive(h) && !k.tiers.nodeIsToptier(k.folioNid(h))),
      demote: plan.demote
        .filter((h) => !huge(h))
        .concat(leftTo)
        .filter((h) => alive(h) && k.tiers.nodeIsToptier(k.folioNid(h))),
    };
    if (rest.promote.length > 0) promoted += migrateMove(ctx, rest, this.free);
    return promoted;
  }
}

export class ExchangeFallbackMover extends ExchangeMover {
  override readonly name = "exchange-fallback";
  override run(ctx: TieringContext, plan: MovePlan): number {
    if (plan.promote.length === 0) return 0;
    const r = exchangeMove(ctx, plan, this.free, this.batch);
    if (r.left.length === 0) return r.promoted;
    const k = ctx.k;
    const rest = r.left.map((i) => plan.promote[i]!).filter((h) => k.mem.refcount[h]! > 0 && !k.tiers.nodeIsToptier(k.folioNid(h)));
    const usedCold = new Set(plan.demote.slice(0, plan.promote.length).filter((_, i) => !r.left.includes(i)));
    const demote = plan.demote.filter((h) => !usedCold.has(h) && k.mem.refcount[h]! > 0 && k.tiers.nodeIsToptier(k.folioNid(h)));
    return r.promoted + migrateMove(ctx, { promote: rest, demote }, this.free);
  }
}
