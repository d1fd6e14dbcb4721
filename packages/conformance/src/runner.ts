/**
 * The cross-backend runner: every ordered pair (old backend × new backend) × every case. A case
 * whose manifest gate is false is reported "n/a (manifest: …)"; a case that throws fails with
 * the message. For a seed-literal mover it also runs each seed defect (docs/decisions.md#seed-defects) alone and says which cases
 * caught it, or which backend it awaits.
 */
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import type { Backend } from "@foliox/core";
import { SEED_DEFECTS } from "./seed-literal.js";
import { BACKENDS } from "@foliox/core";
import { CONFORMANCE_CASES } from "./cases/index.js";
import { commonOrders, makeCaseContext } from "./context.js";
import { moverByName } from "./movers.js";
import type { CaseResult, ConformanceBackend, ConformanceCase, ConformanceReport, DefectResult, Mover, PairResult } from "./types.js";

export interface RunOptions {
  backends: readonly ConformanceBackend[];
  /** a Mover or a name ("foliox", "seed-literal", "seed-literal:9b.4"); default foliox */
  mover?: Mover | string;
  /** one name: the pairs that involve it; several: the pairs among them (see conformancePairs) */
  only?: readonly string[];
  cases?: readonly ConformanceCase[];
  /** for seed-literal movers: also run each defect alone (default true) */
  perDefect?: boolean;
  /**
   * The two nodes' bytes in every case's system (default 8 MiB each, 16 MiB with 2 MiB folios):
   * e.g. [256 GiB, 768 GiB] runs the suite on a sparse machine of deferred sections.
   */
  memory?: readonly [number, number];
}

/** The backends one registration function registers, probed in a throwaway container. */
export function probeBackends(register: (c: DependencyContainer) => void, source?: string): ConformanceBackend[] {
  const c = rootContainer.createChildContainer();
  register(c);
  const found = c.isRegistered(BACKENDS) ? (c.resolveAll(BACKENDS) as Backend[]) : [];
  return found.map((b) => ({ manifest: b.manifest, register, source }));
}

/**
 * Ordered pairs, old × new. With one name in `only`, every pair that involves that backend (how
 * it fares against all the others); with two or more, the pairs among the named backends only.
 */
export function conformancePairs(backends: readonly ConformanceBackend[], only?: readonly string[]): [ConformanceBackend, ConformanceBackend][] {
  const names = new Set(backends.map((b) => b.manifest.name));
  for (const n of only ?? []) if (!names.has(n)) throw new RangeError(`unknown backend "${n}"; registered: ${[...names].join(", ")}`);
  const pairs: [ConformanceBackend, ConformanceBackend][] = [];
  for (const a of backends) {
    for (const b of backends) {
      if (only && only.length === 1 && a.manifest.name !== only[0] && b.manifest.name !== only[0]) continue;
      if (only && only.length > 1 && !(only.includes(a.manifest.name) && only.includes(b.manifest.name))) continue;
      pairs.push([a, b]);
    }
  }
  return pairs;
}

export function runCase(
  c: ConformanceCase,
  old: ConformanceBackend,
  nw: ConformanceBackend,
  mover: Mover,
  registerAll: readonly ((c: DependencyContainer) => void)[],
  memory?: readonly [number, number],
): CaseResult {
  const base = { id: c.id, title: c.title };
  if (commonOrders(old.manifest, nw.manifest).length === 0) {
    return { ...base, ok: true, status: "n/a", detail: `manifest: no folio order both backends make (${old.manifest.name}, ${nw.manifest.name})` };
  }
  if (!c.applies(old.manifest, nw.manifest)) return { ...base, ok: true, status: "n/a", detail: `manifest: ${c.requires ?? "does not apply"}` };
  try {
    c.run(makeCaseContext(old, nw, mover, registerAll, memory));
    return { ...base, ok: true, status: "pass" };
  } catch (err) {
    const detail = err instanceof Error ? `${err.name === "ConformanceFailure" ? "" : `${err.name}: `}${err.message}` : String(err);
    return { ...base, ok: false, status: "fail", detail };
  }
}

function runPairs(
  backends: readonly ConformanceBackend[],
  mover: Mover,
  only: readonly string[] | undefined,
  cases: readonly ConformanceCase[],
  memory?: readonly [number, number],
): PairResult[] {
  const registerAll = [...new Set(backends.map((b) => b.register))];
  return conformancePairs(backends, only).map(([a, b]) => ({
    old: a.manifest.name,
    new: b.manifest.name,
    cases: cases.map((c) => runCase(c, a, b, mover, registerAll, memory)),
  }));
}

const failedOf = (pairs: PairResult[]) => pairs.reduce((n, p) => n + p.cases.filter((c) => !c.ok).length, 0);

export function runConformance(opts: RunOptions): ConformanceReport {
  const mover = typeof opts.mover === "string" ? moverByName(opts.mover) : (opts.mover ?? moverByName("foliox"));
  const cases = opts.cases ?? CONFORMANCE_CASES;
  const pairs = runPairs(opts.backends, mover, opts.only, cases, opts.memory);
  const report: ConformanceReport = { mover: mover.name, backends: opts.backends.map((b) => b.manifest.name), pairs, failed: failedOf(pairs) };
  if (mover.name === "seed-literal" && opts.perDefect !== false) report.defects = runDefects(opts.backends, opts.only, cases);
  return report;
}

/** Each seed defect alone: caught (some case failed), awaits (no pair can show it) or missed. */
export function runDefects(
  backends: readonly ConformanceBackend[],
  only: readonly string[] | undefined,
  cases: readonly ConformanceCase[] = CONFORMANCE_CASES,
): DefectResult[] {
  const pairs = conformancePairs(backends, only);
  const failures = (mover: Mover) =>
    runPairs(backends, mover, only, cases).flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => `${p.old}×${p.new}:${c.id}`));
  // A case that fails without any defect proves nothing about one: only new failures count.
  const baseline = new Set(failures(moverByName("foliox")));
  return SEED_DEFECTS.map((d) => {
    const failedCases = [...new Set(failures(moverByName(`seed-literal:${d.id}`)))].filter((c) => !baseline.has(c));
    const canManifest = pairs.some(([a, b]) => d.manifests(a.manifest, b.manifest));
    const status: DefectResult["status"] = failedCases.length ? "caught" : canManifest ? "missed" : "awaits";
    const detail =
      status === "caught"
        ? `caught by ${failedCases.length} case(s)`
        : status === "awaits"
          ? `awaits ${d.needs}`
          : "a registered pair could show it, and no case failed";
    return { id: d.id, title: d.title, status, failedCases, detail };
  });
}
