/**
 * The names a scenario may use, and their check. A ScenarioCatalog holds the tiering registry
 * (stacks and their parts: the built-in ones plus what --plugin modules registered) and the
 * named scenarios (the built-ins plus plugins' workloads). Scenario files are validated against
 * it after zod has checked their shape: a file's own `presets` are resolved first (each may
 * extend a registered preset or an earlier one of the file), then `stack` and `stacks` must
 * name a registered stack or one of those presets. Each problem keeps the field, its line and
 * column, and a did-you-mean, as zod's do.
 */
import { unknownNameMessage } from "../did-you-mean.js";
import { cloneRegistry, resolveStackDefinition, sourceOf, type StackDefinition } from "../stack/extend.js";
import { defaultTieringRegistry, type StackConfig, type TieringRegistry } from "../stack/stack.js";
import { BUILTIN_SCENARIOS } from "./builtin.js";
import { formatPath, type ConfigProblem } from "./config-error.js";
import type { Scenario, ScenarioInput } from "./schema.js";

/**
 * A named scenario as it is written: every field (a built-in), or `extends` another named
 * scenario and only what differs (a plugin's workload may be either). parseScenario() merges
 * and validates it.
 */
export type NamedScenarioInput = ScenarioInput | (Partial<ScenarioInput> & { extends: string });

export interface ScenarioCatalog {
  /** the stacks and parts names may refer to */
  registry: TieringRegistry;
  /** the named scenarios (`foliox run NAME`, `extends: NAME`) */
  scenarios: Readonly<Record<string, NamedScenarioInput>>;
  /** where a named scenario comes from, e.g. 'plugin "x" (./x)'; absent: built in */
  sources?: Readonly<Record<string, string>>;
}

/** What a scenario may name without plugins: the built-in stacks, parts and scenarios. */
export function defaultScenarioCatalog(): ScenarioCatalog {
  return { registry: defaultTieringRegistry(), scenarios: BUILTIN_SCENARIOS };
}

/** Where a field is in the source text, when it has one. */
export type Locate = (path: readonly PropertyKey[], key?: string) => { line: number; column: number } | undefined;

interface NamedFields {
  stack: string;
  stacks?: string[] | undefined;
  presets: StackDefinition[];
}

/**
 * Check the stack names of a zod-validated scenario. `overridden` names the fields that came
 * from the command line (their messages say so instead of pointing into the file).
 */
export function checkScenarioNames(
  data: NamedFields,
  catalog: ScenarioCatalog,
  locate: Locate | undefined,
  overridden: ReadonlySet<string>,
): { presets: StackConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const at = (path: (string | number)[], message: string): ConfigProblem => {
    if (overridden.has(String(path[0]))) return { field: formatPath(path), message: `${message} (it came from --${String(path[0])})` };
    return { field: formatPath(path), ...locate?.(path), message };
  };
  const local = cloneRegistry(catalog.registry);
  const presets: StackConfig[] = [];
  data.presets.forEach((def, i) => {
    if (local.presets.has(def.name)) {
      problems.push(
        at(
          ["presets", i, "name"],
          `a stack named "${def.name}" is registered already (${sourceOf(local, "presets", def.name)}); give this one another name, or extend it: extends: ${def.name}`,
        ),
      );
      return;
    }
    const { config, problems: own } = resolveStackDefinition(local, def);
    for (const p of own) problems.push(at(["presets", i, ...p.path], p.message));
    if (config) {
      local.presets.set(def.name, config);
      presets.push(config);
    }
  });
  const names = [...local.presets.keys()];
  if (!local.presets.has(data.stack)) problems.push(at(["stack"], unknownNameMessage("stack", data.stack, names)));
  data.stacks?.forEach((s, i) => {
    if (!local.presets.has(s)) problems.push(at(["stacks", i], unknownNameMessage("stack", s, names)));
  });
  return { presets, problems };
}

/**
 * The registry one run of a scenario resolves its stack from: the catalog's, plus the
 * scenario's own presets (a copy; the catalog's registry is left as it was).
 */
export function registryForScenario(registry: TieringRegistry, scenario: Pick<Scenario, "presets">): TieringRegistry {
  if (scenario.presets.length === 0) return registry;
  const r = cloneRegistry(registry);
  for (const p of scenario.presets) if (!r.presets.has(p.name)) r.presets.set(p.name, p);
  return r;
}
