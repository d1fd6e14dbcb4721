/**
 * `foliox report INPUT -o report.html`: a self-contained HTML page (uPlot and the data inlined;
 * no network) of
 * - a run: its result.json (`foliox run --out DIR` or `--json`), or DIR itself;
 * - a compare: the directory `foliox compare --out DIR` wrote (compare.json and each stack's
 *   result), or its compare.json (with the stacks' files beside it when they are there);
 * - a sweep: the directory `foliox sweep --out DIR` wrote (its results.jsonl), a results.jsonl,
 *   or what `foliox merge -o all.jsonl` wrote.
 * Exit 0 when written; 2 when the input is none of these or an option is missing; 1 when the
 * page cannot be written.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { RESULTS_FILE } from "../sweep/results.js";
import { OutputPathError, cannotWrite, checkOutputFile, writeWhole } from "../output-path.js";
import { loadReportAssets } from "../report/assets.js";
import { COMPARE_FILE, compareDirData, compareReportDataFrom, isCompareJson } from "../report/compare-data.js";
import { renderCompareHtml } from "../report/compare-html.js";
import { ReportInputError, reportDataFrom } from "../report/data.js";
import { renderReportHtml } from "../report/html.js";
import { sweepReportDataFrom } from "../report/sweep-data.js";
import { renderSweepHtml } from "../report/sweep-html.js";
import type { CommandContext } from "./context.js";

export const EXIT_RUNTIME = 1;
export const EXIT_BAD_INPUT = 2;

/** The file `foliox run --out DIR` writes. */
const RUN_FILE = "result.json";

const INPUT_HELP =
  "a run's result.json (foliox run --out DIR, or --json), a compare's directory or compare.json (foliox compare --out DIR), or a sweep's directory or results.jsonl (foliox sweep --out DIR, foliox merge -o FILE)";

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ReportInputError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass ${INPUT_HELP}`);
  }
}

/** What the input is, read: a function that renders its page. */
function pageOf(input: string): () => string {
  if (existsSync(input) && statSync(input).isDirectory()) {
    const has = [COMPARE_FILE, RESULTS_FILE, RUN_FILE].filter((f) => existsSync(join(input, f)));
    if (has.length === 0)
      throw new ReportInputError(
        `${input} holds no ${COMPARE_FILE} (foliox compare --out), ${RESULTS_FILE} (foliox sweep --out) or ${RUN_FILE} (foliox run --out); pass such a directory or one of those files`,
      );
    if (has.length > 1) throw new ReportInputError(`${input} holds ${has.join(" and ")}: pass the file you mean, e.g. ${join(input, has[0]!)}`);
    return pageOf(join(input, has[0]!));
  }
  const text = readText(input);
  if (input.endsWith(".jsonl")) {
    const data = sweepReportDataFrom(text, input);
    return () => renderSweepHtml(data, loadReportAssets());
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(`${input}: not JSON (${err instanceof Error ? err.message : String(err)}); pass ${INPUT_HELP}`);
  }
  if (isCompareJson(json)) {
    // a compare's directory gives each stack's epochs too; a compare.json alone still reads
    const data = basename(input) === COMPARE_FILE ? compareDirData(dirname(input)) : compareReportDataFrom(json, input);
    return () => renderCompareHtml(data, loadReportAssets());
  }
  const data = reportDataFrom(json, input);
  return () => renderReportHtml(data, loadReportAssets());
}

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command("report")
    .description(
      "write a self-contained HTML report: of a run (hit ratio over time, moves, failures, where the time went), a compare (the stacks side by side) or a sweep (figures against the fast tier's size, per stack, with the spread over seeds)",
    )
    .argument("<input>", INPUT_HELP)
    .requiredOption("-o, --output <file>", "the HTML file to write, e.g. report.html")
    .showHelpAfterError("(run foliox report --help for usage)")
    .action((input, opts) => {
      let html: () => string;
      try {
        // the output path first: a report that cannot be written is found before any reading
        checkOutputFile("-o", opts.output);
        html = pageOf(input);
      } catch (err) {
        if (!(err instanceof ReportInputError) && !(err instanceof OutputPathError)) throw err;
        ctx.writeErr(`foliox report: ${err.message}\n`);
        ctx.exitCode = EXIT_BAD_INPUT;
        return;
      }
      try {
        writeWhole(opts.output, html());
      } catch (err) {
        ctx.writeErr(`foliox report: ${cannotWrite(opts.output, err)}\n`);
        ctx.exitCode = EXIT_RUNTIME;
        return;
      }
      ctx.writeErr(`foliox report: wrote ${opts.output}\n`);
    });
}
