/**
 * `foliox exchange`: under memory pressure, migrate_pages() cannot promote a hot slow-tier
 * folio (-ENOMEM), and folio exchange swaps it with a cold fast-tier folio without a free page.
 * Exit 0 only if both happen as expected, with no allocation in the exchange, integrity intact
 * and the invariants clean; 1 otherwise, saying which expectation failed; 2 for usage errors.
 */
import type { Command } from "@commander-js/extra-typings";
import { runExchangeDemo } from "../exchange/run.js";
import { parseOrder, parseSeed } from "../options.js";
import { renderExchangeText } from "../render/exchange-text.js";
import { formatJson } from "../render/json.js";
import type { CommandContext } from "./context.js";

export const EXIT_EXPECTATION_FAILED = 1;

export function registerExchangeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("exchange")
    .description(
      "fill a fast and a slow node, show that migrate_pages() cannot promote a hot slow-tier folio (-ENOMEM), " +
        "then exchange it with a cold fast-tier folio, step by step, with no free page",
    )
    .version(ctx.version)
    .showHelpAfterError("(run foliox exchange --help for usage)")
    .option("--seed <n>", "PRNG seed, an integer: it picks the hot and cold folios; the same seed gives byte-identical output", parseSeed, 1)
    .option("--order <n>", "folio order of the pair: 0 (4 KiB folios) or 9 (2 MiB folios, PTE-mapped)", parseOrder, 0)
    .option("--bytes", "bytes mode: every page holds real 4 KiB of data, and the exchange swaps it", false)
    .option("--json", "print a JSON report instead of the step-by-step tables")
    .addHelpText(
      "after",
      "\nExit status: 0 if migrate_pages returns -ENOMEM, the exchange returns 0 with no page allocation,\n" +
        "integrity holds and the invariants are clean; 1 if any of these fails; 2 for a usage error.",
    )
    .action((opts) => {
      let report;
      try {
        report = runExchangeDemo({ seed: opts.seed, order: opts.order, bytes: opts.bytes ?? false });
      } catch (err) {
        ctx.writeErr(`foliox exchange: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.exitCode = EXIT_EXPECTATION_FAILED;
        return;
      }
      ctx.writeOut(opts.json === true ? formatJson(report) : renderExchangeText(report));
      if (!report.ok) {
        for (const e of report.expectations.filter((x) => !x.ok)) {
          ctx.writeErr(`foliox exchange: expectation failed: ${e.name} is ${e.actual}, expected ${e.expected} (${e.why})\n`);
        }
        ctx.exitCode = EXIT_EXPECTATION_FAILED;
      }
    });
}
