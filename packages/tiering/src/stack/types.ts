/**
 * The parts a tiering stack is composed of, and what the engine hands them each epoch.
 *
 *   sampler → hotness model → placement policy → rate limiter → mover
 *
 * plus the kernel actors the stack configures: NUMA balancing (task_numa_work + hint faults,
 * core's numa/numa-balancing.ts) and kswapd demotion (core's reclaim/vmscan.ts). Parts are plain objects built
 * once per run; their hot paths allocate nothing.
 */
import type { Kernel } from "@foliox/core";
import type { Prng } from "@foliox/core";
import type { Costs } from "../sim/costs.js";
import type { SimMetrics } from "../sim/metrics.js";

/** What the engine hands the parts. */
export interface TieringContext {
  k: Kernel;
  /** the run's own PRNG (seeded from the run seed) */
  rng: Prng;
  metrics: SimMetrics;
  /** top-tier nodes and the others */
  fastNids: readonly number[];
  slowNids: readonly number[];
  /** epochs closed so far */
  epoch: number;
  /** simulated length of the epoch that just ended, ns */
  epochNs: number;
  /** the run's cost table (sim/costs.ts) */
  costs: Costs;
  /** the data of folio src is now in dst (a migration done by a part); charges its cost unless free */
  moved(src: number, dst: number, nrPages: number, batched: boolean, free?: boolean): void;
  /** folios a and b exchanged their data; charges its cost unless free */
  exchanged(a: number, b: number, nrPages: number, batched: boolean, free?: boolean): void;
  /** a failed move attempt, by reason (errno name or a policy's word) */
  fail(reason: string, n?: number): void;
  /** CPU time of a kernel thread (a sampler's scans, say): reported apart, not on the application's clock */
  background(actor: string, ns: number): void;
  /** what each node served in the epoch that just ended (the memory controller's counters) */
  memory: MemoryCounters;
  /** the coming epoch's hot set, for the epoch-oracle only */
  oracle?: OracleKnowledge;
  /** the trace pid of each mm, and the mm of each trace pid (for the oracle's page keys) */
  pidOfMm?: Map<number, number>;
  mmOfPid?: Map<number, import("@foliox/core").MmStruct>;
}

/**
 * Per-node memory counters of the epoch that just ended, indexed by nid: what a policy reads
 * where the hardware has uncore counters (Colloid reads the CHA's request-table occupancy and
 * inserts). `latencyNs[n] / accesses[n]` is node n's mean loaded latency (Little's law:
 * occupancy ÷ arrivals), as the engine charged it, the load factor included. Both are 0 on a
 * node that served nothing; the parts must not write them.
 */
export interface MemoryCounters {
  /** accesses (weights counted) served by each node */
  readonly accesses: Float64Array;
  /** the latency charged for them, summed, ns */
  readonly latencyNs: Float64Array;
}

/** Pages as keys, key = process index * 2^36 + vpn, in the two orders the oracle reads them. */
export interface HotKeys {
  /** the keys, hottest first (most accesses; ties: the smaller key first) */
  readonly hotKeys: Float64Array;
  /** the same keys, ascending */
  readonly hotSorted: Float64Array;
  /** hotKeys[i] === hotSorted[hotOrder[i]] */
  readonly hotOrder: Int32Array;
}

/**
 * The epoch-oracle's view of the future: the pages the coming epoch touches most, at most the
 * fast tier's capacity. A key's process index is its position in `pids` (an index, not the
 * pid itself, keeps every key below 2^53 whatever the pids).
 */
export interface OracleKnowledge extends HotKeys {
  readonly pids: readonly number[];
}

export interface Sampler {
  readonly name: string;
  /** memory accesses (weights counted) between two samples; 0 = none (the sampler works per epoch or per fault) */
  readonly period: number;
  setup(ctx: TieringContext, hot: HotnessModel): void;
  /** `samples` samples (>= 1) fell on page `pfn` (one entry may stand for several); must not allocate */
  sample(pfn: number, write: boolean, samples: number): void;
  /** at each epoch end, before the hotness model ages */
  epoch(ctx: TieringContext): void;
}

export interface HotnessModel {
  readonly name: string;
  setup(ctx: TieringContext): void;
  /** `weight` accesses seen on the folio whose head is `head` */
  record(head: number, weight: number): void;
  /** at each epoch end, after the sampler (decay, threshold update) */
  epoch(ctx: TieringContext): void;
  /** current hotness of the folio at head */
  hotness(head: number): number;
  /** is the folio hot enough to deserve the fast tier? */
  isHot(head: number): boolean;
  /**
   * Optional: visit the frames the model holds a counter for that it calls hot (any order), so
   * a placement policy need not walk every LRU folio to find them.
   */
  forEachHot?(visit: (frame: number) => void): void;
  /** data moved src → dst: carry its history */
  onMove(src: number, dst: number, nrPages: number): void;
  /** data of a and b swapped */
  onExchange(a: number, b: number, nrPages: number): void;
}

/** A plan: slow-tier folios to promote, fast-tier folios to demote (pairs for exchange). */
export interface MovePlan {
  promote: number[];
  demote: number[];
}

export interface PlacementPolicy {
  readonly name: string;
  /** what to move this epoch, within budgetPages base pages of promotion */
  plan(ctx: TieringContext, hot: HotnessModel, budgetPages: number): MovePlan;
}

export interface Mover {
  readonly name: string;
  /** carry out the plan; returns base pages promoted */
  run(ctx: TieringContext, plan: MovePlan): number;
}

export interface RateLimiter {
  readonly name: string;
  /** add this epoch's allowance */
  refill(ctx: TieringContext): void;
  /** base pages that may move now */
  budgetPages(): number;
  consume(pages: number): void;
}
