/**
 * What the run page draws, read from a run's result: `foliox run --out DIR`'s result.json (what
 * `foliox run --json` prints: the scenario with its seed and source, the notes, then the
 * engine's SimResult), one stack's file of `foliox compare --out DIR`, or the `result` of a line
 * of a sweep's results.jsonl — all the same shape. Only the fields drawn are read, so the
 * report does not break when the result gains fields; an older result (the scenario's name and
 * the seed at the top level) still reads.
 */

export interface ReportEpoch {
  /** simulated time at the end of the epoch, ns */
  t: number;
  accesses: number;
  hitRatio: number;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
}

export interface ReportData {
  scenario: string;
  /** where the scenario came from: "built-in", a plugin, a config file's path */
  source: string | null;
  /** the replayed trace's file, for a trace run */
  trace: string | null;
  stack: string;
  seed: number | null;
  hitRatio: number;
  runtimeNs: number | null;
  /** no run is faster: every access at the fast tier's latency, nothing else (null: not in the result) */
  allFastRuntimeNs: number | null;
  epochs: ReportEpoch[];
  /** failed moves over the whole run, by reason */
  failures: Record<string, number>;
  /** base pages of the folios promoted or exchanged upward, by kind (shmem also counted in file) */
  anonFile: { anon: number; file: number; shmem: number };
  vmstat: Record<string, number>;
  notes: string[];
  /** the application's time by cause, ns (absent in older results) */
  time: Record<string, number>;
  /** kernel threads' CPU time by actor, ns */
  backgroundCpuNs: Record<string, number>;
  /** churn figures by name (movesPerPage, pingPong, …) */
  churn: Record<string, number | null>;
  simulatedSeconds: number | null;
  /** accesses dropped because no page could be faulted in (counters.oom) */
  oomDropped: number;
}

/** A result file that cannot be drawn: the message says which field and what was expected. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportInputError";
  }
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function num(o: Obj, key: string, where: string, fallback?: number): number {
  const v = o[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (v === undefined && fallback !== undefined) return fallback;
  throw new ReportInputError(`${where}.${key} should be a number, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
}

export function counts(v: unknown, where: string): Record<string, number> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new ReportInputError(`${where} should be an object of counts by name`);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number") throw new ReportInputError(`${where}.${k} should be a number, got ${JSON.stringify(n)}`);
    out[k] = n;
  }
  return out;
}

export function churnOf(v: unknown, where: string): Record<string, number | null> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new ReportInputError(`${where} should be an object of figures by name`);
  const out: Record<string, number | null> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number" && n !== null) throw new ReportInputError(`${where}.${k} should be a number or null, got ${JSON.stringify(n)}`);
    out[k] = n;
  }
  return out;
}

const optNum = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function epochsOf(perEpoch: unknown, where: string): ReportEpoch[] {
  if (!Array.isArray(perEpoch)) throw new ReportInputError(`${where}.perEpoch should be the array of epoch records`);
  return perEpoch.map((e, i): ReportEpoch => {
    const w = `${where}.perEpoch[${i}]`;
    if (!isObj(e)) throw new ReportInputError(`${w} should be an object`);
    return {
      t: num(e, "t", w, i),
      accesses: num(e, "accesses", w, 0),
      hitRatio: num(e, "hitRatio", w),
      promotions: num(e, "promotions", w, 0),
      demotions: num(e, "demotions", w, 0),
      exchanges: num(e, "exchanges", w, 0),
      failures: counts(e.failures, `${w}.failures`),
    };
  });
}

/** Read a parsed run result; `where` names it in errors ("result", "line 3: result"). */
export function runDataOf(json: unknown, where = "result"): ReportData {
  if (!isObj(json)) throw new ReportInputError(`${where} should be one JSON object, a run's result`);
  const epochs = epochsOf(json.perEpoch ?? json.epochs, where);
  const af = isObj(json.anonFileRatio) ? json.anonFileRatio : isObj(json.anonFile) ? json.anonFile : {};
  const failures = json.failures !== undefined ? counts(json.failures, `${where}.failures`) : sumFailures(epochs);
  // `foliox run` writes the scenario as an object, its seed inside; older results had both at the top
  const sc = isObj(json.scenario) ? json.scenario : null;
  const seed = optNum(sc?.seed) ?? optNum(json.seed);
  const trace = isObj(sc?.trace) && typeof sc.trace.file === "string" ? sc.trace.file : null;
  const bounds = isObj(json.bounds) ? json.bounds : {};
  const counters = isObj(json.counters) ? json.counters : {};
  return {
    scenario: sc ? String(sc.name ?? "") : String(json.scenario ?? ""),
    source: sc && typeof sc.source === "string" ? sc.source : null,
    trace,
    stack: String(isObj(json.stack) ? json.stack.name : (json.stack ?? sc?.stack ?? "")),
    seed,
    hitRatio: num(json, "hitRatio", where),
    runtimeNs: optNum(json.runtimeNs) ?? optNum(json.runtime),
    allFastRuntimeNs: optNum(bounds.allFastRuntime),
    epochs,
    failures,
    anonFile: {
      anon: num(af, "anon", `${where}.anonFileRatio`, 0),
      file: num(af, "file", `${where}.anonFileRatio`, 0),
      shmem: num(af, "shmem", `${where}.anonFileRatio`, 0),
    },
    vmstat: counts(json.vmstat, `${where}.vmstat`),
    notes: Array.isArray(json.notes) ? json.notes.map(String) : [],
    time: counts(json.time, `${where}.time`),
    backgroundCpuNs: counts(json.backgroundCpuNs, `${where}.backgroundCpuNs`),
    churn: churnOf(json.churn, `${where}.churn`),
    simulatedSeconds: optNum(json.simulatedSeconds),
    oomDropped: optNum(counters.oom) ?? 0,
  };
}

/** Pick the drawn fields out of a parsed result.json; `file` names it in errors. */
export function reportDataFrom(json: unknown, file: string): ReportData {
  try {
    return runDataOf(json);
  } catch (err) {
    if (err instanceof ReportInputError) {
      throw new ReportInputError(`${file}: ${err.message}; pass a result.json written by \`foliox run --out DIR\` (or \`foliox run --json > result.json\`)`);
    }
    throw err;
  }
}

function sumFailures(epochs: ReportEpoch[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of epochs) for (const [k, n] of Object.entries(e.failures)) out[k] = (out[k] ?? 0) + n;
  return out;
}
