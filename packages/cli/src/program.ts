import { readFileSync } from "node:fs";
import { Command, CommanderError } from "@commander-js/extra-typings";

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

export function createProgram(io: ProgramIO = {}) {
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
  return program;
}

/**
 * Parse argv (node-style: [node, script, ...args]) and run the selected command.
 * Resolves to the process exit code: 0 for success and for --help/--version, 2 for usage errors.
 * Errors thrown by command actions propagate.
 */
export async function main(argv: readonly string[], io: ProgramIO = {}): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw err;
  }
}
