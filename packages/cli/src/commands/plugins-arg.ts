/**
 * The --plugin option every command that builds a system shares (run, compare, backends,
 * conformance): the plugins given before the command and after it, loaded once. A plugin that
 * cannot be used is a usage error (exit 2) whose message names the plugin and what is wrong.
 */
import { loadPlugins, pluginSpecs, PluginError, type Plugins } from "../plugin.js";
import type { CommandContext } from "./context.js";
import { EXIT_RUNTIME, EXIT_USAGE } from "./scenario-arg.js";

export const PLUGIN_OPTION_HELP =
  "load a plugin: backends, stack parts and presets, workloads, trace formats (repeatable; a directory, a file or a package name)";

/** Load the command's plugins; on failure report it and return undefined (exit 2, or 1 for a bug). */
export async function pluginsFromArgs(command: string, ctx: CommandContext, cmd: unknown): Promise<Plugins | undefined> {
  try {
    return await loadPlugins(pluginSpecs(cmd as Parameters<typeof pluginSpecs>[0]));
  } catch (err) {
    ctx.writeErr(`foliox ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    ctx.exitCode = err instanceof PluginError ? EXIT_USAGE : EXIT_RUNTIME;
    return undefined;
  }
}
