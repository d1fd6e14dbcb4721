/**
 * What the sweep page shows, read from a sweep's results: DIR/results.jsonl of `foliox sweep`,
 * or the file `foliox merge` writes — one JSON line per run, `{ key, inputs, result }`, where
 * `inputs` is the combination (scenario, stack, seed, fast, costs, epochs, trace) and `result`
 * is what `foliox run --json` prints (docs/sweeps.md, "results.jsonl").
 *
 * The runs are grouped by what is neither a stack, a fast-tier size nor a seed — scenario,
 * trace, cost variant, epochs — and within a group by stack and fast-tier size; the seeds of one
 * (stack, size) are the spread: each figure is their mean, min and max. Lines are in the order
 * runs finished, which differs from sweep to sweep, so groups, stacks and seeds are sorted: the
 * same results give the same page.
 */
import { parseResults, ResultsFileError } from "../sweep/results.js";
import { isObj, ReportInputError, runDataOf, type ReportData } from "./data.js";

export interface SweepRunData {
  key: string;
  stack: string;
  seed: number;
  /** the fast tier as the sweep gave it: "20%", or bytes */
  fast: string | number;
  run: ReportData;
}

/** A figure over the seeds of one (stack, fast-tier size). */
export interface Spread {
  mean: number;
  min: number;
  max: number;
  n: number;
}

export interface SweepGroup {
  /** "zipf", "zipf · costs {hintFaultNs: 2000}", "trace · t.csv" */
  title: string;
  scenario: string;
  trace: string | null;
  costs: Record<string, number>;
  epochs: number | null;
  /** how the fast tier is given in this group: shares of the footprint (x in %) or sizes (x in MiB) */
  fastKind: "share" | "bytes";
  /** x values, ascending: percent, or MiB */
  fast: number[];
  stacks: string[];
  /** runs by stack, then by the index of their fast value */
  runs: Map<string, SweepRunData[][]>;
}

export interface SweepReportData {
  file: string;
  runs: SweepRunData[];
  groups: SweepGroup[];
  stacks: string[];
  seeds: number[];
  versions: string[];
}

const MiB = 1024 * 1024;

/** Sorted-key JSON, so a cost variant written in another order is the same variant. */
function sameKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isObj(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

/** The x value of a fast-tier size: a share's percent, or a size in MiB. */
export function fastX(fast: string | number): { kind: "share" | "bytes"; x: number } {
  if (typeof fast === "number") return { kind: "bytes", x: fast / MiB };
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(fast);
  if (!m) throw new ReportInputError(`inputs.fast should be a share ("20%") or a number of bytes, got ${JSON.stringify(fast)}`);
  return { kind: "share", x: Number(m[1]) };
}

export function spreadOf(values: number[]): Spread | null {
  if (values.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  for (const v of values) {
    total += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: total / values.length, min, max, n: values.length };
}

function runOf(line: { key: string; text: string; line: number }, file: string): SweepRunData & { group: Record<string, unknown> } {
  const where = `${file}:${line.line}`;
  try {
    const o = JSON.parse(line.text) as Record<string, unknown>;
    const i = o.inputs;
    if (!isObj(i)) throw new ReportInputError('no "inputs" object');
    if (typeof i.stack !== "string") throw new ReportInputError("inputs.stack should be the stack's name");
    if (typeof i.seed !== "number") throw new ReportInputError("inputs.seed should be a number");
    if (typeof i.fast !== "string" && typeof i.fast !== "number") throw new ReportInputError('inputs.fast should be a share ("20%") or a number of bytes');
    const run = runDataOf(o.result, "result");
    const trace = isObj(i.trace) && typeof i.trace.file === "string" ? i.trace.file : null;
    const costs = isObj(i.costs) ? (i.costs as Record<string, number>) : {};
    return {
      key: line.key,
      stack: i.stack,
      seed: i.seed,
      fast: i.fast,
      run,
      // a scenario file is named by its path in inputs and by its own name in the result
      group: {
        scenario:
          typeof i.scenario === "string" && i.scenario !== run.scenario && run.scenario
            ? `${i.scenario} (${run.scenario})`
            : String(i.scenario ?? run.scenario),
        trace,
        costs,
        epochs: typeof i.epochs === "number" ? i.epochs : null,
        fastKind: fastX(i.fast).kind,
      },
    };
  } catch (err) {
    if (err instanceof ReportInputError || err instanceof SyntaxError) {
      throw new ReportInputError(
        `${where}: ${err.message}; each line should be a run as \`foliox sweep\` writes it ({ "key", "inputs", "result" }, docs/sweeps.md)`,
      );
    }
    throw err;
  }
}

function groupTitle(g: Pick<SweepGroup, "scenario" | "trace" | "costs">): string {
  const costs = Object.entries(g.costs);
  return [g.scenario, ...(g.trace ? [`trace ${g.trace}`] : []), ...(costs.length ? [`costs {${costs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`] : [])].join(
    " · ",
  );
}

/** Read a results file's text; `file` names it in errors. */
export function sweepReportDataFrom(text: string, file: string): SweepReportData {
  let lines;
  try {
    lines = parseResults(text, file).lines;
  } catch (err) {
    if (err instanceof ResultsFileError)
      throw new ReportInputError(
        err.message.replace(/: remove that line \(its run is then done again\) or pass another file$/, ": remove that line or pass another file"),
      );
    throw err;
  }
  if (lines.length === 0)
    throw new ReportInputError(`${file}: no finished run in it; run \`foliox sweep FILE --out DIR\` first, then pass DIR or DIR/results.jsonl`);
  const runs = lines.map((l) => runOf(l, file));
  const groups = new Map<string, SweepGroup>();
  for (const r of runs) {
    const k = sameKey(r.group);
    let g = groups.get(k);
    if (!g) {
      const { scenario, trace, costs, epochs, fastKind } = r.group as Pick<SweepGroup, "scenario" | "trace" | "costs" | "epochs" | "fastKind">;
      g = { title: groupTitle({ scenario, trace, costs }), scenario, trace, costs, epochs, fastKind, fast: [], stacks: [], runs: new Map() };
      groups.set(k, g);
    }
    const x = fastX(r.fast).x;
    if (!g.fast.includes(x)) g.fast.push(x);
    if (!g.stacks.includes(r.stack)) g.stacks.push(r.stack);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const g of groups.values()) {
    g.fast.sort((a, b) => a - b);
    g.stacks.sort(byName);
  }
  for (const r of [...runs].sort((a, b) => a.seed - b.seed || byName(a.key, b.key))) {
    const g = groups.get(sameKey(r.group))!;
    const cells = g.runs.get(r.stack) ?? g.fast.map(() => []);
    g.runs.set(r.stack, cells);
    cells[g.fast.indexOf(fastX(r.fast).x)]!.push(r);
  }
  // a group's title names its kind of fast size too when one scenario has both kinds
  const titles = [...groups.values()].map((g) => g.title);
  const out = [...groups.values()]
    .map((g) => (titles.filter((t) => t === g.title).length > 1 ? { ...g, title: `${g.title} · fast as ${g.fastKind === "share" ? "shares" : "sizes"}` } : g))
    .sort((a, b) => byName(a.title, b.title));
  return {
    file,
    runs: runs.map(({ group: _g, ...r }) => r),
    groups: out,
    stacks: [...new Set(runs.map((r) => r.stack))].sort(byName),
    seeds: [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b),
    versions: [
      ...new Set(lines.map((l) => (JSON.parse(l.text) as { inputs?: { foliox?: unknown } }).inputs?.foliox).filter((v): v is string => typeof v === "string")),
    ].sort(byName),
  };
}
