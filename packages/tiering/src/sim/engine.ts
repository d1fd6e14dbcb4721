/**
 * The simulation engine: replays AccessBatches through the page tables (accessVirtual), so
 * first-touch faults, NUMA hint faults and migration-entry waits happen in the kernel model,
 * and charges what each costs (sim/costs.ts) to the application's clock — or, for work done by
 * kernel threads, to that thread's background CPU time.
 *
 * Time is real kernel time: a simulated millisecond is a kernel millisecond, so the scan
 * period, the hot threshold, the promotion rate-limit window and kswapd act as often per
 * simulated second as on a machine. A run must therefore last seconds of simulated time for
 * NUMA balancing to act at all; weighted samples make that cheap (access-batch.ts: an entry of
 * weight w stands for w accesses, costed and counted w times, replayed once).
 *
 * Per entry of weight w (one page touch; an access crossing a page boundary touches two; the
 * loop is sim/replay.ts, this module sets it up and closes the epochs):
 * 1. the LLC filter, when on (sim/llc.ts): a hit costs llcHitNs and reaches no tier;
 * 2. accessVirtual(): the page walk, with its faults. A page fault costs faultNs and a hint
 *    fault hintFaultNs (a hint fault is a page fault too: charged once). What a fault does in
 *    the task's context is the application's time: a promotion in the hint fault
 *    (promoteInFault), direct reclaim's demotions (directReclaim);
 * 3. a read of the shared zero page is its own category: it stays cached (llcHitNs), reaches
 *    no tier and is not a fast-tier hit;
 * 4. otherwise the access reaches its node: w × latency(node, read|write) × loadFactor(node) ÷
 *    concurrency, and counts for the hit ratio (fast-tier accesses ÷ memory accesses);
 * 5. every `period` memory accesses (weights counted, phase drawn from the seed) the stack's
 *    sampler sees the page, with the number of samples the entry stands for.
 * Kernel actors:
 * - kswapd (one per node, `kswapd<nid>`) runs what the allocator woke every 256 entries and at
 *   epoch ends, on its own CPU: its demotions are background CPU, not application time;
 * - the scheduler tick (every SCHED_TICK_NS) runs task_numa_work() for each replayed task when
 *   its scan time has come; it runs in the task's context (task_work on return to user space),
 *   so its PTE visits (scanNsPerPte) are application time;
 * - the stack's parts run at epoch ends (every epochAccesses entries, or epochNs): sampler →
 *   hotness → placement → rate limiter → mover. A mover in a kernel thread (the default)
 *   charges background CPU (`mover`); one that runs in the task (moverContext "task": a
 *   synchronous move_pages()) charges the application. Samplers' own work is background
 *   (`sampler`). Each epoch's accesses and charged latency per node are handed to the parts
 *   as ctx.memory (the uncore counters a latency-aware policy such as Colloid reads).
 * Background work affects the application only through memory bandwidth: with the
 * loaded-latency curve on (loadedLatencyKappa > 0), the bytes moves read and write count as
 * offered load on their nodes, which raises the next epoch's latency there.
 *
 * Movers run to completion at epoch boundaries (or inside the faulting access for hint-fault
 * promotions), so a replayed access never meets a migration entry left behind by a mover; the
 * ACCESS_BLOCKED path is handled (counted, charged blockedWaitNs) for movers that interleave.
 *
 * Bounds (each with its argument in docs/tiering.md, and a property test):
 * - allFastRuntime: every access that the run charges, at the lowest idle latency of any
 *   node for its kind (LLC hits and zero-page reads as the run charges them), nothing else. A
 *   lower bound on `runtimeNs`: every part of the runtime is >= 0 and every access costs at
 *   least this (load factors are >= 1).
 * - allSlowRuntime: the same accesses at the highest idle latency, times the curve's largest
 *   factor when it is on. An upper bound on the accesses' own time (time.access + time.cache),
 *   not on the runtime: faults, scans and waits come on top of it.
 */
import type { DependencyContainer } from "tsyringe";
import { container as rootContainer } from "tsyringe";
import type { Kernel } from "@foliox/core";
import { Prng } from "@foliox/core";
import type { MmStruct } from "@foliox/core";
import { installVmscan, runPendingKswapd } from "@foliox/core";
import { FOLIOX_OWN_COUNTERS } from "@foliox/core";
import { disableNumaBalancing, enableNumaBalancing } from "@foliox/core";
import { EpochOracleLookahead, oracleCapacity } from "../stack/oracle.js";
import { createStack, TieringStack, type StackConfig } from "../stack/stack.js";
import type { TieringContext } from "../stack/types.js";
import type { AccessBatch, AccessSource } from "./access-batch.js";
import { resolveCosts, type CostOverrides, type Costs } from "./costs.js";
import { BackgroundCpu } from "./background.js";
import { LlcFilter, type LlcGeometry } from "./llc.js";
import { convergence, SimMetrics, type AnonFileRatio, type Churn, type EpochRecord } from "./metrics.js";
import { exchangeCostNs, migrationCostNs } from "./move-cost.js";
import {
  ACC_EPOCH,
  ACC_EPOCH_HITS,
  ACC_FAST_BOUND,
  ACC_LLC_HITS,
  ACC_LLC_MISSES,
  ACC_MEMORY,
  ACC_MEMORY_HITS,
  ACC_SLOW_BOUND,
  ACC_TOTAL,
  ACC_ZERO_READS,
  Replay,
  type RuntimeBreakdown,
} from "./replay.js";

export { AccessWeightError, type RuntimeBreakdown, SCHED_TICK_NS } from "./replay.js";

export interface RunOptions {
  /**
   * The accesses: an iterable (or async iterable) of batches, or a function returning a fresh
   * one.
   */
  source: AccessSource | (() => AccessSource);
  /** a preset name, a config, or a stack built with createStack() */
  stack: string | StackConfig | TieringStack;
  /** where to resolve a stack by name; default a child of tsyringe's root container */
  container?: DependencyContainer;
  /** close an epoch every this many entries; default 10000 */
  epochAccesses?: number;
  /** ... or every this much simulated time (ns), whichever comes first; default none */
  epochNs?: number;
  /** the run's PRNG seed (the sampler's phase, DAMON's picks, demotion-target choice); default 1 */
  seed?: number;
  /** cost overrides on top of the table's defaults (sim/costs.ts), applied in order */
  cost?: CostOverrides | CostOverrides[];
  /** epoch indexes at which a new phase starts (for the convergence time) */
  phaseChanges?: readonly number[];
  /** give unknown pids a process and unmapped addresses an anon mapping (trace replay); default true */
  autoMap?: boolean;
  /** ping-pong window, in epochs; default 4 */
  pingPongEpochs?: number;
  /** the last-level-cache filter; null or absent = none */
  llc?: LlcGeometry | null;
  /** called after each epoch (a progress bar) */
  onEpoch?: (rec: EpochRecord, index: number) => void;
}

export interface SimResult {
  stack: string;
  /** fast-tier accesses ÷ memory accesses, weights counted */
  hitRatio: number;
  /** every access replayed (weights): memory accesses + LLC hits + zero-page reads */
  accesses: number;
  /** accesses that reached a tier (weights): what the hit ratio is over */
  memoryAccesses: number;
  /** reads of the shared zero page (weights): cached, no tier, not a hit */
  zeroPageReads: number;
  /** entries replayed (each stands for its weight in accesses) */
  entries: number;
  /** the LLC filter, when on: its geometry and its hits and misses (weights) */
  llc: (LlcGeometry & { hits: number; misses: number }) | null;
  perEpoch: EpochRecord[];
  /** the application's simulated time, ns */
  runtimeNs: number;
  /** the same, in seconds: how long the run lasted on the simulated machine */
  simulatedSeconds: number;
  /** where runtimeNs went; the parts add up to it */
  time: RuntimeBreakdown;
  /** CPU time of kernel threads, by actor (kswapd<nid>, mover, sampler), ns: not in runtimeNs */
  backgroundCpuNs: Record<string, number>;
  /** /proc/vmstat after the run, plus numa_hint_faults, numa_hint_faults_local, numa_pte_updates */
  vmstat: Record<string, number>;
  /** vmstat names that are foliox's own (Linux has no exchange) */
  folioxOwnCounters: string[];
  anonFileRatio: AnonFileRatio;
  churn: Churn;
  migrationBytes: number;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
  /** mean convergence time after a phase change, or null without phase changes */
  convergenceNs: number | null;
  /** see the module comment: allFastRuntime <= runtimeNs; time.access + time.cache <= allSlowRuntime */
  bounds: { allFastRuntime: number; allSlowRuntime: number };
  /** the cost table the run used (defaults, topology latencies, overrides) */
  costs: Costs;
  /** accesses that could not be replayed, and other engine counters */
  counters: { faults: number; hintFaults: number; blocked: number; oom: number; segv: number; skipped: number; kswapdRuns: number; tppFiltered: number };
}

function isFn(s: RunOptions["source"]): s is () => AccessSource {
  return typeof s === "function";
}

async function* batchesOf(src: AccessSource): AsyncGenerator<AccessBatch> {
  if (Symbol.asyncIterator in (src as object)) {
    for await (const b of src as AsyncIterable<AccessBatch>) yield b;
  } else {
    for (const b of src as Iterable<AccessBatch>) yield b;
  }
}

/** The loaded-latency curve: 1 + κ·u/(1−u), u capped at maxUtil. */
export function loadFactor(util: number, kappa: number, maxUtil: number): number {
  if (kappa <= 0) return 1;
  const u = Math.min(util, maxUtil);
  return 1 + kappa * (u / (1 - u));
}

/** The cost table for a kernel: its top-tier and lower-tier node latencies, then the overrides. */
export function costsFor(k: Kernel, overrides: CostOverrides | CostOverrides[] = []): Costs {
  const fast = k.topo.nodes.find((n) => k.tiers.nodeIsToptier(n.nid))!;
  const slow = k.topo.nodes.find((n) => !k.tiers.nodeIsToptier(n.nid)) ?? fast;
  return resolveCosts(
    {
      fastReadNs: fast.spec.perf.readLatencyNs,
      fastWriteNs: fast.spec.perf.writeLatencyNs,
      slowReadNs: slow.spec.perf.readLatencyNs,
      slowWriteNs: slow.spec.perf.writeLatencyNs,
    },
    ...(Array.isArray(overrides) ? overrides : [overrides]),
  );
}

/** Run a workload through a stack. Deterministic: same kernel state, seed and input → same result. */
export async function runSimulation(k: Kernel, opts: RunOptions): Promise<SimResult> {
  const cost = costsFor(k, opts.cost);
  const stack = opts.stack instanceof TieringStack ? opts.stack : createStack(opts.container ?? rootContainer.createChildContainer(), opts.stack);
  const cfg = stack.config;
  const epochAccesses = opts.epochAccesses ?? 10000;
  const epochNsLimit = opts.epochNs ?? Infinity;
  const autoMap = opts.autoMap ?? true;
  const clock = k.clock;
  const rng = new Prng(opts.seed ?? 1);
  const topo = k.topo;
  const nrNodes = topo.nrNodes;
  const fastNids = topo.nodes.filter((n) => k.tiers.nodeIsToptier(n.nid)).map((n) => n.nid);
  const slowNids = topo.nodes.filter((n) => !k.tiers.nodeIsToptier(n.nid)).map((n) => n.nid);
  const isFast = new Uint8Array(nrNodes);
  for (const n of fastNids) isFast[n] = 1;
  const fastNid = fastNids[0] ?? 0;
  // latency by node: the table's fast figures for top-tier nodes, its slow ones for the rest
  const rl = Float64Array.from(topo.nodes, (n) => (isFast[n.nid] ? cost.fastReadNs : cost.slowReadNs));
  const wl = Float64Array.from(topo.nodes, (n) => (isFast[n.nid] ? cost.fastWriteNs : cost.slowWriteNs));
  const bw = Float64Array.from(topo.nodes, (n) => (n.spec.perf.readBandwidthGBps + n.spec.perf.writeBandwidthGBps) / 2);
  const factor = new Float64Array(nrNodes).fill(1);
  const nodeBytes = new Float64Array(nrNodes);
  // accesses and charged latency per node this epoch, published to the parts at its end
  const nodeAcc = new Float64Array(nrNodes);
  const nodeNs = new Float64Array(nrNodes);
  const memory = { accesses: new Float64Array(nrNodes), latencyNs: new Float64Array(nrNodes) };
  const kappa = cost.loadedLatencyKappa;
  const maxUtil = cost.loadedLatencyMaxUtil;
  const maxFactor = loadFactor(Infinity, kappa, maxUtil);
  const workers = cost.swapWorkers;
  const llc = opts.llc ? new LlcFilter(opts.llc) : null;
  const metrics = new SimMetrics(k, opts.pingPongEpochs ?? 4);
  const hot = stack.hotness;
  const moverInTask = cfg.moverContext === "task";
  const time: RuntimeBreakdown = { access: 0, cache: 0, fault: 0, hintFault: 0, promoteInFault: 0, scan: 0, directReclaim: 0, mover: 0, blocked: 0 };
  const background = new BackgroundCpu();
  const bgCharge = (actor: string, ns: number) => background.charge(actor, ns);
  const t0 = clock.nowNs;
  /** moves' bytes as offered load (they only matter with the loaded-latency curve on) */
  const moveTraffic = (src: number, dst: number, bytes: number) => {
    nodeBytes[k.folioNid(src)]! += bytes;
    nodeBytes[k.folioNid(dst)]! += bytes;
  };

  // kernel actors
  const vmscan = installVmscan(k, {
    demotionEnabled: cfg.demotion ?? true,
    headroomPages: Math.floor((cfg.headroomRatio ?? 0) * fastNids.reduce((s, n) => s + topo.nodes[n]!.nrPages, 0)),
  });
  let inKswapd = false;
  const kswapdRun = () => {
    inKswapd = true;
    try {
      runPendingKswapd(k);
    } finally {
      inKswapd = false;
    }
  };
  const ctx: TieringContext = {
    k,
    rng,
    metrics,
    fastNids,
    slowNids,
    epoch: 0,
    epochNs: 0,
    costs: cost,
    moved(src, dst, nr, batched, free) {
      const maps = Math.max(1, k.mem.folioMapcount(dst));
      if (!free) {
        const ns = migrationCostNs(cost, nr, maps, batched, workers);
        if (moverInTask) {
          clock.advance(ns);
          time.mover += ns;
        } else bgCharge("mover", ns);
        moveTraffic(src, dst, nr * 4096);
      }
      hot.onMove(src, dst, nr);
      metrics.moved(src, dst, nr);
    },
    exchanged(a, b, nr, batched, free) {
      const maps = Math.max(1, k.mem.folioMapcount(a)) + Math.max(1, k.mem.folioMapcount(b));
      if (!free) {
        const ns = exchangeCostNs(cost, nr, maps, batched, workers);
        if (moverInTask) {
          clock.advance(ns);
          time.mover += ns;
        } else bgCharge("mover", ns);
        moveTraffic(a, b, 2 * nr * 4096);
      }
      hot.onExchange(a, b, nr);
      metrics.exchanged(a, b, nr);
    },
    fail(reason, n = 1) {
      metrics.fail(reason, n);
    },
    background(actor, ns) {
      bgCharge(actor, ns);
    },
    memory,
  };
  // reclaim's demotions: kswapd's on its own CPU, direct reclaim's in the allocating task
  // (each node's kswapd name built once, not per demotion)
  const kswapdActor = Array.from({ length: nrNodes }, (_, nid) => `kswapd${nid}`);
  vmscan.onDemoted = (src, dst, nr) => {
    const ns = migrationCostNs(cost, nr, Math.max(1, k.mem.folioMapcount(dst)), true, workers);
    if (inKswapd) bgCharge(kswapdActor[k.folioNid(src)]!, ns);
    else {
      clock.advance(ns);
      time.directReclaim += ns;
    }
    moveTraffic(src, dst, nr * 4096);
    hot.onMove(src, dst, nr);
    metrics.moved(src, dst, nr);
  };
  vmscan.onDemoteFailed = (reclaimer, reason, n) => metrics.fail(`${reclaimer}-demote:${reason}`, n);
  if (cfg.numa) {
    const nb = enableNumaBalancing(k, cfg.numa);
    // a promotion in the fault is the faulting task's own time
    nb.onPromoted = (src, dst, nr) => {
      const ns = migrationCostNs(cost, nr, Math.max(1, k.mem.folioMapcount(dst)), false, workers);
      clock.advance(ns);
      time.promoteInFault += ns;
      moveTraffic(src, dst, nr * 4096);
      hot.onMove(src, dst, nr);
      metrics.moved(src, dst, nr);
    };
    // a hint fault that did not promote: the refusal (threshold, rate limit, TPP) or the errno
    nb.onPromoteFail = (reason) => metrics.fail(reason, 1);
  } else {
    disableNumaBalancing(k);
  }
  hot.setup(ctx);
  stack.sampler.setup(ctx, hot);
  const period = stack.sampler.period;

  ctx.pidOfMm = new Map();
  // processes by pid; the replayed tasks are the running ones (task_numa_work runs for them)
  const mmByPid = new Map<number, MmStruct>();

  // the epoch-oracle reads the stream one epoch ahead of the replay, which it then serves
  const input = isFn(opts.source) ? opts.source() : opts.source;
  let lookahead: EpochOracleLookahead | null = null;
  if (cfg.oracle) {
    if (Number.isFinite(epochNsLimit))
      throw new Error("the epoch-oracle needs epochs of a fixed number of entries (epochAccesses), not epochNs: it reads each epoch ahead");
    // it takes the entries the replay takes (Replay.mmFor: a pid has a process, or gets one)
    const replaysPid = (pid: number) => autoMap || mmByPid.has(pid) || (k.tasks.get(pid)?.mm ?? null) !== null;
    lookahead = new EpochOracleLookahead(input, epochAccesses, oracleCapacity(k, fastNids), llc, replaysPid);
  }
  ctx.mmOfPid = mmByPid;
  const replay = new Replay({
    k,
    cost,
    stack,
    metrics,
    llc,
    autoMap,
    fastNid,
    isFast,
    readNs: rl,
    writeNs: wl,
    factor,
    maxFactor,
    nodeBytes,
    nodeAcc,
    nodeNs,
    time,
    mmOfPid: mmByPid,
    pidOfMm: ctx.pidOfMm,
    // the sampler's phase comes from the seed
    countdown: period > 0 ? 1 + rng.below(period) : 0,
    epochAccesses,
    epochNs: epochNsLimit,
    kswapdRun,
  });
  const acc = replay.acc;
  const counters = replay.counters;
  const vm = k.vmstat;

  const epochStartOracle = async () => {
    if (!lookahead) return;
    ctx.oracle = await lookahead.next();
    const plan = stack.placement.plan(ctx, hot, Number.MAX_SAFE_INTEGER);
    stack.mover.run(ctx, plan);
  };

  const closeEpoch = () => {
    kswapdRun();
    const epStart = replay.epStart;
    const dur = clock.nowNs - epStart;
    ctx.epochNs = dur;
    memory.accesses.set(nodeAcc);
    memory.latencyNs.set(nodeNs);
    stack.rateLimiter.refill(ctx);
    stack.sampler.epoch(ctx);
    if (!lookahead) {
      const budget = stack.rateLimiter.budgetPages();
      const plan = stack.placement.plan(ctx, hot, budget);
      const moved = stack.mover.run(ctx, plan);
      stack.rateLimiter.consume(moved + plan.demote.length);
    }
    hot.epoch(ctx);
    kswapdRun();
    // loaded latency for the next epoch, from this epoch's offered bandwidth (accesses and moves)
    const span = Math.max(1, clock.nowNs - epStart);
    for (let n = 0; n < nrNodes; n++) {
      factor[n] = loadFactor(nodeBytes[n]! / span / bw[n]!, kappa, maxUtil);
      nodeBytes[n] = 0;
      nodeAcc[n] = 0;
      nodeNs[n] = 0;
    }
    const rec = metrics.endEpoch(clock.nowNs - t0, acc[ACC_EPOCH]!, acc[ACC_EPOCH_HITS]!, replay.epEntries);
    opts.onEpoch?.(rec, metrics.perEpoch.length - 1);
    ctx.epoch = metrics.perEpoch.length;
    acc[ACC_EPOCH] = 0;
    acc[ACC_EPOCH_HITS] = 0;
    replay.epochClosed();
  };

  const source = lookahead ? lookahead.replay() : input;
  await epochStartOracle();
  for await (const b of batchesOf(source)) {
    for (let i = 0; i < b.length; ) {
      i = replay.run(b, i);
      if (replay.epochDue) {
        closeEpoch();
        await epochStartOracle();
      }
    }
  }
  if (replay.epEntries > 0) closeEpoch();

  counters.kswapdRuns = Array.from(vmscan.kswapdRuns).reduce((a, b) => a + b, 0);
  counters.tppFiltered = k.numab?.tppFiltered ?? 0;
  const vmstat = vm.procVmstat();
  vmstat["numa_hint_faults"] = k.numab?.numaHintFaults ?? 0;
  vmstat["numa_hint_faults_local"] = k.numab?.numaHintFaultsLocal ?? 0;
  vmstat["numa_pte_updates"] = k.numab?.numaPteUpdates ?? 0;
  const conv = convergence(metrics.perEpoch, opts.phaseChanges ?? []);
  const runtimeNs = clock.nowNs - t0;
  const bgSorted = background.byActor();
  return {
    stack: cfg.name,
    hitRatio: acc[ACC_MEMORY]! > 0 ? acc[ACC_MEMORY_HITS]! / acc[ACC_MEMORY]! : 0,
    accesses: acc[ACC_TOTAL]!,
    memoryAccesses: acc[ACC_MEMORY]!,
    zeroPageReads: acc[ACC_ZERO_READS]!,
    entries: replay.entries,
    llc: llc ? { ...llc.geometry, hits: acc[ACC_LLC_HITS]!, misses: acc[ACC_LLC_MISSES]! } : null,
    perEpoch: metrics.perEpoch,
    runtimeNs,
    simulatedSeconds: runtimeNs / 1e9,
    time,
    backgroundCpuNs: bgSorted,
    vmstat,
    folioxOwnCounters: [...FOLIOX_OWN_COUNTERS],
    anonFileRatio: metrics.anonFileRatio(),
    churn: metrics.churn(),
    migrationBytes: metrics.migrationBytes,
    promotions: metrics.totalPromotions,
    demotions: metrics.totalDemotions,
    exchanges: metrics.totalExchanges,
    failures: { ...metrics.totalFailures },
    convergenceNs: conv.meanNs,
    bounds: { allFastRuntime: acc[ACC_FAST_BOUND]!, allSlowRuntime: acc[ACC_SLOW_BOUND]! },
    costs: cost,
    counters,
  };
}
