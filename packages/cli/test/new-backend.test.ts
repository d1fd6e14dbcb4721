/**
 * `foliox new backend NAME`: the name checks (exit 2, nothing written), and a scaffolded package
 * that passes the conformance suite's applicable cases as generated — loaded here through the
 * suite's runner, then built and run on its own (its typecheck, its vitest suite, and
 * `foliox conformance --plugin` from the built CLI).
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, probeBackends, runConformance } from "@foliox/conformance";
import { registerAnon } from "@foliox/anon";
import { API_VERSION, isFolioxPlugin, type BackendRegistration } from "@foliox/core/plugin";
import { main } from "../src/program.js";
import { backendNameOf, npmPackageNameProblems } from "../src/scaffold/package-name.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const bin = join(root, "packages/cli/bin/foliox.js");
const cliPkg = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8")) as { dependencies: Record<string, string> };

const work = mkdtempSync(join(tmpdir(), "foliox-new-"));
// the scaffold resolves @foliox/* (and vitest, typescript) from the repository's install
symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

/** Cases that cannot apply to a pair of this template's backend (manifest: file, order 0, no private data). */
const NA_OWN = [
  "exchange.mixed-orders",
  "fs.locked-buffers",
  "fs.locked-buffers-sync",
  "fs.private-follows-data",
  "swapcache.entry-follows-data",
  "swapcache.same-swap-space",
  "ksm.get-folio-every-phase",
];

describe("foliox new backend: the name", () => {
  it.each([
    ["Foliox-Fs-Xfs", "cannot contain capital letters"],
    [".xfs", 'cannot start with "."'],
    ["_xfs", 'cannot start with "_"'],
    [" xfs", "cannot start or end with spaces"],
    ["fs", "Node.js core module"],
    ["node_modules", "reserved name"],
    ["xfs!", "cannot contain any of ~'!()*"],
    ["x/y/z", "URL-safe characters"],
    ["@acme/x fs", "URL-safe characters"],
    ["a".repeat(215), "at most 214 characters"],
  ])("refuses %j (%s): exit 2, nothing written", async (name, why) => {
    const dir = join(work, "refused");
    const r = await run("new", "backend", name, "--dir", dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("is not a valid npm package name");
    expect(r.err).toContain(why);
    expect(r.out).toBe("");
    expect(existsSync(dir)).toBe(false);
  });

  it("accepts what npm accepts for a new package", () => {
    for (const n of ["xfs", "foliox-fs-xfs", "@acme/foliox-fs-xfs", "zone.fs", "a_b"]) expect(npmPackageNameProblems(n), n).toEqual([]);
    expect(["foliox-fs-xfs", "@acme/zonefs", "fs-xfs", "zone.fs", "my_fs"].map(backendNameOf)).toEqual(["xfs", "zonefs", "xfs", "zone-fs", "my-fs"]);
  });

  it("refuses a backend name that is not one, or is a built-in backend's: exit 2", async () => {
    const dir = join(work, "refused");
    const taken = await run("new", "backend", "foliox-fs-tmpfs", "--dir", dir);
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(/backend name "tmpfs" is a built-in backend's \(anon, ext4-4k, .*tmpfs\); pick another with --backend-name/);
    const digit = await run("new", "backend", "9p", "--dir", dir);
    expect(digit.code).toBe(2);
    expect(digit.err).toContain("pass --backend-name");
    const bad = await run("new", "backend", "my-fs", "--backend-name", "My FS", "--dir", dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('bad --backend-name:\n  ✖ backend name "My FS" must be lowercase words');
    expect(existsSync(dir)).toBe(false);
  });

  it("refuses an existing directory, even an empty one, and leaves it as it was: exit 2", async () => {
    const dir = join(work, "exists");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep.txt"), "mine");
    const r = await run("new", "backend", "foliox-fs-xfs", "--dir", dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${dir} already exists; foliox new never writes into an existing directory`);
    expect(readdirSync(dir)).toEqual(["keep.txt"]);
    const empty = join(work, "empty");
    mkdirSync(empty);
    expect((await run("new", "backend", "foliox-fs-xfs", "--dir", empty)).code).toBe(2);
    expect(readdirSync(empty)).toEqual([]);
  });

  it("an unknown kind of package is a usage error", async () => {
    expect((await run("new", "frontend", "x")).code).toBe(2);
    expect((await run("new", "backend")).code).toBe(2);
  });
});

describe("foliox new backend: the package", () => {
  const dir = join(work, "zonefs");
  const FILES = [
    ".gitignore",
    "README.md",
    "package.json",
    "src/index.ts",
    "test/conformance.test.ts",
    "tsconfig.build.json",
    "tsconfig.json",
    "vitest.config.ts",
  ];

  it("writes the package, named after NAME throughout", async () => {
    const r = await run("new", "backend", "@acme/foliox-fs-zonefs", "--dir", dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('created @acme/foliox-fs-zonefs (backend "zonefs")');
    for (const f of FILES) expect(r.out).toContain(`  ${f}\n`);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    expect(pkg["name"]).toBe("@acme/foliox-fs-zonefs");
    expect(pkg["peerDependencies"]).toEqual({ "@foliox/core": cliPkg.dependencies["@foliox/core"] });
    expect(pkg["devDependencies"]).toMatchObject({
      "@foliox/core": cliPkg.dependencies["@foliox/core"],
      "@foliox/conformance": cliPkg.dependencies["@foliox/conformance"],
    });
    expect(pkg["dependencies"]).toBeUndefined();
    const src = readFileSync(join(dir, "src/index.ts"), "utf8");
    expect(src).toContain("export class ZonefsBackend implements Backend");
    expect(src).toContain('name: "zonefs"');
    expect(src).toContain('migrateCallback: "filemap_migrate_folio"');
    expect(src).toContain("readonly conformance = fileFixture(this);");
    for (const f of FILES) {
      const text = readFileSync(join(dir, f), "utf8");
      expect(text, f).not.toMatch(/template-fs|TemplateFs|TEMPLATE_FS|foliox-template|__FOLIOX_/);
    }
  });

  it("its backend passes every applicable conformance case, alone and against anon; the rest are n/a by its manifest", async () => {
    const mod = (await import(pathToFileURL(join(dir, "src/index.ts")).href)) as { registerZonefs: BackendRegistration; default: unknown };
    expect(isFolioxPlugin(mod.default)).toBe(true);
    // the template names the plugin API version it is written for: raise it with API_VERSION
    expect(mod.default).toMatchObject({ name: "@acme/foliox-fs-zonefs", apiVersion: API_VERSION, backends: [mod.registerZonefs] });
    const backends = [...probeBackends(mod.registerZonefs, dir), ...probeBackends(registerAnon, "@foliox/anon")];
    expect(backends[0]!.manifest).toMatchObject({ name: "zonefs", kinds: ["file"], fsPrivate: false, writeback: true, exchange: true });
    const r = runConformance({ backends });
    expect(r.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["zonefs×zonefs", "zonefs×anon", "anon×zonefs", "anon×anon"]);
    expect(r.pairs.flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => `${p.old}×${p.new} ${c.id}: ${c.detail}`))).toEqual([]);
    const own = r.pairs[0]!.cases;
    expect(own.map((c) => c.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
    expect(
      own
        .filter((c) => c.status === "n/a")
        .map((c) => c.id)
        .sort(),
    ).toEqual([...NA_OWN].sort());
    for (const id of ["fs.dirty", "fs.writeback", "fs.truncate-between-phases", "exchange.data-metadata", "exchange.rollback"]) {
      expect(
        own.find((c) => c.id === id),
        id,
      ).toMatchObject({ status: "pass" });
    }
    // against anon, the mixed-order case runs too (anon makes order 9)
    expect(r.pairs[1]!.cases.find((c) => c.id === "exchange.mixed-orders")).toMatchObject({ status: "pass" });
  });

  it("typechecks, passes its own test suite, builds, and `foliox conformance --plugin` runs it (built CLI)", { timeout: 240_000 }, () => {
    expect(existsSync(join(root, "packages/cli/dist/cli.js")), "the CLI is not built: npm run build").toBe(true);
    // a clean environment: no VITEST_* of this run leaking into the package's own vitest
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "NODE_OPTIONS" && k !== "FORCE_COLOR")),
      NO_COLOR: "1",
    };
    const node = (args: string[]) => spawnSync(process.execPath, args, { cwd: dir, env, encoding: "utf8", timeout: 180_000 });
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const typecheck = node([tsc, "-p", "tsconfig.json"]);
    expect(typecheck.status, typecheck.stdout + typecheck.stderr).toBe(0);
    const tests = node([join(root, "node_modules/vitest/vitest.mjs"), "run"]);
    expect(tests.status, tests.stdout + tests.stderr).toBe(0);
    const applicable = CONFORMANCE_CASES.length - NA_OWN.length;
    expect(tests.stdout).toMatch(new RegExp(`Tests\\s+${applicable} passed \\| ${NA_OWN.length} skipped`));
    const build = node([tsc, "-p", "tsconfig.build.json"]);
    expect(build.status, build.stdout + build.stderr).toBe(0);
    expect(existsSync(join(dir, "dist/index.js"))).toBe(true);
    const conf = node([bin, "conformance", "--plugin", dir, "--backend", "zonefs", "--backend", "anon", "--json"]);
    expect(conf.status, conf.stderr).toBe(0);
    const report = JSON.parse(conf.stdout) as { pairs: { old: string; new: string }[]; failed: number };
    expect(report.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["zonefs×zonefs", "zonefs×anon", "anon×zonefs", "anon×anon"]);
    expect(report.failed).toBe(0);
  });
});
