/**
 * The scenarios `foliox explore` runs: two to four kernel operations on a small system with
 * every built-in backend (anon with its swap cache and KSM, ext4, tmpfs), each a race the
 * exchange and migration paths must survive — a fault on the migration entry, a second mover,
 * truncate, write(2), reclaim, writeback completion, ksmd. The folios come from the backends'
 * own conformance fixtures, so each is made the way the conformance suite makes it.
 *
 * A scenario is built afresh for every interleaving (the explorer is stateless), with one seed:
 * the same schedule always gives the same run. The exchange runs with the mover given (foliox's,
 * or the conformance suite's seed-literal to show the explorer catches its defects).
 */
import "reflect-metadata";
import { registerAnon, KsmdScanStep } from "@foliox/anon";
import {
  ExchangeStep,
  FaultStep,
  FileReadStep,
  FileWriteStep,
  ForkStep,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MigrateStep,
  MunmapStep,
  ReclaimStep,
  TruncateStep,
  WritebackStep,
  createSystem,
  fixtureInode,
  type ExploreOp,
  type ExploreScenario,
  type FixtureFolio,
  type FixtureState,
  type FolioExchange,
  type FolioTarget,
  type Kernel,
} from "@foliox/core";
import { registerExt4 } from "@foliox/fs-ext4";
import { registerTmpfs } from "@foliox/fs-tmpfs";

const MiB = 1024 * 1024;
/** Small enough that a check after every step is cheap, large enough for every fixture. */
const MEMORY: [number, number] = [4 * MiB, 4 * MiB];
const SWAP_PAGES = 256;

/** What a scenario's set-up gets: the system, the mover, and a way to make folios. */
export interface ScenarioSetup {
  k: Kernel;
  ex: FolioExchange;
  /** a mapped folio of `backend` on node `nid` (1: the slow tier), made by its conformance fixture */
  folio(backend: string, nid: number, state?: FixtureState): FixtureFolio;
}

/** The user address of a fixture folio: the ops resolve it to the frame holding its data when they start. */
export function at(f: FixtureFolio): FolioTarget {
  return { mm: f.task.mm!, addr: f.addr };
}

interface ScenarioSpec {
  name: string;
  description: string;
  ops(s: ScenarioSetup): ExploreOp[];
}

function buildScenario(spec: ScenarioSpec, ex: FolioExchange): ExploreScenario {
  return {
    name: spec.name,
    description: spec.description,
    build() {
      const { kernel: k } = createSystem({ memory: MEMORY, seed: 1, swapPages: SWAP_PAGES, backends: [registerAnon, registerExt4, registerTmpfs] });
      const folio = (backend: string, nid: number, state?: FixtureState): FixtureFolio => {
        const fixture = k.backends.byName(backend)?.conformance;
        if (!fixture) throw new Error(`explore: backend "${backend}" has no conformance fixture`);
        return fixture.makeFolio(k, nid, 0, state ? { state } : {});
      };
      return { k, ops: spec.ops({ k, ex, folio }) };
    },
  };
}

const SCENARIOS: readonly ScenarioSpec[] = [
  {
    name: "exchange-faults",
    description: "a SYNC exchange of two anon folios against a store to one and a load from the other (faults on the migration entries)",
    ops: ({ k, ex, folio }) => {
      const a = folio("anon", 1);
      const b = folio("anon", 0);
      return [new ExchangeStep(k, at(a), at(b), MIGRATE_SYNC, { ex }), new FaultStep(k, a.task.mm!, a.addr, true), new FaultStep(k, b.task.mm!, b.addr, false)];
    },
  },
  {
    name: "exchange-abba",
    description: "exchange(A, B) against exchange(B, A), both SYNC: the folio locks must be taken in one order",
    ops: ({ k, ex, folio }) => {
      const a = folio("anon", 1);
      const b = folio("anon", 0);
      return [new ExchangeStep(k, a.head, b.head, MIGRATE_SYNC, { ex }), new ExchangeStep(k, b.head, a.head, MIGRATE_SYNC, { ex })];
    },
  },
  {
    name: "exchange-migrate",
    description: "a SYNC exchange against move_pages() of the same page to the fast node and a load of it",
    ops: ({ k, ex, folio }) => {
      const a = folio("anon", 1);
      const b = folio("anon", 0);
      return [new ExchangeStep(k, at(a), at(b), MIGRATE_SYNC, { ex }), new MigrateStep(k, at(a), 0, MIGRATE_SYNC), new FaultStep(k, a.task.mm!, a.addr, false)];
    },
  },
  {
    name: "exchange-munmap-fork",
    description: "an ASYNC exchange against munmap() of one side and fork() of the other's process",
    ops: ({ k, ex, folio }) => {
      const a = folio("anon", 1);
      const b = folio("anon", 0);
      return [new ExchangeStep(k, at(a), at(b), MIGRATE_ASYNC, { ex }), new MunmapStep(k, b.task.mm!, b.addr, b.len), new ForkStep(k, a.task)];
    },
  },
  {
    name: "exchange-swapcache-reclaim",
    description: "a swap-cache anon folio exchanged (SYNC) against its reclaim, the swap I/O's completion and a load",
    ops: ({ k, ex, folio }) => {
      const s = folio("anon", 1, "swapcache");
      const b = folio("anon", 0);
      return [
        new ExchangeStep(k, at(s), at(b), MIGRATE_SYNC, { ex }),
        new ReclaimStep(k, at(s)),
        new WritebackStep(k),
        new FaultStep(k, s.task.mm!, s.addr, false),
      ];
    },
  },
  {
    name: "file-exchange-truncate",
    description: "an ext4 (1 KiB blocks) folio exchanged with an anon one (SYNC) against truncate of its file and read(2) of the page",
    ops: ({ k, ex, folio }) => {
      const f = folio("ext4-1k", 1);
      const a = folio("anon", 0);
      const inode = fixtureInode(f);
      return [new ExchangeStep(k, f.head, a.head, MIGRATE_SYNC, { ex }), new TruncateStep(k, inode, 0), new FileReadStep(k, inode, 0)];
    },
  },
  {
    name: "file-exchange-write",
    description: "a tmpfs folio exchanged with an ext4 one (SYNC) against write(2) to the first and read(2) of the second",
    ops: ({ k, ex, folio }) => {
      const t = folio("tmpfs", 1);
      const e = folio("ext4-4k", 0);
      return [new ExchangeStep(k, t.head, e.head, MIGRATE_SYNC, { ex }), new FileWriteStep(k, fixtureInode(t), 0), new FileReadStep(k, fixtureInode(e), 0)];
    },
  },
  {
    name: "writeback-exchange",
    description: "an ext4 folio under writeback exchanged (SYNC) against the I/O's completion and a store through its mapping",
    ops: ({ k, ex, folio }) => {
      const w = folio("ext4-4k", 1, "writeback");
      const a = folio("anon", 0);
      return [new ExchangeStep(k, w.head, a.head, MIGRATE_SYNC, { ex }), new WritebackStep(k), new FaultStep(k, w.task.mm!, w.addr, true)];
    },
  },
  {
    name: "file-migrate-truncate",
    description: "move_pages() of an ext4 folio (SYNC) against truncate of its file and read(2)",
    ops: ({ k, folio }) => {
      const f = folio("ext4-4k", 1);
      const inode = fixtureInode(f);
      return [new MigrateStep(k, at(f), 0, MIGRATE_SYNC), new TruncateStep(k, inode, 0), new FileReadStep(k, inode, 0)];
    },
  },
  {
    name: "ksm-exchange-ksmd",
    description: "a KSM folio exchanged with an anon one (SYNC) against a ksmd scan and a load of the KSM page",
    ops: ({ k, ex, folio }) => {
      const m = folio("anon", 1, "ksm");
      const a = folio("anon", 0);
      return [new ExchangeStep(k, m.head, a.head, MIGRATE_SYNC, { ex }), new KsmdScanStep(k), new FaultStep(k, m.task.mm!, m.addr, false)];
    },
  },
  {
    name: "ksm-ksm-exchange-ksmd",
    description:
      "two KSM folios of different stable nodes exchanged (SYNC: ksm_thread_mutex, then the folio locks) against a ksmd scan and a store that breaks COW",
    ops: ({ k, ex, folio }) => {
      const m = folio("anon", 1, "ksm");
      const n = folio("anon", 0, "ksm");
      return [new ExchangeStep(k, m.head, n.head, MIGRATE_SYNC, { ex }), new KsmdScanStep(k), new FaultStep(k, n.task.mm!, n.addr, true)];
    },
  },
  {
    name: "exchange-fork-cow",
    description: "a SYNC exchange against fork() of one side's process and a store to that side (a COW of a page under exchange)",
    ops: ({ k, ex, folio }) => {
      const a = folio("anon", 1);
      const b = folio("anon", 0);
      return [new ExchangeStep(k, at(a), at(b), MIGRATE_SYNC, { ex }), new ForkStep(k, a.task), new FaultStep(k, a.task.mm!, a.addr, true)];
    },
  },
  {
    name: "migrate-migrate",
    description: "two move_pages() of one page (SYNC to the fast node, ASYNC back) against a store to it",
    ops: ({ k, folio }) => {
      const a = folio("anon", 1);
      return [new MigrateStep(k, at(a), 0, MIGRATE_SYNC), new MigrateStep(k, at(a), 1, MIGRATE_ASYNC), new FaultStep(k, a.task.mm!, a.addr, true)];
    },
  },
  {
    name: "shmem-exchange-swapout",
    description: "a tmpfs folio exchanged with an anon one (SYNC) against its swap-out (shmem_writepage), the I/O's completion and read(2)",
    ops: ({ k, ex, folio }) => {
      const t = folio("tmpfs", 1);
      const a = folio("anon", 0);
      return [
        new ExchangeStep(k, t.head, a.head, MIGRATE_SYNC, { ex }),
        new ReclaimStep(k, t.head),
        new WritebackStep(k),
        new FileReadStep(k, fixtureInode(t), 0),
      ];
    },
  },
];

/** The names of the built-in scenarios, in the order they run. */
export const EXPLORE_SCENARIO_NAMES: readonly string[] = SCENARIOS.map((s) => s.name);

/** The built-in scenarios (all, or the named ones, in catalogue order), exchanging with `ex`. */
export function exploreScenarios(ex: FolioExchange, names?: readonly string[]): ExploreScenario[] {
  const want = names && names.length > 0 ? new Set(names) : null;
  return SCENARIOS.filter((s) => !want || want.has(s.name)).map((s) => buildScenario(s, ex));
}

/** Each built-in scenario's name and description. */
export function describeScenarios(): { name: string; description: string }[] {
  return SCENARIOS.map((s) => ({ name: s.name, description: s.description }));
}
