/**
 * Options `run` and `compare` share for the tiering engine: `--cost name=value` (repeatable:
 * the cost table's overrides), `--llc none|on|auto|SIZE:WAYS[:LINE]` (the last-level-cache
 * filter), and how a failed run maps to an exit code — bad input (a weight that is not a
 * positive finite number, a cost or LLC geometry the engine refuses, a trace line that does not
 * parse, a node size that only fails once resolved) is a usage error (2), anything else a
 * failure of the run (1).
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import {
  AccessWeightError,
  checkLlcGeometry,
  CostError,
  LlcGeometryError,
  parseCostArg,
  parseSize,
  ScenarioConfigError,
  type CostOverrides,
  type LlcSetting,
} from "@foliox/tiering";
import { TraceParseError } from "@foliox/trace";
import type { CommandContext } from "./context.js";
import { EXIT_RUNTIME, EXIT_USAGE } from "./scenario-arg.js";

export const COST_OPTION_HELP = "override one constant of the cost table (docs/tiering.md), e.g. --cost hintFaultNs=2000; repeatable";
export const LLC_OPTION_HELP =
  "the last-level-cache filter: auto (on for lackey and pin traces), on (32 MiB 16-way 64 B, scaled to small footprints), none, or SIZE:WAYS[:LINE] such as 8MiB:16:64 (powers of two)";

/** --cost name=value, collected into one overrides object. */
export function collectCost(value: string, previous: CostOverrides = {}): CostOverrides {
  try {
    return parseCostArg(value, previous);
  } catch (err) {
    if (err instanceof CostError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/** --llc none | on | auto | SIZE:WAYS[:LINE] */
export function parseLlc(value: string): LlcSetting {
  const v = value.trim();
  if (v === "none" || v === "on" || v === "auto") return v;
  const parts = v.split(":");
  const size = parseSize(parts[0] ?? "");
  const ways = Number(parts[1]);
  const lineBytes = parts[2] === undefined ? 64 : Number(parts[2]);
  if (parts.length < 2 || parts.length > 3 || !Number.isFinite(size)) {
    throw new InvalidArgumentError(`pass none, on, auto, or SIZE:WAYS[:LINE] such as 32MiB:16:64; got "${value}"`);
  }
  try {
    checkLlcGeometry({ sizeBytes: size, ways, lineBytes }, "--llc");
  } catch (err) {
    if (err instanceof LlcGeometryError) throw new InvalidArgumentError(err.message);
    throw err;
  }
  return { size, ways, lineBytes };
}

/** A failed run's message, and whether bad input (exit 2) rather than the run (exit 1) is to blame. */
export function describeRunFailure(err: unknown): { message: string; usage: boolean } {
  const msg = err instanceof Error ? err.message : String(err);
  // a weight that is not a positive number, whether the engine or the trace's parser finds it
  const badWeight = err instanceof AccessWeightError || (err instanceof TraceParseError && /weight/.test(err.expected));
  // a trace that does not parse, or a config that only turns out wrong once its sizes are resolved, is bad input too
  const usage =
    badWeight || err instanceof CostError || err instanceof LlcGeometryError || err instanceof TraceParseError || err instanceof ScenarioConfigError;
  return { message: `${msg}${badWeight ? " (check the trace's weight column or the workload's weight)" : ""}`, usage };
}

/** Report a failed run: bad input exits 2, anything else 1. */
export function reportRunFailure(command: string, ctx: CommandContext, err: unknown, what = ""): void {
  const { message, usage } = describeRunFailure(err);
  ctx.writeErr(`foliox ${command}: ${what}${message}\n`);
  ctx.exitCode = usage ? EXIT_USAGE : EXIT_RUNTIME;
}

/** A file name for a stack's result: the name with anything but [A-Za-z0-9._-] replaced. */
export function stackFileName(stack: string): string {
  return `${stack.replace(/[^A-Za-z0-9._-]/g, "_")}.json`;
}
