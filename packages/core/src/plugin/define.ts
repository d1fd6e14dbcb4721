/**
 * definePlugin(): how an out-of-tree package adds to foliox — backends, tiering stack parts and
 * presets, named workloads, trace formats — and the version of that contract.
 *
 * A plugin is an ES module whose default export is `definePlugin({ name, apiVersion, ... })`.
 * The host (the `foliox` command, or any program composing systems) imports it, refuses it if
 * it was written for another major version of this API, and hands each part to the package
 * that uses it: backends to createSystem(), stack parts and presets to @foliox/tiering's
 * registry, workloads to scenario resolution, trace formats to @foliox/trace's readTrace().
 *
 * Core knows the shape of a plugin, not the meaning of its tiering or trace parts (core never
 * imports those packages): here they are typed loosely, and @foliox/tiering/plugin re-exports
 * definePlugin typed with the stack-part interfaces. The host validates every part when it
 * registers it, naming the plugin in each error.
 */
import type { BackendRegistration } from "../backend/contract.js";

/**
 * The plugin API's major version. Everything exported from @foliox/core/plugin and
 * @foliox/tiering/plugin is that API; a change that breaks a plugin written against it raises
 * this number, and a host refuses a plugin whose apiVersion is another one.
 */
export const API_VERSION = 1;

/** A part's factory: called once per run with the options a stack gives the part by name. */
export type PartFactory<T = object> = (options: Readonly<Record<string, unknown>>) => T;

/** Stack parts by kind, each a map from the name configs use to a factory. */
export interface StackPartFactories<Sampler = object, Hotness = object, Placement = object, Mover = object, RateLimiter = object> {
  samplers?: Readonly<Record<string, PartFactory<Sampler>>>;
  hotness?: Readonly<Record<string, PartFactory<Hotness>>>;
  placements?: Readonly<Record<string, PartFactory<Placement>>>;
  movers?: Readonly<Record<string, PartFactory<Mover>>>;
  rateLimiters?: Readonly<Record<string, PartFactory<RateLimiter>>>;
}

/** The keys of StackPartFactories, in pipeline order. */
export const STACK_PART_KINDS = ["samplers", "hotness", "placements", "movers", "rateLimiters"] as const;
export type StackPartKind = (typeof STACK_PART_KINDS)[number];

export interface PluginDefinition<Parts = StackPartFactories, Preset = { readonly name: string }, Workload = object, TraceFormat = { readonly name: string }> {
  /** the plugin's name, in listings and error messages, e.g. "colloid-stack" */
  readonly name: string;
  /**
   * the plugin API version the plugin was written against (the major version, an integer):
   * write the number itself, `apiVersion: 1` — not API_VERSION, which is the host's and would
   * always match
   */
  readonly apiVersion: number;
  /** one line for listings */
  readonly description?: string;
  /** backend registrations, the shape registerAnon has: (container) => void */
  readonly backends?: readonly BackendRegistration[];
  /** tiering stack parts by kind and name */
  readonly stackParts?: Parts;
  /** whole stacks, by name, composed of parts by name (built-in, this plugin's or another's) */
  readonly presets?: readonly Preset[];
  /** named scenarios (a workload on a machine), usable wherever a built-in scenario name is */
  readonly workloads?: Readonly<Record<string, Workload>>;
  /** trace formats the trace readers accept by name (and detect) */
  readonly traceFormats?: readonly TraceFormat[];
}

/** Marks what definePlugin() returned; Symbol.for so that two copies of core agree. */
export const FOLIOX_PLUGIN = Symbol.for("@foliox/core:plugin");

export type FolioxPlugin<Parts = StackPartFactories, Preset = { readonly name: string }, Workload = object, TraceFormat = { readonly name: string }> = Readonly<
  PluginDefinition<Parts, Preset, Workload, TraceFormat>
> & { readonly [FOLIOX_PLUGIN]: true };

/** A plugin that cannot be used: its definition, its version, or a part that failed. */
export class PluginError extends Error {
  override name = "PluginError";
}

const FIELDS = ["name", "apiVersion", "description", "backends", "stackParts", "presets", "workloads", "traceFormats"] as const;

function kind(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The problems of a plugin definition, one message each (empty: it is well formed). Checks
 * the shape only; what each part means is checked by the package it goes to.
 */
export function pluginDefinitionProblems(def: unknown): string[] {
  if (!isRecord(def)) return [`definePlugin() takes an object { name, apiVersion, ... }, got ${kind(def)}`];
  const out: string[] = [];
  for (const k of Object.keys(def)) {
    if (!(FIELDS as readonly string[]).includes(k)) out.push(`unknown field "${k}"; a plugin has: ${FIELDS.join(", ")}`);
  }
  if (typeof def["name"] !== "string" || def["name"].trim() === "") out.push(`name must be a non-empty string, got ${kind(def["name"])}`);
  const v = def["apiVersion"];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    out.push(
      `apiVersion must be the integer major version of the plugin API it was written for (this foliox: ${API_VERSION}), got ${JSON.stringify(v) ?? kind(v)}`,
    );
  }
  if (def["description"] !== undefined && typeof def["description"] !== "string") out.push(`description must be a string, got ${kind(def["description"])}`);
  const backends = def["backends"];
  if (backends !== undefined) {
    if (!Array.isArray(backends)) out.push(`backends must be an array of registration functions (container) => void, got ${kind(backends)}`);
    else backends.forEach((b, i) => typeof b !== "function" && out.push(`backends[${i}] must be a registration function (container) => void, got ${kind(b)}`));
  }
  const parts = def["stackParts"];
  if (parts !== undefined) {
    if (!isRecord(parts)) out.push(`stackParts must be an object { ${STACK_PART_KINDS.join(", ")} }, got ${kind(parts)}`);
    else {
      for (const [k, table] of Object.entries(parts)) {
        if (!(STACK_PART_KINDS as readonly string[]).includes(k)) {
          out.push(`stackParts.${k} is not a kind of stack part; use: ${STACK_PART_KINDS.join(", ")}`);
          continue;
        }
        if (!isRecord(table)) {
          out.push(`stackParts.${k} must map names to factories (options) => part, got ${kind(table)}`);
          continue;
        }
        for (const [n, f] of Object.entries(table))
          if (typeof f !== "function") out.push(`stackParts.${k}["${n}"] must be a factory (options) => part, got ${kind(f)}`);
      }
    }
  }
  const presets = def["presets"];
  if (presets !== undefined) {
    if (!Array.isArray(presets))
      out.push(`presets must be an array of stacks { name, sampler, hotness, placement, mover, rateLimiter, ... }, got ${kind(presets)}`);
    else
      presets.forEach(
        (p, i) => (!isRecord(p) || typeof p["name"] !== "string" || p["name"] === "") && out.push(`presets[${i}] must be a stack with a non-empty name`),
      );
  }
  const workloads = def["workloads"];
  if (workloads !== undefined) {
    if (!isRecord(workloads)) out.push(`workloads must map names to scenarios, got ${kind(workloads)}`);
    else for (const [n, w] of Object.entries(workloads)) if (!isRecord(w)) out.push(`workloads["${n}"] must be a scenario object, got ${kind(w)}`);
  }
  const formats = def["traceFormats"];
  if (formats !== undefined) {
    if (!Array.isArray(formats)) out.push(`traceFormats must be an array of trace formats { name, description, createParser }, got ${kind(formats)}`);
    else
      formats.forEach(
        (f, i) =>
          (!isRecord(f) || typeof f["name"] !== "string" || f["name"] === "") && out.push(`traceFormats[${i}] must be a trace format with a non-empty name`),
      );
  }
  return out;
}

/**
 * Define a plugin: checks its shape (throwing a PluginError that lists every problem) and
 * returns it frozen and marked, to be the module's default export.
 */
export function definePlugin<Parts = StackPartFactories, Preset = { readonly name: string }, Workload = object, TraceFormat = { readonly name: string }>(
  def: PluginDefinition<Parts, Preset, Workload, TraceFormat>,
): FolioxPlugin<Parts, Preset, Workload, TraceFormat> {
  const problems = pluginDefinitionProblems(def);
  if (problems.length > 0) {
    const name = isRecord(def) && typeof def["name"] === "string" && def["name"] !== "" ? `plugin "${def["name"]}"` : "a plugin";
    throw new PluginError(`${name} is not well defined:\n${problems.map((p) => `  ✖ ${p}`).join("\n")}`);
  }
  return Object.freeze({ ...def, [FOLIOX_PLUGIN]: true as const });
}

/** Was this made by definePlugin() (of any copy of core)? */
export function isFolioxPlugin(v: unknown): v is FolioxPlugin {
  return isRecord(v) && (v as Record<symbol, unknown>)[FOLIOX_PLUGIN] === true;
}

/**
 * Refuse a plugin written for another major version of the API. `where` names the plugin for
 * the message (its name and where it was loaded from).
 */
export function checkPluginApiVersion(plugin: Pick<PluginDefinition, "apiVersion">, where: string): void {
  const v = plugin.apiVersion;
  if (v === API_VERSION) return;
  const fix =
    v > API_VERSION
      ? `use a foliox whose plugin API is version ${v} (a newer @foliox/core), or a release of the plugin written for version ${API_VERSION}`
      : `update the plugin to version ${API_VERSION} (docs/composing-a-stack.md and docs/adding-a-filesystem.md say what the API has), or use an older foliox`;
  throw new PluginError(`${where} was written for plugin API version ${v}, but this foliox provides plugin API version ${API_VERSION}; ${fix}`);
}

/** A backend registration that names its plugin when it throws. */
export function namedRegistration(register: BackendRegistration, where: string, index: number): BackendRegistration {
  const label = `backends[${index}]${register.name ? ` (${register.name})` : ""}`;
  const named: BackendRegistration = (c) => {
    try {
      register(c);
    } catch (err) {
      throw new PluginError(`${where}: ${label} threw while registering: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  Object.defineProperty(named, "name", { value: register.name || `backends[${index}]` });
  return named;
}
