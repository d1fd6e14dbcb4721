/**
 * What plugins add to tiering: their stack parts and presets in a TieringRegistry, and their
 * workloads as named scenarios — together the ScenarioCatalog that scenarios, `--stack` and
 * `--stacks` are checked against. Order matters and is fixed: every plugin's parts first, then
 * every plugin's presets (so a preset may use a part of another plugin), then the workloads
 * (which may name any registered stack). Each error is a PluginError naming the plugin.
 */
import { PluginError, type FolioxPlugin } from "@foliox/core/plugin";
import { addPresets, addStackParts, type StackDefinition, type TieringStackParts } from "./stack/extend.js";
import { defaultTieringRegistry } from "./stack/stack.js";
import { BUILTIN_SCENARIOS } from "./scenario/builtin.js";
import type { NamedScenarioInput, ScenarioCatalog } from "./scenario/catalog.js";
import { ScenarioConfigError } from "./scenario/config-error.js";
import { parseScenario } from "./scenario/load.js";

/** A loaded plugin and how messages name it, e.g. 'plugin "colloid-stack" (./examples/colloid-stack)'. */
export interface PluginRef {
  plugin: FolioxPlugin<TieringStackParts, StackDefinition, NamedScenarioInput, unknown>;
  where: string;
}

/** The catalog of the built-ins plus every plugin's stack parts, presets and workloads. */
export function tieringCatalog(plugins: readonly PluginRef[]): ScenarioCatalog {
  const registry = defaultTieringRegistry();
  for (const { plugin, where } of plugins) if (plugin.stackParts) addStackParts(registry, plugin.stackParts, where);
  for (const { plugin, where } of plugins) if (plugin.presets) addPresets(registry, plugin.presets, where);
  const scenarios: Record<string, NamedScenarioInput> = { ...BUILTIN_SCENARIOS };
  const sources: Record<string, string> = {};
  const catalog: ScenarioCatalog = { registry, scenarios, sources };
  for (const { plugin, where } of plugins) {
    for (const [name, input] of Object.entries(plugin.workloads ?? {})) {
      if (name in scenarios)
        throw new PluginError(`${where}: workload "${name}" is a named scenario already (${sources[name] ?? "built in"}); give it another name`);
      const named = { ...input, name: input.name ?? name };
      try {
        parseScenario(named, `${where}: workload "${name}"`, {}, undefined, catalog);
      } catch (err) {
        if (err instanceof ScenarioConfigError) throw new PluginError(err.message);
        throw err;
      }
      scenarios[name] = named;
      sources[name] = where;
    }
  }
  return catalog;
}
