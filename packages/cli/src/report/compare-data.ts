/**
 * What the compare page shows, read from a compare: `foliox compare --out DIR` writes
 * DIR/compare.json (the stacks side by side) and DIR/<stack>.json per stack (each what `foliox
 * run --out` writes for that run). compare.json alone gives the side-by-side figures; with the
 * directory, each stack's own result adds its epochs (hit ratio over time, moves per epoch).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stackFileName } from "../commands/tiering-args.js";
import { churnOf, counts, isObj, num, ReportInputError, runDataOf, type ReportData } from "./data.js";

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
  /** accesses dropped because no page could be faulted in (counters.oom) */
  oomDropped: number;
  /** the stack's own result (DIR/<stack>.json), when the compare's directory was given */
  run: ReportData | null;
}

export interface CompareReportData {
  scenario: string;
  trace: string | null;
  stacks: CompareReportStack[];
  notes: string[];
}

export const COMPARE_FILE = "compare.json";

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
      const counters = isObj(st.counters) ? st.counters : {};
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
        oomDropped: typeof counters.oom === "number" ? counters.oom : 0,
        run: null,
      };
    });
    if (stacks.length === 0) throw new ReportInputError("compare.stacks is empty");
    const trace = isObj(json.trace) && typeof json.trace.file === "string" ? json.trace.file : null;
    return { scenario: String(json.scenario ?? ""), trace, stacks, notes: Array.isArray(json.notes) ? json.notes.map(String) : [] };
  } catch (err) {
    if (err instanceof ReportInputError)
      throw new ReportInputError(
        `${file}: ${err.message}; pass a compare.json written by \`foliox compare --out DIR\` (or \`foliox compare --json > compare.json\`)`,
      );
    throw err;
  }
}

/**
 * A compare's directory: compare.json, and each stack's result beside it where there is one
 * (a compare.json copied alone still reads). A stack file that is there but is not a result is
 * an error naming it.
 */
export function compareDirData(dir: string): CompareReportData {
  const file = join(dir, COMPARE_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new ReportInputError(
      `${file}: ${err instanceof SyntaxError ? `not JSON (${err.message})` : `cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`}; pass the directory \`foliox compare --out DIR\` wrote`,
    );
  }
  const data = compareReportDataFrom(json, file);
  for (const s of data.stacks) {
    const f = join(dir, stackFileName(s.name));
    if (!existsSync(f)) continue;
    try {
      s.run = runDataOf(JSON.parse(readFileSync(f, "utf8")));
    } catch (err) {
      if (err instanceof ReportInputError || err instanceof SyntaxError)
        throw new ReportInputError(`${f}: ${err.message}; it should be the ${s.name} run's result, as \`foliox compare --out\` writes it`);
      throw err;
    }
  }
  return data;
}
