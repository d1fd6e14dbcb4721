/**
 * What the HTML report draws, read from a run's result.json (the engine's SimResult, as
 * `foliox run --json` prints it and `--out DIR` writes it). Only the fields drawn are read,
 * so the report does not break when the result gains fields.
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
    };
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
