/**
 * The cost table: every constant the engine charges simulated time with, in one place, each
 * with its unit, what it costs and where its value comes from (a published figure, or the
 * word "assumption"). A run takes the defaults, then the scenario's `costs:` and the command
 * line's `--cost name=value` on top (resolveCosts()); an unknown name or a value that is not a
 * finite number >= 0 is a CostError naming the field.
 *
 * Moves are calibrated to the Nimble RFC's table (Zi Yan, linux-mm, 2019-04-04; a 2-socket Xeon
 * E5-2650 v3): each row gives a throughput around the whole of migrate_pages() or
 * exchange_pages(), and one around the page copy alone. A move costs
 *
 *     fixed part (batched or not) + bytes ÷ copy bandwidth + (mappings beyond the first) × TLB shootdown
 *
 * - copy bandwidths: the copy-only column for 2 MiB, where the copy dominates: migration
 *   2.481 GB/s (one THP, one thread), exchange 4.225 GB/s (16 THP, one thread);
 * - fixed parts: the 4 KiB whole-operation figure minus its copy. Batched 4 KiB migration runs
 *   at 0.854 GB/s, so one page costs 4096 B ÷ 0.854 GB/s = 4.796 µs, of which 1.651 µs is the
 *   copy: 3.145 µs fixed. Unbatched: 0.312 GB/s, 13.13 µs, 11.48 µs fixed. Batched 4 KiB
 *   exchange: 1.271 GB/s, 3.223 µs per pair, 0.969 µs copy, 2.253 µs fixed. The table has no
 *   unbatched 4 KiB exchange; the unbatched fixed part comes from the single-thread THP
 *   exchange (4.135 GB/s whole, 4.225 GB/s copy: 507.2 − 496.4 = 10.8 µs), assumed to hold
 *   for 4 KiB too.
 * - bytes: the benchmark (move_page_breakdown) is given N pages and the GB/s are N × page size
 *   ÷ time for migration and exchange alike; we read an exchange's N as N pairs, so the
 *   exchange bandwidths count the bytes of one folio of each pair. That reading is an
 *   assumption (the RFC does not say); `--cost exchangeSwapGBps=…` and
 *   `exchangeFixedBatchedNs=…` change it.
 * - the figures were measured on one mapping per page, whose TLB flush they include; each
 *   further mapping (a shared folio) costs tlbShootdownNs.
 * So, by construction, a batched 4 KiB migration costs 4096 B ÷ 0.854 GB/s and a batched
 * 4 KiB exchange 4096 B ÷ 1.271 GB/s (tested).
 */
import { didYouMean } from "../did-you-mean.js";

/** The published figures the move costs are derived from (Nimble RFC table, GB/s). */
export const NIMBLE_RFC_GBPS = {
  /** migrate_pages(), one 4 KiB page */
  migrate4kSingle: 0.312,
  /** migrate_pages(), 512 × 4 KiB, batched */
  migrate4kBatched: 0.854,
  /** copy only, one 2 MiB THP, one thread */
  migrateCopyThp: 2.481,
  /** exchange_pages(), 512 × 4 KiB pairs, batched, one thread */
  exchange4kBatched: 1.271,
  /** exchange_pages(), 16 THP pairs, one thread, whole operation and copy only */
  exchangeThpSingle: 4.135,
  exchangeCopyThp: 4.225,
  /** copy only, one THP, 8 threads (for the parallel fraction) */
  migrateCopyThp8Threads: 9.029,
} as const;

const KiB4 = 4096;
const MiB2 = 2 * 1024 * 1024;
const round = (x: number) => Math.round(x);
const R = NIMBLE_RFC_GBPS;

export const COST_NAMES = [
  "fastReadNs",
  "fastWriteNs",
  "slowReadNs",
  "slowWriteNs",
  "llcHitNs",
  "concurrency",
  "bytesPerAccess",
  "loadedLatencyKappa",
  "loadedLatencyMaxUtil",
  "faultNs",
  "hintFaultNs",
  "blockedWaitNs",
  "scanNsPerPte",
  "pebsSampleNs",
  "migrateFixedNs",
  "migrateFixedBatchedNs",
  "exchangeFixedNs",
  "exchangeFixedBatchedNs",
  "migrateCopyGBps",
  "exchangeSwapGBps",
  "tlbShootdownNs",
  "swapWorkers",
  "parallelFraction",
  "workerHandoffNs",
] as const;
export type CostName = (typeof COST_NAMES)[number];

/** Every constant, resolved: the topology's latencies filled in. */
export type Costs = Record<CostName, number>;
/** What a scenario or the command line may set. */
export type CostOverrides = Partial<Record<CostName, number>>;

export interface CostEntry {
  name: CostName;
  /** the default; null = taken from the topology preset's node */
  value: number | null;
  unit: string;
  what: string;
  source: string;
}

/** The table, in the order docs/tiering.md prints it. */
export const COST_TABLE: readonly CostEntry[] = [
  {
    name: "fastReadNs",
    value: null,
    unit: "ns",
    what: "a load that reaches the fast tier",
    source: "the topology preset (dram-cxl: DRAM 90 ns; DDR5-4800, Intel press note 2018 <100 ns, CXLMemSim default 85 ns)",
  },
  { name: "fastWriteNs", value: null, unit: "ns", what: "a store that reaches the fast tier", source: "the topology preset (dram-cxl: 90 ns)" },
  {
    name: "slowReadNs",
    value: null,
    unit: "ns",
    what: "a load that reaches the slow tier",
    source: "the topology preset (dram-cxl: CXL 220 ns; 170–300 ns on real cards, arXiv 2405.14209; local + 70–90 ns, Pond)",
  },
  { name: "slowWriteNs", value: null, unit: "ns", what: "a store that reaches the slow tier", source: "the topology preset (dram-cxl: 220 ns)" },
  {
    name: "llcHitNs",
    value: 20,
    unit: "ns",
    what: "an access served by the last-level cache (and a read of the zero page, which stays cached)",
    source: "assumption: of the order of a server LLC hit (60–80 cycles)",
  },
  {
    name: "concurrency",
    value: 1,
    unit: "misses",
    what: "memory-level parallelism: accesses in flight; each access costs latency ÷ concurrency",
    source: "assumption: one outstanding miss (a dependent pointer chase)",
  },
  { name: "bytesPerAccess", value: 64, unit: "B", what: "bytes one access moves to or from memory, for the loaded-latency curve", source: "one cache line" },
  {
    name: "loadedLatencyKappa",
    value: 0,
    unit: "",
    what: "κ of the loaded-latency curve 1 + κ·u/(1−u) in the node's utilisation u; 0 = idle latency always",
    source: "assumption: the shape Colloid (SOSP '24) measures, not a fit; off by default",
  },
  { name: "loadedLatencyMaxUtil", value: 0.95, unit: "", what: "utilisation cap of the curve (at most 1 + 19κ)", source: "assumption" },
  {
    name: "faultNs",
    value: 1000,
    unit: "ns",
    what: "a page fault that is not a hint fault (first touch, COW)",
    source:
      "assumption, of the order of one informal measurement: a minor anonymous fault's median ≈ 1.0 µs (3241 cycles at 3.2 GHz, Linux 6.6; https://ddumbying.vercel.app/experiments/pagefault-latency)",
  },
  {
    name: "hintFaultNs",
    value: 1000,
    unit: "ns",
    what: "a NUMA hint fault, trap included (not faultNs on top)",
    source: "assumption: the same trap as a minor fault, with do_numa_page()'s bookkeeping instead of an allocation",
  },
  {
    name: "blockedWaitNs",
    value: 5000,
    unit: "ns",
    what: "an access that met a migration entry waits",
    source: "assumption (of the order of one 4 KiB migration)",
  },
  {
    name: "scanNsPerPte",
    value: 5,
    unit: "ns",
    what: "one PTE a scanner visits: change_prot_numa() in task_numa_work(), an accessed-bit scan, a DAMON check",
    source: "assumption",
  },
  { name: "pebsSampleNs", value: 100, unit: "ns", what: "one PEBS sample drained and recorded by the sampling thread", source: "assumption" },
  {
    name: "migrateFixedNs",
    value: round(KiB4 / R.migrate4kSingle - KiB4 / R.migrateCopyThp),
    unit: "ns",
    what: "fixed part of one unbatched migration (unmap, allocate, remap, free; one TLB flush)",
    source: "Nimble RFC: 4 KiB single 0.312 GB/s minus its copy at 2.481 GB/s",
  },
  {
    name: "migrateFixedBatchedNs",
    value: round(KiB4 / R.migrate4kBatched - KiB4 / R.migrateCopyThp),
    unit: "ns",
    what: "fixed part of one migration in a batch",
    source: "Nimble RFC: 512 × 4 KiB batched 0.854 GB/s minus the copy",
  },
  {
    name: "exchangeFixedNs",
    value: round(MiB2 / R.exchangeThpSingle - MiB2 / R.exchangeCopyThp),
    unit: "ns",
    what: "fixed part of one unbatched exchange (unmap and remap two folios, no allocation)",
    source: "Nimble RFC: THP exchange, one thread, 4.135 GB/s whole minus 4.225 GB/s copy; assumed to hold for 4 KiB",
  },
  {
    name: "exchangeFixedBatchedNs",
    value: round(KiB4 / R.exchange4kBatched - KiB4 / R.exchangeCopyThp),
    unit: "ns",
    what: "fixed part of one exchange in a batch",
    source: "Nimble RFC: 512 × 4 KiB exchange batched 1.271 GB/s minus the swap (bytes of one folio per pair: assumption)",
  },
  {
    name: "migrateCopyGBps",
    value: R.migrateCopyThp,
    unit: "GB/s",
    what: "copy bandwidth of one migration, one thread",
    source: "Nimble RFC: copy only, one 2 MiB THP",
  },
  {
    name: "exchangeSwapGBps",
    value: R.exchangeCopyThp,
    unit: "GB/s",
    what: "swap bandwidth of one exchange, one thread, in bytes of one folio of the pair",
    source: "Nimble RFC: exchange copy only, 16 THP, one thread",
  },
  { name: "tlbShootdownNs", value: 1000, unit: "ns", what: "one TLB shootdown for each mapping beyond the first of each folio", source: "assumption" },
  {
    name: "swapWorkers",
    value: 1,
    unit: "threads",
    what: "copy threads per move (1, 2, 4 or 8)",
    source: "the seed's PARALLEL_SINGLE/_2THREAD/_4THREAD/_8THREAD",
  },
  {
    name: "parallelFraction",
    value: 0.829,
    unit: "",
    what: "share of the copy that parallelises (Amdahl)",
    source: "fitted to the Nimble RFC's copy-only THP figures: 2.481 GB/s with one thread, 9.029 GB/s with 8 (3.64×)",
  },
  { name: "workerHandoffNs", value: 1000, unit: "ns", what: "handing one chunk to one copy worker and waiting for it", source: "assumption" },
];

const ENTRY = new Map(COST_TABLE.map((e) => [e.name, e]));

/** A bad cost override: names the field (costs.NAME or --cost NAME) and says what to pass. */
export class CostError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "CostError";
  }
}

/**
 * Check overrides: every name known, every value a finite number >= 0 (swapWorkers one of
 * 1, 2, 4, 8; concurrency > 0; the fractions within [0, 1)). `where(name)` names the field in
 * errors ("costs.faultNs", "--cost faultNs").
 */
export function checkCostOverrides(o: Record<string, unknown>, where: (name: string) => string = (n) => `costs.${n}`): CostOverrides {
  const out: CostOverrides = {};
  for (const [name, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!ENTRY.has(name as CostName)) {
      const guess = didYouMean(name, COST_NAMES);
      throw new CostError(where(name), `unknown cost "${name}"; ${guess ? `did you mean "${guess}"? ` : ""}the costs are: ${COST_NAMES.join(", ")}`);
    }
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new CostError(
        where(name),
        `${JSON.stringify(v)} is not a finite number >= 0; give the ${ENTRY.get(name as CostName)!.unit || "value"} as a non-negative number`,
      );
    }
    if (name === "swapWorkers" && ![1, 2, 4, 8].includes(v)) throw new CostError(where(name), `${v} copy workers: use 1, 2, 4 or 8`);
    if (name === "concurrency" && v === 0) throw new CostError(where(name), "0 accesses in flight: give at least a fraction above 0 (1 = one miss at a time)");
    if ((name === "parallelFraction" || name === "loadedLatencyMaxUtil") && v >= 1) throw new CostError(where(name), `${v} must be below 1`);
    if ((name === "migrateCopyGBps" || name === "exchangeSwapGBps") && v === 0)
      throw new CostError(where(name), "a bandwidth of 0 would make every move last forever; give a positive GB/s");
    out[name as CostName] = v;
  }
  return out;
}

/** Parse the command line's `--cost name=value` (repeatable). */
export function parseCostArg(arg: string, into: CostOverrides = {}): CostOverrides {
  const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(.*)$/.exec(arg);
  if (!m) throw new CostError(`--cost ${arg}`, `expected name=value, e.g. --cost hintFaultNs=2000; the costs are: ${COST_NAMES.join(", ")}`);
  const text = m[2]!.trim();
  const value = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
  const checked = checkCostOverrides({ [m[1]!]: Number.isNaN(value) ? text : value }, (n) => `--cost ${n}`);
  return { ...into, ...checked };
}

/** The table's defaults with the node latencies of the topology, then each layer of overrides. */
export function resolveCosts(
  latency: { fastReadNs: number; fastWriteNs: number; slowReadNs: number; slowWriteNs: number },
  ...layers: (CostOverrides | undefined)[]
): Costs {
  const out = {} as Costs;
  for (const e of COST_TABLE) out[e.name] = e.value ?? latency[e.name as keyof typeof latency];
  for (const l of layers) if (l) Object.assign(out, checkCostOverrides(l as Record<string, unknown>));
  return out;
}

/** The defaults alone, with dram-cxl's latencies (for tests and docs). */
export function defaultCosts(): Costs {
  return resolveCosts({ fastReadNs: 90, fastWriteNs: 90, slowReadNs: 220, slowWriteNs: 220 });
}
