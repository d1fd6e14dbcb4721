/**
 * The scenario argument shared by `run` and `compare`: positional `[scenario]` or
 * `--scenario <name|file>` (both work; giving two different ones is a usage error), resolved
 * to a validated Scenario. Unknown names and invalid configs are usage errors (exit 2) whose
 * message says what to pass. With neither, ./foliox.config.* is used; if there is none and the
 * command has a `fallback` built-in (compare: "pressure"), that one. Names (scenarios, stacks,
 * parts) are checked against `catalog`: the built-ins and what the command's plugins added.
 */
import {
  resolveScenario,
  ScenarioConfigError,
  ScenarioNotFoundError,
  type ResolvedScenario,
  type ScenarioCatalog,
  type ScenarioOverrides,
} from "@foliox/tiering";
import type { CommandContext } from "./context.js";

export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 1;

export async function scenarioFromArgs(
  command: string,
  ctx: CommandContext,
  positional: string | undefined,
  option: string | undefined,
  overrides: ScenarioOverrides,
  catalog: ScenarioCatalog,
  fallback?: string,
): Promise<ResolvedScenario | undefined> {
  if (positional !== undefined && option !== undefined && positional !== option) {
    ctx.writeErr(`foliox ${command}: two scenarios given ("${positional}" and --scenario "${option}"); give it once, positionally or with --scenario\n`);
    ctx.exitCode = EXIT_USAGE;
    return undefined;
  }
  try {
    const ref = positional ?? option;
    if (ref === undefined && fallback !== undefined) {
      try {
        return await resolveScenario(undefined, { overrides, catalog });
      } catch (err) {
        if (!(err instanceof ScenarioNotFoundError)) throw err;
        return await resolveScenario(fallback, { overrides, catalog });
      }
    }
    return await resolveScenario(ref, { overrides, catalog });
  } catch (err) {
    if (err instanceof ScenarioConfigError || err instanceof ScenarioNotFoundError) {
      ctx.writeErr(`foliox ${command}: ${err.message}\n`);
      ctx.exitCode = EXIT_USAGE;
      return undefined;
    }
    throw err;
  }
}
