/**
 * One simulation run for `run` and `compare`: a fresh system built from the scenario
 * (prepareScenario), the accesses (the scenario's synthetic workload, or a trace file), the
 * stack, and runSimulation(). Every run of a compare starts from the same state and seed.
 */
import { basename } from "node:path";
import { createAccessBatch, prepareScenario, runSimulation, type AccessBatch, type AccessSource, type EpochRecord, type Scenario, type SimResult } from "@foliox/tiering";
import { readTrace, type TraceFormat } from "@foliox/trace";
import { BUILTIN_BACKENDS } from "../plugin.js";

export interface TraceInput {
  file: string;
  format: TraceFormat | "auto";
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
async function materialize(trace: TraceInput): Promise<AccessBatch[]> {
  const out: AccessBatch[] = [];
  for await (const b of readTrace(trace.file, { format: trace.format })) {
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
  onEpoch?: (rec: EpochRecord) => void,
): Promise<RunOutcome> {
  const prepared = prepareScenario(scenario, { backends: BUILTIN_BACKENDS.map((b) => b.register), workload: trace === undefined });
  const notes = [...prepared.notes];
  let source: AccessSource | (() => AccessSource);
  if (trace) {
    notes.push(
      `accesses replayed from ${basename(trace.file)} (format ${trace.format}); the scenario's workload and epochs are not used, an epoch is ${scenario.workload.accessesPerEpoch} trace entries`,
    );
    source = scenario.stack === "oracle" ? await materialize(trace) : () => readTrace(trace.file, { format: trace.format });
  } else {
    source = () => prepared.workload.batches(prepared.pids);
  }
  const result = await runSimulation(prepared.kernel, {
    source,
    stack: scenario.stack,
    container: prepared.container,
    epochAccesses: scenario.workload.accessesPerEpoch,
    seed: scenario.seed,
    ...(trace ? {} : { phaseChanges: phaseChanges(prepared.workload.phaseEpochs, scenario.epochs), autoMap: false }),
    ...(onEpoch ? { onEpoch: (rec: EpochRecord) => onEpoch(rec) } : {}),
  });
  return { result, notes, total: totalAccesses(scenario, trace) };
}
