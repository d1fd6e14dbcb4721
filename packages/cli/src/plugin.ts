/**
 * Out-of-tree backends: `--plugin <package-or-path>` (repeatable). A plugin is an ES module
 * whose default export is `register(container, api)`: it registers one or more backends under
 * api.BACKENDS into the system's container. `api` is the @foliox/core module namespace, so a
 * plugin needs no path into this repository (and gets the very classes and tokens this CLI
 * uses). The CLI asks backends in registration order (BackendRegistry.forFolio), plugins
 * first, so that a plugin may claim a subset of folios a built-in backend would also take.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { registerAnon } from "@foliox/anon";
import { registerExt4 } from "@foliox/fs-ext4";
import { registerF2fs, registerFallback } from "@foliox/fs-f2fs";
import { registerTmpfs } from "@foliox/fs-tmpfs";
import * as core from "@foliox/core";
import { probeBackends, type ConformanceBackend } from "@foliox/conformance";
import type { DependencyContainer } from "tsyringe";

export type FolioxCoreApi = typeof core;
/** The contract of a plugin's default export. */
export type PluginRegister = (container: DependencyContainer, api: FolioxCoreApi) => void;

/** The backends this CLI ships with. */
export const BUILTIN_BACKENDS: readonly { register: (c: DependencyContainer) => void; source: string }[] = [
  { register: registerAnon, source: "@foliox/anon" },
  { register: registerExt4, source: "@foliox/fs-ext4" },
  { register: registerF2fs, source: "@foliox/fs-f2fs" },
  { register: registerFallback, source: "@foliox/fs-f2fs" },
  { register: registerTmpfs, source: "@foliox/fs-tmpfs" },
];

function looksLikePath(spec: string): boolean {
  return spec.startsWith(".") || isAbsolute(spec) || spec.includes("\\") || existsSync(spec);
}

/** A file path for a path spec: a file, or a directory with package.json (exports/module/main) or index.js. */
function resolvePathSpec(spec: string, cwd: string): string {
  const p = resolve(cwd, spec);
  if (!existsSync(p)) throw new Error(`plugin "${spec}": no such file or directory (${p})`);
  if (!statSync(p).isDirectory()) return p;
  const pkgPath = join(p, "package.json");
  if (existsSync(pkgPath)) {
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports?: unknown; module?: string; main?: string };
    const exp = pkg.exports as string | Record<string, unknown> | undefined;
    const dot = typeof exp === "string" ? exp : (exp?.["."] ?? exp);
    const entry =
      typeof dot === "string" ? dot : typeof dot === "object" && dot ? ((dot as Record<string, unknown>)["import"] ?? (dot as Record<string, unknown>)["default"]) : undefined;
    const file = typeof entry === "string" ? entry : (pkg.module ?? pkg.main ?? "index.js");
    return join(p, file);
  }
  return join(p, "index.js");
}

/** Import a plugin module: a path (file or package directory), or a package name resolved from cwd. */
async function importPlugin(spec: string, cwd: string): Promise<Record<string, unknown>> {
  if (looksLikePath(spec)) return (await import(pathToFileURL(resolvePathSpec(spec, cwd)).href)) as Record<string, unknown>;
  let url: string;
  try {
    url = pathToFileURL(createRequire(join(cwd, "noop.js")).resolve(spec)).href;
  } catch {
    url = spec; // let Node resolve it from here (e.g. an ESM-only package)
  }
  return (await import(url)) as Record<string, unknown>;
}

/** Load one plugin and probe the backends it registers. */
export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<ConformanceBackend[]> {
  let mod: Record<string, unknown>;
  try {
    mod = await importPlugin(spec, cwd);
  } catch (err) {
    throw new Error(`plugin "${spec}" cannot be loaded: ${err instanceof Error ? err.message : String(err)}`);
  }
  const register = mod["default"];
  if (typeof register !== "function") throw new Error(`plugin "${spec}": the default export must be register(container, api), got ${typeof register}`);
  const bound = (c: DependencyContainer) => (register as PluginRegister)(c, core);
  const backends = probeBackends(bound, spec);
  if (backends.length === 0) throw new Error(`plugin "${spec}" registered no backend (container.register(api.BACKENDS, { useValue: backend }))`);
  return backends;
}

/** Every backend of a run: the plugins' (in the order given), then the built-in ones. */
export async function resolveBackends(plugins: readonly string[], cwd = process.cwd()): Promise<ConformanceBackend[]> {
  const out: ConformanceBackend[] = [];
  for (const spec of plugins) out.push(...(await loadPlugin(spec, cwd)));
  for (const b of BUILTIN_BACKENDS) out.push(...probeBackends(b.register, b.source));
  const seen = new Set<string>();
  for (const b of out) {
    if (seen.has(b.manifest.name)) throw new Error(`backend "${b.manifest.name}" is registered twice (${b.source ?? "?"})`);
    seen.add(b.manifest.name);
  }
  return out;
}

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
