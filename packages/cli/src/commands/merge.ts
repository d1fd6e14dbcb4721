/**
 * `foliox merge DIR|FILE… [-o all.jsonl]`: the results of a sweep's shards (each DIR's
 * results.jsonl, or results files themselves) as one results file, one line per key, sorted by
 * key — what an unsharded sweep's results.jsonl holds, in key order. A key in two inputs is
 * kept once; a key with two different results is an error (exit 2, nothing written): runs are
 * deterministic, so it means the inputs come from different builds of foliox, or a file was
 * edited. An unfinished last line (a shard still running, or killed) is left out, with a
 * warning. Without -o the lines go to stdout.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { EXIT_FAILURE, EXIT_USAGE } from "../exit.js";
import { cannotWrite, checkOutputFile, OutputPathError, writeWhole } from "../output-path.js";
import { readResults, RESULTS_FILE, ResultsFileError, type ResultLine } from "../sweep/results.js";
import type { CommandContext } from "./context.js";

/** Inputs that cannot be merged: the message names the file (and line) and what to do. */
class MergeError extends Error {
  override name = "MergeError";
}

/** A results file for an argument: DIR/results.jsonl for a directory, else the file itself. */
function resultsFileOf(arg: string): string {
  if (!existsSync(arg)) throw new MergeError(`${arg}: no such file or directory; pass a sweep's --out directory or a results .jsonl file`);
  if (!statSync(arg).isDirectory()) return arg;
  const file = join(arg, RESULTS_FILE);
  if (!existsSync(file)) throw new MergeError(`${arg}: has no ${RESULTS_FILE}; pass a directory foliox sweep wrote into (its --out)`);
  return file;
}

/** Every key once, sorted; two different results for one key throw. */
export function mergeResults(inputs: readonly { file: string; lines: readonly ResultLine[] }[]): string {
  const byKey = new Map<string, ResultLine & { file: string }>();
  for (const { file, lines } of inputs) {
    for (const l of lines) {
      const seen = byKey.get(l.key);
      if (!seen) byKey.set(l.key, { ...l, file });
      else if (seen.result !== l.result) {
        throw new MergeError(
          `key ${l.key} has two different results, ${seen.file}:${seen.line} and ${file}:${l.line}; a run gives one result for one key, so these come from different builds of foliox or an edited file: keep one of them`,
        );
      }
    }
  }
  const keys = [...byKey.keys()].sort();
  return keys.map((k) => `${byKey.get(k)!.text}\n`).join("");
}

export function registerMergeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("merge")
    .description("combine sweep shards' results (each DIR/results.jsonl) into one results file, one line per key, sorted by key")
    .argument("<dir-or-file...>", "sweep --out directories, or results .jsonl files")
    .option("-o, --output <file>", "write the merged results here (default: stdout)")
    .showHelpAfterError("(run foliox merge --help for usage)")
    .action((args, opts) => {
      let merged: string;
      let count = 0;
      try {
        if (opts.output !== undefined) checkOutputFile("-o", opts.output);
        const inputs = args.map((a) => {
          const file = resultsFileOf(a);
          const r = readResults(file);
          if (r.unfinishedAt !== null) ctx.writeErr(`foliox merge: ${file}: left out its unfinished last line (a sweep still running there, or stopped)\n`);
          count += r.lines.length;
          return { file, lines: r.lines };
        });
        merged = mergeResults(inputs);
      } catch (err) {
        if (!(err instanceof MergeError || err instanceof ResultsFileError || err instanceof OutputPathError)) throw err;
        ctx.writeErr(`foliox merge: ${err.message}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const n = merged === "" ? 0 : merged.split("\n").length - 1;
      if (opts.output === undefined) {
        ctx.writeOut(merged);
        return;
      }
      try {
        writeWhole(opts.output, merged);
      } catch (err) {
        ctx.writeErr(`foliox merge: ${cannotWrite(opts.output, err)}\n`);
        ctx.exitCode = EXIT_FAILURE;
        return;
      }
      ctx.writeErr(
        `foliox merge: ${n} results (${count - n} duplicate${count - n === 1 ? "" : "s"} dropped) from ${args.length} input${args.length === 1 ? "" : "s"}; wrote ${opts.output}\n`,
      );
    });
}
