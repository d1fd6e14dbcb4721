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
 * Per entry of weight w (one page touch; an access crossing a page boundary touches two):
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
import { createProcess } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { Prng } from "@foliox/core";
import { ACCESS_BLOCKED, ACCESS_OK, ACCESS_OOM, ACCESS_SEGV, ADDR_SPLIT, accessVirtualSplit, addrPageOffset } from "@foliox/core";
import type { MmStruct } from "@foliox/core";
import { doMmap } from "@foliox/core";
import { pteSpecial } from "@foliox/core";
import { installVmscan, runPendingKswapd, wakeupProactiveDemotion } from "@foliox/core";
import { FOLIOX_OWN_COUNTERS, PGFAULT } from "@foliox/core";
import { disableNumaBalancing, enableNumaBalancing, taskNumaWork } from "@foliox/core";
import { EpochOracleLookahead, oracleCapacity } from "../stack/oracle.js";
import { createStack, TieringStack, type StackConfig } from "../stack/stack.js";
import type { TieringContext } from "../stack/types.js";
import type { AccessBatch, AccessSource } from "./access-batch.js";
import { resolveCosts, type CostOverrides, type Costs } from "./costs.js";
import { LlcFilter, type LlcGeometry } from "./llc.js";
import { convergence, SimMetrics, type AnonFileRatio, type Churn, type EpochRecord } from "./metrics.js";
import { exchangeCostNs, migrationCostNs } from "./move-cost.js";

/** The scheduler tick: CONFIG_HZ=250 (a common distribution default; an assumption). */
export const SCHED_TICK_NS = 4_000_000;
/** kswapd wake-ups are served this often (entries): it runs on its own CPU as soon as woken. */
const KSWAPD_EVERY = 256;

export interface RunOptions {
  /**
   * The accesses: an iterable (or async iterable) of batches, or a function returning a fresh
   * one (the epoch-oracle reads the stream a second time, one epoch ahead).
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

/** The application's time by cause, ns; the parts add up to runtimeNs. */
export interface RuntimeBreakdown {
  /** memory accesses: latency × load factor × weight ÷ concurrency */
  access: number;
  /** LLC hits and zero-page reads (llcHitNs) */
  cache: number;
  /** page faults other than hint faults (first touch, COW), faultNs each */
  fault: number;
  /** NUMA hint faults, hintFaultNs each */
  hintFault: number;
  /** promotions done inside a hint fault (migration cost) */
  promoteInFault: number;
  /** task_numa_work()'s PTE visits, in the task's context */
  scan: number;
  /** demotions by direct reclaim, in the allocating task's context */
  directReclaim: number;
  /** the stack's mover when it runs in the task (moverContext "task") */
  mover: number;
  /** accesses that met a migration entry */
  blocked: number;
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

/** An entry that cannot be replayed (a weight that is not a positive finite number). */
export class AccessWeightError extends RangeError {
  readonly field = "weight";
  constructor(
    readonly entry: number,
    readonly weight: number,
  ) {
    super(
      `entry ${entry} of the access stream: field weight is ${weight}, not a positive finite number; every entry must stand for a positive number of accesses`,
    );
    this.name = "AccessWeightError";
  }
}

const TASK_SIZE = 2 ** 47 - 4096;
const CHUNK = 2 * 1024 * 1024;

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

/** The engine's accumulators (indexes into its Float64Array). */
const ACC_TOTAL = 0; // accesses (weighted), memory or cache
const ACC_MEMORY = 1; // accesses that reached a memory node
const ACC_MEMORY_HITS = 2; // … on the fast tier
const ACC_ZERO_READS = 3;
const ACC_LLC_HITS = 4;
const ACC_LLC_MISSES = 5;
const ACC_EPOCH = 6; // memory accesses this epoch
const ACC_EPOCH_HITS = 7;
const ACC_FAST_BOUND = 8; // the run's time had every access gone to the fastest node
const ACC_SLOW_BOUND = 9; // … to the slowest, fully loaded
const NR_ACC = 10;

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
  const minRead = Math.min(...rl);
  const minWrite = Math.min(...wl);
  const maxRead = Math.max(...rl);
  const maxWrite = Math.max(...wl);
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
  const conc = cost.concurrency;
  const llcNs = cost.llcHitNs;
  const workers = cost.swapWorkers;
  const llc = opts.llc ? new LlcFilter(opts.llc) : null;
  const metrics = new SimMetrics(k, opts.pingPongEpochs ?? 4);
  const promotedWatch = metrics.watch;
  const hot = stack.hotness;
  const moverInTask = cfg.moverContext === "task";
  const time: RuntimeBreakdown = { access: 0, cache: 0, fault: 0, hintFault: 0, promoteInFault: 0, scan: 0, directReclaim: 0, mover: 0, blocked: 0 };
  const background: Record<string, number> = {};
  const bgCharge = (actor: string, ns: number) => {
    background[actor] = (background[actor] ?? 0) + ns;
  };
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

  // the epoch-oracle reads the stream a second time, one epoch ahead of the replay
  let lookahead: EpochOracleLookahead | null = null;
  if (cfg.oracle) {
    if (!isFn(opts.source)) throw new Error("the epoch-oracle reads the stream twice: give `source` as a function returning a fresh stream");
    if (Number.isFinite(epochNsLimit))
      throw new Error("the epoch-oracle needs epochs of a fixed number of entries (epochAccesses), not epochNs: it reads each epoch ahead");
    lookahead = new EpochOracleLookahead(opts.source(), epochAccesses, oracleCapacity(k, fastNids), opts.llc ?? null);
  }
  ctx.pidOfMm = new Map();

  // processes by pid; the replayed tasks are the running ones (task_numa_work runs for them)
  const mmByPid = new Map<number, MmStruct>();
  const running: MmStruct[] = [];
  ctx.mmOfPid = mmByPid;
  let lastPid = -1;
  let lastMm: MmStruct | null = null;
  const mmFor = (pid: number): MmStruct | null => {
    if (pid === lastPid) return lastMm;
    let mm = mmByPid.get(pid) ?? k.tasks.get(pid)?.mm ?? null;
    if (!mm && autoMap) {
      const t = createProcess(k, { nid: fastNid });
      mm = t.mm!;
      ctx.pidOfMm!.set(mm.id, pid);
    }
    if (mm && !mmByPid.has(pid)) {
      mmByPid.set(pid, mm);
      if (!running.includes(mm)) running.push(mm);
      if (!ctx.pidOfMm!.has(mm.id)) ctx.pidOfMm!.set(mm.id, pid);
    }
    lastPid = pid;
    lastMm = mm;
    return mm;
  };
  const mapAround = (mm: MmStruct, addr: number): boolean => {
    const base = Math.floor(addr / CHUNK) * CHUNK;
    if (base >= 0x10000 && doMmap(k, mm, CHUNK, { addr: base }) > 0) return true;
    return doMmap(k, mm, 4096, { addr: Math.floor(addr / 4096) * 4096 }) > 0;
  };

  // counters
  const vm = k.vmstat;
  const events = vm.events;
  // hint faults so far: read per access, so no closure and no getter (a disabled NUMA
  // balancing takes none, and its counter stays put)
  const nbState = k.numaBalancing;
  const faultNs = cost.faultNs;
  const hintFaultNs = cost.hintFaultNs;
  const blockedWaitNs = cost.blockedWaitNs;
  const counters = { faults: 0, hintFaults: 0, blocked: 0, oom: 0, segv: 0, skipped: 0, kswapdRuns: 0, tppFiltered: 0 };
  // the access counters and the bounds, in a typed array: a double kept in a `let` of this
  // async function (captured by its closures) is boxed into a new heap number on every +=
  const acc = new Float64Array(NR_ACC);
  let entries = 0;
  let epEntries = 0;
  let epStart = clock.nowNs;
  // the sampler's phase comes from the seed
  let countdown = period > 0 ? 1 + rng.below(period) : 0;
  let sinceKswapd = 0;
  let nextTick = clock.nowNs + SCHED_TICK_NS;

  const epochStartOracle = async () => {
    if (!lookahead) return;
    ctx.oracle = { hotKeys: await lookahead.next() };
    const plan = stack.placement.plan(ctx, hot, Number.MAX_SAFE_INTEGER);
    stack.mover.run(ctx, plan);
  };

  const closeEpoch = () => {
    kswapdRun();
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
    const rec = metrics.endEpoch(clock.nowNs - t0, acc[ACC_EPOCH]!, acc[ACC_EPOCH_HITS]!, epEntries);
    opts.onEpoch?.(rec, metrics.perEpoch.length - 1);
    ctx.epoch = metrics.perEpoch.length;
    acc[ACC_EPOCH] = 0;
    acc[ACC_EPOCH_HITS] = 0;
    epEntries = 0;
    epStart = clock.nowNs;
  };

  const pt = k.pgtables;
  const bpa = cost.bytesPerAccess;
  const source = isFn(opts.source) ? opts.source() : opts.source;
  await epochStartOracle();
  for await (const b of batchesOf(source)) {
    // the batch's arrays once per batch: batches of different classes (a TraceBatch, a
    // generator's AccessBatch) make every b.x load polymorphic
    const bPid = b.pid;
    const bAddr = b.addr;
    const bWrite = b.write;
    const bWeight = b.weight;
    const bSize = b.size;
    const len = b.length;
    for (let i = 0; i < len; i++) {
      const pid = bPid[i]!;
      const addr = bAddr[i]!;
      const write = bWrite[i] === 1;
      const w = bWeight[i]!;
      if (!(w > 0 && w < Infinity)) throw new AccessWeightError(entries, w);
      entries++;
      const mm = pid === lastPid ? lastMm : mmFor(pid);
      if (!mm || !(addr >= 0x10000 && addr < TASK_SIZE)) {
        counters.skipped += w;
      } else {
        const size = bSize[i]!;
        const pages = size > 0 && addrPageOffset(addr) + size > 4096 ? 2 : 1;
        for (let p = 0; p < pages; p++) {
          const a = p === 0 ? addr : Math.floor(addr / 4096) * 4096 + 4096;
          const cached = llc !== null && llc.access(pid, a);
          let f0 = events[PGFAULT]!;
          let h0 = nbState.numaHintFaults;
          // the address split in two int32s (addrHi(), addrLo()): a double passed to a call is
          // boxed every time; the split is written out here, where a call would not be inlined
          const hi = Math.floor(a * (1 / ADDR_SPLIT));
          const lo = a - hi * ADDR_SPLIT;
          let r = accessVirtualSplit(k, mm, hi, lo, write);
          if (r === ACCESS_SEGV && autoMap && mapAround(mm, a)) {
            // the trace's program had this mapping: the attempt before autoMap made it is not its fault
            f0 = events[PGFAULT]!;
            h0 = nbState.numaHintFaults;
            r = accessVirtualSplit(k, mm, hi, lo, write);
          }
          const df = events[PGFAULT]! - f0;
          if (df > 0) {
            // a hint fault is a page fault (PGFAULT counts it): charged as a hint fault only
            const dh = nbState.numaHintFaults - h0;
            counters.faults += df;
            counters.hintFaults += dh;
            if (df > dh) {
              clock.advance((df - dh) * faultNs);
              time.fault += (df - dh) * faultNs;
            }
            if (dh) {
              clock.advance(dh * hintFaultNs);
              time.hintFault += dh * hintFaultNs;
            }
          }
          if (r !== ACCESS_OK) {
            if (r === ACCESS_BLOCKED) {
              counters.blocked += w;
              clock.advance(blockedWaitNs);
              time.blocked += blockedWaitNs;
            } else if (r === ACCESS_OOM) counters.oom += w;
            else counters.segv += w;
            continue;
          }
          acc[ACC_TOTAL]! += w;
          const pte = pt.leaf[pt.off]!;
          if (cached || pteSpecial(pte)) {
            // an LLC hit, or a read of the zero page: cached, no tier
            const c = (llcNs * w) / conc;
            clock.advance(c);
            time.cache += c;
            acc[ACC_FAST_BOUND]! += c;
            acc[ACC_SLOW_BOUND]! += c;
            if (cached) acc[ACC_LLC_HITS]! += w;
            else acc[ACC_ZERO_READS]! += w;
            continue;
          }
          if (llc) acc[ACC_LLC_MISSES]! += w;
          const pfn = pt.frame[pt.off]!;
          const nid = topo.pfnToNid(pfn);
          const an = ((write ? wl[nid]! : rl[nid]!) * factor[nid]! * w) / conc;
          clock.advance(an);
          time.access += an;
          nodeBytes[nid]! += w * bpa;
          nodeAcc[nid]! += w;
          nodeNs[nid]! += an;
          acc[ACC_FAST_BOUND]! += ((write ? minWrite : minRead) * w) / conc;
          acc[ACC_SLOW_BOUND]! += ((write ? maxWrite : maxRead) * maxFactor * w) / conc;
          acc[ACC_MEMORY]! += w;
          acc[ACC_EPOCH]! += w;
          if (isFast[nid]) {
            acc[ACC_MEMORY_HITS]! += w;
            acc[ACC_EPOCH_HITS]! += w;
          }
          // promoted in the previous epoch and not touched since (see SimMetrics.watch)
          if ((promotedWatch[pfn >>> 5]! & (1 << (pfn & 31))) !== 0) metrics.touch(pfn);
          if (period > 0) {
            countdown -= w;
            if (countdown <= 0) {
              const n = 1 + Math.floor(-countdown / period);
              countdown += n * period;
              stack.sampler.sample(pfn, write, n);
            }
          }
        }
      }
      if (++sinceKswapd >= KSWAPD_EVERY) {
        sinceKswapd = 0;
        wakeupProactiveDemotion(k);
        kswapdRun();
      }
      if (clock.nowNs >= nextTick) {
        // task_tick_numa(): each running task queues task_numa_work() when its scan is due
        nextTick = clock.nowNs + SCHED_TICK_NS;
        const nb = k.numab;
        if (nb) {
          const v0 = nb.numaPteVisits;
          for (const m of running) taskNumaWork(k, m);
          const visits = nb.numaPteVisits - v0;
          if (visits) {
            // change_pte_range() examines every PTE of the chunks it walks
            const s = visits * cost.scanNsPerPte;
            clock.advance(s);
            time.scan += s;
          }
        }
      }
      if (++epEntries >= epochAccesses || clock.nowNs - epStart >= epochNsLimit) {
        closeEpoch();
        await epochStartOracle();
      }
    }
  }
  if (epEntries > 0) closeEpoch();

  counters.kswapdRuns = Array.from(vmscan.kswapdRuns).reduce((a, b) => a + b, 0);
  counters.tppFiltered = k.numab?.tppFiltered ?? 0;
  const vmstat = vm.procVmstat();
  vmstat["numa_hint_faults"] = k.numab?.numaHintFaults ?? 0;
  vmstat["numa_hint_faults_local"] = k.numab?.numaHintFaultsLocal ?? 0;
  vmstat["numa_pte_updates"] = k.numab?.numaPteUpdates ?? 0;
  const conv = convergence(metrics.perEpoch, opts.phaseChanges ?? []);
  const runtimeNs = clock.nowNs - t0;
  const bgSorted: Record<string, number> = {};
  for (const key of Object.keys(background).sort()) bgSorted[key] = background[key]!;
  return {
    stack: cfg.name,
    hitRatio: acc[ACC_MEMORY]! > 0 ? acc[ACC_MEMORY_HITS]! / acc[ACC_MEMORY]! : 0,
    accesses: acc[ACC_TOTAL]!,
    memoryAccesses: acc[ACC_MEMORY]!,
    zeroPageReads: acc[ACC_ZERO_READS]!,
    entries,
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
