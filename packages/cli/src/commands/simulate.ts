/**
 * One simulation run for `run` and `compare`: a fresh system built from the scenario
 * (prepareScenario) with the built-in backends and the plugins', the accesses (the scenario's
 * synthetic workload, or a trace file in a built-in or a plugin's format), the stack — resolved
 * by name from the plugins' registry plus the scenario's own presets — and runSimulation().
 * Every run of a compare starts from the same state and seed.
 */
import { basename } from "node:path";
import {
  createAccessBatch,
  createStack,
  prepareScenario,
  registryForScenario,
  runSimulation,
  TIERING_REGISTRY,
  type AccessBatch,
  type AccessSource,
  type EpochRecord,
  type Scenario,
  type SimResult,
} from "@foliox/tiering";
import { readTrace, type TraceFormat, type TraceFormatDefinition } from "@foliox/trace";
import type { Plugins } from "../plugin.js";

export interface TraceInput {
  file: string;
  /** a built-in format, a plugin's, or "auto" */
  format: TraceFormat | "auto" | (string & {});
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

/** Copy a trace into memory: the oracle reads its input twice, synchronously. */
async function materialize(trace: TraceInput, formats: readonly TraceFormatDefinition[]): Promise<AccessBatch[]> {
  const out: AccessBatch[] = [];
  for await (const b of readTrace(trace.file, { format: trace.format, formats })) {
    const c = createAccessBatch(b.length);
    c.t.set(b.t.subarray(0, b.length));
    c.pid.set(b.pid.subarray(0, b.length));
    c.addr.set(b.addr.subarray(0, b.length));
    c.write.set(b.write.subarray(0, b.length));
    c.size.set(b.size.subarray(0, b.length));
    c.weight.set(b.weight.subarray(0, b.length));
    c.length = b.length;
    out.push(c);
  }
  return out;
}

export function totalAccesses(scenario: Scenario, trace: TraceInput | undefined): number | null {
  return trace ? null : scenario.workload.accessesPerEpoch * scenario.epochs;
}

export async function simulate(
  scenario: Scenario,
  trace: TraceInput | undefined,
  plugins: Plugins,
  onEpoch?: (rec: EpochRecord) => void,
): Promise<RunOutcome> {
  const prepared = prepareScenario(scenario, { backends: plugins.registrations, workload: trace === undefined });
  prepared.container.register(TIERING_REGISTRY, { useValue: registryForScenario(plugins.catalog.registry, scenario) });
  const stack = createStack(prepared.container, scenario.stack);
  const formats = plugins.traceFormats;
  const notes = [...prepared.notes];
  let source: AccessSource | (() => AccessSource);
  if (trace) {
    notes.push(
      `accesses replayed from ${basename(trace.file)} (format ${trace.format}); the scenario's workload and epochs are not used, an epoch is ${scenario.workload.accessesPerEpoch} trace entries`,
    );
    source = stack.config.oracle ? await materialize(trace, formats) : () => readTrace(trace.file, { format: trace.format, formats });
  } else {
    source = () => prepared.workload.batches(prepared.pids);
  }
  const result = await runSimulation(prepared.kernel, {
    source,
    stack,
    epochAccesses: scenario.workload.accessesPerEpoch,
    seed: scenario.seed,
    ...(trace ? {} : { phaseChanges: phaseChanges(prepared.workload.phaseEpochs, scenario.epochs), autoMap: false }),
    ...(onEpoch ? { onEpoch: (rec: EpochRecord) => onEpoch(rec) } : {}),
  });
  return { result, notes, total: totalAccesses(scenario, trace) };
}
