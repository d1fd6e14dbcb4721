import { readFileSync } from "node:fs";
import { Command, CommanderError } from "@commander-js/extra-typings";
import type { CommandContext } from "./commands/context.js";
import { registerExchangeCommand } from "./commands/exchange.js";
import { registerTraceCommand } from "./commands/trace.js";
import { registerBackendsCommand } from "./commands/backends.js";
import { registerConformanceCommand } from "./commands/conformance.js";
import { collect } from "./plugin.js";
import { PLUGIN_OPTION_HELP } from "./commands/plugins-arg.js";
import { registerCompareCommand } from "./commands/compare.js";
import { registerReportCommand } from "./commands/report.js";
import { registerRunCommand } from "./commands/run.js";
import { registerNewCommand } from "./commands/new.js";
import { registerSweepCommand } from "./commands/sweep.js";
import { registerMergeCommand } from "./commands/merge.js";
import { registerExploreCommand } from "./commands/explore.js";

/** Exit code for usage errors (unknown option, missing argument, ...). */
export const EXIT_USAGE = 2;

export interface ProgramIO {
  writeOut?: (text: string) => void;
  writeErr?: (text: string) => void;
}

/** Version of @foliox/cli; resolved relative to this module, so it works from src/ and from dist/. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** The context commands write through; `exitCode` is what main() returns after a clean parse. */
export function createContext(io: ProgramIO = {}): CommandContext {
  return {
    version: cliVersion(),
    writeOut: io.writeOut ?? ((text) => void process.stdout.write(text)),
    writeErr: io.writeErr ?? ((text) => void process.stderr.write(text)),
    exitCode: 0,
  };
}

export function createProgram(io: ProgramIO = {}, ctx: CommandContext = createContext(io)) {
  const program = new Command()
    .name("foliox")
    .description("foliox — a faithful, fast model of Linux folio migration and folio exchange")
    .version(cliVersion())
    .showHelpAfterError("(run foliox --help for usage)")
    .exitOverride();
  if (io.writeOut || io.writeErr) {
    program.configureOutput({
      ...(io.writeOut ? { writeOut: io.writeOut } : {}),
      ...(io.writeErr ? { writeErr: io.writeErr } : {}),
    });
  }
  // Commands last: .command() copies the settings above (exitOverride, output, help after error).
  registerExchangeCommand(program, ctx);
  registerTraceCommand(program, ctx);
  program.option("--plugin <package-or-path>", `${PLUGIN_OPTION_HELP}; for run, compare, sweep, backends and conformance`, collect, [] as string[]);
  registerBackendsCommand(program, ctx);
  registerConformanceCommand(program, ctx);
  registerRunCommand(program, ctx);
  registerCompareCommand(program, ctx);
  registerSweepCommand(program, ctx);
  registerMergeCommand(program, ctx);
  registerReportCommand(program, ctx);
  registerNewCommand(program, ctx);
  registerExploreCommand(program, ctx);
  return program;
}

/**
 * Parse argv (node-style: [node, script, ...args]) and run the selected command.
 * Resolves to the process exit code: 0 for success and for --help/--version, 2 for usage errors,
 * otherwise what the command left in its context (1 when a command's expectations failed).
 * Errors thrown by command actions propagate.
 */
export async function main(argv: readonly string[], io: ProgramIO = {}): Promise<number> {
  const ctx = createContext(io);
  const program = createProgram(io, ctx);
  try {
    await program.parseAsync([...argv]);
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw err;
  }
}
