/**
 * The scenario argument shared by `run` and `compare`: positional `[scenario]` or
 * `--scenario <name|file>` (both work; giving two different ones is a usage error), resolved
 * to a validated Scenario. Unknown names and invalid configs are usage errors (exit 2) whose
 * message says what to pass.
 */
import { resolveScenario, ScenarioConfigError, ScenarioNotFoundError, type ResolvedScenario, type ScenarioOverrides } from "@foliox/core";
import type { CommandContext } from "./context.js";

export const EXIT_USAGE = 2;
export const EXIT_RUNTIME = 1;

export async function scenarioFromArgs(
  command: string,
  ctx: CommandContext,
  positional: string | undefined,
  option: string | undefined,
  overrides: ScenarioOverrides,
): Promise<ResolvedScenario | undefined> {
  if (positional !== undefined && option !== undefined && positional !== option) {
    ctx.writeErr(`foliox ${command}: two scenarios given ("${positional}" and --scenario "${option}"); give it once, positionally or with --scenario\n`);
    ctx.exitCode = EXIT_USAGE;
    return undefined;
  }
  try {
    return await resolveScenario(positional ?? option, { overrides });
  } catch (err) {
    if (err instanceof ScenarioConfigError || err instanceof ScenarioNotFoundError) {
      ctx.writeErr(`foliox ${command}: ${err.message}\n`);
      ctx.exitCode = EXIT_USAGE;
      return undefined;
    }
    throw err;
  }
}
