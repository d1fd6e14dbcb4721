/**
 * `foliox sweep FILE --out DIR [--shard i/n] [--jobs N] [--cost name=value] [--allow-oom]
 * [--dry-run] [--plugin P]`: every combination of a sweep file's axes (docs/sweeps.md), run on a
 * pool of worker threads (one per core by default), each run appended to DIR/results.jsonl as
 * it finishes. A run is keyed by the hash of its inputs, so a re-run skips the runs the file
 * has (resume), `--shard i/n` runs a deterministic i-th of n parts (for Slurm arrays and
 * Kubernetes Indexed Jobs; `foliox merge` puts them together), and one key is one result
 * wherever it ran. Everything is checked before the first run: a bad sweep file, scenario,
 * stack, trace, option or output directory exits 2 with nothing written. Exit 1 when a run
 * fails (the others are kept), 3 when runs dropped accesses for want of memory (unless
 * --allow-oom).
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import { loadSweepFile, SweepFileError, type LoadedSweep } from "@foliox/tiering";
import { EXIT_FAILURE, EXIT_OOM, EXIT_USAGE } from "../exit.js";
import { formatDrops } from "../oom.js";
import { outDirFromArgs } from "../output-path.js";
import { collect, pluginSpecs } from "../plugin.js";
import { createProgress } from "../report/progress.js";
import { describeRun, executeRuns } from "../sweep/execute.js";
import { planSweep, type SweepRun } from "../sweep/plan.js";
import { createSweepPool } from "../sweep/pool.js";
import { openResultsForAppend, readResults, RESULTS_FILE, ResultsFileError, type ResultsText } from "../sweep/results.js";
import { parseShard, selectShard, SHARD_HELP, type Shard } from "../sweep/shard.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP, pluginsFromArgs } from "./plugins-arg.js";
import { collectCost, COST_OPTION_HELP } from "./tiering-args.js";

export function parseJobs(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`pass a positive number of worker threads, e.g. --jobs ${availableParallelism()}`);
  return n;
}

/** Failed runs named one by one; the rest are counted. */
const SHOWN_FAILURES = 10;

const ALLOW_OOM_SWEEP_HELP = "accept runs that dropped accesses for want of memory (exit 0 instead of 3; their results show counters.oom)";

function usageError(ctx: CommandContext, message: string): void {
  ctx.writeErr(`foliox sweep: ${message}\n`);
  ctx.exitCode = EXIT_USAGE;
}

function listRuns(ctx: CommandContext, runs: readonly SweepRun[], done: ReadonlySet<string>): void {
  ctx.writeOut(
    runs.map((r) => `${r.key.slice(0, 12)}  ${done.has(r.key) ? "done" : "pending"}  ${describeRun(r).replace(/ \(key [0-9a-f]+\)$/, "")}\n`).join(""),
  );
}

export function registerSweepCommand(program: Command, ctx: CommandContext): void {
  program
    .command("sweep")
    .description(
      "run every combination of a sweep file (stacks × scenarios × traces × fast-tier sizes × cost variants × seeds) on all cores into DIR/results.jsonl; resumable and shardable (docs/sweeps.md)",
    )
    .argument("<file>", "the sweep file: .yaml, .json or .ts (fields: stacks, scenarios, traces, seeds, fast, costs, epochs, llc)")
    .requiredOption("--out <dir>", `the directory for ${RESULTS_FILE} (created if missing); runs it has already are skipped`)
    .option("--shard <i/n>", SHARD_HELP, parseShard)
    .option("--jobs <n>", `worker threads (default: this machine's ${availableParallelism()} cores)`, parseJobs)
    .option("--cost <name=value>", `${COST_OPTION_HELP}; applies to every run (on top of the sweep's costs)`, collectCost)
    .option("--allow-oom", ALLOW_OOM_SWEEP_HELP)
    .option("--dry-run", "list the runs (this shard's) and whether DIR has them; run nothing, write nothing")
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .showHelpAfterError("(run foliox sweep --help for usage)")
    .action(async (file, opts, cmd) => {
      const plugins = await pluginsFromArgs("sweep", ctx, cmd);
      if (!plugins) return;
      let loaded: LoadedSweep;
      let runs: SweepRun[];
      try {
        loaded = await loadSweepFile(file);
        runs = await planSweep(loaded, plugins, { version: ctx.version, ...(opts.cost ? { costs: opts.cost } : {}) });
      } catch (err) {
        if (!(err instanceof SweepFileError)) throw err;
        usageError(ctx, err.message);
        return;
      }
      const shard: Shard = opts.shard ?? { index: 0, count: 1 };
      const mine = selectShard(runs, shard);
      const resultsFile = join(opts.out, RESULTS_FILE);
      const ofShard = shard.count > 1 ? ` (shard ${shard.index}/${shard.count} of ${runs.length})` : "";
      let existing: ResultsText;
      try {
        existing = readResults(resultsFile);
      } catch (err) {
        if (!(err instanceof ResultsFileError)) throw err;
        usageError(ctx, `${err.message}; nothing was run`);
        return;
      }
      const done = new Set(existing.lines.map((l) => l.key));
      const dropped = new Map(existing.lines.filter((l) => l.oom > 0).map((l) => [l.key, `${l.oom} accesses`]));
      const pending = mine.filter((r) => !done.has(r.key));
      if (opts.dryRun) {
        listRuns(ctx, mine, done);
        ctx.writeErr(`foliox sweep: ${mine.length} runs${ofShard}: ${mine.length - pending.length} in ${resultsFile}, ${pending.length} to run\n`);
        return;
      }
      const out = outDirFromArgs("sweep", ctx, opts.out, [RESULTS_FILE]);
      if (out === false || out === undefined) return;
      const before = mine.length - pending.length;
      const status = `${mine.length} runs${ofShard}: ${before > 0 ? `${before} in ${resultsFile} already, ` : ""}`;
      if (pending.length === 0) {
        out.close();
        ctx.writeErr(`foliox sweep: ${status}nothing to run\n`);
      } else {
        const jobs = Math.min(opts.jobs ?? availableParallelism(), pending.length);
        const writer = openResultsForAppend(resultsFile, existing.unfinishedAt);
        if (existing.unfinishedAt !== null)
          ctx.writeErr(`foliox sweep: ${resultsFile}: cut off an unfinished last line (a run stopped while it was written); its run is done again\n`);
        const progress = createProgress("sweep", pending.length, process.stderr, "runs");
        const pool = createSweepPool(jobs);
        let outcome;
        try {
          outcome = await executeRuns(pending, { pool, writer, progress, cwd: process.cwd(), plugins: pluginSpecs(cmd as Parameters<typeof pluginSpecs>[0]) });
        } finally {
          progress.stop();
          await pool.close();
          writer.close();
          out.close();
        }
        ctx.writeErr(
          `foliox sweep: ${status}${outcome.ran} ran on ${jobs} worker thread${jobs === 1 ? "" : "s"}${outcome.failures.length ? `, ${outcome.failures.length} failed` : ""}; wrote ${resultsFile}\n`,
        );
        const failures = [...outcome.failures].sort((a, b) => (a.run.key < b.run.key ? -1 : 1));
        for (const f of failures.slice(0, SHOWN_FAILURES)) ctx.writeErr(`foliox sweep: ${describeRun(f.run)} failed: ${f.message}\n`);
        if (failures.length > SHOWN_FAILURES) ctx.writeErr(`foliox sweep: … and ${failures.length - SHOWN_FAILURES} more runs failed\n`);
        if (outcome.failures.length > 0) {
          ctx.exitCode = outcome.failures.some((f) => f.usage) ? EXIT_USAGE : EXIT_FAILURE;
          ctx.writeErr(`foliox sweep: nothing was written for the failed runs; run the sweep again to retry them\n`);
        }
        for (const o of outcome.oom) dropped.set(o.run.key, formatDrops(o));
      }
      // this shard's runs, old and new, that dropped accesses for want of memory
      const oom = mine.filter((r) => dropped.has(r.key));
      if (oom.length > 0) {
        const first = oom[0]!;
        const what = `${oom.length} of ${mine.length} runs dropped accesses for want of memory (${describeRun(first)}: ${dropped.get(first.key)}${oom.length > 1 ? "; and others" : ""})`;
        if (opts.allowOom) ctx.writeErr(`foliox sweep: --allow-oom: accepted: ${what}\n`);
        else {
          ctx.writeErr(
            `foliox sweep: ${what}: their page faults found no free page on either node and nothing to reclaim (no swap), and their hit ratios and times leave those accesses out; give the scenarios more memory (fast, or the scenario's memory), or pass --allow-oom to accept them\n`,
          );
          if (ctx.exitCode === 0) ctx.exitCode = EXIT_OOM;
        }
      }
    });
}
