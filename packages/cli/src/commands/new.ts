/**
 * `foliox new backend NAME`: scaffold a backend package — a filesystem whose
 * a_ops->migrate_folio is filemap_migrate_folio, its conformance fixture built on core's
 * fixture helpers, the conformance suite as its test — that passes the suite's applicable
 * cases before its author changes a line (scaffold/backend.ts has the template). Exit 2 for a
 * name npm would refuse, a backend name that is not one or is taken, or a directory that exists.
 */
import { readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Command } from "@commander-js/extra-typings";
import { probeBackends } from "@foliox/conformance";
import { BUILTIN_BACKENDS } from "../plugin.js";
import { EXIT_USAGE } from "./scenario-arg.js";
import { backendTemplateDir, renderBackendTemplate, writeBackendScaffold } from "../scaffold/backend.js";
import { backendNameOf, backendNameProblems, npmPackageNameProblems, unscopedName } from "../scaffold/package-name.js";
import type { CommandContext } from "./context.js";

/** The @foliox ranges this CLI itself depends on: what a package scaffolded by it should ask for. */
function folioxRanges(): { coreRange: string; conformanceRange: string } {
  const pkg = JSON.parse(readFileSync(join(backendTemplateDir(), "..", "..", "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const dep = (name: string): string => pkg.dependencies?.[name] ?? "*";
  return { coreRange: dep("@foliox/core"), conformanceRange: dep("@foliox/conformance") };
}

export function registerNewCommand(program: Command, ctx: CommandContext): void {
  const usage = (what: string, problems: string[]): void => {
    ctx.writeErr(`foliox new backend: ${what}:\n${problems.map((p) => `  ✖ ${p}`).join("\n")}\n`);
    ctx.exitCode = EXIT_USAGE;
  };
  program
    .command("new")
    .description("scaffold a new package")
    .command("backend")
    .description("scaffold a backend package (filemap_migrate_folio, a conformance fixture, the conformance suite as its test)")
    .argument("<name>", "the npm package name, e.g. foliox-fs-xfs or @acme/foliox-fs-xfs")
    .option("--dir <path>", "the directory to create (default: ./<name without its @scope>); it must not exist")
    .option("--backend-name <name>", "the backend's manifest name (default: from <name>, e.g. xfs for foliox-fs-xfs)")
    .addHelpText("after", "\nExit status: 0 when the package was written; 2 for a bad name or an existing directory.")
    .action((name, opts) => {
      const nameProblems = npmPackageNameProblems(name);
      if (nameProblems.length) return usage(`"${name}" is not a valid npm package name`, nameProblems);
      const backendName = opts.backendName ?? backendNameOf(name);
      const taken = BUILTIN_BACKENDS.flatMap((b) => probeBackends(b.register, b.source).map((p) => p.manifest.name));
      const backendProblems = backendNameProblems(backendName, taken);
      if (backendProblems.length)
        return usage(
          opts.backendName === undefined ? `the backend name taken from "${name}" does not work; pass --backend-name` : "bad --backend-name",
          backendProblems,
        );
      const dir = resolve(opts.dir ?? unscopedName(name));
      let written: string[];
      try {
        written = writeBackendScaffold(dir, renderBackendTemplate({ packageName: name, backendName, ...folioxRanges() }));
      } catch (err) {
        return usage("cannot create the package", [err instanceof Error ? err.message : String(err)]);
      }
      const shown = relative(process.cwd(), dir) || ".";
      ctx.writeOut(
        [
          `created ${name} (backend "${backendName}") in ${shown}:`,
          ...written.map((f) => `  ${f}`),
          "",
          "next:",
          `  cd ${shown} && npm install && npm test       # the conformance suite against ${backendName}`,
          `  npm run build && npx foliox conformance --plugin ${shown} --backend ${backendName}`,
          "",
        ].join("\n"),
      );
    });
}
