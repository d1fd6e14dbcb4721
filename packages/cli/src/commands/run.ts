/**
 * `foliox run [scenario] [--stack NAME] [--trace FILE --format F] [--json] [--out DIR]
 * [--plugin P]`: one simulation of a scenario (a named scenario or a config file, positionally
 * or with --scenario) with one stack; --plugin adds backends, stacks, workloads, trace formats.
 * A progress bar on stderr when it is a TTY; `--json` prints the SimResult with the scenario and
 * notes; `--out DIR` (checked before the run) writes the same JSON to DIR/result.json (for
 * `foliox report`). Exit 0 on success, 2 for usage, config and output-path errors, 1 when the
 * run fails, 3 when it dropped accesses for want of memory (unless --allow-oom; exit.ts).
 */
import { existsSync } from "node:fs";
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import { describeScenario, formatNodeMemory, STACK_NAMES, TRACE_SCENARIO_NAME, type Scenario, type SimResult } from "@foliox/tiering";
import { TRACE_FORMAT_NAMES, type TraceFormat } from "@foliox/trace";
import { parseSeed } from "../options.js";
import { formatJson } from "../render/json.js";
import { renderTable } from "../render/table.js";
import { ALLOW_OOM_HELP, oomRow, reportOom } from "../oom.js";
import { outDirFromArgs, writeOutputs } from "../output-path.js";
import { runProgress } from "../trace-progress.js";
import { collect, type Plugins } from "../plugin.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP, pluginsFromArgs } from "./plugins-arg.js";
import { EXIT_USAGE, scenarioFromArgs } from "./scenario-arg.js";
import { collectCost, COST_OPTION_HELP, LLC_OPTION_HELP, parseLlc, reportRunFailure } from "./tiering-args.js";
import { simulate, type TraceInput } from "./simulate.js";

/**
 * --stack NAME. Which names exist depends on the plugins and the config file, known only in the
 * action: the scenario's validation checks it there (an override's message says "--stack").
 */
export function parseStack(value: string): string {
  const name = value.trim();
  if (name === "") throw new InvalidArgumentError(`pass a stack name: ${STACK_NAMES.join(", ")}, or one a --plugin or the config file's presets add`);
  return name;
}

/** --stacks a,b,c: the names, checked in the action against the registered stacks. */
export function parseStacks(value: string): string[] {
  const names = value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 0) throw new InvalidArgumentError(`pass a comma-separated list of stacks, e.g. --stacks numab2,tpp,exchange,epoch-oracle`);
  return names;
}

/** The stacks the help texts list: the built-in ones, and where more come from. */
export const STACKS_HELP = `${STACK_NAMES.join(", ")}, or one a --plugin or the config file's presets add`;

export function parseEpochs(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("pass a positive integer, e.g. --epochs 20");
  return n;
}

/** --format F: auto, a built-in format, or (checked in the action, after --plugin) a plugin's. */
export function parseTraceFormat(value: string): TraceFormat | "auto" | (string & {}) {
  const v = value.trim();
  if (v === "") throw new InvalidArgumentError(`pass auto or one of: ${TRACE_FORMAT_NAMES.join(", ")}`);
  return v;
}

/** The error for a --format no built-in format nor plugin has, or undefined. */
export function unknownTraceFormat(format: string, plugins: Plugins): string | undefined {
  const names = ["auto", ...TRACE_FORMAT_NAMES, ...plugins.traceFormats.map((f) => f.name)];
  return names.includes(format) ? undefined : `--format "${format}" is not a trace format; pass one of: ${names.join(", ")}`;
}

/**
 * The options run and compare share for a trace: --format only with --trace and only a format
 * some reader has (a --plugin's included), and a --trace file that exists. Loads the plugins;
 * on a usage error reports it (exit 2) and returns undefined.
 */
export async function traceArgs(
  command: string,
  ctx: CommandContext,
  cmd: unknown,
  opts: { trace?: string; format?: string },
): Promise<{ plugins: Plugins; trace: TraceInput | undefined } | undefined> {
  const usage = (msg: string) => {
    ctx.writeErr(`foliox ${command}: ${msg}\n`);
    ctx.exitCode = EXIT_USAGE;
    return undefined;
  };
  if (opts.format !== undefined && opts.trace === undefined) return usage("--format applies to --trace; add --trace FILE, or drop --format");
  const plugins = await pluginsFromArgs(command, ctx, cmd);
  if (!plugins) return undefined;
  const badFormat = opts.format !== undefined ? unknownTraceFormat(opts.format, plugins) : undefined;
  if (badFormat) return usage(badFormat);
  const trace: TraceInput | undefined = opts.trace !== undefined ? { file: opts.trace, format: opts.format ?? "auto" } : undefined;
  if (trace && !existsSync(trace.file)) return usage(`no such trace file: ${trace.file}; check the path given to --trace`);
  return { plugins, trace };
}

export function fmtNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${Math.round(ns)} ns`;
}

/** The run's JSON: the scenario, the notes, then the engine's SimResult as it is. */
export function runJson(scenario: Scenario, source: string, notes: string[], result: SimResult, trace: TraceInput | undefined): Record<string, unknown> {
  return {
    scenario: { ...scenario, source, ...(trace ? { trace: { file: trace.file, format: trace.format } } : {}) },
    notes,
    ...result,
  };
}

/** Counters shown in text output, in this order, when present. */
export const SHOWN_COUNTERS = [
  "pgpromote_success",
  "pgpromote_candidate",
  "pgdemote_kswapd",
  "pgdemote_direct",
  "pgmigrate_success",
  "pgmigrate_fail",
  "numa_pages_migrated",
  "numa_hint_faults",
  "pgexchange_success",
  "pgexchange_fail",
];

function renderRunText(scenario: Scenario, source: string, notes: string[], r: SimResult, trace: TraceInput | undefined): string {
  const af = r.anonFileRatio;
  const t = r.time;
  const bg = Object.entries(r.backgroundCpuNs);
  const c = r.churn;
  const rows: string[][] = [
    ["hit ratio", `${r.hitRatio.toFixed(4)} (fast-tier accesses ÷ ${r.memoryAccesses} memory accesses)`],
    [
      "application time",
      `${fmtNs(r.runtimeNs)} = ${r.simulatedSeconds.toFixed(3)} simulated s (all-fast bound ${fmtNs(r.bounds.allFastRuntime)}: ×${(r.runtimeNs / r.bounds.allFastRuntime).toFixed(2)})`,
    ],
    [
      "  of which",
      `accesses ${fmtNs(t.access)}, LLC hits and zero page ${fmtNs(t.cache)}, page faults ${fmtNs(t.fault)}, hint faults ${fmtNs(t.hintFault)}, task_numa_work ${fmtNs(t.scan)}, promotions in faults ${fmtNs(t.promoteInFault)}, direct reclaim ${fmtNs(t.directReclaim)}, moves in the task ${fmtNs(t.mover)}, migration-entry waits ${fmtNs(t.blocked)}`,
    ],
    [
      "accesses' time",
      `${fmtNs(t.access + t.cache)} (all-slow bound ${fmtNs(r.bounds.allSlowRuntime)}: ×${((t.access + t.cache) / r.bounds.allSlowRuntime).toFixed(2)})`,
    ],
    ["background CPU (not in the application's time)", bg.length ? bg.map(([a, ns]) => `${a} ${fmtNs(ns)}`).join(", ") : "none"],
    [
      "accesses",
      `${r.accesses} in ${r.entries} entries${r.llc ? `; LLC ${r.llc.sizeBytes / 1024} KiB ${r.llc.ways}-way hits ${r.llc.hits}` : ""}; zero-page reads ${r.zeroPageReads}`,
    ],
    ["promotions (pages)", String(r.promotions)],
    ["demotions (pages)", String(r.demotions)],
    ["exchanges", String(r.exchanges)],
    ["anon : file promoted or exchanged up", af.anon + af.file === 0 ? "no moves" : `${af.anon} : ${af.file} (shmem ${af.shmem})`],
    [
      "churn",
      `${c.movesPerPage.toFixed(2)} moves per page moved (max ${c.maxMovesPerPage}), ${c.rePromotedAfterDemote} re-promoted after demotion, ping-pong ${c.pingPong} (≤ ${c.pingPongEpochs} epochs), promoted but untouched next epoch ${c.promotedUntouchedNextEpoch === null ? "-" : `${(100 * c.promotedUntouchedNextEpoch).toFixed(1)}%`}`,
    ],
    ["migration traffic", `${r.migrationBytes} bytes`],
    ["convergence after a phase change", r.convergenceNs === null ? "n/a" : fmtNs(r.convergenceNs)],
    ...(oomRow(r) ? [["dropped for want of memory", oomRow(r)!]] : []),
    [
      "failures",
      Object.keys(r.failures).length
        ? Object.entries(r.failures)
            .map(([k, n]) => `${k} ${n}`)
            .join(", ")
        : "none",
    ],
  ];
  const counters = SHOWN_COUNTERS.filter((c) => c in r.vmstat).map((c) => [`${c}${r.folioxOwnCounters.includes(c) ? " (foliox)" : ""}`, r.vmstat[c]!]);
  return [
    trace
      ? `scenario ${scenario.name} (${source}) replaying ${trace.file} (format ${trace.format}): ${scenario.topology} ${formatNodeMemory(scenario.memory.fast)} + ${formatNodeMemory(scenario.memory.slow)}, pressure ${scenario.pressure}, an epoch every ${scenario.workload.accessesPerEpoch} entries, seed ${scenario.seed}`
      : `scenario ${scenario.name} (${source}): ${describeScenario(scenario)}`,
    `stack ${r.stack}`,
    renderTable(rows),
    "counters:",
    renderTable(counters),
    ...(notes.length ? ["notes:", ...notes.map((n) => `  - ${n}`)] : []),
    "",
  ].join("\n");
}

export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command("run")
    .description("simulate a scenario (built-in name or config file) with one tiering stack, and print its metrics")
    .argument("[scenario]", "a built-in scenario (pressure, zipf, ...) or a foliox.config.ts / .json / .yaml file; default ./foliox.config.*")
    .option("--scenario <name|file>", "the same as the positional argument")
    .option("--stack <name>", `the tiering stack: ${STACKS_HELP} (default: the scenario's)`, parseStack)
    .option("--seed <n>", "PRNG seed (default: the scenario's); the same seed gives byte-identical --json", parseSeed)
    .option("--epochs <n>", "epochs to run (default: the scenario's)", parseEpochs)
    .option("--trace <file>", "replay this trace instead of the scenario's synthetic workload")
    .option("--format <format>", `the trace's format: auto, ${TRACE_FORMAT_NAMES.join(", ")}, or a --plugin's`, parseTraceFormat)
    .option("--cost <name=value>", COST_OPTION_HELP, collectCost)
    .option("--llc <setting>", LLC_OPTION_HELP, parseLlc)
    .option("--json", "print the result as JSON (the SimResult, with the scenario and notes)")
    .option("--out <dir>", "also write the JSON result to DIR/result.json (for foliox report); checked before the run")
    .option("--allow-oom", ALLOW_OOM_HELP)
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .showHelpAfterError("(run foliox run --help for usage)")
    .action(async (positional, opts, cmd) => {
      const args = await traceArgs("run", ctx, cmd, opts);
      if (!args) return;
      const { plugins, trace } = args;
      const resolved = await scenarioFromArgs(
        "run",
        ctx,
        positional,
        opts.scenario,
        {
          ...(opts.stack !== undefined ? { stack: opts.stack } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
        },
        plugins.catalog,
        opts.trace !== undefined ? TRACE_SCENARIO_NAME : undefined,
      );
      if (!resolved) return;
      const { scenario, source } = resolved;
      if (trace && scenario.pressure === "full") {
        ctx.writeErr(
          `foliox run: scenario ${scenario.name} holds memory full (pressure "full"), which needs its synthetic workload faulted in first; with --trace use a scenario with pressure "none"\n`,
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const out = outDirFromArgs("run", ctx, opts.out, ["result.json"]);
      if (out === false) return;
      const progress = runProgress(`${scenario.name}/${scenario.stack}`, scenario, trace);
      let outcome;
      try {
        outcome = await simulate(scenario, progress.trace, plugins, (rec) => progress.tick(rec.entries), {
          ...(opts.cost ? { costs: opts.cost } : {}),
          ...(opts.llc ? { llc: opts.llc } : {}),
        });
      } catch (err) {
        progress.stop();
        out?.discard();
        reportRunFailure("run", ctx, err);
        return;
      }
      progress.stop();
      const json = runJson(scenario, source, outcome.notes, outcome.result, trace);
      ctx.writeOut(opts.json === true ? formatJson(json) : renderRunText(scenario, source, outcome.notes, outcome.result, trace));
      if (out) writeOutputs("run", ctx, out, [["result.json", formatJson(json)]]);
      reportOom("run", ctx, [outcome.result], scenario, trace !== undefined, opts.allowOom === true);
    });
}
