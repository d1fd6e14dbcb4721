/**
 * The sweep's worker thread (a tinypool worker; built to dist/sweep-worker.js): one run per
 * task, exactly as `foliox run` does it — simulate() on a fresh system, then runJson() — with
 * the plugins the sweep was given, loaded once per worker. It answers with the run's JSON,
 * serialized here so the main thread appends it as it is, or with the failure's message and
 * whether bad input is to blame (errors do not keep their class across threads).
 */
import "reflect-metadata";
import type { Scenario } from "@foliox/tiering";
import { runJson } from "../commands/run.js";
import { simulate, traceShape, type TraceShape } from "../commands/simulate.js";
import { describeRunFailure } from "../commands/tiering-args.js";
import { loadPlugins, type Plugins } from "../plugin.js";

export interface RunTask {
  key: string;
  scenario: Scenario;
  /** the scenario's source as the result shows it */
  source: string;
  /** `file` to read, `label` to show */
  trace: { file: string; label: string; format: string } | null;
  /** the --plugin specs, resolved from the sweep's working directory */
  plugins: string[];
  cwd: string;
}

export type RunReply = { ok: true; json: string } | { ok: false; message: string; usage: boolean };

let loaded: { specs: string; plugins: Promise<Plugins> } | undefined;

function pluginsFor(task: RunTask): Promise<Plugins> {
  const specs = JSON.stringify([task.cwd, task.plugins]);
  if (loaded?.specs !== specs) loaded = { specs, plugins: loadPlugins(task.plugins, task.cwd) };
  return loaded.plugins;
}

/** A trace's footprint and format, read once per worker (every run on the trace needs them). */
const shapes = new Map<string, Promise<TraceShape>>();

export default async function runSweepTask(task: RunTask): Promise<RunReply> {
  try {
    const plugins = await pluginsFor(task);
    const trace = task.trace ? { file: task.trace.file, format: task.trace.format } : undefined;
    let traceSummary: TraceShape | undefined;
    if (trace) {
      const id = `${trace.format}\0${trace.file}`;
      if (!shapes.has(id)) shapes.set(id, traceShape(trace, plugins));
      traceSummary = await shapes.get(id)!;
    }
    const outcome = await simulate(task.scenario, trace, plugins, undefined, traceSummary ? { traceSummary } : {});
    const shown = task.trace ? { file: task.trace.label, format: task.trace.format } : undefined;
    return { ok: true, json: JSON.stringify(runJson(task.scenario, task.source, outcome.notes, outcome.result, shown)) };
  } catch (err) {
    return { ok: false, ...describeRunFailure(err) };
  }
}
