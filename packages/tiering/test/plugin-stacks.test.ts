/**
 * Stacks from plugins and config files: parts and presets added to a TieringRegistry by name
 * (stack/extend.ts), the catalog scenarios are checked against (tieringCatalog,
 * scenario/catalog.ts), and a stack built from them by createStack().
 */
import "reflect-metadata";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { container as root } from "tsyringe";
import { describe, expect, it } from "vitest";
import { PluginError } from "@foliox/core/plugin";
import { definePlugin } from "../src/plugin.js";
import { tieringCatalog } from "../src/plugins.js";
import { ScenarioConfigError } from "../src/scenario/config-error.js";
import { builtinScenario, loadScenarioFile, parseScenario } from "../src/scenario/load.js";
import { registryForScenario } from "../src/scenario/catalog.js";
import { addPresets, addStackParts, resolveStackDefinition } from "../src/stack/extend.js";
import { createStack, defaultTieringRegistry, TieringRegistry } from "../src/stack/stack.js";
import { TIERING_REGISTRY } from "../src/stack/tokens.js";
import type { MovePlan, PlacementPolicy } from "../src/stack/types.js";

class Nothing implements PlacementPolicy {
  readonly name = "nothing";
  constructor(readonly options: Readonly<Record<string, unknown>>) {}
  plan(): MovePlan {
    return { promote: [], demote: [] };
  }
}

const plugin = definePlugin({
  name: "test-stack",
  apiVersion: 1,
  stackParts: { placements: { nothing: (o) => new Nothing(o) } },
  presets: [{ name: "quiet", extends: "memtis", placement: { name: "nothing", options: { why: "a test" } } }],
  workloads: { small: { extends: "zipf", name: "small", epochs: 1, stack: "quiet" } },
});
const where = 'plugin "test-stack" (test)';

function withRegistry(r: TieringRegistry) {
  const c = root.createChildContainer();
  c.register(TIERING_REGISTRY, { useValue: r });
  return c;
}

describe("a TieringRegistry extended by a plugin", () => {
  it("builds a preset from the plugin's part and the built-in ones, the options passed to the factory", () => {
    const { registry } = tieringCatalog([{ plugin, where }]);
    const quiet = registry.presets.get("quiet")!;
    expect(quiet).toMatchObject({ sampler: { name: "pebs" }, hotness: "histogram", placement: { name: "nothing" }, mover: "migrate" });
    expect(quiet.copies).toBeUndefined(); // memtis' description is memtis', not this stack's
    expect(registry.sources.get("presets:quiet")).toBe(where);
    const stack = createStack(withRegistry(registry), "quiet");
    expect(stack.placement).toBeInstanceOf(Nothing);
    expect((stack.placement as Nothing).options).toEqual({ why: "a test" });
    expect(stack.sampler.name).toBe("pebs");
  });

  it("refuses a name taken already, naming both sources", () => {
    const r = defaultTieringRegistry();
    expect(() => addStackParts(r, { placements: { "hot-cold": (o) => new Nothing(o) } }, where)).toThrow(
      /plugin "test-stack" \(test\): placement policy "hot-cold" is registered already \(built in\)/,
    );
    addStackParts(r, { placements: { nothing: (o) => new Nothing(o) } }, where);
    expect(() => addStackParts(r, { placements: { nothing: (o) => new Nothing(o) } }, 'plugin "other" (x)')).toThrow(
      /registered already \(plugin "test-stack" \(test\)\)/,
    );
    expect(() => addPresets(r, [{ name: "numab2" }], where)).toThrow(/preset "numab2" is registered already \(built in\)/);
  });

  it("a preset with a misspelt part or base says which, with a did-you-mean and the registered names", () => {
    const r = defaultTieringRegistry();
    expect(() => addPresets(r, [{ name: "x", placement: "hot-cld" }], where)).toThrow(
      /preset "x": placement: "hot-cld" is not a registered placement policy; did you mean "hot-cold"\? registered: none, hot-cold/,
    );
    expect(() => addPresets(r, [{ name: "y", extends: "memtsi" }], where)).toThrow(/extends: "memtsi" is not a registered stack; did you mean "memtis"\?/);
    const { problems } = resolveStackDefinition(r, { name: "z", mover: { name: "exchnage" } });
    expect(problems).toEqual([{ path: ["mover", "name"], message: expect.stringMatching(/did you mean "exchange"/) }]);
  });

  it("a factory that throws, or returns no placement policy, is named when the stack is built", () => {
    const r = defaultTieringRegistry();
    addStackParts(
      r,
      {
        placements: {
          boom: () => {
            throw new Error("no counters");
          },
          empty: () => ({ name: "empty" }) as unknown as PlacementPolicy,
        },
      },
      where,
    );
    addPresets(
      r,
      [
        { name: "boom", placement: "boom" },
        { name: "empty", placement: "empty" },
      ],
      where,
    );
    const c = withRegistry(r);
    expect(() => createStack(c, "boom")).toThrow(PluginError);
    expect(() => createStack(c, "boom")).toThrow(/plugin "test-stack" \(test\): the factory of placement policy "boom" threw: no counters/);
    expect(() => createStack(c, "empty")).toThrow(/placement policy "empty": the placement policy it returned has no plan; a placement policy has name, plan/);
  });
});

describe("scenarios checked against the catalog", () => {
  it("a plugin's workload is a named scenario that may use the plugin's stack", () => {
    const catalog = tieringCatalog([{ plugin, where }]);
    expect(Object.keys(catalog.scenarios)).toContain("small");
    expect(catalog.sources?.["small"]).toBe(where);
    expect(builtinScenario("small", {}, catalog)).toMatchObject({ name: "small", stack: "quiet", epochs: 1 });
    // without the plugin, neither the workload nor its stack exists
    expect(() => builtinScenario("small")).toThrow(/unknown scenario "small"/);
    expect(() => parseScenario({ extends: "zipf", stack: "quiet" }, "inline")).toThrow(/field stack: "quiet" is not a registered stack/);
  });

  it("a workload naming an unknown stack is the plugin's error", () => {
    const bad = definePlugin({ name: "bad", apiVersion: 1, workloads: { w: { extends: "zipf", stack: "nope" } } });
    expect(() => tieringCatalog([{ plugin: bad, where: 'plugin "bad" (b)' }])).toThrow(
      /plugin "bad" \(b\): workload "w": the scenario is not valid .*"nope" is not a registered stack/s,
    );
  });

  it("a config file composes stacks from parts by name; stack and stacks may name them; errors have line:column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foliox-presets-"));
    const catalog = tieringCatalog([{ plugin, where }]);
    const ok = join(dir, "ok.yaml");
    writeFileSync(
      ok,
      [
        "extends: zipf",
        "stack: calm",
        "stacks: [numab2, calm, quiet]",
        "presets:",
        "  - name: calm",
        "    extends: quiet",
        "    rateLimiter: { name: token-bucket, options: { mbps: 64 } }",
        "    numa: null",
        "",
      ].join("\n"),
    );
    const s = await loadScenarioFile(ok, {}, catalog);
    expect(s.stack).toBe("calm");
    expect(s.stacks).toEqual(["numab2", "calm", "quiet"]);
    expect(s.presets).toEqual([
      expect.objectContaining({
        name: "calm",
        placement: { name: "nothing", options: { why: "a test" } },
        rateLimiter: { name: "token-bucket", options: { mbps: 64 } },
      }),
    ]);
    const stack = createStack(withRegistry(registryForScenario(catalog.registry, s)), "calm");
    expect(stack.rateLimiter.name).toBe("token-bucket");
    expect(catalog.registry.presets.has("calm")).toBe(false); // the file's presets are the file's

    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      [
        "extends: zipf",
        "stacks:",
        "  - numab2",
        "  - qiuet",
        "presets:",
        "  - name: mine",
        "    mover: exchnage",
        "    extendz: memtis",
        "stack: numab2",
        "",
      ].join("\n"),
    );
    const e = (await loadScenarioFile(bad, {}, catalog).catch((x: unknown) => x)) as ScenarioConfigError;
    expect(e).toBeInstanceOf(ScenarioConfigError);
    // zod's shape problems come first; fix them and the names are checked
    expect(e.message).toMatch(/bad\.yaml:8:5: field presets\[0\]\.extendz: unknown field "extendz"; did you mean "extends"\?/);
    writeFileSync(
      bad,
      ["extends: zipf", "stacks:", "  - numab2", "  - qiuet", "presets:", "  - name: mine", "    mover: exchnage", "stack: numab2", ""].join("\n"),
    );
    const names = (await loadScenarioFile(bad, {}, catalog).catch((x: unknown) => x)) as ScenarioConfigError;
    expect(names.problems.map((p) => [p.field, p.line, p.column])).toEqual([
      ["stacks[1]", 4, 5],
      ["presets[0].mover", 7, 12],
    ]);
    expect(names.message).toMatch(/field presets\[0\]\.mover: "exchnage" is not a registered mover; did you mean "exchange"\? registered: migrate, exchange/);
    expect(names.message).toMatch(/field stacks\[1\]: "qiuet" is not a registered stack; did you mean "quiet"\?/);
  });

  it("a config preset may not take a registered name", () => {
    expect(() => parseScenario({ extends: "zipf", presets: [{ name: "tpp" }] }, "inline")).toThrow(
      /field presets\[0\]\.name: a stack named "tpp" is registered already \(built in\); give this one another name, or extend it: extends: tpp/,
    );
  });
});
