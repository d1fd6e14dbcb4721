/**
 * `foliox explore`: run the interleaving explorer (@foliox/core's explore()) over the built-in
 * scenarios (explore/scenarios.ts) — every interleaving of their ops' steps with at most K
 * preemptions, up to a budget — with invariants, integrity and lockdep checked after every step.
 * Each violation is printed with its schedule and the command that replays it step by step.
 * Exit 0 with no violation, 1 with one, 2 for a usage error.
 */
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import { MOVER_NAMES, moverByName } from "@foliox/conformance";
import { explore, replaySchedule, type ExploreReport, type ReplayReport } from "@foliox/core";
import { EXPLORE_SCENARIO_NAMES, describeScenarios, exploreScenarios } from "../explore/scenarios.js";
import { formatJson } from "../render/json.js";
import { renderTable } from "../render/table.js";
import type { CommandContext } from "./context.js";
import { EXIT_RUNTIME, EXIT_USAGE } from "./scenario-arg.js";

/** Interleavings over all scenarios when --budget is not given: about every schedule with 2 preemptions. */
export const DEFAULT_EXPLORE_BUDGET = 6000;
/** The largest --preemptions accepted: beyond it the space explodes and the budget decides alone. */
export const MAX_PREEMPTIONS = 8;

function parseBudget(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError("pass a positive integer: the most interleavings to run over all scenarios, e.g. --budget 2000");
  return n;
}

function parsePreemptions(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= MAX_PREEMPTIONS))
    throw new InvalidArgumentError(`pass an integer from 0 to ${MAX_PREEMPTIONS}: the most preemptions per interleaving, e.g. --preemptions 2`);
  return n;
}

function parseMover(value: string): string {
  try {
    return moverByName(value).name;
  } catch {
    throw new InvalidArgumentError(`pass one of: ${MOVER_NAMES.join(", ")}`);
  }
}

function parseSchedule(value: string): number[] {
  if (!/^\d+(,\d+)*$/.test(value.trim()))
    throw new InvalidArgumentError("pass the op indices of each step, comma-separated, as a violation prints them, e.g. --replay 0,0,1,0");
  return value.trim().split(",").map(Number);
}

function replayCommand(scenario: string, schedule: readonly number[], mover: string): string {
  return `foliox explore ${scenario}${mover === "foliox" ? "" : ` --mover ${mover}`} --replay ${schedule.join(",")}`;
}

export function renderExploreText(r: ExploreReport, mover: string): string {
  const out: string[] = [`explore: mover ${mover}, at most ${r.preemptions} preemption(s) per interleaving`, ""];
  const rows = [["scenario", "interleavings", "exhausted", "max steps", "violations"]];
  for (const s of r.scenarios) rows.push([s.name, String(s.interleavings), s.exhausted ? "yes" : "no", String(s.maxSteps), String(s.violations)]);
  out.push(renderTable(rows, ""), "");
  for (const v of r.violations) {
    out.push(`${v.scenario}: ${v.kind} (${v.occurrences} interleaving(s))`);
    for (const line of v.message.split("\n")) out.push(`  ${line}`);
    out.push(`  schedule ${v.schedule.join(",")}; replay: ${replayCommand(v.scenario, v.schedule, mover)}`, "");
  }
  out.push(`${r.interleavings} interleaving(s) over ${r.scenarios.length} scenario(s), ${r.violations.length} violation(s)`);
  return `${out.join("\n")}\n`;
}

export function renderReplayText(r: ReplayReport): string {
  const rows = [["#", "op", "step", "result", "preemptions"]];
  for (const t of r.trace) rows.push([String(t.index), `${t.op} ${t.name}`, t.step, t.result, String(t.preemptions)]);
  const out = [`replay of ${r.scenario}: schedule ${r.schedule.join(",")}`, "", renderTable(rows, ""), ""];
  if (r.violation) {
    out.push(`violation (${r.violation.kind}):`);
    for (const line of r.violation.message.split("\n")) out.push(`  ${line}`);
  } else {
    out.push("no violation");
  }
  return `${out.join("\n")}\n`;
}

export function registerExploreCommand(program: Command, ctx: CommandContext): void {
  program
    .command("explore")
    .description(
      "run small scenarios of racing kernel operations in every interleaving up to a preemption bound, checking invariants, integrity and lockdep after every step",
    )
    .argument("[scenario...]", `scenarios to run (default all): ${EXPLORE_SCENARIO_NAMES.join(", ")}`)
    .option("--budget <n>", `the most interleavings to run, over all scenarios (default ${DEFAULT_EXPLORE_BUDGET})`, parseBudget, DEFAULT_EXPLORE_BUDGET)
    .option("--preemptions <k>", "the most preemptions (switches away from an op that could go on) per interleaving", parsePreemptions, 2)
    .option("--mover <name>", `the exchange the scenarios run: ${MOVER_NAMES.slice(0, 2).join(" or ")} (or seed-literal:9b.N)`, parseMover, "foliox")
    .option("--replay <schedule>", "replay one schedule of one scenario (the op index of each step, comma-separated) and print its trace", parseSchedule)
    .option("--list", "list the scenarios and exit")
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExit status: 0 if no interleaving violates a check; 1 if one does; 2 for a usage error.")
    .action((names, opts) => {
      if (opts.list === true) {
        const list = describeScenarios();
        ctx.writeOut(
          opts.json === true
            ? formatJson({ scenarios: list })
            : `${renderTable([["scenario", "what races"], ...list.map((s) => [s.name, s.description])], "")}\n`,
        );
        return;
      }
      const unknown = names.filter((n) => !EXPLORE_SCENARIO_NAMES.includes(n));
      if (unknown.length > 0) {
        ctx.writeErr(`foliox explore: unknown scenario ${unknown.map((n) => `"${n}"`).join(", ")}; choose from: ${EXPLORE_SCENARIO_NAMES.join(", ")}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const mover = moverByName(opts.mover);
      const scenarios = exploreScenarios(mover.exchange, names);
      if (opts.replay) {
        if (scenarios.length !== 1) {
          ctx.writeErr(`foliox explore: --replay needs exactly one scenario, e.g. foliox explore ${EXPLORE_SCENARIO_NAMES[0]} --replay 0,0,1\n`);
          ctx.exitCode = EXIT_USAGE;
          return;
        }
        let r: ReplayReport;
        try {
          r = replaySchedule(scenarios[0]!, opts.replay);
        } catch (err) {
          ctx.writeErr(`foliox explore: ${err instanceof Error ? err.message : String(err)}\n`);
          ctx.exitCode = err instanceof RangeError ? EXIT_USAGE : EXIT_RUNTIME;
          return;
        }
        ctx.writeOut(opts.json === true ? formatJson(r) : renderReplayText(r));
        if (r.violation) ctx.exitCode = EXIT_RUNTIME;
        return;
      }
      const report = explore(scenarios, { budget: opts.budget, preemptions: opts.preemptions });
      const json = {
        ...report,
        mover: mover.name,
        violations: report.violations.map((v) => ({ ...v, replay: replayCommand(v.scenario, v.schedule, mover.name) })),
      };
      ctx.writeOut(opts.json === true ? formatJson(json) : renderExploreText(report, mover.name));
      if (report.violations.length > 0) {
        ctx.writeErr(`foliox explore: ${report.violations.length} violation(s) (mover ${mover.name})\n`);
        ctx.exitCode = EXIT_RUNTIME;
      }
    });
}
