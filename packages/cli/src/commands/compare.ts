/**
 * `foliox compare [--stacks a,b,c] [scenario]`: one run per stack on the same scenario (same
 * system, workload and seed, each from a fresh system), then a side-by-side table with each
 * stack's improvement over the first. With no flags it compares DEFAULT_COMPARE_STACKS (or the
 * config file's `stacks`) on ./foliox.config.* or, without one, the built-in `pressure`
 * scenario (the README's command). Stacks are names: built in, a --plugin's, or the config
 * file's `presets`; an unknown one is a usage error that lists the registered ones.
 * `--json` prints
 *   { "scenario": name, "bounds": { "allFastRuntime": ns, "allSlowRuntime": ns },
 *     "stacks": [ { "name", "hitRatio", "runtime", "vmstat": {...}, ... } ] }
 * Exit 0 on success, 2 for usage and config errors, 1 when a run fails.
 */
import type { Command } from "@commander-js/extra-typings";
import { describeScenario, registryForScenario, unknownNameMessage, type RuntimeBreakdown, type SimResult } from "@foliox/tiering";
import { collect } from "../plugin.js";
import { parseSeed } from "../options.js";
import { formatJson } from "../render/json.js";
import { renderTable, type Cell } from "../render/table.js";
import { createProgress } from "../report/progress.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP, pluginsFromArgs } from "./plugins-arg.js";
import { fmtNs, parseEpochs, parseStacks, SHOWN_COUNTERS, STACKS_HELP } from "./run.js";
import { EXIT_RUNTIME, EXIT_USAGE, scenarioFromArgs } from "./scenario-arg.js";
import { simulate } from "./simulate.js";

/** The stacks `foliox compare` runs when --stacks is not given (issue 4's done-when set). */
export const DEFAULT_COMPARE_STACKS = ["numab2", "tpp", "exchange", "oracle"] as const;
/** The scenario it runs when none is given and there is no ./foliox.config.* */
export const DEFAULT_COMPARE_SCENARIO = "pressure";

export interface CompareStack {
  name: string;
  hitRatio: number;
  /** simulated runtime, ns */
  runtime: number;
  /** where the runtime went, ns (the engine's SimResult.time) */
  time: RuntimeBreakdown;
  vmstat: Record<string, number>;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
  anonFileRatio: SimResult["anonFileRatio"];
  pingPong: number;
  migrationBytes: number;
  convergenceNs: number | null;
  /** runtime ÷ the first stack's runtime */
  runtimeVsFirst: number;
  /** hit ratio − the first stack's */
  hitRatioVsFirst: number;
}

export interface CompareJson {
  scenario: string;
  bounds: { allFastRuntime: number; allSlowRuntime: number };
  stacks: CompareStack[];
  notes: string[];
}

export function compareJson(name: string, results: SimResult[], notes: string[]): CompareJson {
  const first = results[0]!;
  return {
    scenario: name,
    bounds: { allFastRuntime: first.bounds.allFastRuntime, allSlowRuntime: first.bounds.allSlowRuntime },
    stacks: results.map((r) => ({
      name: r.stack,
      hitRatio: r.hitRatio,
      runtime: r.runtimeNs,
      time: r.time,
      vmstat: r.vmstat,
      promotions: r.promotions,
      demotions: r.demotions,
      exchanges: r.exchanges,
      failures: r.failures,
      anonFileRatio: r.anonFileRatio,
      pingPong: r.pingPong,
      migrationBytes: r.migrationBytes,
      convergenceNs: r.convergenceNs,
      runtimeVsFirst: r.runtimeNs / first.runtimeNs,
      hitRatioVsFirst: r.hitRatio - first.hitRatio,
    })),
    notes,
  };
}

/** "12.3% faster" / "4.5% slower": the runtime against the baseline's. */
function speed(baseline: number, runtime: number): string {
  const r = baseline / runtime;
  return r >= 1 ? `${(100 * (r - 1)).toFixed(1)}% faster` : `${(100 * (1 / r - 1)).toFixed(1)}% slower`;
}

function renderCompareText(c: CompareJson, header: string): string {
  const s = c.stacks;
  const first = s[0]!;
  const row = (label: string, f: (x: CompareStack, i: number) => string): Cell[] => [label, ...s.map((x, i) => f(x, i))];
  const rows: Cell[][] = [
    ["", ...s.map((x, i) => (i === 0 ? `${x.name} (baseline)` : x.name))],
    row("hit ratio", (x, i) => `${x.hitRatio.toFixed(4)}${i ? ` (${x.hitRatioVsFirst >= 0 ? "+" : ""}${x.hitRatioVsFirst.toFixed(4)})` : ""}`),
    row("runtime", (x, i) => `${fmtNs(x.runtime)}${i ? ` (${speed(first.runtime, x.runtime)})` : ""}`),
    row("× all-fast bound", (x) => (x.runtime / c.bounds.allFastRuntime).toFixed(2)),
    row("× all-slow bound", (x) => (x.runtime / c.bounds.allSlowRuntime).toFixed(2)),
    row("  of which accesses", (x) => fmtNs(x.time.access)),
    row("  hint faults", (x) => fmtNs(x.time.hintFault)),
    row("  other faults", (x) => fmtNs(x.time.fault)),
    row("  scans", (x) => fmtNs(x.time.scan)),
    row("  moves (fault, reclaim, mover)", (x) => fmtNs(x.time.promoteInFault + x.time.reclaim + x.time.mover)),
    row("promotions (pages)", (x) => String(x.promotions)),
    row("demotions (pages)", (x) => String(x.demotions)),
    row("exchanges", (x) => String(x.exchanges)),
    row("anon : file up", (x) => (x.anonFileRatio.anon + x.anonFileRatio.file === 0 ? "-" : `${x.anonFileRatio.anon} : ${x.anonFileRatio.file}`)),
    row("ping-pong (pages)", (x) => String(x.pingPong)),
    row("migration traffic (MiB)", (x) => (x.migrationBytes / 2 ** 20).toFixed(1)),
    row("convergence", (x) => (x.convergenceNs === null ? "n/a" : fmtNs(x.convergenceNs))),
    row("failures", (x) => String(Object.values(x.failures).reduce((a, n) => a + n, 0))),
    ...[...new Set(s.flatMap((x) => Object.keys(x.failures)))].sort().map((reason) => row(`  ${reason}`, (x) => String(x.failures[reason] ?? 0))),
    ...SHOWN_COUNTERS.filter((k) => s.some((x) => k in x.vmstat)).map((k) => row(k, (x) => String(x.vmstat[k] ?? 0))),
  ];
  return [
    header,
    `bounds: all-fast ${fmtNs(c.bounds.allFastRuntime)}, all-slow ${fmtNs(c.bounds.allSlowRuntime)}`,
    renderTable(rows),
    ...(c.notes.length ? ["notes:", ...c.notes.map((n) => `  - ${n}`)] : []),
    "",
  ].join("\n");
}

export function registerCompareCommand(program: Command, ctx: CommandContext): void {
  program
    .command("compare")
    .description("run one scenario once per stack (same workload, same seed) and compare them side by side")
    .argument("[scenario]", `a built-in scenario (pressure, zipf, ...) or a foliox.config.ts / .json / .yaml file; default ./foliox.config.*, else the built-in ${DEFAULT_COMPARE_SCENARIO}`)
    .option("--stacks <list>", `comma-separated stacks, the first is the baseline: ${STACKS_HELP} (default: the config file's stacks, else ${DEFAULT_COMPARE_STACKS.join(",")})`, parseStacks)
    .option("--scenario <name|file>", "the same as the positional argument")
    .option("--seed <n>", "PRNG seed (default: the scenario's)", parseSeed)
    .option("--epochs <n>", "epochs to run (default: the scenario's)", parseEpochs)
    .option("--json", 'print { "scenario", "bounds", "stacks": [ { "name", "hitRatio", "runtime", "vmstat", ... } ] }')
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .showHelpAfterError("(run foliox compare --help for usage)")
    .action(async (positional, opts, cmd) => {
      const plugins = await pluginsFromArgs("compare", ctx, cmd);
      if (!plugins) return;
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
        DEFAULT_COMPARE_SCENARIO,
      );
      if (!resolved) return;
      const { scenario: base, source } = resolved;
      const stacks: string[] = opts.stacks ?? base.stacks ?? [...DEFAULT_COMPARE_STACKS];
      const registered = [...registryForScenario(plugins.catalog.registry, base).presets.keys()];
      const unknown = stacks.filter((s) => !registered.includes(s));
      if (unknown.length > 0) {
        ctx.writeErr(`foliox compare: ${opts.stacks ? "--stacks" : "stacks"}: ${unknown.map((u) => unknownNameMessage("stack", u, registered)).join("; ")}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const results: SimResult[] = [];
      let notes: string[] = [];
      const name = base.name;
      const header = `scenario ${base.name} (${source}): ${describeScenario({ ...base, stack: stacks[0]! }).replace(/, stack [^,]+/, "")}`;
      for (const stack of stacks) {
        const scenario = { ...base, stack };
        const progress = createProgress(`${scenario.name}/${stack}`, scenario.workload.accessesPerEpoch * scenario.epochs);
        try {
          const outcome = await simulate(scenario, undefined, plugins, (rec) => progress.tick(rec.accesses));
          results.push(outcome.result);
          notes = outcome.notes;
        } catch (err) {
          progress.stop();
          ctx.writeErr(`foliox compare: the ${stack} run failed: ${err instanceof Error ? err.message : String(err)}\n`);
          ctx.exitCode = EXIT_RUNTIME;
          return;
        }
        progress.stop();
      }
      const json = compareJson(name, results, notes);
      ctx.writeOut(opts.json === true ? formatJson(json) : renderCompareText(json, header));
    });
}
