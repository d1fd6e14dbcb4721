/**
 * `foliox conformance`: every ordered pair of registered backends × every conformance case, for
 * a mover (foliox's exchange, or seed-literal with the seed's defects, docs/decisions.md#seed-defects). Exit 1 when a case
 * fails — so `--mover seed-literal` exits 1 — and 2 for a usage error.
 */
import { InvalidArgumentError, type Command } from "@commander-js/extra-typings";
import { MOVER_NAMES, moverByName, runConformance, type ConformanceReport } from "@foliox/conformance";
import { unknownNameMessage } from "@foliox/tiering";
import { EXIT_FAILURE, EXIT_USAGE } from "../exit.js";
import { collect } from "../plugin.js";
import { formatJson } from "../render/json.js";
import { renderTable } from "../render/table.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP, pluginsFromArgs } from "./plugins-arg.js";

function parseMover(value: string): string {
  try {
    return moverByName(value).name;
  } catch {
    throw new InvalidArgumentError(`pass one of: ${MOVER_NAMES.join(", ")}`);
  }
}

export function renderConformanceText(r: ConformanceReport): string {
  const out: string[] = [`conformance: mover ${r.mover}, backends ${r.backends.join(", ")}`, ""];
  const ids = r.pairs[0]?.cases.map((c) => c.id) ?? [];
  const header = ["case", ...r.pairs.map((p) => `${p.old}×${p.new}`)];
  const rows = [header, ...ids.map((id, i) => [id, ...r.pairs.map((p) => (p.cases[i]!.status === "n/a" ? "n/a" : p.cases[i]!.ok ? "pass" : "FAIL"))])];
  out.push(renderTable(rows, ""), "");
  const notes = r.pairs.flatMap((p) =>
    p.cases.filter((c) => c.status !== "pass").map((c) => `  ${p.old}×${p.new} ${c.id}: ${c.status === "n/a" ? `n/a (${c.detail})` : `FAIL ${c.detail}`}`),
  );
  if (notes.length) out.push(...notes, "");
  if (r.defects) {
    out.push("seed defects (docs/decisions.md#seed-defects), each switched on alone:");
    out.push(renderTable([["defect", "status", "detail", "title"], ...r.defects.map((d) => [d.id, d.status, d.detail, d.title])], "  "), "");
  }
  out.push(`${r.failed} case(s) failed over ${r.pairs.length} pair(s)`);
  return `${out.join("\n")}\n`;
}

export function registerConformanceCommand(program: Command, ctx: CommandContext): void {
  program
    .command("conformance")
    .description("run the backend conformance cases on every ordered pair of backends (old × new) and print the matrix")
    .option("--backend <name>", "one: the pairs that involve this backend; repeated: the pairs among the named backends", collect, [] as string[])
    .option("--mover <name>", `the exchange under test: ${MOVER_NAMES.slice(0, 2).join(" or ")} (or seed-literal:9b.N for one defect)`, parseMover, "foliox")
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .option("--json", "print the report as JSON")
    .addHelpText("after", "\nExit status: 0 if every applicable case passes; 1 if any fails; 2 for a usage error.")
    .action(async (opts, cmd) => {
      const plugins = await pluginsFromArgs("conformance", ctx, cmd);
      if (!plugins) return;
      const names = plugins.backends.map((b) => b.manifest.name);
      const unknown = opts.backend.filter((n) => !names.includes(n));
      if (unknown.length > 0) {
        ctx.writeErr(`foliox conformance: --backend: ${unknown.map((n) => unknownNameMessage("backend", n, names)).join("; ")}\n`);
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      let report: ConformanceReport;
      try {
        report = runConformance({ backends: plugins.backends, mover: opts.mover, only: opts.backend.length ? opts.backend : undefined });
      } catch (err) {
        ctx.writeErr(`foliox conformance: ${err instanceof Error ? err.message : String(err)}\n`);
        ctx.exitCode = EXIT_FAILURE;
        return;
      }
      ctx.writeOut(opts.json === true ? formatJson(report) : renderConformanceText(report));
      if (report.failed > 0) {
        ctx.writeErr(`foliox conformance: ${report.failed} case(s) failed (mover ${report.mover})\n`);
        ctx.exitCode = EXIT_FAILURE;
      }
    });
}
