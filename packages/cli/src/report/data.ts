/**
 * What the HTML report draws, read from a run's result.json (the engine's SimResult, as
 * `foliox run --json` prints it and `--out DIR` writes it) or from a compare.json (`foliox
 * compare --out DIR`). Only the fields drawn are read, so the report does not break when the
 * result gains fields.
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
  stack: string;
  seed: number | null;
  hitRatio: number;
  runtimeNs: number | null;
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
}

/** One stack of a compare.json, as the compare page shows it. */
export interface CompareReportStack {
  name: string;
  hitRatio: number;
  runtimeNs: number;
  simulatedSeconds: number | null;
  time: Record<string, number>;
  backgroundCpuNs: Record<string, number>;
  churn: Record<string, number | null>;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
  allFastRuntime: number | null;
}

export interface CompareReportData {
  scenario: string;
  trace: string | null;
  stacks: CompareReportStack[];
  notes: string[];
}

/** A result file that cannot be drawn: the message says which field and what was expected. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportInputError";
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function num(o: Obj, key: string, where: string, fallback?: number): number {
  const v = o[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (v === undefined && fallback !== undefined) return fallback;
  throw new ReportInputError(`${where}.${key} should be a number, got ${v === undefined ? "nothing" : JSON.stringify(v)}`);
}

function counts(v: unknown, where: string): Record<string, number> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new ReportInputError(`${where} should be an object of counts by name`);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number") throw new ReportInputError(`${where}.${k} should be a number, got ${JSON.stringify(n)}`);
    out[k] = n;
  }
  return out;
}

/** Pick the drawn fields out of a parsed result.json; `file` names it in errors. */
export function reportDataFrom(json: unknown, file: string): ReportData {
  const where = "result";
  try {
    if (!isObj(json)) throw new ReportInputError("the file should hold one JSON object, a run's result");
    const perEpoch = json.perEpoch ?? json.epochs;
    if (!Array.isArray(perEpoch)) throw new ReportInputError(`${where}.perEpoch should be the array of epoch records`);
    const epochs = perEpoch.map((e, i): ReportEpoch => {
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
    const af = isObj(json.anonFileRatio) ? json.anonFileRatio : isObj(json.anonFile) ? json.anonFile : {};
    const failures = json.failures !== undefined ? counts(json.failures, `${where}.failures`) : sumFailures(epochs);
    const scenario = isObj(json.scenario) ? String(json.scenario.name ?? "") : String(json.scenario ?? "");
    return {
      scenario,
      stack: String(isObj(json.stack) ? json.stack.name : (json.stack ?? "")),
      seed: typeof json.seed === "number" ? json.seed : null,
      hitRatio: num(json, "hitRatio", where),
      runtimeNs: typeof json.runtime === "number" ? json.runtime : typeof json.runtimeNs === "number" ? json.runtimeNs : null,
      epochs,
      failures,
      anonFile: { anon: num(af, "anon", `${where}.anonFileRatio`, 0), file: num(af, "file", `${where}.anonFileRatio`, 0), shmem: num(af, "shmem", `${where}.anonFileRatio`, 0) },
      vmstat: counts(json.vmstat, `${where}.vmstat`),
      notes: Array.isArray(json.notes) ? json.notes.map(String) : [],
      time: counts(json.time, `${where}.time`),
      backgroundCpuNs: counts(json.backgroundCpuNs, `${where}.backgroundCpuNs`),
      churn: churnOf(json.churn, `${where}.churn`),
      simulatedSeconds: typeof json.simulatedSeconds === "number" ? json.simulatedSeconds : null,
    };
  } catch (err) {
    if (err instanceof ReportInputError) {
      throw new ReportInputError(`${file}: ${err.message}; pass a result.json written by \`foliox run --out DIR\` (or \`foliox run --json > result.json\`)`);
    }
    throw err;
  }
}

function churnOf(v: unknown, where: string): Record<string, number | null> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new ReportInputError(`${where} should be an object of figures by name`);
  const out: Record<string, number | null> = {};
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== "number" && n !== null) throw new ReportInputError(`${where}.${k} should be a number or null, got ${JSON.stringify(n)}`);
    out[k] = n;
  }
  return out;
}

/** Is this parsed JSON a compare.json (`foliox compare --json` or `--out DIR`)? */
export function isCompareJson(json: unknown): boolean {
  return isObj(json) && Array.isArray(json.stacks) && !Array.isArray(json.perEpoch);
}

/** Pick what the compare page shows out of a parsed compare.json; `file` names it in errors. */
export function compareReportDataFrom(json: unknown, file: string): CompareReportData {
  try {
    if (!isObj(json) || !Array.isArray(json.stacks)) throw new ReportInputError("the file should hold a compare result: an object with a stacks array");
    const stacks = json.stacks.map((st, i): CompareReportStack => {
      const w = `compare.stacks[${i}]`;
      if (!isObj(st)) throw new ReportInputError(`${w} should be an object`);
      const bounds = isObj(st.bounds) ? st.bounds : isObj(json.bounds) ? json.bounds : {};
      return {
        name: String(st.name ?? `stack ${i + 1}`),
        hitRatio: num(st, "hitRatio", w),
        runtimeNs: num(st, "runtime", w),
        simulatedSeconds: typeof st.simulatedSeconds === "number" ? st.simulatedSeconds : null,
        time: counts(st.time, `${w}.time`),
        backgroundCpuNs: counts(st.backgroundCpuNs, `${w}.backgroundCpuNs`),
        churn: churnOf(st.churn, `${w}.churn`),
        promotions: num(st, "promotions", w, 0),
        demotions: num(st, "demotions", w, 0),
        exchanges: num(st, "exchanges", w, 0),
        failures: counts(st.failures, `${w}.failures`),
        allFastRuntime: typeof bounds.allFastRuntime === "number" ? bounds.allFastRuntime : null,
      };
    });
    if (stacks.length === 0) throw new ReportInputError("compare.stacks is empty");
    const trace = isObj(json.trace) && typeof json.trace.file === "string" ? json.trace.file : null;
    return { scenario: String(json.scenario ?? ""), trace, stacks, notes: Array.isArray(json.notes) ? json.notes.map(String) : [] };
  } catch (err) {
    if (err instanceof ReportInputError) throw new ReportInputError(`${file}: ${err.message}; pass a compare.json written by \`foliox compare --out DIR\` (or \`foliox compare --json > compare.json\`)`);
    throw err;
  }
}

function sumFailures(epochs: ReportEpoch[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of epochs) for (const [k, n] of Object.entries(e.failures)) out[k] = (out[k] ?? 0) + n;
  return out;
}
