/**
 * `foliox report RESULT.json -o report.html`: a self-contained HTML page of one run (uPlot and
 * the data inlined; no network). Exit 0 when written; 2 when the input is not a run result or
 * an option is missing; 1 when the page cannot be written.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { loadReportAssets } from "../report/assets.js";
import { ReportInputError, reportDataFrom } from "../report/data.js";
import { renderReportHtml } from "../report/html.js";
import type { CommandContext } from "./context.js";

export const EXIT_RUNTIME = 1;
export const EXIT_BAD_INPUT = 2;

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command("report")
    .description("write a self-contained HTML report of a run: hit ratio over time, moves per epoch, failures by reason, the anon:file ratio")
    .argument("<result>", "a run's result.json (from `foliox run --out DIR` or `foliox run --json`)")
    .requiredOption("-o, --output <file>", "the HTML file to write, e.g. report.html")
    .showHelpAfterError("(run foliox report --help for usage)")
    .action((resultFile, opts) => {
      let text: string;
      try {
        text = readFileSync(resultFile, "utf8");
      } catch (err) {
        ctx.writeErr(`foliox report: cannot read ${resultFile} (${(err as NodeJS.ErrnoException).code ?? String(err)}); pass the path of a result.json\n`);
        ctx.exitCode = EXIT_BAD_INPUT;
        return;
      }
      let data;
      try {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (err) {
          throw new ReportInputError(`${resultFile}: not JSON (${err instanceof Error ? err.message : String(err)}); pass a result.json written by \`foliox run --out DIR\``);
        }
        data = reportDataFrom(json, resultFile);
      } catch (err) {
        if (!(err instanceof ReportInputError)) throw err;
        ctx.writeErr(`foliox report: ${err.message}\n`);
        ctx.exitCode = EXIT_BAD_INPUT;
        return;
      }
      try {
        writeFileSync(opts.output, renderReportHtml(data, loadReportAssets()));
      } catch (err) {
        ctx.writeErr(`foliox report: cannot write ${opts.output}: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.exitCode = EXIT_RUNTIME;
        return;
      }
      ctx.writeErr(`foliox report: wrote ${opts.output}\n`);
    });
}
