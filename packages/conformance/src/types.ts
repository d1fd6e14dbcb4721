/**
 * Conformance cases as data: runner-agnostic, so that a backend package's vitest suite, the
 * cross-backend matrix and `foliox conformance` run the very same checks.
 *
 * A case says which pairs of backends it applies to from their capability manifests alone
 * (`applies`), and `run` throws a ConformanceFailure (or any error) when the mover under test
 * breaks the property. A case that does not apply is reported "n/a (manifest: <requires>)",
 * never silently skipped.
 */
import type { DependencyContainer } from "tsyringe";
import type { CapabilityManifest } from "@foliox/core";
import type { ConformanceFixture, FixtureFolio, FixtureFolioOptions } from "@foliox/core";
import type { ExchangeFolios, ExchangeOp, FolioExchange } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import type { MigrateMode } from "@foliox/core";
import type { Task } from "@foliox/core";
import type { UserIntOut, UserPtrArray } from "@foliox/core";

/** A backend as the conformance runner sees it: its manifest and how to register it. */
export interface ConformanceBackend {
  manifest: CapabilityManifest;
  /** registers this backend (and possibly siblings) into a system's container */
  register: (c: DependencyContainer) => void;
  /** where it came from, e.g. "@foliox/anon" or a plugin path (reports only) */
  source?: string;
}

/** The exchange implementation under test: foliox's, or seed-literal (a subclass of foliox's template). */
export interface Mover {
  name: string;
  description: string;
  /** the exchange template: FOLIO_EXCHANGE, or a subclass that overrides some of its steps */
  exchange: FolioExchange;
  /** exchange_folios(2) over `exchange` */
  exchangeFolios: ExchangeFolios;
}

export type Side = "old" | "new";

export interface PairOptions {
  order?: number;
  /** a state (manifest.states) for the old / new folio */
  oldState?: FixtureFolioOptions["state"];
  newState?: FixtureFolioOptions["state"];
  /** map both folios into this one task */
  task?: Task;
}

/** What a case gets: the pair of backends, the mover, and a fresh system per call. */
export interface CaseContext {
  readonly old: CapabilityManifest;
  readonly new: CapabilityManifest;
  readonly mover: Mover;
  /** folio orders both backends support, ascending; `order` is the first */
  readonly orders: readonly number[];
  readonly order: number;
  /** a new system with both backends registered */
  system(): Kernel;
  /** the fixture of one side's backend in system k (throws if the backend has none) */
  fixture(k: Kernel, side: Side): ConformanceFixture;
  /** a folio of one side's backend on node nid */
  folio(k: Kernel, side: Side, nid: number, opts?: FixtureFolioOptions & { order?: number }): FixtureFolio;
  /** the usual pair: old on the slow node (1), new on the fast node (0) */
  pair(k: Kernel, opts?: PairOptions): { old: FixtureFolio; new: FixtureFolio };
  /** folio_exchange() through the mover */
  exchange(k: Kernel, oldHead: number, newHead: number, mode: MigrateMode): number;
  /** an ExchangeOp through the mover, to run phase by phase */
  op(k: Kernel, oldHead: number, newHead: number, mode: MigrateMode): ExchangeOp;
  /** exchange_folios(2) through the mover */
  sysExchangeFolios(k: Kernel, current: Task, pid: number, nr: number, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number;
}

export interface ConformanceCase {
  id: string;
  title: string;
  /** the manifest condition in words, reported as "n/a (manifest: <requires>)" */
  requires?: string;
  applies(old: CapabilityManifest, nw: CapabilityManifest): boolean;
  run(ctx: CaseContext): void;
}

export type CaseStatus = "pass" | "fail" | "n/a";

export interface CaseResult {
  id: string;
  title: string;
  /** false only for a failure; "n/a" is ok */
  ok: boolean;
  status: CaseStatus;
  /** why it failed, or the manifest reason it does not apply */
  detail?: string;
}

export interface PairResult {
  old: string;
  new: string;
  cases: CaseResult[];
}

export interface DefectResult {
  id: string;
  title: string;
  /** caught: some case failed; awaits: no registered pair can show it; missed: it could, and nothing failed */
  status: "caught" | "awaits" | "missed";
  failedCases: string[];
  detail: string;
}

export interface ConformanceReport {
  mover: string;
  backends: string[];
  pairs: PairResult[];
  /** number of failed cases over all pairs */
  failed: number;
  /** per seed defect (docs/decisions.md#seed-defects), for the seed-literal mover */
  defects?: DefectResult[];
}
