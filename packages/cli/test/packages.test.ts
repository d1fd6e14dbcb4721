/**
 * The packages as npm installs them (the CLI depends on every one, so their manifests are
 * checked here): a license and LICENSE, a README, `files` that ship both with dist, exports that
 * require() resolves, published types that need only what the package declares, the CLI
 * depending on the packages it loads, plugins peer-depending on core, versions made by
 * changesets. scripts/pack-check.mjs (run by CI after the build) packs them, installs the
 * tarballs into an empty project and runs `foliox compare --json` and the README's example there.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LICENSE = "Apache-2.0";
const CONDITIONS = ["@foliox/source", "types", "import", "default"];
/** The packages the CLI loads by default: its built-in backends, the suite, the simulator, the importers. */
const CLI_LOADS = [
  "@foliox/core",
  "@foliox/anon",
  "@foliox/fs-ext4",
  "@foliox/fs-f2fs",
  "@foliox/fs-tmpfs",
  "@foliox/tiering",
  "@foliox/trace",
  "@foliox/conformance",
];
const PLUGINS = ["@foliox/anon", "@foliox/fs-ext4", "@foliox/fs-f2fs", "@foliox/fs-tmpfs", "@foliox/conformance", "@foliox/tiering"];

interface Manifest {
  name: string;
  version: string;
  license?: string;
  files?: string[];
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const PACKAGES = readdirSync(join(ROOT, "packages"))
  .filter((d) => existsSync(join(ROOT, "packages", d, "package.json")))
  .map((d) => ({ dir: `packages/${d}`, json: JSON.parse(read(`packages/${d}/package.json`)) as Manifest }));
const BY_NAME = new Map(PACKAGES.map((p) => [p.json.name, p]));
/** Code entry points: every export but JSON data (./package.json, a config schema), which maps to its file as it is. */
const entries = (m: Manifest) => Object.entries(m.exports ?? {}).filter(([subpath]) => !subpath.endsWith(".json"));
const specifier = (m: Manifest, subpath: string) => (subpath === "." ? m.name : `${m.name}/${subpath.slice(2)}`);

/** Does `^x.y.z` hold `version`? Internal ranges are all carets (what changesets writes). */
function caretHolds(range: string, version: string): boolean {
  const r = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (r === null || v === null) throw new Error(`not a caret range and a version: ${range}, ${version}`);
  const [rM, rm, rp] = r.slice(1).map(Number) as [number, number, number];
  const [vM, vm, vp] = v.slice(1).map(Number) as [number, number, number];
  if (rM > 0) return vM === rM && (vm > rm || (vm === rm && vp >= rp));
  if (rm > 0) return vM === 0 && vm === rm && vp >= rp;
  return vM === 0 && vm === 0 && vp === rp;
}

/** The bare module specifiers of a declaration file, comments stripped. */
function declarationImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/(?!\/).*$/gm, "");
  const specs = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"'.][^"']*)["']/g)].map((m) => m[1]!);
  return [...new Set(specs.map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!)))];
}

describe("every package", () => {
  it("is under the root LICENSE (Apache-2.0), says so in package.json and ships the same LICENSE file", () => {
    const license = read("LICENSE");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(read("README.md")).toMatch(/^## License\n[\s\S]*Apache-2\.0/m);
    for (const { dir, json } of PACKAGES) {
      expect(json.license, `${json.name}: license`).toBe(LICENSE);
      expect(existsSync(join(ROOT, dir, "LICENSE")) && read(`${dir}/LICENSE`) === license, `${dir}/LICENSE is the root LICENSE`).toBe(true);
    }
  });

  it("has a README, and `files` ships it with LICENSE and dist", () => {
    for (const { dir, json } of PACKAGES) {
      expect(read(`${dir}/README.md`), `${dir}/README.md`).toMatch(new RegExp(`^# ${json.name.replace("/", "\\/")}\\n`));
      expect(json.files, `${json.name}: files`).toEqual(expect.arrayContaining(["dist", "README.md", "LICENSE"]));
    }
  });

  it("exports each entry point with @foliox/source first, then types, import and default (the same ESM file)", () => {
    for (const { json } of PACKAGES) {
      expect(json.exports?.["./package.json"], `${json.name}: exports ./package.json`).toBe("./package.json");
      for (const [subpath, target] of entries(json)) {
        expect(typeof target === "object" ? Object.keys(target) : target, `${json.name} exports["${subpath}"]`).toEqual(CONDITIONS);
        const t = target as Record<string, string>;
        expect(t.default, `${json.name} exports["${subpath}"].default`).toBe(t.import);
        expect(t.types, `${json.name} exports["${subpath}"].types`).toMatch(/^\.\/dist\/.+\.d\.ts$/);
      }
      // JSON data (the tiering package's config schema) is exported as the file itself, and shipped
      for (const [subpath, target] of Object.entries(json.exports ?? {}).filter(([s]) => s.endsWith(".json") && s !== "./package.json")) {
        expect(target, `${json.name} exports["${subpath}"]`).toBe(subpath);
        expect(json.files, `${json.name}: files ships ${subpath}`).toContain(subpath.slice(2).split("/")[0]);
      }
    }
  });

  it("require() resolves every entry point to its built ESM file and loads it (Node ≥ 20.19)", () => {
    const expected: Record<string, string> = {};
    for (const { dir, json } of PACKAGES) {
      for (const [subpath, target] of entries(json)) expected[specifier(json, subpath)] = join(ROOT, dir, (target as Record<string, string>).import!);
    }
    // A child without vitest's --conditions @foliox/source, resolving as a user's CommonJS code does.
    const script = `const out = {};
for (const s of ${JSON.stringify(Object.keys(expected))}) {
  out[s] = require.resolve(s);
  if (Object.keys(require(s)).length === 0) throw new Error(s + ": no exports");
}
process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ["--input-type=commonjs", "-e", script], { cwd: join(ROOT, "packages/cli"), encoding: "utf8" });
    expect(r.stderr.replace(/.*(ExperimentalWarning|--trace-warnings).*\n/g, "")).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(expected);
  });

  it("publishes types that import only declared packages, and declares @types/node where they use Node's types", () => {
    for (const { dir, json } of PACKAGES) {
      if (!existsSync(join(ROOT, dir, "dist"))) continue;
      const declared = new Set([json.name, ...Object.keys({ ...json.dependencies, ...json.peerDependencies })]);
      for (const file of readdirSync(join(ROOT, dir, "dist")).filter((f) => f.endsWith(".d.ts"))) {
        const text = read(`${dir}/dist/${file}`);
        for (const spec of declarationImports(text))
          expect(declared.has(spec), `${dir}/dist/${file} imports ${spec}, which ${json.name} does not declare`).toBe(true);
        const code = text.replace(/\/\*[\s\S]*?\*\//g, "");
        if (/(?<![\w$])(?:Buffer|NodeJS)\b|["']node:/.test(code)) {
          expect(declared.has("@types/node"), `${dir}/dist/${file} uses Node's types: ${json.name} must depend on @types/node`).toBe(true);
          expect(text, `${dir}/dist/${file} uses Node's types: it needs /// <reference types="node" />`).toMatch(/^\/\/\/ <reference types="node" \/>/m);
        }
      }
    }
  });

  it("peer-depends on @foliox/core if it is a plugin, and the CLI depends on every package it loads", () => {
    for (const name of PLUGINS) {
      const m = BY_NAME.get(name)!.json;
      expect(m.peerDependencies?.["@foliox/core"], `${name}: peerDependencies @foliox/core`).toBeDefined();
      expect(m.dependencies?.["@foliox/core"], `${name} must not bundle its own @foliox/core`).toBeUndefined();
    }
    const cli = BY_NAME.get("@foliox/cli")!.json;
    const imported = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        if (e.isDirectory()) walk(`${dir}/${e.name}`);
        else if (e.name.endsWith(".ts")) for (const m of read(`${dir}/${e.name}`).matchAll(/from "(@foliox\/[\w-]+)/g)) imported.add(m[1]!);
      }
    };
    walk("packages/cli/src");
    for (const name of new Set([...CLI_LOADS, ...imported])) expect(cli.dependencies?.[name], `@foliox/cli dependencies ${name}`).toBeDefined();
  });
});

describe("versions", () => {
  it("come from changesets: each package at 0.1.0 or later with a CHANGELOG.md, every internal range (examples' too) holding the version it names", () => {
    for (const { dir, json } of PACKAGES) {
      const [major, minor] = json.version.split(".").map(Number) as [number, number];
      expect(major > 0 || minor >= 1, `${json.name}@${json.version}: the first published version is 0.1.0`).toBe(true);
      expect(existsSync(join(ROOT, dir, "CHANGELOG.md")), `${dir}/CHANGELOG.md`).toBe(true);
      for (const field of ["dependencies", "peerDependencies", "devDependencies"] as const) {
        for (const [dep, range] of Object.entries(json[field] ?? {})) {
          const target = BY_NAME.get(dep);
          if (target !== undefined)
            expect(caretHolds(range, target.json.version), `${json.name} ${field} ${dep}@${range} vs ${target.json.version}`).toBe(true);
        }
      }
    }
    // The examples are plugins outside the workspaces: their ranges follow the packages too.
    for (const d of readdirSync(join(ROOT, "examples")).filter((e) => existsSync(join(ROOT, "examples", e, "package.json")))) {
      const json = JSON.parse(read(`examples/${d}/package.json`)) as Manifest;
      for (const [dep, range] of Object.entries({ ...json.dependencies, ...json.peerDependencies })) {
        const target = BY_NAME.get(dep);
        if (target !== undefined) expect(caretHolds(range, target.json.version), `examples/${d}: ${dep}@${range} vs ${target.json.version}`).toBe(true);
      }
    }
  });

  it("pending changesets name existing packages with a valid bump, and `npm run release` versions them", () => {
    for (const file of readdirSync(join(ROOT, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md")) {
      const front = /^---\n([\s\S]*?)\n---\n\s*\S/.exec(read(`.changeset/${file}`));
      expect(front, `.changeset/${file}: frontmatter, then a summary`).not.toBeNull();
      for (const line of front![1]!.split("\n").filter((l) => l.trim() !== "")) {
        const m = /^"(@foliox\/[\w-]+)": (major|minor|patch)$/.exec(line.trim());
        expect(m !== null && BY_NAME.has(m[1]!), `.changeset/${file}: ${line}`).toBe(true);
      }
    }
    const config = JSON.parse(read(".changeset/config.json"));
    expect(config.___experimentalUnsafeOptions_WILL_CHANGE_IN_PATCH?.onlyUpdatePeerDependentsWhenOutOfRange).toBe(true);
    expect(JSON.parse(read("package.json")).scripts.release).toBe("node scripts/release.mjs");
    expect(read("scripts/release.mjs")).toMatch(/run\("npx", \["changeset", "version"\]\)/);
  });
});
