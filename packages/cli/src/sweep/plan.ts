/**
 * A sweep's runs: every combination of its axes — scenarios × traces × fast-tier sizes × cost
 * variants × stacks × seeds — each resolved to the exact scenario the run simulates (the
 * scenario's fields with the combination's stack, seed, memory.fast, costs, epochs and LLC in
 * them) and keyed by the hash of that and its other inputs (key.ts). Everything a run could
 * refuse is checked here, before any work: each scenario resolves, each stack is registered
 * for each scenario, each trace exists and has a known format, no trace meets a pressure
 * "full" scenario. Problems are collected and reported together, each at its field's line and
 * column in the sweep file.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import {
  registryForScenario,
  resolveScenario,
  ScenarioConfigError,
  ScenarioNotFoundError,
  SweepFileError,
  TRACE_SCENARIO_NAME,
  unknownNameMessage,
  type ConfigProblem,
  type CostOverrides,
  type LoadedSweep,
  type NodeMemory,
  type Scenario,
} from "@foliox/tiering";
import { TRACE_FORMAT_NAMES } from "@foliox/trace";
import type { Plugins } from "../plugin.js";
import { fileSha256, runKey } from "./key.js";

/** What results.jsonl records as a run's inputs (the key covers them and more). */
export interface RunInputs {
  /** the scenario as the sweep file names it */
  scenario: string;
  stack: string;
  seed: number;
  /** the fast tier's size: the sweep's value, else the scenario's */
  fast: NodeMemory;
  /** the cost overrides the sweep put on top of the scenario's (a variant and --cost) */
  costs: CostOverrides;
  epochs: number;
  trace: { file: string; format: string; sha256: string } | null;
  foliox: string;
}

export interface SweepRun {
  key: string;
  inputs: RunInputs;
  /** what the run simulates */
  scenario: Scenario;
  /** the scenario's source as results show it: "built-in", a plugin, or a path relative to the sweep file */
  source: string;
  /** the trace to replay: `file` absolute, `label` as the sweep file has it */
  trace: { file: string; label: string; format: string } | null;
}

export interface PlanOptions {
  version: string;
  /** --cost: on top of every run's costs */
  costs?: CostOverrides;
}

interface BaseScenario {
  ref: string;
  index: number;
  scenario: Scenario;
  source: string;
}

interface PlannedTrace {
  index: number;
  file: string;
  label: string;
  format: string;
  sha256: string;
}

export async function planSweep(loaded: LoadedSweep, plugins: Plugins, opts: PlanOptions): Promise<SweepRun[]> {
  const { sweep, dir, locate } = loaded;
  const problems: ConfigProblem[] = [];
  const problem = (path: (string | number)[], message: string) => {
    const field = path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
    problems.push({ field, ...locate?.(path), message });
  };

  const refs = sweep.scenarios ?? [TRACE_SCENARIO_NAME];
  const bases: BaseScenario[] = [];
  for (const [index, ref] of refs.entries()) {
    try {
      const r = await resolveScenario(ref, { cwd: dir, catalog: plugins.catalog });
      const source = isAbsolute(r.source) ? relative(dir, r.source) : r.source;
      bases.push({ ref, index, scenario: r.scenario, source });
    } catch (err) {
      if (!(err instanceof ScenarioConfigError || err instanceof ScenarioNotFoundError)) throw err;
      problem(sweep.scenarios ? ["scenarios", index] : ["traces"], err.message);
    }
  }

  // each stack must be registered for each scenario (a scenario file may add presets of its own)
  for (const [i, stack] of sweep.stacks.entries()) {
    const lacking = bases.filter((b) => !registryForScenario(plugins.catalog.registry, b.scenario).presets.has(stack));
    if (lacking.length === 0) continue;
    const names = [...registryForScenario(plugins.catalog.registry, lacking[0]!.scenario).presets.keys()];
    const some = lacking.length < bases.length ? ` (for scenario ${lacking.map((b) => b.ref).join(", ")})` : "";
    problem(["stacks", i], `${unknownNameMessage("stack", stack, names)}${some}; or add it with --plugin`);
  }

  const formats = ["auto", ...TRACE_FORMAT_NAMES, ...plugins.traceFormats.map((f) => f.name)];
  const traces: PlannedTrace[] = [];
  for (const [index, t] of (sweep.traces ?? []).entries()) {
    const file = resolve(dir, t.file);
    if (!formats.includes(t.format)) {
      problem(["traces", index, "format"], `${JSON.stringify(t.format)} is not a trace format; use one of: ${formats.join(", ")}`);
    }
    if (!existsSync(file) || statSync(file).isDirectory()) {
      problem(["traces", index, "file"], `no such trace file: ${file}; the path is relative to the sweep file`);
      continue;
    }
    traces.push({ index, file, label: t.file, format: t.format, sha256: await fileSha256(file) });
  }
  for (const b of bases) {
    if (traces.length > 0 && b.scenario.pressure === "full") {
      problem(
        ["scenarios", b.index],
        `scenario ${b.ref} holds memory full (pressure "full"), which needs its synthetic workload faulted in first; a trace replay needs a scenario with pressure "none" (the built-in ${TRACE_SCENARIO_NAME}, say)`,
      );
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new SweepFileError(loaded.source, problems);
  }

  const pluginKeys = await Promise.all(plugins.loaded.map(async (p) => ({ name: p.plugin.name, sha256: await fileSha256(p.file) })));
  const runs: SweepRun[] = [];
  const seen = new Set<string>();
  const traceAxis: (PlannedTrace | null)[] = traces.length > 0 ? traces : [null];
  for (const b of bases) {
    for (const t of traceAxis) {
      for (const fast of sweep.fast ?? [b.scenario.memory.fast]) {
        for (const variant of sweep.costs ?? [{}]) {
          const costs: CostOverrides = { ...(variant as CostOverrides), ...opts.costs };
          for (const stack of sweep.stacks) {
            for (const seed of sweep.seeds ?? [b.scenario.seed]) {
              const scenario: Scenario = {
                ...b.scenario,
                stack,
                seed,
                epochs: sweep.epochs ?? b.scenario.epochs,
                llc: sweep.llc ?? b.scenario.llc,
                memory: { ...b.scenario.memory, fast },
                costs: { ...b.scenario.costs, ...costs },
              };
              const key = runKey({ foliox: opts.version, scenario, trace: t ? { sha256: t.sha256, format: t.format } : null, plugins: pluginKeys });
              if (seen.has(key)) continue; // two spellings of one run (a scenario file equal to a named one, say)
              seen.add(key);
              runs.push({
                key,
                inputs: {
                  scenario: b.ref,
                  stack,
                  seed,
                  fast,
                  costs,
                  epochs: scenario.epochs,
                  trace: t ? { file: t.label, format: t.format, sha256: t.sha256 } : null,
                  foliox: opts.version,
                },
                scenario,
                source: b.source,
                trace: t ? { file: t.file, label: t.label, format: t.format } : null,
              });
            }
          }
        }
      }
    }
  }
  return runs;
}
