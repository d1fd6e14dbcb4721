/**
 * One simulation run for `run` and `compare`: a fresh system built from the scenario
 * (prepareScenario) with the built-in backends and the plugins', the accesses (the scenario's
 * synthetic workload, or a trace file in a built-in or a plugin's format), the stack — resolved
 * by name from the plugins' registry plus the scenario's own presets — and runSimulation().
 * Every run of a compare starts from the same state and seed.
 */
import { basename } from "node:path";
import {
  createStack,
  prepareScenario,
  registryForScenario,
  runSimulation,
  scaledLlc,
  TIERING_REGISTRY,
  type AccessSource,
  type CostOverrides,
  type LlcGeometry,
  type LlcSetting,
  type EpochRecord,
  type Scenario,
  type SimResult,
} from "@foliox/tiering";
import { readTrace, summarizeTrace, type TraceFormat, type TraceSource } from "@foliox/trace";
import type { Plugins } from "../plugin.js";
import { yieldingToSignals } from "../signals.js";

export interface TraceInput {
  file: string;
  /** a built-in format, a plugin's, or "auto" */
  format: TraceFormat | "auto" | (string & {});
  /** how to open the file for each pass over it (a progress bar counts the bytes); default: the file itself */
  open?: (pass: "summary" | "replay") => TraceSource;
}

export interface RunOutcome {
  result: SimResult;
  notes: string[];
  /** accesses the run will replay (synthetic: known; trace: null) */
  total: number | null;
}

/** Epoch indexes at which the synthetic workload changes phase (for the convergence time). */
function phaseChanges(every: number, epochs: number): number[] {
  const out: number[] = [];
  if (every > 0) for (let e = every; e < epochs; e += every) out.push(e);
  return out;
}

export function totalAccesses(scenario: Scenario, trace: TraceInput | undefined): number | null {
  return trace ? null : scenario.workload.accessesPerEpoch * scenario.epochs;
}

/** What the command line adds on top of the scenario: --cost and --llc. */
export interface SimulateOverrides {
  costs?: CostOverrides;
  llc?: LlcSetting;
  /** the trace's summary, when the caller has it already (compare reads it once for all stacks) */
  traceSummary?: TraceShape;
}

/** What a run needs to know of a trace before replaying it: its footprint and its format. */
export interface TraceShape {
  distinctPages: number;
  format: string | undefined;
}

/** One pass over a trace for its footprint (distinct pages) and format. */
export async function traceShape(trace: TraceInput, plugins: Plugins): Promise<TraceShape> {
  const s = await summarizeTrace(trace.open?.("summary") ?? trace.file, { format: trace.format, formats: plugins.traceFormats, top: 0 });
  return { distinctPages: s.distinctPages, format: s.format };
}

/**
 * The LLC a run uses: "auto" is on for instruction-level traces (lackey, pin: every load and
 * store, which a real machine's caches would mostly absorb) and off otherwise; "on" is the
 * default LLC scaled to the footprint (sim/llc.ts); an object is an exact geometry.
 */
export function llcFor(setting: LlcSetting, format: string | undefined, footprintPages: number): LlcGeometry | null {
  if (setting === "none") return null;
  if (setting === "auto") return format === "lackey" || format === "pin" ? scaledLlc(footprintPages * 4096) : null;
  if (setting === "on") return scaledLlc(footprintPages * 4096);
  return { sizeBytes: setting.size, ways: setting.ways, lineBytes: setting.lineBytes };
}

export async function simulate(
  scenario: Scenario,
  trace: TraceInput | undefined,
  plugins: Plugins,
  onEpoch?: (rec: EpochRecord) => void,
  overrides: SimulateOverrides = {},
): Promise<RunOutcome> {
  // a trace's footprint (for nodes given as a share of it, and the LLC's scaling) and format
  const summary = trace ? (overrides.traceSummary ?? (await traceShape(trace, plugins))) : null;
  const prepared = prepareScenario(scenario, {
    backends: plugins.registrations,
    workload: trace === undefined,
    ...(summary ? { footprintPages: Math.max(1, summary.distinctPages) } : {}),
  });
  const footprint = summary ? summary.distinctPages : prepared.workload.layout.totalPages;
  const llc = llcFor(overrides.llc ?? scenario.llc, summary?.format, footprint);
  prepared.container.register(TIERING_REGISTRY, { useValue: registryForScenario(plugins.catalog.registry, scenario) });
  const stack = createStack(prepared.container, scenario.stack);
  const formats = plugins.traceFormats;
  const notes = [...prepared.notes];
  let source: AccessSource | (() => AccessSource);
  if (trace) {
    notes.push(
      `accesses replayed from ${basename(trace.file)} (format ${summary?.format ?? trace.format}); the scenario's workload and epochs are not used, an epoch is ${scenario.workload.accessesPerEpoch} trace entries`,
    );
    source = () => yieldingToSignals(readTrace(trace.open?.("replay") ?? trace.file, { format: trace.format, formats }));
  } else {
    // the synthetic batches come synchronously: let the event loop turn, for Ctrl-C
    source = () => yieldingToSignals(prepared.workload.batches(prepared.pids));
  }
  if (llc)
    notes.push(
      `LLC filter: ${llc.sizeBytes / 1024} KiB, ${llc.ways}-way, ${llc.lineBytes} B lines${scenario.llc === "auto" && !overrides.llc ? ` (on for ${summary?.format} traces, scaled to the footprint of ${footprint} pages)` : ""}; its hits reach no tier`,
    );
  const result = await runSimulation(prepared.kernel, {
    source,
    stack,
    epochAccesses: scenario.workload.accessesPerEpoch,
    seed: scenario.seed,
    cost: [scenario.costs as CostOverrides, overrides.costs ?? {}],
    llc,
    ...(trace ? {} : { phaseChanges: phaseChanges(prepared.workload.phaseEpochs, scenario.epochs), autoMap: false }),
    ...(onEpoch ? { onEpoch: (rec: EpochRecord) => onEpoch(rec) } : {}),
  });
  return { result, notes, total: totalAccesses(scenario, trace) };
}
