/**
 * Extending a TieringRegistry with stack parts and presets from a plugin or a config file.
 * Every name is checked against what is registered and recorded with its source, and a
 * plugin's factory is wrapped so that an exception — or a part that lacks a method of its
 * interface — names the plugin and the part instead of failing somewhere inside a run.
 *
 * A stack definition is a StackConfig whose parts are given by name (string, or { name,
 * options }), optionally extending a registered preset: the fields it leaves out come from that
 * preset or, without `extends`, from the stack that does nothing (no sampler, hotness model,
 * placement or rate limit, the migrate mover, NUMA balancing off, kswapd demotion on).
 */
import { PluginError, STACK_PART_KINDS, type PartFactory, type StackPartFactories, type StackPartKind } from "@foliox/core/plugin";
import { unknownNameMessage } from "../did-you-mean.js";
import { TieringRegistry, type PartRef, type StackConfig } from "./stack.js";
import type { HotnessModel, Mover, PlacementPolicy, RateLimiter, Sampler } from "./types.js";

/** The stack parts a plugin may register, typed with the part interfaces. */
export type TieringStackParts = StackPartFactories<Sampler, HotnessModel, PlacementPolicy, Mover, RateLimiter>;

/** A stack by name and parts; what a plugin's `presets` and a config file's `presets` hold. */
export interface StackDefinition extends Partial<Omit<StackConfig, "name">> {
  name: string;
  /** a registered preset to start from */
  extends?: string;
}

/** The StackConfig field each part kind fills */
export type PartField = "sampler" | "hotness" | "placement" | "mover" | "rateLimiter";

/** What each kind of part is called in messages, the StackConfig field it fills, what it must have. */
export const PART_KINDS: Readonly<Record<StackPartKind, { label: string; field: PartField; methods: readonly string[] }>> = {
  samplers: { label: "sampler", field: "sampler", methods: ["setup", "sample", "epoch"] },
  hotness: { label: "hotness model", field: "hotness", methods: ["setup", "record", "epoch", "hotness", "isHot", "onMove", "onExchange"] },
  placements: { label: "placement policy", field: "placement", methods: ["plan"] },
  movers: { label: "mover", field: "mover", methods: ["run"] },
  rateLimiters: { label: "rate limiter", field: "rateLimiter", methods: ["refill", "budgetPages", "consume"] },
};

/** The registered names of one kind of part, in registration order. */
export function partNames(r: TieringRegistry, kind: StackPartKind): string[] {
  return [...r[kind].keys()];
}

/** What is wrong with an object a factory returned, or undefined if it has the interface. */
function partProblem(kind: StackPartKind, part: unknown): string | undefined {
  const info = PART_KINDS[kind];
  if (typeof part !== "object" || part === null) return `it returned ${part === null ? "null" : typeof part}, not a ${info.label}`;
  const p = part as Record<string, unknown>;
  const missing = info.methods.filter((m) => typeof p[m] !== "function");
  if (typeof p["name"] !== "string") missing.unshift("name (a string)");
  if (kind === "samplers" && typeof p["period"] !== "number") missing.push("period (a number: accesses between sample() calls, 0 for none)");
  return missing.length ? `the ${info.label} it returned has no ${missing.join(", ")}; a ${info.label} has name, ${info.methods.join(", ")}` : undefined;
}

function checkedFactory(kind: StackPartKind, name: string, factory: PartFactory<object>, owner: string): PartFactory<object> {
  const label = `${PART_KINDS[kind].label} "${name}"`;
  return (options) => {
    let part: unknown;
    try {
      part = factory(options);
    } catch (err) {
      throw new PluginError(`${owner}: the factory of ${label} threw: ${err instanceof Error ? err.message : String(err)}`);
    }
    const problem = partProblem(kind, part);
    if (problem) throw new PluginError(`${owner}: ${label}: ${problem}`);
    return part as object;
  };
}

/** Add a plugin's stack parts; a name registered already is an error naming both sources. */
export function addStackParts(r: TieringRegistry, parts: StackPartFactories, owner: string): void {
  for (const kind of STACK_PART_KINDS) {
    const table = parts[kind];
    if (!table) continue;
    const map = r[kind] as Map<string, PartFactory<object>>;
    for (const [name, factory] of Object.entries(table)) {
      const key = `${kind}:${name}`;
      if (map.has(name)) {
        throw new PluginError(
          `${owner}: ${PART_KINDS[kind].label} "${name}" is registered already (${r.sources.get(key) ?? "built in"}); give it another name`,
        );
      }
      map.set(name, checkedFactory(kind, name, factory as PartFactory<object>, owner));
      r.sources.set(key, owner);
    }
  }
}

const NOTHING: Omit<StackConfig, "name"> = {
  sampler: "none",
  hotness: "none",
  placement: "none",
  mover: "migrate",
  rateLimiter: "none",
  numa: null,
  demotion: true,
};

/** A problem of a stack definition, at a path inside it ("placement", "mover.name", ...). */
export interface StackProblem {
  path: (string | number)[];
  message: string;
}

function refName(p: string | PartRef | undefined): string | undefined {
  return typeof p === "string" ? p : p?.name;
}

/**
 * Resolve a stack definition against the registry: the base preset merged under it, every part
 * name checked. `config` is set only when there is no problem.
 */
export function resolveStackDefinition(r: TieringRegistry, def: StackDefinition): { config?: StackConfig; problems: StackProblem[] } {
  const problems: StackProblem[] = [];
  let base: Omit<StackConfig, "name"> = NOTHING;
  if (def.extends !== undefined) {
    const found = r.presets.get(def.extends);
    if (found) {
      // what the base copies and leaves out describes the base, not this stack
      const { name: _n, copies: _c, leavesOut: _l, ...rest } = found;
      base = rest;
    } else problems.push({ path: ["extends"], message: unknownNameMessage("stack", def.extends, [...r.presets.keys()]) });
  }
  const { extends: _e, ...own } = def;
  const config: StackConfig = { ...base, ...own };
  for (const kind of STACK_PART_KINDS) {
    const { label, field } = PART_KINDS[kind];
    const ref = config[field];
    const name = refName(ref);
    if (typeof name !== "string" || name === "") {
      problems.push({ path: [field], message: `give the ${label} by name (a string, or { name, options })` });
      continue;
    }
    if (typeof ref === "object" && ref.options !== undefined && (typeof ref.options !== "object" || ref.options === null || Array.isArray(ref.options))) {
      problems.push({ path: [field, "options"], message: `the ${label}'s options must be an object` });
    }
    if (!r[kind].has(name))
      problems.push({ path: typeof ref === "object" ? [field, "name"] : [field], message: unknownNameMessage(label, name, partNames(r, kind)) });
  }
  if (config.demotion !== undefined && typeof config.demotion !== "boolean") problems.push({ path: ["demotion"], message: "must be true or false" });
  if (config.numa !== undefined && config.numa !== null && typeof config.numa !== "object")
    problems.push({ path: ["numa"], message: "must be null (off) or NUMA balancing options { promote, ... }" });
  if (config.headroomRatio !== undefined && !(config.headroomRatio >= 0 && config.headroomRatio < 1))
    problems.push({ path: ["headroomRatio"], message: "must be a share of the node in [0, 1)" });
  return problems.length ? { problems } : { config, problems };
}

function formatStackProblems(problems: readonly StackProblem[]): string {
  return problems.map((p) => `${p.path.join(".")}: ${p.message}`).join("; ");
}

/** Add a plugin's presets (after every plugin's parts, so a preset may use another plugin's part). */
export function addPresets(r: TieringRegistry, presets: readonly StackDefinition[], owner: string): void {
  for (const def of presets) {
    if (r.presets.has(def.name)) {
      throw new PluginError(
        `${owner}: preset "${def.name}" is registered already (${r.sources.get(`presets:${def.name}`) ?? "built in"}); give it another name`,
      );
    }
    const { config, problems } = resolveStackDefinition(r, def);
    if (!config) throw new PluginError(`${owner}: preset "${def.name}": ${formatStackProblems(problems)}`);
    r.presets.set(def.name, config);
    r.sources.set(`presets:${def.name}`, owner);
  }
}

/** A copy to add to without touching the original (a config file's presets, for one run). */
export function cloneRegistry(r: TieringRegistry): TieringRegistry {
  const c = new TieringRegistry();
  for (const kind of STACK_PART_KINDS) for (const [n, f] of r[kind]) (c[kind] as Map<string, unknown>).set(n, f);
  for (const [n, p] of r.presets) c.presets.set(n, p);
  for (const [k, s] of r.sources) c.sources.set(k, s);
  return c;
}

/** Where a preset or part came from: its plugin, or "built in". */
export function sourceOf(r: TieringRegistry, kind: StackPartKind | "presets", name: string): string {
  return r.sources.get(`${kind}:${name}`) ?? "built in";
}
