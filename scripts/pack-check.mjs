// `npm run pack:check`: the packages as a user gets them. Needs the build (CI runs it after
// `npm run build`); third-party dependencies come from the npm registry (or npm's cache).
//
// 1. `npm pack --workspaces` into a temporary directory; every tarball holds package.json,
//    README.md, LICENSE and every file its `exports` and `bin` name.
// 2. Types, one empty project per package: only that package's tarball and the tarballs of the
//    @foliox packages it declares (dependencies and peers, transitively), the rest from the
//    registry; a file importing each of its entry points must compile with `types: []` and
//    `skipLibCheck: false`, so a type the package uses without declaring it fails here.
// 3. One empty project with every tarball installed: require() and import() of every entry point
//    (require(esm) needs Node ≥ 20.19: the `default` condition is the ESM file), `npx foliox
//    --version` and `npx foliox compare --json`, and the root README's library example, compiled
//    against the published types and run, each `expression; // value` line checked.
//
// Prints one line per step and `pack-check: ok` or `pack-check: FAILED: …` last; exits 1 on a
// failure and keeps the temporary directory then (its path is printed).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "foliox-pack-"));
const tarballDir = join(work, "tarballs");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const MINUTES = 60_000;

class CheckFailed extends Error {}

function log(line) {
  console.log(`pack-check: ${line}`);
}

/** Runs a command; returns its stdout, or throws with its output when it fails. */
function run(cmd, args, cwd, { timeout = 5 * MINUTES } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, maxBuffer: 256 << 20 });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    const output = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-40).join("\n");
    throw new CheckFailed(`\`${cmd} ${args.join(" ")}\` in ${cwd}: ${why}\n${output}`);
  }
  return r.stdout;
}

function expect(ok, message) {
  if (!ok) throw new CheckFailed(message);
}

/** Every file an exports map names, with its subpath: [[subpath, condition, file]]. */
function exportTargets(exportsField) {
  const out = [];
  for (const [subpath, target] of Object.entries(exportsField ?? {})) {
    if (typeof target === "string") out.push([subpath, "default", target]);
    else for (const [cond, file] of Object.entries(target)) out.push([subpath, cond, file]);
  }
  return out;
}

function writeProject(dir, files) {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

const PROJECT_PACKAGE = JSON.stringify({ name: "foliox-pack-check", private: true, type: "module" }, null, 2);
const TSCONFIG = (files, noEmit) =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      module: "nodenext",
      moduleResolution: "nodenext",
      target: "es2022",
      lib: ["es2022"],
      types: [],
      skipLibCheck: false,
      ...(noEmit ? { noEmit: true } : { outDir: "out" }),
    },
    files,
  });

function npmInstall(dir, tarballs) {
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs], dir);
}

/** 1. Pack every workspace package; returns the packages, each with its tarball and manifest. */
function pack() {
  mkdirSync(tarballDir);
  const manifests = new Map();
  for (const d of readdirSync(join(root, "packages"))) {
    const m = readJson(join(root, "packages", d, "package.json"));
    if (m !== undefined) manifests.set(m.name, m);
  }
  const packed = JSON.parse(run("npm", ["pack", "--workspaces", "--json", "--pack-destination", tarballDir], root));
  const byName = new Map();
  for (const p of packed) {
    const manifest = manifests.get(p.name);
    const files = new Set(p.files.map((f) => f.path));
    for (const needed of ["package.json", "README.md", "LICENSE"]) expect(files.has(needed), `${p.name}: the tarball has no ${needed} (add it to "files")`);
    for (const [subpath, cond, file] of exportTargets(manifest.exports)) {
      if (cond === "@foliox/source") continue;
      expect(
        files.has(file.replace(/^\.\//, "")),
        `${p.name}: exports["${subpath}"].${cond} names ${file}, which is not in the tarball (is it built and in "files"?)`,
      );
    }
    for (const file of Object.values(manifest.bin ?? {})) expect(files.has(file.replace(/^\.\//, "")), `${p.name}: bin ${file} is not in the tarball`);
    byName.set(p.name, { name: p.name, version: p.version, tarball: join(tarballDir, p.filename), manifest, files: p.files.length });
  }
  expect(byName.size > 0, "npm pack packed no package");
  log(`packed ${[...byName.values()].map((p) => `${p.name}@${p.version} (${p.files} files)`).join(", ")}`);
  return byName;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** The package and the @foliox packages it needs at install time (dependencies and peers), transitively. */
function closure(pkgs, name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const m = pkgs.get(name).manifest;
  for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) if (pkgs.has(dep)) closure(pkgs, dep, seen);
  return seen;
}

/**
 * The specifiers of a package's entry points: every subpath but JSON data (./package.json, the
 * config schema), which is read as a file, not imported; `typed`: those with types.
 */
function entryPoints(p, { typed = false } = {}) {
  return Object.entries(p.manifest.exports ?? {})
    .filter(([subpath, target]) => !subpath.endsWith(".json") && (!typed || (typeof target === "object" && "types" in target)))
    .map(([subpath]) => (subpath === "." ? p.name : `${p.name}/${subpath.slice(2)}`));
}

/** 2. Each package's published types compile with only what it declares. */
function checkTypes(pkgs) {
  for (const p of pkgs.values()) {
    const typed = entryPoints(p, { typed: true });
    if (typed.length === 0) continue;
    const dir = join(work, `types-${p.name.replace("@foliox/", "")}`);
    const imports = typed.map((spec, i) => `import * as m${i} from "${spec}";`).join("\n");
    writeProject(dir, {
      "package.json": PROJECT_PACKAGE,
      "tsconfig.json": TSCONFIG(["check.ts"], true),
      "check.ts": `${imports}\nexport const modules = [${typed.map((_, i) => `m${i}`).join(", ")}];\n`,
    });
    const needed = [...closure(pkgs, p.name)];
    npmInstall(
      dir,
      needed.map((n) => pkgs.get(n).tarball),
    );
    run(process.execPath, [tsc, "-p", "."], dir);
    const others = needed.filter((n) => n !== p.name);
    log(`types: ${typed.join(", ")} compile in a project of ${[p.name, ...others].join(" + ")} and their declared dependencies`);
  }
}

/** The root README's library example, with each `expression; // value` line turned into a check. */
function readmeExample() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const match = /As a library:\s*```ts\n([\s\S]*?)\n```/.exec(readme);
  expect(match !== null, 'README.md has no ```ts block after "As a library:" (pack-check runs it; keep the two in step)');
  const start = readme.slice(0, match.index).split("\n").length + 2;
  let checks = 0;
  const lines = match[1].split("\n").map((line, i) => {
    const m = /^(?!\s*(?:const|let|var|import|export)\b)\s*(.+?);\s*\/\/\s*(-?\d+|true|false)\b/.exec(line);
    if (m === null) return line;
    checks++;
    return `expectValue(${m[1]}, ${m[2]}, "README.md line ${start + i}");`;
  });
  expect(checks > 0, "README.md's library example has no `expression; // value` line left to check");
  const helper = [
    "function expectValue(actual: unknown, expected: unknown, where: string): void {",
    '  if (actual !== expected) throw new Error(where + ": the example gives " + String(actual) + ", the README says " + String(expected));',
    "}",
  ].join("\n");
  return { source: `${lines.join("\n")}\n${helper}\n`, checks };
}

/** 3. Every tarball in one project: entry points, the CLI, the README's example. */
function checkInstalled(pkgs) {
  const dir = join(work, "app");
  const example = readmeExample();
  writeProject(dir, { "package.json": PROJECT_PACKAGE, "tsconfig.json": TSCONFIG(["example.ts"], false), "example.ts": example.source });
  npmInstall(
    dir,
    [...pkgs.values()].map((p) => p.tarball),
  );
  log(`installed ${pkgs.size} tarballs into an empty project`);

  const specs = [...pkgs.values()].flatMap(entryPoints);
  const loader = `const specs = ${JSON.stringify(specs)};
for (const s of specs) {
  const viaRequire = require(s), viaImport = await import(s);
  if (Object.keys(viaRequire).length === 0 || Object.keys(viaImport).length === 0) throw new Error(s + ": no exports");
}`;
  run(process.execPath, ["--input-type=commonjs", "-e", `(async () => { ${loader} })().catch((e) => { console.error(e); process.exit(1); })`], dir);
  log(`require() and import() load ${specs.join(", ")}`);

  const cli = pkgs.get("@foliox/cli");
  if (cli !== undefined) {
    const version = run("npx", ["--no", "--", "foliox", "--version"], dir).trim();
    expect(version === cli.version, `npx foliox --version prints ${JSON.stringify(version)}, the package is ${cli.version}`);
    const out = run("npx", ["--no", "--", "foliox", "compare", "--json"], dir, { timeout: 10 * MINUTES });
    let result;
    try {
      result = JSON.parse(out);
    } catch (err) {
      throw new CheckFailed(`npx foliox compare --json printed no JSON (${err.message}): ${out.slice(0, 300)}`);
    }
    const stacks = Array.isArray(result.stacks) ? result.stacks : [];
    expect(
      stacks.length > 0 && stacks.every((s) => typeof s.name === "string" && typeof s.hitRatio === "number"),
      "npx foliox compare --json: no stacks with a name and a hit ratio",
    );
    log(`npx foliox compare --json: ${stacks.map((s) => `${s.name} ${s.hitRatio.toFixed(4)}`).join(", ")}`);
  }

  run(process.execPath, [tsc, "-p", "."], dir);
  run(process.execPath, [join("out", "example.js")], dir);
  log(`the README's library example compiles against the published types and runs (${example.checks} values checked)`);
}

try {
  const pkgs = pack();
  checkTypes(pkgs);
  checkInstalled(pkgs);
  rmSync(work, { recursive: true, force: true });
  log("ok");
} catch (err) {
  console.log(err instanceof CheckFailed ? err.message : err.stack);
  log(`FAILED (the projects are in ${work})`);
  process.exitCode = 1;
}
