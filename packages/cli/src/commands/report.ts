/**
 * `foliox report RESULT.json -o report.html`: a self-contained HTML page of one run (uPlot and
 * the data inlined; no network), or of a compare (a compare.json: the stacks side by side). Exit 0 when written; 2 when the input is not a run result or
 * an option is missing; 1 when the page cannot be written.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "@commander-js/extra-typings";
import { loadReportAssets } from "../report/assets.js";
import { compareReportDataFrom, isCompareJson, ReportInputError, reportDataFrom } from "../report/data.js";
import { renderCompareHtml, renderReportHtml } from "../report/html.js";
import type { CommandContext } from "./context.js";

export const EXIT_RUNTIME = 1;
export const EXIT_BAD_INPUT = 2;

export function registerReportCommand(program: Command, ctx: CommandContext): void {
  program
    .command("report")
    .description("write a self-contained HTML report of a run: hit ratio over time, moves per epoch, failures by reason, the anon:file ratio")
    .argument("<result>", "a run's result.json (from `foliox run --out DIR` or `foliox run --json`), or a compare.json (from `foliox compare --out DIR`)")
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
      let html: () => string;
      try {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (err) {
          throw new ReportInputError(`${resultFile}: not JSON (${err instanceof Error ? err.message : String(err)}); pass a result.json written by \`foliox run --out DIR\``);
        }
        if (isCompareJson(json)) {
          const data = compareReportDataFrom(json, resultFile);
          html = () => renderCompareHtml(data);
        } else {
          const data = reportDataFrom(json, resultFile);
          html = () => renderReportHtml(data, loadReportAssets());
        }
      } catch (err) {
        if (!(err instanceof ReportInputError)) throw err;
        ctx.writeErr(`foliox report: ${err.message}\n`);
        ctx.exitCode = EXIT_BAD_INPUT;
        return;
      }
      try {
        writeFileSync(opts.output, html());
      } catch (err) {
        ctx.writeErr(`foliox report: cannot write ${opts.output}: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.exitCode = EXIT_RUNTIME;
        return;
      }
      ctx.writeErr(`foliox report: wrote ${opts.output}\n`);
    });
}
