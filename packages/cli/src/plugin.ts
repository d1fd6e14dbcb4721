/**
 * `--plugin <package-or-path>` (repeatable, before or after the command): out-of-tree additions
 * to foliox. A plugin is an ES module whose default export is
 *
 *   definePlugin({ name, apiVersion, backends?, stackParts?, presets?, workloads?, traceFormats? })
 *
 * from @foliox/core/plugin (or @foliox/tiering/plugin, the same function typed for stack parts).
 * Loading one: resolve the spec (a file, a package directory, or a package name from the current
 * directory) → import it → check it is a definePlugin() result → refuse it if it was written for
 * another major API_VERSION → check its shape → probe each backend registration (named in the
 * error if it throws) → add its stack parts, presets and workloads to a ScenarioCatalog
 * (@foliox/tiering's tieringCatalog) → check its trace formats. Every failure is a PluginError
 * naming the plugin (and the file and line for a module that does not parse), which the commands
 * report as a usage error (exit 2).
 *
 * The CLI asks backends in registration order (BackendRegistry.forFolio), plugins first, so a
 * plugin may claim a subset of folios a built-in backend would also take.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { registerAnon } from "@foliox/anon";
import { registerExt4 } from "@foliox/fs-ext4";
import { registerF2fs, registerFallback } from "@foliox/fs-f2fs";
import { registerTmpfs } from "@foliox/fs-tmpfs";
import {
  API_VERSION,
  checkPluginApiVersion,
  isFolioxPlugin,
  namedRegistration,
  pluginDefinitionProblems,
  PluginError,
  type BackendRegistration,
} from "@foliox/core/plugin";
import { probeBackends, type ConformanceBackend } from "@foliox/conformance";
import { tieringCatalog, type ScenarioCatalog } from "@foliox/tiering";
import type { TieringPlugin } from "@foliox/tiering/plugin";
import { TRACE_FORMAT_NAMES, traceFormatProblems, type TraceFormatDefinition } from "@foliox/trace";

/** The backends this CLI ships with. */
export const BUILTIN_BACKENDS: readonly { register: BackendRegistration; source: string }[] = [
  { register: registerAnon, source: "@foliox/anon" },
  { register: registerExt4, source: "@foliox/fs-ext4" },
  { register: registerF2fs, source: "@foliox/fs-f2fs" },
  { register: registerFallback, source: "@foliox/fs-f2fs" },
  { register: registerTmpfs, source: "@foliox/fs-tmpfs" },
];

export interface LoadedPlugin {
  /** what was passed to --plugin */
  spec: string;
  /** the module file imported */
  file: string;
  plugin: TieringPlugin;
  /** how messages name it: 'plugin "colloid-stack" (./examples/colloid-stack)' */
  where: string;
  /** the backends its registrations register, in order */
  backends: ConformanceBackend[];
}

/** Everything the plugins of one command add, merged with the built-ins. */
export interface Plugins {
  loaded: LoadedPlugin[];
  /** every backend: the plugins' (in the order given), then the built-in ones */
  backends: ConformanceBackend[];
  /** the registrations createSystem() needs for those backends, each once, in that order */
  registrations: BackendRegistration[];
  /** stacks, parts and named scenarios: the built-in ones and the plugins' */
  catalog: ScenarioCatalog;
  /** the plugins' trace formats */
  traceFormats: TraceFormatDefinition[];
}

function looksLikePath(spec: string): boolean {
  return spec.startsWith(".") || isAbsolute(spec) || spec.includes("\\") || existsSync(spec);
}

/** A file path for a path spec: a file, or a directory with package.json (exports/module/main) or index.js. */
function resolvePathSpec(spec: string, cwd: string): string {
  const p = resolve(cwd, spec);
  if (!existsSync(p))
    throw new PluginError(`plugin "${spec}": no such file or directory (${p}); pass the plugin's directory, its entry file, or an installed package name`);
  if (!statSync(p).isDirectory()) return p;
  const pkgPath = join(p, "package.json");
  if (existsSync(pkgPath)) {
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports?: unknown; module?: string; main?: string };
    const exp = pkg.exports as string | Record<string, unknown> | undefined;
    const dot = typeof exp === "string" ? exp : (exp?.["."] ?? exp);
    const entry =
      typeof dot === "string"
        ? dot
        : typeof dot === "object" && dot
          ? ((dot as Record<string, unknown>)["import"] ?? (dot as Record<string, unknown>)["default"])
          : undefined;
    const file = typeof entry === "string" ? entry : (pkg.module ?? pkg.main ?? "index.js");
    return join(p, file);
  }
  return join(p, "index.js");
}

/** The module's URL for a spec: a path (file or package directory), or a package name resolved from cwd. */
function resolveSpec(spec: string, cwd: string): string {
  if (looksLikePath(spec)) return pathToFileURL(resolvePathSpec(spec, cwd)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, "noop.js")).resolve(spec)).href;
  } catch {
    return spec; // let Node resolve it from here (e.g. an ESM-only package)
  }
}

/** Relative imports of an ES module's text (static import/export ... from, import()), resolved. */
function relativeImports(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) out.push(resolve(dirname(file), m[1]!));
  return out;
}

/**
 * Where a module that does not parse is wrong. Node's dynamic import() of a file with a syntax
 * error reports no location, so ask `node --check`, which prints "file:line", the line and a
 * caret — for the entry file, then for the files it imports relatively.
 */
function syntaxErrorAt(file: string, seen = new Set<string>()): string | undefined {
  if (seen.has(file) || seen.size >= 64 || !existsSync(file)) return undefined;
  seen.add(file);
  const r = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
  if (r.status !== 0 && typeof r.stderr === "string") {
    const m = /^(.*):(\d+)\r?\n(.*)\r?\n(\s*\^+)/m.exec(r.stderr);
    if (m) return `${m[1]}:${m[2]}:${m[4]!.indexOf("^") + 1}\n    ${m[3]}\n    ${m[4]}`;
  }
  for (const dep of relativeImports(file)) {
    const at = syntaxErrorAt(dep, seen);
    if (at) return at;
  }
  return undefined;
}

/** The first file:line(:column) an import error's stack names, if any. */
function locationInStack(err: unknown): string | undefined {
  const stack = err instanceof Error ? (err.stack ?? "") : "";
  const m = /(file:\/\/[^\s)]+?):(\d+)(?::(\d+))?(?=[\s)]|$)/.exec(stack);
  if (!m) return undefined;
  return `${fileURLToPath(m[1]!)}:${m[2]}${m[3] ? `:${m[3]}` : ""}`;
}

async function importPlugin(spec: string, url: string): Promise<Record<string, unknown>> {
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? `${err.name === "Error" ? "" : `${err.name}: `}${err.message}` : String(err);
    const file = url.startsWith("file:") ? fileURLToPath(url) : undefined;
    const at = locationInStack(err) ?? (err instanceof SyntaxError && file ? syntaxErrorAt(file) : undefined);
    throw new PluginError(`plugin "${spec}" cannot be loaded${file ? ` from ${file}` : ""}: ${msg}${at ? `\n  at ${at}` : ""}`);
  }
}

/** Import one plugin, check it, and probe its backends. */
export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<LoadedPlugin> {
  const url = resolveSpec(spec, cwd);
  const mod = await importPlugin(spec, url);
  const file = url.startsWith("file:") ? fileURLToPath(url) : url;
  const def = mod["default"];
  if (typeof def === "function") {
    throw new PluginError(
      `plugin "${spec}": its default export is a function, the register(container, api) contract of foliox before plugin API ${API_VERSION}; ` +
        `export default definePlugin({ name, apiVersion: ${API_VERSION}, backends: [register] }) with definePlugin from @foliox/core/plugin (docs/adding-a-filesystem.md)`,
    );
  }
  if (!isFolioxPlugin(def)) {
    throw new PluginError(
      `plugin "${spec}" (${file}): the default export must be definePlugin({ name, apiVersion, ... }) from @foliox/core/plugin or @foliox/tiering/plugin, got ${def === undefined ? "no default export" : typeof def}`,
    );
  }
  const name = typeof def.name === "string" && def.name !== "" ? def.name : "?";
  const where = `plugin "${name}" (${spec})`;
  checkPluginApiVersion(def, where);
  const problems = pluginDefinitionProblems({ ...def });
  if (problems.length) throw new PluginError(`${where} is not well defined:\n${problems.map((p) => `  ✖ ${p}`).join("\n")}`);
  const plugin = def as TieringPlugin;
  const backends: ConformanceBackend[] = [];
  (plugin.backends ?? []).forEach((register, i) => {
    const named = namedRegistration(register, where, i);
    const found = probeBackends(named, spec);
    if (found.length === 0) {
      throw new PluginError(
        `${where}: backends[${i}]${register.name ? ` (${register.name})` : ""} registered no backend; register one with registerBackend(c, MyBackend) or registerBackendFactory(c, () => new MyBackend())`,
      );
    }
    backends.push(...found);
  });
  const adds =
    backends.length +
    Object.keys(plugin.stackParts ?? {}).length +
    (plugin.presets?.length ?? 0) +
    Object.keys(plugin.workloads ?? {}).length +
    (plugin.traceFormats?.length ?? 0);
  if (adds === 0) throw new PluginError(`${where} adds nothing: give it backends, stackParts, presets, workloads or traceFormats`);
  return { spec, file, plugin, where, backends };
}

/** Load the plugins of one command (each spec once) and merge what they add with the built-ins. */
export async function loadPlugins(specs: readonly string[], cwd = process.cwd()): Promise<Plugins> {
  const loaded: LoadedPlugin[] = [];
  for (const spec of specs) {
    const p = await loadPlugin(spec, cwd);
    const same = loaded.find((l) => l.plugin.name === p.plugin.name);
    if (same) throw new PluginError(`${p.where}: a plugin named "${p.plugin.name}" is loaded already (${same.spec}); pass it once`);
    loaded.push(p);
  }
  const backends = [...loaded.flatMap((l) => l.backends), ...BUILTIN_BACKENDS.flatMap((b) => probeBackends(b.register, b.source))];
  const seen = new Map<string, string>();
  for (const b of backends) {
    const other = seen.get(b.manifest.name);
    if (other !== undefined)
      throw new PluginError(`backend "${b.manifest.name}" is registered twice (${other} and ${b.source ?? "?"}); give one of them another manifest.name`);
    seen.set(b.manifest.name, b.source ?? "?");
  }
  const catalog = tieringCatalog(loaded.map((l) => ({ plugin: l.plugin, where: l.where })));
  const traceFormats: TraceFormatDefinition[] = [];
  for (const l of loaded) {
    for (const f of l.plugin.traceFormats ?? []) {
      const problems = traceFormatProblems(f, [...TRACE_FORMAT_NAMES, ...traceFormats.map((t) => t.name)]);
      if (problems.length) throw new PluginError(`${l.where}: trace format ${JSON.stringify(f?.name)}: ${problems.join("; ")}`);
      traceFormats.push(f);
    }
  }
  return { loaded, backends, registrations: [...new Set(backends.map((b) => b.register))], catalog, traceFormats };
}

/** Every backend of a run: the plugins' (in the order given), then the built-in ones. */
export async function resolveBackends(specs: readonly string[], cwd = process.cwd()): Promise<ConformanceBackend[]> {
  return (await loadPlugins(specs, cwd)).backends;
}

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface CommandLike {
  opts(): { plugin?: unknown };
  parent: CommandLike | null;
}

/** --plugin given before the command (global) and after it (per command), in that order, each once. */
export function pluginSpecs(cmd: CommandLike): string[] {
  const chain: CommandLike[] = [];
  for (let c: CommandLike | null = cmd; c; c = c.parent) chain.unshift(c);
  return [...new Set(chain.flatMap((c) => (Array.isArray(c.opts().plugin) ? (c.opts().plugin as string[]) : [])))];
}

export { PluginError };
