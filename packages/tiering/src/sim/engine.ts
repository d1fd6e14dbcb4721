/**
 * The simulation engine: replays AccessBatches through the page tables (accessVirtual), so
 * first-touch faults, NUMA hint faults and migration-entry waits happen in the kernel model,
 * and charges every access, fault, scan and move to a simulated clock. Epochs (every
 * epochAccesses entries, or epochNs of simulated time) drive the kernel's background actors
 * (kswapd, task_numa_work) and the stack's parts, and close a metrics record.
 *
 * Cost model, per access of weight w on node n:
 *   w × latency(n, read|write) × loadFactor(n) / concurrency
 * - latency from the topology (k.topo.nodes[n].spec.perf);
 * - loadFactor (optional, Colloid): 1 + κ·u/(1−u), an M/M/1-style queueing curve in the
 *   node's utilisation u = offered bandwidth ÷ node bandwidth in the previous epoch (offered =
 *   accesses × bytesPerAccess ÷ epoch time), u capped at maxUtil. It is the simplest curve with
 *   the shape Colloid measures (flat when idle, steep near saturation), not a fit;
 * - concurrency: memory-level parallelism (outstanding misses); only with it > 1 can a single
 *   access stream load a node's bandwidth;
 * - a page fault costs faultNs and a NUMA hint fault hintFaultNs (assumptions, see
 *   CostOptions), on top of whatever the fault did (a promotion is a move). A hint fault is a
 *   page fault too (handle_mm_fault counts PGFAULT for it): it is charged hintFaultNs only,
 *   not faultNs + hintFaultNs;
 * - moves cost what sim/move-cost.ts says (Nimble-cited fixed parts, bytes ÷ bandwidth, a TLB
 *   shootdown per mapping, the 1/2/4/8-worker speed-up), whoever does them: the fault path,
 *   kswapd or a stack's mover. The model has one clock, so background work is charged to it
 *   (chargeBackground: false keeps kswapd's and the stack's moves off the clock);
 * - the scanners' PTE visits cost scanNsPerPte each.
 * SimResult.time splits the runtime into these parts (they add up to runtimeNs). Each epoch's
 * accesses and charged latency per node are handed to the stack's parts as ctx.memory (the
 * uncore counters a latency-aware policy such as Colloid reads).
 *
 * Movers run to completion at epoch boundaries (or inside the faulting access for hint-fault
 * promotions), so a replayed access never meets a migration entry left behind by a mover; the
 * ACCESS_BLOCKED path is handled (counted, charged blockedWaitNs) for movers that interleave.
 *
 * Bounds: the same accesses costed as if every page were on the fast tier, and on the slow
 * tier (no faults, no moves; the loaded-latency curve applied to that placement).
 */
import type { DependencyContainer } from "tsyringe";
import { container as rootContainer } from "tsyringe";
import { createProcess } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { Prng } from "@foliox/core";
import { ACCESS_BLOCKED, ACCESS_OK, ACCESS_OOM, ACCESS_SEGV, accessVirtual } from "@foliox/core";
import type { MmStruct } from "@foliox/core";
import { doMmap } from "@foliox/core";
import { ptePfn } from "@foliox/core";
import { installVmscan, runPendingKswapd, wakeupProactiveDemotion } from "@foliox/core";
import { FOLIOX_OWN_COUNTERS, PGFAULT } from "@foliox/core";
import { buildOracle, oracleCapacity } from "../stack/oracle.js";
import { disableNumaBalancing, enableNumaBalancing, taskNumaWork } from "@foliox/core";
import { createStack, TieringStack, type StackConfig } from "../stack/stack.js";
import type { TieringContext } from "../stack/types.js";
import type { AccessBatch, AccessSource } from "./access-batch.js";
import { convergence, SimMetrics, type AnonFileRatio, type EpochRecord } from "./metrics.js";
import { exchangeCostNs, migrationCostNs, NIMBLE_COST_MODEL, type MoveCostModel, type SwapWorkers } from "./move-cost.js";

export interface LoadedLatencyOptions {
  /** κ: the curve's steepness; default 0.5 */
  kappa?: number;
  /** utilisation cap; default 0.95 (latency at most 1 + κ·19) */
  maxUtil?: number;
}

export interface CostOptions {
  moves: MoveCostModel;
  workers: SwapWorkers;
  /**
   * a page fault (first touch, COW), ns; default 1000. An assumption, of the order of one
   * informal measurement: a minor anonymous fault took a median ~1.0 µs (3241 cycles at
   * 3.2 GHz; Linux 6.6, Core i7-11th gen; https://ddumbying.vercel.app/experiments/pagefault-latency).
   */
  faultNs: number;
  /**
   * a NUMA hint fault, trap included (it is a page fault: not charged faultNs on top), ns;
   * default 1000. An assumption: the same trap as a minor fault, with do_numa_page()'s
   * bookkeeping instead of a page allocation; no measurement of it is cited.
   */
  hintFaultNs: number;
  /** one PTE a scanner changes or tests (change_prot_numa, A-bit scan), ns; default 5 (assumption, not measured) */
  scanNsPerPte: number;
  /** memory-level parallelism; default 1 */
  concurrency: number;
  /** bytes one access moves to or from memory (a cache line); default 64 */
  bytesPerAccess: number;
  /** Colloid's loaded latency; null = idle latency always */
  loadedLatency: LoadedLatencyOptions | null;
  /** an access that met a migration entry waits this long, ns; default 5000 */
  blockedWaitNs: number;
  /** charge kswapd's and the stack's moves to the clock; default true */
  chargeBackground: boolean;
}

export const DEFAULT_COSTS: CostOptions = {
  moves: NIMBLE_COST_MODEL,
  workers: 1,
  faultNs: 1000,
  hintFaultNs: 1000,
  scanNsPerPte: 5,
  concurrency: 1,
  bytesPerAccess: 64,
  loadedLatency: null,
  blockedWaitNs: 5000,
  chargeBackground: true,
};

export interface RunOptions {
  /**
   * The accesses: an iterable (or async iterable) of batches, or a function returning a fresh
   * one (needed by the oracle, which reads the trace twice).
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
  /** the run's PRNG seed (the stack's sampling, DAMON's picks, demotion-target choice); default 1 */
  seed?: number;
  cost?: Partial<CostOptions>;
  /** epoch indexes at which a new phase starts (for the convergence time) */
  phaseChanges?: readonly number[];
  /** give unknown pids a process and unmapped addresses an anon mapping (trace replay); default true */
  autoMap?: boolean;
  /** ping-pong window, ns; default 10 epochs' worth: 10 × epochNs, or 1 ms */
  pingPongWindowNs?: number;
  /** override the stack's kernel-time compression */
  nsPerKernelMs?: number;
  /** called after each epoch (a progress bar) */
  onEpoch?: (rec: EpochRecord, index: number) => void;
}

export interface SimResult {
  stack: string;
  /** fast-tier accesses ÷ all accesses, weights counted */
  hitRatio: number;
  accesses: number;
  perEpoch: EpochRecord[];
  runtimeNs: number;
  /** /proc/vmstat after the run, plus numa_hint_faults, numa_hint_faults_local, numa_pte_updates */
  vmstat: Record<string, number>;
  /** vmstat names that are foliox's own (Linux has no exchange) */
  folioxOwnCounters: string[];
  anonFileRatio: AnonFileRatio;
  pingPong: number;
  migrationBytes: number;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
  /** mean convergence time after a phase change, or null without phase changes */
  convergenceNs: number | null;
  bounds: { allFastRuntime: number; allSlowRuntime: number };
  /** where the simulated runtime went, ns; the parts add up to runtimeNs */
  time: RuntimeBreakdown;
  /** accesses that could not be replayed, and other engine counters */
  counters: { faults: number; hintFaults: number; blocked: number; oom: number; segv: number; skipped: number; kswapdRuns: number; tppFiltered: number };
}

/** The runtime by cause, ns. */
export interface RuntimeBreakdown {
  /** the accesses themselves (latency × load factor × weight ÷ concurrency) */
  access: number;
  /** page faults other than hint faults (first touch, COW), faultNs each */
  fault: number;
  /** NUMA hint faults, hintFaultNs each */
  hintFault: number;
  /** promotions done inside a hint fault (migration cost) */
  promoteInFault: number;
  /** scanners: change_prot_numa's PTE updates, the samplers' charges */
  scan: number;
  /** demotions by kswapd and direct reclaim (charged with chargeBackground) */
  reclaim: number;
  /** the stack's mover: migrations and exchanges (charged with chargeBackground, unless free) */
  mover: number;
  /** accesses that met a migration entry */
  blocked: number;
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

/** The curve: 1 + κ·u/(1−u). */
export function loadFactor(util: number, o: LoadedLatencyOptions | null): number {
  if (!o) return 1;
  const u = Math.min(util, o.maxUtil ?? 0.95);
  return 1 + (o.kappa ?? 0.5) * (u / (1 - u));
}

/** Run a workload through a stack. Deterministic: same kernel state, seed and input → same result. */
export async function runSimulation(k: Kernel, opts: RunOptions): Promise<SimResult> {
  const cost: CostOptions = { ...DEFAULT_COSTS, ...opts.cost };
  const stack = opts.stack instanceof TieringStack ? opts.stack : createStack(opts.container ?? rootContainer.createChildContainer(), opts.stack);
  const cfg = stack.config;
  const epochAccesses = opts.epochAccesses ?? 10000;
  const epochNsLimit = opts.epochNs ?? Infinity;
  const autoMap = opts.autoMap ?? true;
  const clock = k.clock;
  clock.nsPerKernelMs = opts.nsPerKernelMs ?? cfg.nsPerKernelMs ?? 1e6;
  const rng = new Prng(opts.seed ?? 1);
  const topo = k.topo;
  const nrNodes = topo.nrNodes;
  const fastNids = topo.nodes.filter((n) => k.tiers.nodeIsToptier(n.nid)).map((n) => n.nid);
  const slowNids = topo.nodes.filter((n) => !k.tiers.nodeIsToptier(n.nid)).map((n) => n.nid);
  const isFast = new Uint8Array(nrNodes);
  for (const n of fastNids) isFast[n] = 1;
  const fastNid = fastNids[0] ?? 0;
  const slowNid = slowNids[0] ?? fastNid;
  const rl = Float64Array.from(topo.nodes, (n) => n.spec.perf.readLatencyNs);
  const wl = Float64Array.from(topo.nodes, (n) => n.spec.perf.writeLatencyNs);
  const bw = Float64Array.from(topo.nodes, (n) => (n.spec.perf.readBandwidthGBps + n.spec.perf.writeBandwidthGBps) / 2);
  const factor = new Float64Array(nrNodes).fill(1);
  const nodeAcc = new Float64Array(nrNodes);
  // accesses and charged latency per node this epoch, published to the parts at its end
  const nodeNs = new Float64Array(nrNodes);
  const memory = { accesses: new Float64Array(nrNodes), latencyNs: new Float64Array(nrNodes) };
  let fastBoundFactor = 1;
  let slowBoundFactor = 1;
  const conc = cost.concurrency;
  const ll = cost.loadedLatency;
  const metrics = new SimMetrics(k, opts.pingPongWindowNs ?? (Number.isFinite(epochNsLimit) ? 10 * epochNsLimit : 1e6));
  const hot = stack.hotness;
  const bg = cost.chargeBackground;
  const time: RuntimeBreakdown = { access: 0, fault: 0, hintFault: 0, promoteInFault: 0, scan: 0, reclaim: 0, mover: 0, blocked: 0 };
  const t0 = clock.nowNs;

  // kernel actors
  const vmscan = installVmscan(k, {
    demotionEnabled: cfg.demotion ?? true,
    headroomPages: Math.floor((cfg.headroomRatio ?? 0) * fastNids.reduce((s, n) => s + topo.nodes[n]!.nrPages, 0)),
  });
  const ctx: TieringContext = {
    k,
    rng,
    metrics,
    fastNids,
    slowNids,
    epoch: 0,
    epochNs: 0,
    cost: cost.moves,
    workers: cost.workers,
    moved(src, dst, nr, batched, free) {
      const maps = Math.max(1, k.mem.folioMapcount(dst));
      if (!free && bg) {
        const ns = migrationCostNs(cost.moves, nr, maps, batched, cost.workers);
        clock.advance(ns);
        time.mover += ns;
      }
      hot.onMove(src, dst, nr);
      metrics.moved(src, dst, nr, clock.nowNs);
    },
    exchanged(a, b, nr, batched, free) {
      const maps = Math.max(1, k.mem.folioMapcount(a)) + Math.max(1, k.mem.folioMapcount(b));
      if (!free && bg) {
        const ns = exchangeCostNs(cost.moves, nr, maps, batched, cost.workers);
        clock.advance(ns);
        time.mover += ns;
      }
      hot.onExchange(a, b, nr);
      metrics.exchanged(a, b, nr, clock.nowNs);
    },
    fail(reason, n = 1) {
      metrics.fail(reason, n);
    },
    charge(ns) {
      clock.advance(ns);
      time.scan += ns;
    },
    memory,
  };
  // reclaim's demotions (kswapd, direct reclaim): batched migrations, background work
  vmscan.onDemoted = (src, dst, nr) => {
    if (bg) {
      const ns = migrationCostNs(cost.moves, nr, Math.max(1, k.mem.folioMapcount(dst)), true, cost.workers);
      clock.advance(ns);
      time.reclaim += ns;
    }
    hot.onMove(src, dst, nr);
    metrics.moved(src, dst, nr, clock.nowNs);
  };
  vmscan.onDemoteFailed = (reclaimer, reason, n) => metrics.fail(`${reclaimer}-demote:${reason}`, n);
  if (cfg.numa) {
    const nb = enableNumaBalancing(k, cfg.numa);
    // a promotion in the fault is the faulting task's own time
    nb.onPromoted = (src, dst, nr) => {
      const ns = migrationCostNs(cost.moves, nr, Math.max(1, k.mem.folioMapcount(dst)), false, cost.workers);
      clock.advance(ns);
      time.promoteInFault += ns;
      hot.onMove(src, dst, nr);
      metrics.moved(src, dst, nr, clock.nowNs);
    };
    // a hint fault that did not promote: the refusal (threshold, rate limit, TPP) or the errno
    nb.onPromoteFail = (reason) => metrics.fail(reason, 1);
  } else {
    disableNumaBalancing(k);
  }
  hot.setup(ctx);
  stack.sampler.setup(ctx, hot);
  const period = stack.sampler.period;

  // the oracle's first pass
  if (cfg.oracle) {
    if (!isFn(opts.source) && !Array.isArray(opts.source)) throw new Error("the oracle reads the trace twice: give `source` as a function returning a fresh stream, or an array of batches");
    const first = isFn(opts.source) ? opts.source() : opts.source;
    if (Symbol.asyncIterator in (first as object)) throw new Error("the oracle needs a synchronous source for its first pass");
    ctx.oracle = buildOracle(first as Iterable<AccessBatch>, epochAccesses, oracleCapacity(k, fastNids));
  }
  ctx.pidOfMm = new Map();

  // processes by pid
  const mmByPid = new Map<number, MmStruct>();
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
    if (mm) {
      mmByPid.set(pid, mm);
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
  const nb0 = () => (k.numab ? k.numab.numaHintFaults : 0);
  const counters = { faults: 0, hintFaults: 0, blocked: 0, oom: 0, segv: 0, skipped: 0, kswapdRuns: 0, tppFiltered: 0 };
  let totalAcc = 0;
  let totalHits = 0;
  let epAcc = 0;
  let epHits = 0;
  let epEntries = 0;
  let epStart = clock.nowNs;
  let fastBound = 0;
  let slowBound = 0;
  let epFastBound = 0;
  let epSlowBound = 0;
  let countdown = period > 0 ? period : 0;
  let sinceKswapd = 0;
  const faultsStart = vm.event(PGFAULT);
  const hintStart = nb0();

  const epochStartOracle = () => {
    if (!cfg.oracle) return;
    const plan = stack.placement.plan(ctx, hot, Number.MAX_SAFE_INTEGER);
    stack.mover.run(ctx, plan);
  };

  const closeEpoch = () => {
    runPendingKswapd(k);
    const dur = clock.nowNs - epStart;
    ctx.epochNs = dur;
    memory.accesses.set(nodeAcc);
    memory.latencyNs.set(nodeNs);
    stack.rateLimiter.refill(ctx);
    stack.sampler.epoch(ctx);
    if (!cfg.oracle) {
      const budget = stack.rateLimiter.budgetPages();
      const plan = stack.placement.plan(ctx, hot, budget);
      const moved = stack.mover.run(ctx, plan);
      stack.rateLimiter.consume(moved + plan.demote.length);
    }
    hot.epoch(ctx);
    runPendingKswapd(k);
    // loaded latency for the next epoch, from this epoch's offered bandwidth
    const span = Math.max(1, clock.nowNs - epStart);
    for (let n = 0; n < nrNodes; n++) {
      factor[n] = loadFactor((nodeAcc[n]! * cost.bytesPerAccess) / span / bw[n]!, ll);
      nodeAcc[n] = 0;
      nodeNs[n] = 0;
    }
    if (ll) {
      fastBoundFactor = loadFactor((epAcc * cost.bytesPerAccess) / Math.max(1, epFastBound) / bw[fastNid]!, ll);
      slowBoundFactor = loadFactor((epAcc * cost.bytesPerAccess) / Math.max(1, epSlowBound) / bw[slowNid]!, ll);
    }
    const rec = metrics.endEpoch(clock.nowNs, epAcc, epHits);
    opts.onEpoch?.(rec, metrics.perEpoch.length - 1);
    ctx.epoch = metrics.perEpoch.length;
    epAcc = 0;
    epHits = 0;
    epEntries = 0;
    epFastBound = 0;
    epSlowBound = 0;
    epStart = clock.nowNs;
    epochStartOracle();
  };

  const pt = k.pgtables;
  const source = isFn(opts.source) ? opts.source() : opts.source;
  epochStartOracle();
  for await (const b of batchesOf(source)) {
    for (let i = 0; i < b.length; i++) {
      const pid = b.pid[i]!;
      const addr = b.addr[i]!;
      const write = b.write[i] === 1;
      const w = b.weight[i]!;
      const mm = mmFor(pid);
      if (!mm || !(addr >= 0x10000 && addr < TASK_SIZE)) {
        counters.skipped += w;
      } else {
        const size = b.size[i]!;
        const pages = size > 0 && (addr % 4096) + size > 4096 ? 2 : 1;
        for (let p = 0; p < pages; p++) {
          const a = p === 0 ? addr : Math.floor(addr / 4096) * 4096 + 4096;
          const f0 = vm.event(PGFAULT);
          const h0 = nb0();
          let r = accessVirtual(k, mm, a, write);
          if (r === ACCESS_SEGV && autoMap && mapAround(mm, a)) r = accessVirtual(k, mm, a, write);
          const df = vm.event(PGFAULT) - f0;
          const dh = nb0() - h0;
          // a hint fault is a page fault (PGFAULT counts it): charged as a hint fault only
          if (df > dh) {
            clock.advance((df - dh) * cost.faultNs);
            time.fault += (df - dh) * cost.faultNs;
          }
          if (dh) {
            clock.advance(dh * cost.hintFaultNs);
            time.hintFault += dh * cost.hintFaultNs;
          }
          if (r !== ACCESS_OK) {
            if (r === ACCESS_BLOCKED) {
              counters.blocked += w;
              clock.advance(cost.blockedWaitNs);
              time.blocked += cost.blockedWaitNs;
            } else if (r === ACCESS_OOM) counters.oom += w;
            else counters.segv += w;
            continue;
          }
          const pfn = ptePfn(pt.leaf[pt.off]!);
          const nid = topo.pfnToNid(pfn);
          const fl = write ? wl[fastNid]! : rl[fastNid]!;
          const sl = write ? wl[slowNid]! : rl[slowNid]!;
          const an = ((write ? wl[nid]! : rl[nid]!) * factor[nid]! * w) / conc;
          clock.advance(an);
          time.access += an;
          nodeAcc[nid]! += w;
          nodeNs[nid]! += an;
          const fb = (fl * fastBoundFactor * w) / conc;
          const sb = (sl * slowBoundFactor * w) / conc;
          fastBound += fb;
          slowBound += sb;
          epFastBound += fb;
          epSlowBound += sb;
          totalAcc += w;
          epAcc += w;
          if (isFast[nid]) {
            totalHits += w;
            epHits += w;
          }
          if (period > 0 && --countdown <= 0) {
            countdown = period;
            stack.sampler.sample(pfn, write, w);
          }
        }
      }
      if (++sinceKswapd >= 256) {
        sinceKswapd = 0;
        wakeupProactiveDemotion(k);
        runPendingKswapd(k);
        if (k.numab) for (const m of k.mms) {
          const n = taskNumaWork(k, m);
          if (n) {
            clock.advance(n * cost.scanNsPerPte);
            time.scan += n * cost.scanNsPerPte;
          }
        }
      }
      if (++epEntries >= epochAccesses || clock.nowNs - epStart >= epochNsLimit) closeEpoch();
    }
  }
  if (epEntries > 0) closeEpoch();

  counters.faults = vm.event(PGFAULT) - faultsStart;
  counters.hintFaults = nb0() - hintStart;
  counters.kswapdRuns = Array.from(vmscan.kswapdRuns).reduce((a, b) => a + b, 0);
  counters.tppFiltered = k.numab?.tppFiltered ?? 0;
  const vmstat = vm.procVmstat();
  vmstat["numa_hint_faults"] = k.numab?.numaHintFaults ?? 0;
  vmstat["numa_hint_faults_local"] = k.numab?.numaHintFaultsLocal ?? 0;
  vmstat["numa_pte_updates"] = k.numab?.numaPteUpdates ?? 0;
  const conv = convergence(metrics.perEpoch, opts.phaseChanges ?? []);
  return {
    stack: cfg.name,
    hitRatio: totalAcc > 0 ? totalHits / totalAcc : 0,
    accesses: totalAcc,
    perEpoch: metrics.perEpoch,
    runtimeNs: clock.nowNs - t0,
    vmstat,
    folioxOwnCounters: [...FOLIOX_OWN_COUNTERS],
    anonFileRatio: metrics.anonFileRatio(),
    pingPong: metrics.pingPong,
    migrationBytes: metrics.migrationBytes,
    promotions: metrics.totalPromotions,
    demotions: metrics.totalDemotions,
    exchanges: metrics.totalExchanges,
    failures: { ...metrics.totalFailures },
    convergenceNs: conv.meanNs,
    bounds: { allFastRuntime: fastBound, allSlowRuntime: slowBound },
    time,
    counters,
  };
}

/**
 * The bounds alone, without a kernel: the same accesses costed at the fast node's and the slow
 * node's idle latency (weights counted, divided by concurrency). No faults, no moves.
 */
export function boundsRuntime(
  k: Kernel,
  batches: Iterable<AccessBatch>,
  cost: Partial<Pick<CostOptions, "concurrency">> = {},
): { allFastRuntime: number; allSlowRuntime: number } {
  const fast = k.topo.nodes.find((n) => k.tiers.nodeIsToptier(n.nid))!;
  const slow = k.topo.nodes.find((n) => !k.tiers.nodeIsToptier(n.nid)) ?? fast;
  const conc = cost.concurrency ?? 1;
  let f = 0;
  let s = 0;
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const w = b.weight[i]!;
      const pages = b.size[i]! > 0 && (b.addr[i]! % 4096) + b.size[i]! > 4096 ? 2 : 1;
      if (b.write[i]) {
        f += (pages * w * fast.spec.perf.writeLatencyNs) / conc;
        s += (pages * w * slow.spec.perf.writeLatencyNs) / conc;
      } else {
        f += (pages * w * fast.spec.perf.readLatencyNs) / conc;
        s += (pages * w * slow.spec.perf.readLatencyNs) / conc;
      }
    }
  }
  return { allFastRuntime: f, allSlowRuntime: s };
}
