/**
 * `foliox compare [--stacks a,b,c] [scenario]`: one run per stack on the same scenario (same
 * system, workload and seed, each from a fresh system), then a side-by-side table with each
 * stack's improvement over the first. With no flags it compares DEFAULT_COMPARE_STACKS (or the
 * config file's `stacks`) on ./foliox.config.* or, without one, the built-in `pressure`
 * scenario (the README's command). Stacks are names: built in, a --plugin's, or the config
 * file's `presets`; an unknown one is a usage error that lists the registered ones.
 * `--trace FILE [--format F]` replays a trace with every stack instead (on the built-in `trace`
 * machine, sized to the trace, unless a scenario is given); `--cost` and `--llc` override the
 * cost table and the LLC filter; `--out DIR` writes each stack's result (DIR/<stack>.json, what
 * `foliox run --out` writes) and DIR/compare.json, once every run has succeeded.
 * `--json` prints
 *   { "scenario", "trace", "bounds": { "allFastRuntime": ns, "allSlowRuntime": ns }, "costs",
 *     "stacks": [ { "name", "hitRatio", "runtime", "simulatedSeconds", "time",
 *                   "backgroundCpuNs", "churn", "vmstat": {...}, ... } ] }
 * Exit 0 on success, 2 for usage and config errors, bad input (a trace weight that is not a
 * positive finite number) and an --out that cannot be written (checked before the runs), 1 when
 * a run fails, 3 when a run dropped accesses for want of memory (unless --allow-oom; exit.ts).
 */
import type { Command } from "@commander-js/extra-typings";
import {
  describeScenario,
  formatNodeMemory,
  registryForScenario,
  TRACE_SCENARIO_NAME,
  unknownNameMessage,
  type Churn,
  type Costs,
  type RuntimeBreakdown,
  type SimResult,
} from "@foliox/tiering";
import { TRACE_FORMAT_NAMES } from "@foliox/trace";
import { collect } from "../plugin.js";
import { parseSeed } from "../options.js";
import { formatJson } from "../render/json.js";
import { formatSpeedup } from "../render/speedup.js";
import { renderTable, type Cell } from "../render/table.js";
import { ALLOW_OOM_HELP, formatDrops, oomDrops, reportOom } from "../oom.js";
import { outDirFromArgs, writeOutputs } from "../output-path.js";
import { runProgress } from "../trace-progress.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP } from "./plugins-arg.js";
import { fmtNs, parseEpochs, parseStacks, parseTraceFormat, runJson, SHOWN_COUNTERS, STACKS_HELP, traceArgs } from "./run.js";
import { EXIT_USAGE, scenarioFromArgs } from "./scenario-arg.js";
import { collectCost, COST_OPTION_HELP, LLC_OPTION_HELP, parseLlc, reportRunFailure, stackFileName } from "./tiering-args.js";
import { simulate, traceShape, type TraceInput, type TraceShape } from "./simulate.js";

/** The stacks `foliox compare` runs when --stacks is not given: Linux's NUMA balancing, TPP, exchange and the epoch-oracle reference. */
export const DEFAULT_COMPARE_STACKS = ["numab2", "tpp", "exchange", "epoch-oracle"] as const;
/** The scenario it runs when none is given and there is no ./foliox.config.* */
export const DEFAULT_COMPARE_SCENARIO = "pressure";

export interface CompareStack {
  name: string;
  hitRatio: number;
  /** the application's simulated time, ns */
  runtime: number;
  /** the same in seconds: how long the run lasted on the simulated machine */
  simulatedSeconds: number;
  /** where the application's time went, ns (the engine's SimResult.time) */
  time: RuntimeBreakdown;
  /** kernel threads' CPU time by actor (kswapd<nid>, mover, sampler), ns: not in runtime */
  backgroundCpuNs: Record<string, number>;
  churn: Churn;
  vmstat: Record<string, number>;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
  /** accesses the engine could not replay: oom (no page to fault in), segv, blocked, skipped */
  counters: SimResult["counters"];
  anonFileRatio: SimResult["anonFileRatio"];
  migrationBytes: number;
  convergenceNs: number | null;
  /** accesses replayed, those that reached a tier, zero-page reads (weights) */
  accesses: number;
  memoryAccesses: number;
  zeroPageReads: number;
  llc: SimResult["llc"];
  /** this run's bounds (the same accesses: equal for every stack unless one met migration entries) */
  bounds: SimResult["bounds"];
  /** runtime ÷ the first stack's runtime */
  runtimeVsFirst: number;
  /** hit ratio − the first stack's */
  hitRatioVsFirst: number;
}

export interface CompareJson {
  scenario: string;
  /** the replayed trace, when --trace was given */
  trace: { file: string; format: string } | null;
  /** the first stack's bounds: allFastRuntime <= every runtime; time.access + time.cache <= allSlowRuntime */
  bounds: { allFastRuntime: number; allSlowRuntime: number };
  /** the cost table every run used */
  costs: Costs;
  stacks: CompareStack[];
  notes: string[];
}

export function compareJson(name: string, results: SimResult[], notes: string[], trace: TraceInput | undefined = undefined): CompareJson {
  const first = results[0]!;
  return {
    scenario: name,
    trace: trace ? { file: trace.file, format: trace.format } : null,
    bounds: { allFastRuntime: first.bounds.allFastRuntime, allSlowRuntime: first.bounds.allSlowRuntime },
    costs: first.costs,
    stacks: results.map((r) => ({
      name: r.stack,
      hitRatio: r.hitRatio,
      runtime: r.runtimeNs,
      simulatedSeconds: r.simulatedSeconds,
      time: r.time,
      backgroundCpuNs: r.backgroundCpuNs,
      churn: r.churn,
      vmstat: r.vmstat,
      promotions: r.promotions,
      demotions: r.demotions,
      exchanges: r.exchanges,
      failures: r.failures,
      counters: r.counters,
      anonFileRatio: r.anonFileRatio,
      migrationBytes: r.migrationBytes,
      convergenceNs: r.convergenceNs,
      accesses: r.accesses,
      memoryAccesses: r.memoryAccesses,
      zeroPageReads: r.zeroPageReads,
      llc: r.llc,
      bounds: r.bounds,
      runtimeVsFirst: r.runtimeNs / first.runtimeNs,
      hitRatioVsFirst: r.hitRatio - first.hitRatio,
    })),
    notes,
  };
}

const share = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);

export function renderCompareText(c: CompareJson, header: string): string {
  const s = c.stacks;
  const first = s[0]!;
  const row = (label: string, f: (x: CompareStack, i: number) => string): Cell[] => [label, ...s.map((x, i) => f(x, i))];
  const actors = [...new Set(s.flatMap((x) => Object.keys(x.backgroundCpuNs)))].sort();
  const rows: Cell[][] = [
    ["", ...s.map((x, i) => (i === 0 ? `${x.name} (baseline)` : x.name))],
    row("hit ratio", (x, i) => `${x.hitRatio.toFixed(4)}${i ? ` (${x.hitRatioVsFirst >= 0 ? "+" : ""}${x.hitRatioVsFirst.toFixed(4)})` : ""}`),
    row("application time", (x, i) => `${fmtNs(x.runtime)}${i ? ` (${formatSpeedup(first.runtime, x.runtime)})` : ""}`),
    row("× all-fast bound", (x) => (x.runtime / x.bounds.allFastRuntime).toFixed(2)),
    row("  accesses", (x) => fmtNs(x.time.access)),
    row("  LLC hits, zero page", (x) => fmtNs(x.time.cache)),
    row("  page faults", (x) => fmtNs(x.time.fault)),
    row("  hint faults", (x) => fmtNs(x.time.hintFault)),
    row("  task_numa_work", (x) => fmtNs(x.time.scan)),
    row("  promotion in fault", (x) => fmtNs(x.time.promoteInFault)),
    row("  direct reclaim", (x) => fmtNs(x.time.directReclaim)),
    row("  moves in the task", (x) => fmtNs(x.time.mover)),
    row("  migration-entry waits", (x) => fmtNs(x.time.blocked)),
    row("accesses ÷ all-slow bound", (x) => ((x.time.access + x.time.cache) / x.bounds.allSlowRuntime).toFixed(2)),
    row("background CPU", (x) => fmtNs(Object.values(x.backgroundCpuNs).reduce((a, n) => a + n, 0))),
    ...actors.map((a) => row(`  ${a}`, (x) => fmtNs(x.backgroundCpuNs[a] ?? 0))),
    row("promotions (pages)", (x) => String(x.promotions)),
    row("demotions (pages)", (x) => String(x.demotions)),
    row("exchanges", (x) => String(x.exchanges)),
    row("moves per page moved (max)", (x) => `${x.churn.movesPerPage.toFixed(2)} (${x.churn.maxMovesPerPage})`),
    row("re-promoted after demotion", (x) => String(x.churn.rePromotedAfterDemote)),
    row(`ping-pong (≤ ${first.churn.pingPongEpochs} epochs)`, (x) => String(x.churn.pingPong)),
    row("promoted, untouched next epoch", (x) => share(x.churn.promotedUntouchedNextEpoch)),
    row("anon : file up", (x) => (x.anonFileRatio.anon + x.anonFileRatio.file === 0 ? "-" : `${x.anonFileRatio.anon} : ${x.anonFileRatio.file}`)),
    row("migration traffic (MiB)", (x) => (x.migrationBytes / 2 ** 20).toFixed(1)),
    row("convergence", (x) => (x.convergenceNs === null ? "n/a" : fmtNs(x.convergenceNs))),
    ...(s.some((x) => x.counters.oom > 0) ? [row("dropped for want of memory", (x) => formatDrops(oomDrops(x)))] : []),
    row("failures", (x) => String(Object.values(x.failures).reduce((a, n) => a + n, 0))),
    ...[...new Set(s.flatMap((x) => Object.keys(x.failures)))].sort().map((reason) => row(`  ${reason}`, (x) => String(x.failures[reason] ?? 0))),
    ...SHOWN_COUNTERS.filter((k) => s.some((x) => k in x.vmstat)).map((k) => row(k, (x) => String(x.vmstat[k] ?? 0))),
  ];
  const llc = first.llc;
  return [
    header,
    `simulated ${first.simulatedSeconds.toFixed(2)} s (baseline); bounds: all-fast ${fmtNs(c.bounds.allFastRuntime)} (no run is faster), all-slow ${fmtNs(c.bounds.allSlowRuntime)} (no run's accesses take longer)${llc ? `; LLC ${llc.sizeBytes / 1024} KiB ${llc.ways}-way: ${share(llc.hits / Math.max(1, llc.hits + llc.misses))} of accesses hit` : ""}`,
    renderTable(rows),
    ...(c.notes.length ? ["notes:", ...c.notes.map((n) => `  - ${n}`)] : []),
    "",
  ].join("\n");
}

export function registerCompareCommand(program: Command, ctx: CommandContext): void {
  program
    .command("compare")
    .description("run one scenario once per stack (same workload, same seed) and compare them side by side")
    .argument(
      "[scenario]",
      `a built-in scenario (pressure, zipf, ...) or a foliox.config.ts / .json / .yaml file; default ./foliox.config.*, else the built-in ${DEFAULT_COMPARE_SCENARIO}`,
    )
    .option(
      "--stacks <list>",
      `comma-separated stacks, the first is the baseline: ${STACKS_HELP} (default: the config file's stacks, else ${DEFAULT_COMPARE_STACKS.join(",")})`,
      parseStacks,
    )
    .option("--scenario <name|file>", "the same as the positional argument")
    .option("--seed <n>", "PRNG seed (default: the scenario's)", parseSeed)
    .option("--epochs <n>", "epochs to run (default: the scenario's)", parseEpochs)
    .option(
      "--trace <file>",
      `replay this trace with every stack instead of the scenario's workload (default scenario then: the built-in ${TRACE_SCENARIO_NAME}, DRAM 20% of the trace's footprint)`,
    )
    .option("--format <format>", `the trace's format: auto, ${TRACE_FORMAT_NAMES.join(", ")}, or a --plugin's`, parseTraceFormat)
    .option("--cost <name=value>", COST_OPTION_HELP, collectCost)
    .option("--llc <setting>", LLC_OPTION_HELP, parseLlc)
    .option(
      "--json",
      'print { "scenario", "trace", "bounds", "costs", "stacks": [ { "name", "hitRatio", "runtime", "simulatedSeconds", "time", "backgroundCpuNs", "churn", "vmstat", ... } ] }',
    )
    .option("--out <dir>", "also write DIR/<stack>.json (each run's result, for foliox report) and DIR/compare.json; checked before the runs")
    .option("--allow-oom", ALLOW_OOM_HELP)
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .showHelpAfterError("(run foliox compare --help for usage)")
    .action(async (positional, opts, cmd) => {
      const args = await traceArgs("compare", ctx, cmd, opts);
      if (!args) return;
      const { plugins, trace } = args;
      const resolved = await scenarioFromArgs(
        "compare",
        ctx,
        positional,
        opts.scenario,
        {
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
        },
        plugins.catalog,
        trace ? TRACE_SCENARIO_NAME : DEFAULT_COMPARE_SCENARIO,
      );
      if (!resolved) return;
      const { scenario: base, source } = resolved;
      if (trace && base.pressure === "full") {
        ctx.writeErr(
          `foliox compare: scenario ${base.name} holds memory full (pressure "full"), which needs its synthetic workload faulted in first; with --trace use a scenario with pressure "none" (the built-in ${TRACE_SCENARIO_NAME}, say)\n`,
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const stacks: string[] = opts.stacks ?? base.stacks ?? [...DEFAULT_COMPARE_STACKS];
      const registered = [...registryForScenario(plugins.catalog.registry, base).presets.keys()];
      const unknown = stacks.filter((s) => !registered.includes(s));
      if (unknown.length > 0) {
        ctx.writeErr(`foliox compare: ${opts.stacks ? "--stacks" : "stacks"}: ${unknown.map((u) => unknownNameMessage("stack", u, registered)).join("; ")}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const out = outDirFromArgs("compare", ctx, opts.out, [...stacks.map(stackFileName), "compare.json"]);
      if (out === false) return;
      const results: SimResult[] = [];
      let notes: string[] = [];
      const name = base.name;
      const header = trace
        ? `scenario ${base.name} (${source}) replaying ${trace.file} (format ${trace.format}): ${base.topology} ${formatNodeMemory(base.memory.fast)} + ${formatNodeMemory(base.memory.slow)}, an epoch every ${base.workload.accessesPerEpoch} entries, seed ${base.seed}`
        : `scenario ${base.name} (${source}): ${describeScenario({ ...base, stack: stacks[0]! }).replace(/, stack [^,]+/, "")}`;
      const runs: Record<string, unknown>[] = [];
      let shape: TraceShape | undefined;
      for (const stack of stacks) {
        const scenario = { ...base, stack };
        const progress = runProgress(`${scenario.name}/${stack}`, scenario, trace);
        try {
          // the trace's footprint and format, read once for every stack
          if (trace && !shape) shape = await traceShape(progress.trace ?? trace, plugins);
          const outcome = await simulate(scenario, progress.trace, plugins, (rec) => progress.tick(rec.entries), {
            ...(opts.cost ? { costs: opts.cost } : {}),
            ...(opts.llc ? { llc: opts.llc } : {}),
            ...(shape ? { traceSummary: shape } : {}),
          });
          results.push(outcome.result);
          notes = outcome.notes;
          runs.push(runJson(scenario, source, outcome.notes, outcome.result, trace));
        } catch (err) {
          progress.stop();
          out?.discard();
          reportRunFailure("compare", ctx, err, `the ${stack} run failed: `);
          return;
        }
        progress.stop();
      }
      const json = compareJson(name, results, notes, trace);
      ctx.writeOut(opts.json === true ? formatJson(json) : renderCompareText(json, header));
      // written only once every run has succeeded: a failed compare leaves nothing behind
      if (out)
        writeOutputs("compare", ctx, out, [...runs.map((r, i) => [stackFileName(stacks[i]!), formatJson(r)] as const), ["compare.json", formatJson(json)]]);
      reportOom("compare", ctx, results, base, trace !== undefined, opts.allowOom === true);
    });
}
