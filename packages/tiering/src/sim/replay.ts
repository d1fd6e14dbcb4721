/**
 * The engine's hot loop: entries of a batch through the LLC filter and the page tables, each
 * costed and counted (steps 1-5 of sim/engine.ts's module comment), with the kernel actors
 * that run between entries: kswapd when woken, and task_numa_work() at the scheduler tick.
 *
 * It is a class of its own, apart from runSimulation(), for the JIT's sake: a path of the loop
 * met for the first time (the first hint fault, the first LLC hit) makes V8 drop the loop's
 * optimized code and compile it again, and in one large async function that recompile cost
 * more CPU than the replay it served. Here the loop is a small synchronous method, and the
 * paths a run meets seldom (faults, errors, a new pid) are methods of their own.
 */
import type { Kernel, MmStruct } from "@foliox/core";
import {
  ACCESS_BLOCKED,
  ACCESS_OK,
  ACCESS_OOM,
  ACCESS_SEGV,
  ADDR_SPLIT,
  accessVirtualSplit,
  addrPageOffset,
  createProcess,
  doMmap,
  PGFAULT,
  pteSpecial,
  taskNumaWork,
  wakeupProactiveDemotion,
} from "@foliox/core";
import type { HeldBatch } from "../stack/oracle.js";
import type { TieringStack } from "../stack/stack.js";
import type { AccessBatch } from "./access-batch.js";
import type { Costs } from "./costs.js";
import type { LlcFilter } from "./llc.js";
import type { SimMetrics } from "./metrics.js";

/** The scheduler tick: CONFIG_HZ=250 (a common distribution default; an assumption). */
export const SCHED_TICK_NS = 4_000_000;
/** kswapd wake-ups are served this often (entries): it runs on its own CPU as soon as woken. */
const KSWAPD_EVERY = 256;

const TASK_SIZE = 2 ** 47 - 4096;

/** Whether the replay takes an entry's address: at or above mmap_min_addr, below TASK_SIZE. */
export function replayableAddr(addr: number): boolean {
  return addr >= 0x10000 && addr < TASK_SIZE;
}
const CHUNK = 2 * 1024 * 1024;

/** The engine's accumulators (indexes into Replay.acc). */
export const ACC_TOTAL = 0; // accesses (weighted), memory or cache
export const ACC_MEMORY = 1; // accesses that reached a memory node
export const ACC_MEMORY_HITS = 2; // … on the fast tier
export const ACC_ZERO_READS = 3;
export const ACC_LLC_HITS = 4;
export const ACC_LLC_MISSES = 5;
export const ACC_EPOCH = 6; // memory accesses this epoch
export const ACC_EPOCH_HITS = 7;
export const ACC_FAST_BOUND = 8; // the run's time had every access gone to the fastest node
export const ACC_SLOW_BOUND = 9; // … to the slowest, fully loaded
const NR_ACC = 10;

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

export interface ReplayCounters {
  faults: number;
  hintFaults: number;
  blocked: number;
  oom: number;
  segv: number;
  skipped: number;
  kswapdRuns: number;
  tppFiltered: number;
}

export interface ReplaySetup {
  k: Kernel;
  cost: Costs;
  stack: TieringStack;
  metrics: SimMetrics;
  llc: LlcFilter | null;
  /** give unknown pids a process and unmapped addresses an anon mapping */
  autoMap: boolean;
  /** the node new processes start on */
  fastNid: number;
  /** 1 for a top-tier node */
  isFast: Uint8Array;
  /** idle latency by node, reads and writes */
  readNs: Float64Array;
  writeNs: Float64Array;
  /** the loaded-latency factor by node (the engine sets it at each epoch's end) */
  factor: Float64Array;
  maxFactor: number;
  /** per node this epoch: offered bytes, accesses and charged latency */
  nodeBytes: Float64Array;
  nodeAcc: Float64Array;
  nodeNs: Float64Array;
  /** the application's time by cause (the engine's movers and hooks add to it too) */
  time: RuntimeBreakdown;
  /** pid → process (the engine's and the parts' view), mm id → pid */
  mmOfPid: Map<number, MmStruct>;
  pidOfMm: Map<number, number>;
  /** the sampler's first countdown (its phase, drawn from the seed) */
  countdown: number;
  epochAccesses: number;
  epochNs: number;
  /** run kswapd for the nodes woken (charged as background CPU by the engine's hooks) */
  kswapdRun: () => void;
}

export class Replay {
  readonly acc = new Float64Array(NR_ACC);
  readonly time: RuntimeBreakdown;
  readonly counters: ReplayCounters = { faults: 0, hintFaults: 0, blocked: 0, oom: 0, segv: 0, skipped: 0, kswapdRuns: 0, tppFiltered: 0 };
  /** the replayed tasks: task_numa_work() runs for them */
  readonly running: MmStruct[] = [];
  entries = 0;
  /** entries of the current epoch, and when it began */
  epEntries = 0;
  epStart: number;
  /** set when the entry just replayed ended an epoch: the engine closes it */
  epochDue = false;

  private readonly k: Kernel;
  private readonly s: ReplaySetup;
  private readonly minRead: number;
  private readonly minWrite: number;
  private readonly maxRead: number;
  private readonly maxWrite: number;
  private readonly period: number;
  private countdown: number;
  private sinceKswapd = 0;
  private nextTick: number;
  private lastPid = -1;
  private lastMm: MmStruct | null = null;

  constructor(s: ReplaySetup) {
    this.k = s.k;
    this.s = s;
    this.time = s.time;
    this.minRead = Math.min(...s.readNs);
    this.minWrite = Math.min(...s.writeNs);
    this.maxRead = Math.max(...s.readNs);
    this.maxWrite = Math.max(...s.writeNs);
    this.period = s.stack.sampler.period;
    this.countdown = s.countdown;
    this.epStart = s.k.clock.nowNs;
    this.nextTick = s.k.clock.nowNs + SCHED_TICK_NS;
  }

  /**
   * Replay entries from `from` on, up to the batch's end or the end of an epoch (epochDue set:
   * the engine closes it, then calls again from the index returned).
   */
  run(b: AccessBatch, from: number): number {
    const k = this.k;
    const s = this.s;
    const clock = k.clock;
    const pt = k.pgtables;
    const topo = k.topo;
    const acc = this.acc;
    const time = this.time;
    const llc = s.llc;
    const cost = s.cost;
    const conc = cost.concurrency;
    const llcNs = cost.llcHitNs;
    const bpa = cost.bytesPerAccess;
    const rl = s.readNs;
    const wl = s.writeNs;
    const factor = s.factor;
    const isFast = s.isFast;
    const nodeBytes = s.nodeBytes;
    const nodeAcc = s.nodeAcc;
    const nodeNs = s.nodeNs;
    const metrics = s.metrics;
    const watch = metrics.watch;
    const sampler = s.stack.sampler;
    const period = this.period;
    // the batch's arrays once: batches of different classes (a TraceBatch, a generator's
    // AccessBatch) would make every b.x load polymorphic
    const bPid = b.pid;
    const bAddr = b.addr;
    const bWrite = b.write;
    const bWeight = b.weight;
    const bSize = b.size;
    // the epoch-oracle's held batches carry the LLC's answers, given as it read them
    const llcHits = (b as Partial<HeldBatch>).llcHits ?? null;
    const len = b.length;
    this.epochDue = false;
    for (let i = from; i < len; i++) {
      const pid = bPid[i]!;
      const addr = bAddr[i]!;
      const write = bWrite[i] === 1;
      const w = bWeight[i]!;
      if (!(w > 0 && w < Infinity)) throw new AccessWeightError(this.entries, w);
      this.entries++;
      const mm = pid === this.lastPid ? this.lastMm : this.mmFor(pid);
      if (!mm || !replayableAddr(addr)) {
        this.counters.skipped += w;
      } else {
        const size = bSize[i]!;
        const pages = size > 0 && addrPageOffset(addr) + size > 4096 ? 2 : 1;
        for (let p = 0; p < pages; p++) {
          const a = p === 0 ? addr : Math.floor(addr / 4096) * 4096 + 4096;
          const cached = llc !== null && (llcHits !== null ? (llcHits[i]! & (1 << p)) !== 0 : llc.access(pid, a));
          // the address split in two int32s (addrHi(), addrLo()): a double passed to a call
          // is boxed every time
          const hi = Math.floor(a * (1 / ADDR_SPLIT));
          const lo = a - hi * ADDR_SPLIT;
          const r = this.access(mm, a, hi, lo, write);
          if (r !== ACCESS_OK) {
            this.failed(r, w);
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
          acc[ACC_FAST_BOUND]! += ((write ? this.minWrite : this.minRead) * w) / conc;
          acc[ACC_SLOW_BOUND]! += ((write ? this.maxWrite : this.maxRead) * s.maxFactor * w) / conc;
          acc[ACC_MEMORY]! += w;
          acc[ACC_EPOCH]! += w;
          if (isFast[nid]) {
            acc[ACC_MEMORY_HITS]! += w;
            acc[ACC_EPOCH_HITS]! += w;
          }
          // promoted in the previous epoch and not touched since (see SimMetrics.watch)
          if ((watch[pfn >>> 5]! & (1 << (pfn & 31))) !== 0) metrics.touch(pfn);
          if (period > 0) {
            this.countdown -= w;
            if (this.countdown <= 0) {
              const n = 1 + Math.floor(-this.countdown / period);
              this.countdown += n * period;
              sampler.sample(pfn, write, n);
            }
          }
        }
      }
      if (++this.sinceKswapd >= KSWAPD_EVERY) {
        this.sinceKswapd = 0;
        wakeupProactiveDemotion(k);
        s.kswapdRun();
      }
      if (clock.nowNs >= this.nextTick) this.tick();
      if (++this.epEntries >= s.epochAccesses || clock.nowNs - this.epStart >= s.epochNs) {
        this.epochDue = true;
        return i + 1;
      }
    }
    return len;
  }

  /** The engine closed an epoch: the next one starts now. */
  epochClosed(): void {
    this.epEntries = 0;
    this.epStart = this.k.clock.nowNs;
  }

  /** Page faults and hint faults of one access: a hint fault is a page fault too (PGFAULT counts it), charged as a hint fault only. */
  private chargeFaults(df: number, dh: number): void {
    const clock = this.k.clock;
    const cost = this.s.cost;
    this.counters.faults += df;
    this.counters.hintFaults += dh;
    if (df > dh) {
      clock.advance((df - dh) * cost.faultNs);
      this.time.fault += (df - dh) * cost.faultNs;
    }
    if (dh) {
      clock.advance(dh * cost.hintFaultNs);
      this.time.hintFault += dh * cost.hintFaultNs;
    }
  }

  /**
   * accessVirtualSplit() of address a (hi, lo: its split), with the page faults and hint faults
   * it took charged. Under autoMap, an access outside every mapping maps around the address and
   * goes again: the trace's program had that mapping, so the attempt before it is not charged.
   */
  private access(mm: MmStruct, a: number, hi: number, lo: number, write: boolean): number {
    const k = this.k;
    const events = k.vmstat.events;
    const nb = k.numaBalancing;
    let f0 = events[PGFAULT]!;
    let h0 = nb.numaHintFaults;
    let r = accessVirtualSplit(k, mm, hi, lo, write);
    if (r === ACCESS_SEGV && this.s.autoMap && this.mapAround(mm, a)) {
      f0 = events[PGFAULT]!;
      h0 = nb.numaHintFaults;
      r = accessVirtualSplit(k, mm, hi, lo, write);
    }
    if (events[PGFAULT]! !== f0) this.chargeFaults(events[PGFAULT]! - f0, nb.numaHintFaults - h0);
    return r;
  }

  private mapAround(mm: MmStruct, addr: number): boolean {
    const k = this.k;
    const base = Math.floor(addr / CHUNK) * CHUNK;
    if (base >= 0x10000 && doMmap(k, mm, CHUNK, { addr: base }) > 0) return true;
    return doMmap(k, mm, 4096, { addr: Math.floor(addr / 4096) * 4096 }) > 0;
  }

  /** An access that did not complete: blocked on a migration entry, out of memory, or a SIGSEGV. */
  private failed(r: number, w: number): void {
    if (r === ACCESS_BLOCKED) {
      const ns = this.s.cost.blockedWaitNs;
      this.counters.blocked += w;
      this.k.clock.advance(ns);
      this.time.blocked += ns;
    } else if (r === ACCESS_OOM) this.counters.oom += w;
    else this.counters.segv += w;
  }

  /** The process of a pid: a replayed task from now on (or a new one, with autoMap). */
  private mmFor(pid: number): MmStruct | null {
    const k = this.k;
    const s = this.s;
    let mm = s.mmOfPid.get(pid) ?? k.tasks.get(pid)?.mm ?? null;
    if (!mm && s.autoMap) {
      const t = createProcess(k, { nid: s.fastNid });
      mm = t.mm!;
      s.pidOfMm.set(mm.id, pid);
    }
    if (mm && !s.mmOfPid.has(pid)) {
      s.mmOfPid.set(pid, mm);
      if (!this.running.includes(mm)) this.running.push(mm);
      if (!s.pidOfMm.has(mm.id)) s.pidOfMm.set(mm.id, pid);
    }
    this.lastPid = pid;
    this.lastMm = mm;
    return mm;
  }

  /** task_tick_numa(): each running task queues task_numa_work() when its scan is due. */
  private tick(): void {
    const k = this.k;
    this.nextTick = k.clock.nowNs + SCHED_TICK_NS;
    const nb = k.numab;
    if (!nb) return;
    const v0 = nb.numaPteVisits;
    for (const m of this.running) taskNumaWork(k, m);
    const visits = nb.numaPteVisits - v0;
    if (visits) {
      // change_pte_range() examines every PTE of the chunks it walks, in the task's context
      const ns = visits * this.s.cost.scanNsPerPte;
      k.clock.advance(ns);
      this.time.scan += ns;
    }
  }
}
