/**
 * Scenario sources: a built-in name, a `foliox.config.ts` (or .mts/.js/.mjs) whose default
 * export is `defineConfig({...})`, loaded with jiti, or a JSON or YAML file. Every source goes
 * through the same steps: read → `extends` merged → CLI overrides applied → zod validation →
 * names checked against a ScenarioCatalog (catalog.ts: the stacks and parts registered, built
 * in or by --plugin, and the named scenarios). A bad file raises ScenarioConfigError, whose
 * message names the file, the field (with line and column for JSON and YAML) and how to fix it.
 */
import { existsSync, readFileSync } from "node:fs";
import { extname, isAbsolute, resolve } from "node:path";
import { isMap, LineCounter, parseDocument, type Document } from "yaml";
import { patternSchema, regionSchema, workloadSchema } from "../workload/spec.js";
import { BUILTIN_SCENARIO_NAMES } from "./builtin.js";
import { checkScenarioNames, defaultScenarioCatalog, type Locate, type ScenarioCatalog } from "./catalog.js";
import { ScenarioConfigError, didYouMean, zodProblems, type ConfigProblem } from "./config-error.js";
import { scenarioSchema, type Scenario } from "./schema.js";
import { stackDefinitionKeysAt } from "./stack-schema.js";

export const CONFIG_FILE_NAMES = [
  "foliox.config.ts",
  "foliox.config.mts",
  "foliox.config.js",
  "foliox.config.mjs",
  "foliox.config.json",
  "foliox.config.yaml",
  "foliox.config.yml",
];
const SCRIPT_EXTS = new Set([".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"]);
const DATA_EXTS = new Set([".json", ".yaml", ".yml"]);

/** Overrides from the command line; each replaces the scenario's field. */
export interface ScenarioOverrides {
  stack?: string;
  seed?: number;
  epochs?: number;
}

export interface ResolvedScenario {
  scenario: Scenario;
  /** "built-in", the plugin of a plugin's workload, or the absolute path of the config file */
  source: string;
}

/** A scenario reference that names neither a built-in nor a file: a usage error. */
export class ScenarioNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScenarioNotFoundError";
  }
}

/** The fields an object at `path` of a scenario accepts (for unknown-field hints). */
function keysAt(path: readonly PropertyKey[]): string[] {
  const p = path.filter((s) => typeof s === "string");
  if (p.length === 0) return Object.keys(scenarioSchema.shape);
  if (p[0] === "memory") return ["fast", "slow"];
  if (p[0] === "presets") return stackDefinitionKeysAt(p.slice(1));
  if (p[0] !== "workload") return [];
  if (p.length === 1) return Object.keys(workloadSchema.shape);
  if (p[1] === "regions") return Object.keys(regionSchema.shape);
  if (p[1] === "pattern") return [];
  return [];
}

/** Pattern fields depend on its type: list them from the option whose type matches. */
function keysAtWithPattern(raw: unknown): (path: readonly PropertyKey[]) => string[] {
  return (path) => {
    const p = path.filter((s) => typeof s === "string");
    if (p[0] === "workload" && p[1] === "pattern") {
      const type = (raw as { workload?: { pattern?: { type?: unknown } } })?.workload?.pattern?.type;
      const opt = patternSchema.options.find((o) => o.shape.type.value === type);
      return opt ? Object.keys(opt.shape) : ["type"];
    }
    return keysAt(path);
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merge `over` onto `base`: objects merge field by field, except workload.pattern, arrays and scalars, which replace. */
function merge(base: unknown, over: unknown, path: string[] = []): unknown {
  if (!isPlainObject(base) || !isPlainObject(over) || path.join(".") === "workload.pattern") return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? merge(base[k], v, [...path, k]) : v;
  return out;
}

/**
 * Validate a raw scenario (from a file, a built-in or code). `source` names it in messages.
 * `extends` is resolved against the catalog's named scenarios, stack names against its
 * registry (default: the built-ins).
 */
export function parseScenario(
  raw: unknown,
  source: string,
  overrides: ScenarioOverrides = {},
  locate?: Locate,
  catalog: ScenarioCatalog = defaultScenarioCatalog(),
): Scenario {
  if (!isPlainObject(raw)) {
    throw new ScenarioConfigError(source, [
      {
        field: "",
        message: `expected an object with the scenario's fields (${Object.keys(scenarioSchema.shape).join(", ")}), got ${Array.isArray(raw) ? "an array" : typeof raw}`,
      },
    ]);
  }
  let input: unknown = raw;
  if (raw.extends !== undefined) {
    const named = Object.keys(catalog.scenarios);
    const base = typeof raw.extends === "string" ? catalog.scenarios[raw.extends] : undefined;
    if (!base) {
      const guess = typeof raw.extends === "string" ? didYouMean(raw.extends, named) : undefined;
      throw new ScenarioConfigError(source, [
        {
          field: "extends",
          ...locate?.(["extends"]),
          message: `${JSON.stringify(raw.extends)} is not a named scenario; ${guess ? `did you mean "${guess}"? ` : ""}use one of: ${named.join(", ")}`,
        },
      ]);
    }
    input = merge(base, { ...raw, name: raw.name ?? raw.extends });
  }
  const withOverrides: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) withOverrides[k] = v;
  const r = scenarioSchema.safeParse(withOverrides, { reportInput: true });
  if (!r.success) {
    const problems = zodProblems(r.error.issues, keysAtWithPattern(withOverrides)).map((p, i): ConfigProblem => {
      const issue = r.error.issues[i];
      const fromOverride = Object.keys(overrides).find((k) => overrides[k as keyof ScenarioOverrides] !== undefined && p.field === k);
      if (fromOverride) return { ...p, message: `${p.message} (it came from --${fromOverride})` };
      const key = issue?.code === "unrecognized_keys" ? issue.keys[0] : undefined;
      const at = locate?.(issue?.path ?? [], key);
      return at ? { ...p, ...at } : p;
    });
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new ScenarioConfigError(source, problems);
  }
  const overridden = new Set(Object.keys(overrides).filter((k) => overrides[k as keyof ScenarioOverrides] !== undefined));
  const { presets, problems } = checkScenarioNames(r.data, catalog, locate, overridden);
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0));
    throw new ScenarioConfigError(source, problems);
  }
  // $schema is for editors, extends is resolved: neither is part of what runs (nor of a sweep's key)
  const { $schema: _schema, extends: _ignored, ...scenario } = r.data;
  return { ...scenario, presets };
}

function yamlLocator(doc: Document, lc: LineCounter): Locate {
  return (path, key) => {
    const segs = path.map((s) => (typeof s === "symbol" ? String(s) : s));
    let node: unknown = segs.length === 0 ? doc.contents : doc.getIn(segs as (string | number)[], true);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      if (pair) node = pair.key;
    }
    // a missing field: point at its parent object
    for (let n = segs.length; (node as { range?: unknown } | undefined)?.range === undefined && n > 0; n--) {
      node = doc.getIn(segs.slice(0, n - 1) as (string | number)[], true) ?? (n - 1 === 0 ? doc.contents : undefined);
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (!range) return undefined;
    const pos = lc.linePos(range[0]);
    return { line: pos.line, column: pos.col };
  };
}

function posOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Read a JSON or YAML config: the raw value and a locator for fields. */
function readDataFile(path: string, text: string): { raw: unknown; locate: Locate } {
  const lc = new LineCounter();
  if (extname(path) === ".json") {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const m = /position (\d+)/.exec(msg);
      const at = m ? posOf(text, Number(m[1])) : undefined;
      throw new ScenarioConfigError(path, [
        { field: "", ...at, message: `not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/, "")}; fix the syntax there` },
      ]);
    }
    const doc = parseDocument(text, { lineCounter: lc });
    return { raw, locate: yamlLocator(doc, lc) };
  }
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioConfigError(
      path,
      doc.errors.map((e) => {
        const pos = lc.linePos(e.pos[0]);
        return { field: "", line: pos.line, column: pos.col, message: `not valid YAML: ${e.message.split("\n")[0]}; fix the syntax there` };
      }),
    );
  }
  return { raw: doc.toJS(), locate: yamlLocator(doc, lc) };
}

async function readScriptFile(path: string, define = "defineConfig"): Promise<unknown> {
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
  let mod: unknown;
  try {
    // the namespace, not { default: true }: that falls back to the namespace when there is no default export
    const ns = await jiti.import<Record<string, unknown>>(path);
    if (!("default" in ns)) {
      throw new ScenarioConfigError(path, [{ field: "", message: `it has no default export; end it with \`export default ${define}({ ... })\`` }]);
    }
    mod = ns.default;
  } catch (err) {
    if (err instanceof ScenarioConfigError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new ScenarioConfigError(path, [{ field: "", message: `could not load it: ${msg.split("\n")[0]}; fix the error, then run again` }]);
  }
  return mod;
}

/**
 * Read one config file of any supported format, not yet validated: its value and, for JSON and
 * YAML, a locator of its fields. A file that does not parse raises ScenarioConfigError (with
 * line and column), one that cannot be read or has an unknown extension ScenarioNotFoundError.
 * `define` names the helper a script's default export should call, for its error message.
 */
export async function readConfigFile(file: string, define = "defineConfig"): Promise<{ raw: unknown; locate?: Locate }> {
  const ext = extname(file);
  if (SCRIPT_EXTS.has(ext)) return { raw: await readScriptFile(file, define) };
  if (!DATA_EXTS.has(ext)) {
    throw new ScenarioNotFoundError(`${file}: unknown config format "${ext}"; use .ts, .mts, .js, .mjs, .json, .yaml or .yml`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ScenarioNotFoundError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`);
  }
  return readDataFile(file, text);
}

/** Load and validate one config file (any supported format). */
export async function loadScenarioFile(file: string, overrides: ScenarioOverrides = {}, catalog?: ScenarioCatalog): Promise<Scenario> {
  const { raw, locate } = await readConfigFile(file);
  return parseScenario(raw, file, overrides, locate, catalog);
}

/** A named scenario (built in, or a plugin's workload), validated, with overrides. */
export function builtinScenario(name: string, overrides: ScenarioOverrides = {}, catalog: ScenarioCatalog = defaultScenarioCatalog()): Scenario {
  const input = catalog.scenarios[name];
  if (!input) throw new ScenarioNotFoundError(unknownScenarioMessage(name, undefined, catalog));
  return parseScenario(input, `scenario "${name}"`, overrides, undefined, catalog);
}

function unknownScenarioMessage(ref: string, cwd: string | undefined, catalog: ScenarioCatalog): string {
  const named = Object.keys(catalog.scenarios);
  const guess = didYouMean(ref, named);
  return (
    `unknown scenario "${ref}": it is not a named scenario${cwd !== undefined ? ` and there is no such file in ${cwd}` : ""}; ` +
    `${guess ? `did you mean "${guess}"? ` : ""}pass one of: ${named.join(", ")}, or the path of a foliox.config.ts / .json / .yaml file`
  );
}

/**
 * What `foliox run [scenario]` and `--scenario` accept: a built-in name, or a config file path.
 * With no reference, the first foliox.config.* in `cwd`.
 */
export async function resolveScenario(
  ref: string | undefined,
  opts: { cwd?: string; overrides?: ScenarioOverrides; catalog?: ScenarioCatalog } = {},
): Promise<ResolvedScenario> {
  const cwd = opts.cwd ?? process.cwd();
  const catalog = opts.catalog ?? defaultScenarioCatalog();
  if (ref === undefined) {
    const found = CONFIG_FILE_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
    if (!found) {
      throw new ScenarioNotFoundError(
        `no scenario given and no ${CONFIG_FILE_NAMES.slice(0, 1).join("")} (or .json/.yaml) in ${cwd}; pass a named scenario (${Object.keys(catalog.scenarios).join(", ")}) or a config file`,
      );
    }
    return { scenario: await loadScenarioFile(found, opts.overrides, catalog), source: found };
  }
  if (catalog.scenarios[ref] && !existsSync(resolve(cwd, ref))) {
    return { scenario: builtinScenario(ref, opts.overrides, catalog), source: catalog.sources?.[ref] ?? "built-in" };
  }
  const path = isAbsolute(ref) ? ref : resolve(cwd, ref);
  if (existsSync(path)) return { scenario: await loadScenarioFile(path, opts.overrides, catalog), source: path };
  throw new ScenarioNotFoundError(unknownScenarioMessage(ref, cwd, catalog));
}

/** For tests: the validated built-ins. */
export function allBuiltinScenarios(): Scenario[] {
  return BUILTIN_SCENARIO_NAMES.map((n) => builtinScenario(n));
}
