/**
 * Scaffolding a backend package from packages/cli/templates/backend: the template is a working
 * backend, `template-fs` (filemap_migrate_folio, core's file fixture, the conformance suite as
 * its test), whose names are replaced by the new package's. The template's own names are real
 * identifiers, so the template is typechecked and linted with the CLI and stays a package that
 * passes the suite.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The template's names, each replaced in every file, in this order. */
export const TEMPLATE_PACKAGE_NAME = "@foliox-template/template-fs";
export const TEMPLATE_BACKEND_NAME = "template-fs";
const TEMPLATE_PASCAL = "TemplateFs";
const TEMPLATE_CONSTANT = "TEMPLATE_FS";

/** Files stored under another name, so that no tool takes the template for a package of its own. */
const RENAMED: Readonly<Record<string, string>> = { "_package.json": "package.json", _gitignore: ".gitignore" };

export interface BackendScaffold {
  /** the npm package name */
  packageName: string;
  /** the manifest name, e.g. "xfs" */
  backendName: string;
  /** the semver ranges of @foliox/core and @foliox/conformance the package depends on */
  coreRange: string;
  conformanceRange: string;
}

/** xfs-like → XfsLike */
export function pascalCase(backendName: string): string {
  return backendName
    .split("-")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/** The template directory, found from this module in src/ (tests) and in dist/ (the built CLI). */
export function backendTemplateDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "templates", "backend");
    if (existsSync(join(candidate, "_package.json"))) return candidate;
    const up = dirname(dir);
    if (up === dir)
      throw new Error(`the backend template (templates/backend) is missing from @foliox/cli, looked upwards from ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The template's files: path (relative, with its real name) → text with the new names. */
export function renderBackendTemplate(s: BackendScaffold, templateDir = backendTemplateDir()): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      const rel = relative(templateDir, path).split("\\").join("/");
      const base = rel.split("/").at(-1)!;
      const target = RENAMED[base] ? rel.slice(0, rel.length - base.length) + RENAMED[base] : rel;
      files.set(target, renderText(readFileSync(path, "utf8"), s));
    }
  };
  walk(templateDir);
  return files;
}

function renderText(text: string, s: BackendScaffold): string {
  return text
    .replaceAll(TEMPLATE_PACKAGE_NAME, s.packageName)
    .replaceAll(TEMPLATE_BACKEND_NAME, s.backendName)
    .replaceAll(TEMPLATE_PASCAL, pascalCase(s.backendName))
    .replaceAll(TEMPLATE_CONSTANT, s.backendName.toUpperCase().replaceAll("-", "_"))
    .replaceAll("__FOLIOX_CORE_RANGE__", s.coreRange)
    .replaceAll("__FOLIOX_CONFORMANCE_RANGE__", s.conformanceRange);
}

/** Write the rendered files under `dir`, which must not exist yet. Returns the paths written. */
export function writeBackendScaffold(dir: string, files: ReadonlyMap<string, string>): string[] {
  if (existsSync(dir)) throw new Error(`${dir} already exists; foliox new never writes into an existing directory`);
  const written: string[] = [];
  for (const [rel, text] of files) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text, { flag: "wx" });
    written.push(rel);
  }
  return written;
}
