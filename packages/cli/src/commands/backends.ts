/**
 * `foliox backends`: the registered backends (built-in and --plugin) and their capability
 * manifests — what the conformance matrix reads to decide which cases apply.
 */
import type { Command } from "@commander-js/extra-typings";
import { manifestOrders } from "@foliox/conformance";
import { collect } from "../plugin.js";
import { formatJson } from "../render/json.js";
import { renderTable } from "../render/table.js";
import type { CommandContext } from "./context.js";
import { PLUGIN_OPTION_HELP, pluginsFromArgs } from "./plugins-arg.js";

export function registerBackendsCommand(program: Command, ctx: CommandContext): void {
  program
    .command("backends")
    .description("list the registered backends (built-in and --plugin) and their capabilities")
    .option("--plugin <package-or-path>", PLUGIN_OPTION_HELP, collect, [] as string[])
    .option("--json", "print the manifests as JSON")
    .action(async (opts, cmd) => {
      const plugins = await pluginsFromArgs("backends", ctx, cmd);
      if (!plugins) return;
      const backends = plugins.backends;
      if (opts.json === true) {
        ctx.writeOut(formatJson({ backends: backends.map((b) => ({ ...b.manifest, orders: manifestOrders(b.manifest), source: b.source })) }));
        return;
      }
      const rows = [["name", "kinds", "migrate_folio", "exchange", "orders", "fsPrivate", "writeback", "states", "source"]];
      for (const b of backends) {
        const m = b.manifest;
        rows.push([
          m.name,
          m.kinds.join(","),
          m.migrateCallback,
          String(m.exchange),
          manifestOrders(m).join(","),
          String(m.fsPrivate),
          String(m.writeback),
          (m.states ?? []).join(",") || "-",
          b.source ?? "-",
        ]);
      }
      ctx.writeOut(`${renderTable(rows, "")}\n\n${backends.map((b) => `${b.manifest.name}: ${b.manifest.description}`).join("\n")}\n`);
    });
}
