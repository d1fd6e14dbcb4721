/**
 * The sweep file: the axes of a tiering study, whose every combination is one run — stacks ×
 * scenarios × traces × fast-tier sizes × cost variants × seeds. A sweep reuses the scenario's
 * own field schemas (seed, epochs, memory.fast, costs, llc), so a value a scenario file refuses
 * a sweep file refuses with the same message; only the lists and their checks (non-empty, each
 * value once) are the sweep's. Names (stacks, scenarios) are checked where the plugins are
 * known: `foliox sweep` resolves every scenario and checks every stack against it.
 */
import { z } from "zod";
import { scenarioSchema } from "../scenario/schema.js";

const fields = scenarioSchema.shape;
const seedSchema = fields.seed.unwrap();
const epochsSchema = fields.epochs.unwrap();
const fastSchema = fields.memory.unwrap().shape.fast;
const costsSchema = fields.costs.unwrap();
const llcSchema = fields.llc.unwrap();

/** Sorted-key JSON: two values are "the same" when this is (cost variants written in another order). */
function sameKey(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** A list of at least one value, each at most once: a repeat would only run the same thing twice. */
function axis<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(item)
    .min(1, { message: `list at least one ${what}, or leave the field out` })
    .superRefine((values, ctx) => {
      const seen = new Map<string, number>();
      values.forEach((v, i) => {
        const k = sameKey(v);
        const first = seen.get(k);
        if (first === undefined) seen.set(k, i);
        else ctx.addIssue({ code: "custom", path: [i], message: `${JSON.stringify(v)} is listed twice (also at [${first}]); list each ${what} once` });
      });
    });
}

/** A trace to replay: its file (relative to the sweep file) and format ("auto" detects it). */
const traceSchema = z.preprocess(
  (v) => (typeof v === "string" ? { file: v } : v),
  z.strictObject({
    file: z.string().min(1),
    format: z.string().min(1).default("auto"),
  }),
);

export const sweepSchema = z
  .strictObject({
    description: z.string().default(""),
    /** the stacks every combination runs with: built in, a --plugin's, or a scenario file's presets */
    stacks: axis(z.string().min(1), "stack"),
    /** named scenarios or scenario config files (relative to the sweep file); default with traces: the built-in "trace" */
    scenarios: axis(z.string().min(1), "scenario").optional(),
    /** traces each scenario replays instead of its synthetic workload */
    traces: axis(traceSchema, "trace").optional(),
    /** PRNG seeds; default: each scenario's own */
    seeds: axis(seedSchema, "seed").optional(),
    /** the fast tier's size (memory.fast): shares of the footprint ("20%") or sizes ("64MiB"); default: each scenario's */
    fast: axis(fastSchema, "fast-tier size").optional(),
    /** cost-table variants, each a set of overrides by name ({} is the scenario's own table) */
    costs: axis(costsSchema, "cost variant").optional(),
    /** epochs for every run; default: each scenario's */
    epochs: epochsSchema.optional(),
    /** the last-level-cache filter for every run; default: each scenario's */
    llc: llcSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.scenarios === undefined && s.traces === undefined) {
      ctx.addIssue({ code: "custom", path: ["scenarios"], message: 'required: list the scenarios to run (e.g. scenarios: ["zipf"]), or traces to replay' });
    }
  });

export type Sweep = z.output<typeof sweepSchema>;
export type SweepInput = z.input<typeof sweepSchema>;
export type SweepTrace = Sweep extends { traces?: (infer T)[] | undefined } ? T : never;

/** `defineSweep` for a sweep.ts: returns its argument, typed. */
export function defineSweep(sweep: SweepInput): SweepInput {
  return sweep;
}
