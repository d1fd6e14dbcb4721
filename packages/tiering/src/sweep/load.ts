/**
 * Loading a sweep file — TypeScript/JavaScript (default export `defineSweep({...})`), JSON or
 * YAML — through the scenario loader's reader (scenario/load.ts: jiti, yaml), validated with
 * sweepSchema. A file that cannot be used raises SweepFileError, whose message names the file,
 * the field with its line and column (JSON, YAML), and how to fix it, did-you-mean included.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import type { Locate } from "../scenario/catalog.js";
import { ScenarioConfigError, zodProblems, type ConfigProblem } from "../scenario/config-error.js";
import { readConfigFile, ScenarioNotFoundError } from "../scenario/load.js";
import { sweepSchema, type Sweep } from "./schema.js";

const EXTS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json", ".yaml", ".yml"];

/** A sweep file that cannot be used: one problem per field, each with its fix. */
export class SweepFileError extends Error {
  constructor(
    readonly source: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatSweepProblems(source, problems));
    this.name = "SweepFileError";
  }
}

export function formatSweepProblems(source: string, problems: readonly ConfigProblem[]): string {
  const head = `${source}: the sweep is not valid (${problems.length} problem${problems.length === 1 ? "" : "s"}):`;
  const lines = problems.map(
    (p) => `  ✖ ${p.line !== undefined ? `${source}:${p.line}:${p.column ?? 1}` : source}: ${p.field === "" ? "" : `field ${p.field}: `}${p.message}`,
  );
  return [head, ...lines].join("\n");
}

export interface LoadedSweep {
  sweep: Sweep;
  /** the path as given: how messages name the file */
  source: string;
  /** the sweep file, absolute */
  file: string;
  /** its directory: scenario files and traces are relative to it */
  dir: string;
  /** where a field is in the file (JSON, YAML), for the messages of later checks */
  locate: Locate | undefined;
}

/** The fields an object at `path` accepts, for unknown-field hints. */
function keysAt(path: readonly PropertyKey[]): string[] {
  const p = path.filter((s) => typeof s === "string");
  if (p.length === 0) return Object.keys(sweepSchema.shape);
  if (p[0] === "traces") return ["file", "format"];
  if (p[0] === "llc") return ["size", "ways", "lineBytes"];
  return [];
}

function byPosition(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

/** Validate a sweep's raw value (from a file or code); `source` names it in messages. */
export function parseSweep(raw: unknown, source: string, locate?: Locate): Sweep {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SweepFileError(source, [
      {
        field: "",
        message: `expected an object with the sweep's fields (${Object.keys(sweepSchema.shape).join(", ")}), got ${Array.isArray(raw) ? "an array" : typeof raw}`,
      },
    ]);
  }
  const r = sweepSchema.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  const problems = zodProblems(r.error.issues, keysAt).map((p, i): ConfigProblem => {
    const issue = r.error.issues[i];
    const key = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const at = locate?.(issue?.path ?? [], key);
    return at ? { ...p, ...at } : p;
  });
  throw new SweepFileError(source, problems.sort(byPosition));
}

/** Read and validate a sweep file. */
export async function loadSweepFile(path: string, cwd = process.cwd()): Promise<LoadedSweep> {
  const file = resolve(cwd, path);
  const fail = (message: string): never => {
    throw new SweepFileError(path, [{ field: "", message }]);
  };
  if (!existsSync(file)) fail("no such file; check the path of the sweep file");
  if (statSync(file).isDirectory()) fail("it is a directory; pass the sweep file (.yaml, .json or .ts)");
  if (!EXTS.includes(extname(file))) fail(`unknown sweep file format "${extname(file)}"; use .yaml, .yml, .json, .ts, .mts, .js or .mjs`);
  let read: { raw: unknown; locate?: Locate };
  try {
    read = await readConfigFile(file, "defineSweep");
  } catch (err) {
    if (err instanceof ScenarioConfigError) throw new SweepFileError(path, err.problems);
    if (err instanceof ScenarioNotFoundError) fail(err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message);
    throw err;
  }
  return { sweep: parseSweep(read.raw, path, read.locate), source: path, file, dir: dirname(file), locate: read.locate };
}
