import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BUILTIN_SCENARIO_NAMES } from "../src/scenario/builtin.js";
import { ScenarioConfigError } from "../src/scenario/config-error.js";
import { allBuiltinScenarios, builtinScenario, loadScenarioFile, parseScenario, resolveScenario, ScenarioNotFoundError } from "../src/scenario/load.js";

const MiB = 1024 * 1024;
const defineConfigPath = fileURLToPath(new URL("../src/scenario/schema.ts", import.meta.url));

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "foliox-scenario-"));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function configError(p: Promise<unknown> | (() => unknown)): Promise<ScenarioConfigError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioConfigError);
    return err as ScenarioConfigError;
  }
  throw new Error("expected a ScenarioConfigError");
}

describe("built-in scenarios", () => {
  it("all validate", () => {
    const all = allBuiltinScenarios();
    expect(all.map((s) => s.name)).toEqual(BUILTIN_SCENARIO_NAMES);
  });

  it("pressure: DRAM + CXL, held full, zipf whose hot set moves, anon and file memory", () => {
    const s = builtinScenario("pressure");
    expect(s.topology).toBe("dram-cxl");
    expect(s.pressure).toBe("full");
    expect(s.workload.pattern).toMatchObject({ type: "zipf" });
    expect(s.workload.pattern.type === "zipf" && s.workload.pattern.moveEvery).toBeGreaterThan(0);
    expect(new Set(s.workload.regions.map((r) => r.kind))).toEqual(new Set(["anon", "file"]));
  });

  it("overrides replace fields and are validated", async () => {
    expect(builtinScenario("pressure", { stack: "exchange", seed: 7, epochs: 3 })).toMatchObject({ stack: "exchange", seed: 7, epochs: 3 });
    const e = await configError(() => builtinScenario("pressure", { stack: "exchnage" }));
    expect(e.message).toMatch(/field stack: "exchnage" is not a registered stack; did you mean "exchange"\? registered: linux-default, .*exchange/);
    expect(e.message).toMatch(/came from --stack/);
  });
});

describe("config files", () => {
  it("YAML: loads, with extends and size strings", async () => {
    const p = tmp("s.yaml", "extends: pressure\nname: mine\nmemory:\n  fast: 64MiB\nstack: tpp\nepochs: 4\n");
    const s = await loadScenarioFile(p);
    expect(s).toMatchObject({ name: "mine", stack: "tpp", epochs: 4, pressure: "full", memory: { fast: 64 * MiB, slow: 64 * MiB } });
    expect(s.workload.regions).toHaveLength(2);
  });

  it("JSON: loads", async () => {
    const p = tmp(
      "s.json",
      JSON.stringify({ name: "j", workload: { pattern: { type: "hotset", hotFraction: 0.2 } }, memory: { fast: "16MiB", slow: 33554432 } }),
    );
    const s = await loadScenarioFile(p);
    expect(s.workload.pattern).toEqual({ type: "hotset", hotFraction: 0.2, hotShare: 0.9, moveEvery: 5 });
    expect(s.memory).toEqual({ fast: 16 * MiB, slow: 32 * MiB });
    expect(s.stack).toBe("numab2");
  });

  it("foliox.config.ts with defineConfig, loaded by jiti", async () => {
    const p = tmp(
      "foliox.config.ts",
      `import { defineConfig } from ${JSON.stringify(defineConfigPath)};\n` +
        `const epochs: number = 3;\n` +
        `export default defineConfig({ extends: "zipf", name: "ts-config", epochs, stack: "memtis" });\n`,
    );
    const r = await resolveScenario(undefined, { cwd: join(p, "..") });
    expect(r.source).toBe(p);
    expect(r.scenario).toMatchObject({ name: "ts-config", epochs: 3, stack: "memtis" });
  });

  it("a config script without a default export says how to fix it", async () => {
    const p = tmp("c.mjs", "export const x = 1;\n");
    const e = await configError(loadScenarioFile(p));
    expect(e.message).toMatch(/c\.mjs: .*no default export; end it with `export default defineConfig/);
  });

  it("bad YAML syntax: file, line and column", async () => {
    const p = tmp("bad.yaml", "name: x\nworkload:\n  pattern: { type: zipf\n  regions: []\n");
    const e = await configError(loadScenarioFile(p));
    expect(e.message).toMatch(new RegExp(`${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+:\\d+: not valid YAML: .*; fix the syntax there`));
  });

  it("bad JSON syntax: file, line and column", async () => {
    const p = tmp("bad.json", '{\n  "name": "x",\n  "epochs": 3,\n}\n');
    const e = await configError(loadScenarioFile(p));
    expect(e.problems[0]).toMatchObject({ line: 4 });
    expect(e.message).toMatch(/bad\.json:4:\d+: not valid JSON/);
  });

  it("a misspelt field: named with its line, a suggestion and the valid fields", async () => {
    const p = tmp("typo.yaml", "name: t\nworkload:\n  pattern:\n    type: zipf\n    s: 1.2\n  acessesPerEpoch: 5\n");
    const e = await configError(loadScenarioFile(p));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ field: "workload.acessesPerEpoch", line: 6, column: 3 });
    expect(e.message).toMatch(/unknown field "acessesPerEpoch"; did you mean "accessesPerEpoch"\? remove it or rename it to one of: pattern, regions/);
  });

  it("a pattern field that belongs to another pattern type", async () => {
    const e = await configError(() => parseScenario({ workload: { pattern: { type: "uniform", s: 2 } } }, "inline"));
    expect(e.message).toMatch(/field workload\.pattern\.s: unknown field "s"; remove it or rename it to one of: type/);
  });

  it("bad values: wrong type, unknown pattern type, out of range, bad size, missing workload", async () => {
    const p = tmp("vals.yaml", "memory:\n  fast: 30000\n  slow: lots\npressure: high\nepochs: two\nworkload:\n  pattern:\n    type: zipfian\n");
    const e = await configError(loadScenarioFile(p));
    const byField = Object.fromEntries(e.problems.map((x) => [x.field, x]));
    expect(byField["memory.fast"]!.message).toMatch(/multiple of 4 KiB of at least 16 pages/);
    expect(byField["memory.fast"]).toMatchObject({ line: 2 });
    expect(byField["memory.slow"]!.message).toMatch(/"lots"/);
    expect(byField["pressure"]!.message).toMatch(/"high" is not allowed; use one of: "none", "full"/);
    expect(byField["pressure"]).toMatchObject({ line: 4, column: 11 });
    expect(byField["epochs"]!.message).toMatch(/expected number.*; give a number/);
    expect(byField["workload.pattern.type"]!.message).toMatch(
      /"zipfian" is not a known kind; set it to one of: uniform, zipf, hotset, stairs, zigzag, seqscan/,
    );
    const missing = await configError(() => parseScenario({ name: "x" }, "inline"));
    expect(missing.message).toMatch(/inline: field workload: required: add workload/);
  });

  it("extends must name a built-in", async () => {
    const e = await configError(() => parseScenario({ extends: "presure" }, "inline"));
    expect(e.message).toMatch(/did you mean "pressure"\?/);
  });

  it("unknown scenario names and missing files are usage errors that list the built-ins", async () => {
    await expect(resolveScenario("presure", { cwd: tmpdir() })).rejects.toThrow(ScenarioNotFoundError);
    await expect(resolveScenario("presure", { cwd: tmpdir() })).rejects.toThrow(/did you mean "pressure"\? pass one of: pressure, /);
    const empty = mkdtempSync(join(tmpdir(), "foliox-empty-"));
    await expect(resolveScenario(undefined, { cwd: empty })).rejects.toThrow(/no scenario given/);
  });
});

describe("stack names", () => {
  it("a scenario may name every preset of the engine (STACK_NAMES lists them)", async () => {
    const { STACK_PRESETS } = await import("../src/stack/presets.js");
    const { STACK_NAMES } = await import("../src/scenario/stacks.js");
    expect([...STACK_NAMES]).toEqual(STACK_PRESETS.map((p) => p.name));
    for (const stack of STACK_NAMES) expect(builtinScenario("zipf", { stack }).stack).toBe(stack);
  });
});
