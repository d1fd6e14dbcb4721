/**
 * The `foliox exchange` scenario, with no I/O: build a system whose fast and slow nodes are both
 * full (docs/decisions.md#memory-pressure), show that migrate_pages() cannot promote a hot slow-tier folio (no free
 * page on the fast node: -ENOMEM), then exchange it with a cold fast-tier folio, which needs no
 * free page. Every exchange step is recorded from the mm_folio_exchange_step tracepoint with
 * both folios' state at that instant. The result is plain data (no timestamps): the same options
 * give the same report.
 */
import { registerAnon } from "@foliox/anon";
import {
  EBUSY,
  ENOMEM,
  EVENT_NAMES,
  FOLIOX_OWN_COUNTERS,
  GFP_HIGHUSER_MOVABLE,
  GFP_TRANSHUGE_LIGHT,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MR_NUMA_MISPLACED,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  PGPROMOTE_CANDIDATE,
  PGPROMOTE_SUCCESS,
  WMARK_HIGH,
  WMARK_LOW,
  WMARK_MIN,
  WMARK_PROMO,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIM,
  __GFP_THISNODE,
  allocMisplacedDstFolio,
  checkIntegrity,
  checkInvariants,
  createSystem,
  errnoName,
  folioExchange,
  gfpName,
  isolateFolioForMigration,
  migrateModeName,
  migratePages,
  migrateReasonName,
  putbackMovablePages,
  type IntegrityViolation,
  type Kernel,
  type TraceEvents,
} from "@foliox/core";
import { buildPressureScenario, type NodePressure } from "@foliox/tiering";
import { folioState, findPtes, pairState, type FolioState } from "./snapshot.js";

const MiB = 1024 * 1024;

export interface ExchangeDemoOptions {
  seed: number;
  /** folio order of the hot/cold pair: 0 or 9 */
  order: number;
  /** bytes mode: real 4 KiB per page */
  bytes: boolean;
  /** bytes per node [fast, slow]; default 16 MiB each */
  memory?: [number, number];
}

export interface PairStep {
  step: string;
  rc: number;
  old: FolioState;
  new: FolioState;
}

export interface FolioStep {
  step: string;
  rc: number;
  folio: FolioState;
}

export interface Expectation {
  name: string;
  ok: boolean;
  expected: string;
  actual: string;
  /** why it matters, for the failure message */
  why: string;
}

export interface ExchangeDemoReport {
  command: "exchange";
  kernel: string;
  seed: number;
  order: number;
  bytes: boolean;
  ok: boolean;
  hot: { pid: number; addr: string; pfn: number; nid: number };
  cold: { pid: number; addr: string; pfn: number; nid: number };
  migrate: {
    rc: number;
    errno: string;
    call: string;
    mode: string;
    reason: string;
    targetNid: number;
    getNewFolio: string;
    gfp: string;
    /** page-allocator calls made inside migrate_pages(), failed ones included */
    allocations: number;
    /** the mm_migrate_pages tracepoint's payload */
    stats: TraceEvents["mm_migrate_pages"][0] | null;
    steps: FolioStep[];
    note: string;
  };
  exchange: {
    rc: number;
    errno: string;
    call: string;
    mode: string;
    /** page-allocator calls made inside folio_exchange(), failed ones included */
    allocations: number;
    before: { old: FolioState; new: FolioState };
    steps: PairStep[];
  };
  integrity: { ok: boolean; pagesChecked: number; violations: IntegrityViolation[] };
  invariants: string[];
  vmstat: {
    events: Record<string, number>;
    /** counters Linux does not have (docs/decisions.md#pgpromote-fail) */
    folioxOwn: string[];
    nodes: {
      nid: number;
      nr_free_pages: number;
      watermarks: { min: number; low: number; high: number; promo: number };
      nr_isolated_anon: number;
      nr_isolated_file: number;
      pgpromote_success: number;
      pgpromote_candidate: number;
    }[];
  };
  pressure: {
    definition: string;
    nodes: NodePressure[];
    /** base pages faulted in by the fast-node and slow-node fillers */
    filled: number[];
    reclaimFailed: boolean;
  };
  system: {
    topology: string;
    nodes: { nid: number; name: string; tier: "fast" | "slow"; bytes: number; pages: number; zone: string }[];
  };
  expectations: Expectation[];
}

const FULL_DEFINITION =
  "every zone at or below WMARK_MIN + lowmem_reserve (an order-0 ALLOC_WMARK_MIN allocation without reserves is refused), " +
  "direct reclaim freed nothing, no swap; the promotion allocates __GFP_THISNODE without reclaim (docs/decisions.md#memory-pressure)";

/** The gfp mask alloc_misplaced_dst_folio() uses for a folio of this order (mm/migrate.c). */
function promotionGfp(order: number): number {
  return order > 0
    ? __GFP_THISNODE | GFP_TRANSHUGE_LIGHT
    : (__GFP_THISNODE | GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY | __GFP_NOWARN) & ~__GFP_RECLAIM;
}

const EVENTS_SHOWN = [
  "pgmigrate_success",
  "pgmigrate_fail",
  "thp_migration_success",
  "thp_migration_fail",
  "thp_migration_split",
  "pgexchange_success",
  "pgexchange_fail",
];

function vmstatReport(k: Kernel): ExchangeDemoReport["vmstat"] {
  const events: Record<string, number> = {};
  for (const name of EVENTS_SHOWN) events[name] = k.vmstat.event(EVENT_NAMES.indexOf(name as (typeof EVENT_NAMES)[number]));
  return {
    events,
    folioxOwn: EVENTS_SHOWN.filter((n) => FOLIOX_OWN_COUNTERS.includes(n)),
    nodes: k.topo.nodes.map((node) => {
      const wm = (i: number) => node.zones.reduce((s, z) => s + k.alloc.wmarkPages(z, i), 0);
      return {
        nid: node.nid,
        nr_free_pages: k.alloc.nodeFreePages(node.nid),
        watermarks: { min: wm(WMARK_MIN), low: wm(WMARK_LOW), high: wm(WMARK_HIGH), promo: wm(WMARK_PROMO) },
        nr_isolated_anon: k.vmstat.nodePage(node.nid, NR_ISOLATED_ANON),
        nr_isolated_file: k.vmstat.nodePage(node.nid, NR_ISOLATED_FILE),
        pgpromote_success: k.vmstat.nodePage(node.nid, PGPROMOTE_SUCCESS),
        pgpromote_candidate: k.vmstat.nodePage(node.nid, PGPROMOTE_CANDIDATE),
      };
    }),
  };
}

function expect(name: string, ok: boolean, expected: string, actual: string, why: string): Expectation {
  return { name, ok, expected, actual, why };
}

export function runExchangeDemo(opts: ExchangeDemoOptions): ExchangeDemoReport {
  const memory = opts.memory ?? [16 * MiB, 16 * MiB];
  const { kernel: k } = createSystem({ backends: [registerAnon], seed: opts.seed, bytes: opts.bytes, memory });
  const fastNid = 0;
  const slowNid = 1;
  const scenario = buildPressureScenario(k, { order: opts.order, fastNid, slowNid });
  const { hot, cold } = scenario;
  const snap = (head: number) => folioState(k, head, findPtes(k, [head]).get(head)!);

  // 1. NUMA promotion of the hot folio: isolate, migrate_pages(), putback.
  const migrateSteps: FolioStep[] = [];
  const from = k.lists.alloc();
  const isolated = isolateFolioForMigration(k, hot.head, from);
  migrateSteps.push({ step: "folio_isolate_lru", rc: isolated ? 0 : -EBUSY, folio: snap(hot.head) });
  let migrateRc = -EBUSY;
  let migrateAllocs = 0;
  let stats: TraceEvents["mm_migrate_pages"][0] | null = null;
  if (isolated) {
    const onStats = (e: TraceEvents["mm_migrate_pages"][0]) => (stats = { ...e });
    k.trace.on("mm_migrate_pages", onStats);
    const calls = k.alloc.nrAllocCalls;
    migrateRc = migratePages(k, from, allocMisplacedDstFolio, null, fastNid, MIGRATE_ASYNC, MR_NUMA_MISPLACED);
    migrateAllocs = k.alloc.nrAllocCalls - calls;
    k.trace.off("mm_migrate_pages", onStats);
    migrateSteps.push({ step: "migrate_pages", rc: migrateRc, folio: snap(hot.head) });
    // migrate_misplaced_folio(): whatever was not migrated goes back.
    if (!from.isEmpty()) {
      putbackMovablePages(k, from);
      migrateSteps.push({ step: "putback_movable_pages", rc: 0, folio: snap(hot.head) });
    }
  }
  from.release();

  // 2. Exchange the hot folio with the cold one, one snapshot per step.
  const before = pairState(k, hot.head, cold.head);
  const steps: PairStep[] = [];
  const onStep = (e: TraceEvents["mm_folio_exchange_step"][0]) => {
    const s = pairState(k, e.oldPfn, e.newPfn);
    steps.push({ step: e.step, rc: e.rc, old: s.old, new: s.new });
  };
  k.trace.on("mm_folio_exchange_step", onStep);
  const calls = k.alloc.nrAllocCalls;
  const exchangeRc = folioExchange(k, hot.head, cold.head, MIGRATE_SYNC);
  const exchangeAllocs = k.alloc.nrAllocCalls - calls;
  k.trace.off("mm_folio_exchange_step", onStep);

  const integrity = checkIntegrity(k);
  const invariants = checkInvariants(k, { quiescent: true });
  const expectations = [
    expect(
      "migrate rc",
      migrateRc === -ENOMEM,
      `-ENOMEM (${-ENOMEM})`,
      `${errnoName(migrateRc)} (${migrateRc})`,
      `migrate_pages() should fail for want of a free page on node ${fastNid}`,
    ),
    expect(
      "exchange rc",
      exchangeRc === 0,
      "0",
      exchangeRc === 0 ? "0" : `${errnoName(exchangeRc)} (${exchangeRc})`,
      "folio_exchange() should swap the pair in place",
    ),
    expect("exchange allocations", exchangeAllocs === 0, "0", String(exchangeAllocs), "folio exchange must not call the page allocator"),
    expect(
      "integrity",
      integrity.ok,
      "ok",
      integrity.ok ? "ok" : `${integrity.violations.length} violations`,
      "every virtual page must read back the data last written there",
    ),
    expect(
      "invariants",
      invariants.length === 0,
      "[]",
      invariants.length === 0 ? "[]" : `${invariants.length} violations: ${invariants[0]}`,
      "checkInvariants(k, { quiescent: true }) must be clean",
    ),
  ];
  const where = (t: { task: { pid: number }; addr: number; head: number }) => ({
    pid: t.task.pid,
    addr: `0x${t.addr.toString(16)}`,
    pfn: t.head,
    nid: k.folioNid(t.head),
  });

  return {
    command: "exchange",
    kernel: k.options.kernel,
    seed: opts.seed,
    order: opts.order,
    bytes: opts.bytes,
    ok: expectations.every((e) => e.ok),
    hot: where(hot),
    cold: where(cold),
    migrate: {
      rc: migrateRc,
      errno: errnoName(migrateRc),
      call: "migrate_pages",
      mode: migrateModeName(MIGRATE_ASYNC),
      reason: migrateReasonName(MR_NUMA_MISPLACED),
      targetNid: fastNid,
      getNewFolio: "alloc_misplaced_dst_folio",
      gfp: gfpName(promotionGfp(opts.order)),
      allocations: migrateAllocs,
      stats,
      steps: migrateSteps,
      note:
        "migrate_pages() is called directly, as migrate_misplaced_folio() would after its prepare step; " +
        "v6.12's migrate_misplaced_folio_prepare() would already refuse an unbalanced node with -EAGAIN and wake kswapd",
    },
    exchange: {
      rc: exchangeRc,
      errno: errnoName(exchangeRc),
      call: "folio_exchange",
      mode: migrateModeName(MIGRATE_SYNC),
      allocations: exchangeAllocs,
      before,
      steps,
    },
    integrity: { ok: integrity.ok, pagesChecked: integrity.pagesChecked, violations: integrity.violations },
    invariants,
    vmstat: vmstatReport(k),
    pressure: { definition: FULL_DEFINITION, nodes: scenario.nodes, filled: scenario.filled, reclaimFailed: scenario.reclaimFailed },
    system: {
      topology: k.topo.spec.name,
      nodes: k.topo.nodes.map((n) => ({
        nid: n.nid,
        name: n.spec.name,
        tier: k.tiers.nodeIsToptier(n.nid) ? "fast" : "slow",
        bytes: n.spec.memory,
        pages: n.nrPages,
        zone: n.spec.zone,
      })),
    },
    expectations,
  };
}
