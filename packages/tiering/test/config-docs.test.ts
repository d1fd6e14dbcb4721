/**
 * The config format's documentation and JSON Schema are the zod schema's: docs/config.md's
 * field reference and schema/foliox.config.schema.json are what the generator makes from it
 * now (`npm run docs:config` rewrites both), every field has a description, a field added to
 * the schema shows up by itself, and the JSON Schema accepts what the loader accepts — every
 * built-in scenario, the example files — and refuses what it refuses where JSON Schema can say
 * so (unknown fields, wrong types, the cost table's names and bounds). Validation runs through
 * Ajv in strict mode (union types and `required` inside `anyOf` allowed), so a stray
 * non-keyword in the published schema fails too.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkCostOverrides, COST_NAMES, CostError } from "../src/sim/costs.js";
import { BUILTIN_SCENARIOS } from "../src/scenario/builtin.js";
import { configSchemaText, renderConfigReference, spliceConfigReference, UndocumentedFieldError } from "../src/scenario/config-reference.js";
import { annotatedScenarioJsonSchema, CONFIG_SCHEMA_FILE, scenarioJsonSchema } from "../src/scenario/json-schema.js";
import { loadScenarioFile, parseScenario } from "../src/scenario/load.js";
import { scenarioSchema } from "../src/scenario/schema.js";

const root = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const read = (p: string) => readFileSync(root(p), "utf8");
const STALE = "is out of date with the zod schema; run npm run docs:config and commit the result";

const validate = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true }).compile(scenarioJsonSchema());
const valid = (v: unknown) => validate(v) === true;

const WORKLOAD = { pattern: { type: "uniform" } };

describe("docs/config.md and the JSON Schema", () => {
  it("docs/config.md's field reference is the one the zod schema gives", () => {
    const page = read("docs/config.md");
    expect(page === spliceConfigReference(page), `docs/config.md ${STALE}`).toBe(true);
  });

  it("schema/foliox.config.schema.json is the one the zod schema gives, and the package ships and exports it", () => {
    expect(read(`packages/tiering/${CONFIG_SCHEMA_FILE}`) === configSchemaText(), `packages/tiering/${CONFIG_SCHEMA_FILE} ${STALE}`).toBe(true);
    const pkg = JSON.parse(read("packages/tiering/package.json")) as { files: string[]; exports: Record<string, unknown> };
    expect(pkg.files).toContain("schema");
    expect(pkg.exports[`./${CONFIG_SCHEMA_FILE}`]).toBe(`./${CONFIG_SCHEMA_FILE}`);
  });

  it("documents every field with its type, unit and default", () => {
    const ref = renderConfigReference();
    // a sample of each kind of row: top level, nested, a pattern form, a preset's, a cost
    expect(ref).toMatch(/^\| `seed` \| integer 0 … 4294967295 \| {2}\| `1` \| .+ \|$/m);
    expect(ref).toMatch(/^### `memory`$/m);
    expect(ref).toMatch(/^\| `fast` \| number or string \| bytes, or % of the footprint \| \*\*required\*\* \|/m);
    expect(ref).toMatch(/^### `workload.pattern` \(type: "zipf"\)$/m);
    expect(ref).toMatch(/^\| `hotThresholdMs` \| number > 0 \| ms \| 1000 \|/m);
    expect(ref).toMatch(/^\| `hintFaultNs` \| number ≥ 0 \| ns \| `1000` \|/m);
    expect(ref).toMatch(/^\| `llc` \| one of `"auto"`, `"on"`, `"none"`, or an object \(`llc` below\) \| {2}\| `"auto"` \|/m);
    // every field of the top level, every cost
    for (const k of Object.keys(scenarioSchema.shape)) expect(ref).toContain(`| \`${k}\` |`);
    for (const c of COST_NAMES) expect(ref).toContain(`| \`${c}\` |`);
  });

  it("a field without a description stops the generator, naming the field", () => {
    const nested = z.strictObject({ outer: z.strictObject({ inner: z.number() }).meta({ description: "documented" }) });
    expect(() => renderConfigReference(z.toJSONSchema(nested) as Record<string, unknown>)).toThrow(UndocumentedFieldError);
    expect(() => renderConfigReference(z.toJSONSchema(nested) as Record<string, unknown>)).toThrow(
      /config field outer\.inner has no description; give it \.meta\(\{ description/,
    );
  });

  it("a field added to the schema appears in the reference and the JSON Schema without touching the generator", () => {
    const extended = scenarioSchema.extend({
      fastShare: z.string().default("20%").meta({ description: "a field that does not exist yet", unit: "% of the footprint" }),
    });
    const ref = renderConfigReference(annotatedScenarioJsonSchema(extended));
    expect(ref).toMatch(/^\| `fastShare` \| string \| % of the footprint \| `"20%"` \| a field that does not exist yet \|$/m);
    expect(renderConfigReference()).not.toContain("fastShare");
  });

  it("validates every built-in scenario and the example files, which the loader also takes", async () => {
    for (const [name, input] of Object.entries(BUILTIN_SCENARIOS)) expect(valid(input), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    const yamlFile = root("examples/config/zipf-memtis.yaml");
    const jsonFile = root("examples/config/hotset-full.json");
    expect(read("examples/config/zipf-memtis.yaml")).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/\.\.\/packages\/tiering\/schema\/foliox\.config\.schema\.json$/m,
    );
    expect(valid(parseYaml(readFileSync(yamlFile, "utf8")))).toBe(true);
    const json = JSON.parse(readFileSync(jsonFile, "utf8")) as Record<string, unknown>;
    expect(json.$schema).toBe(`../../packages/tiering/${CONFIG_SCHEMA_FILE}`);
    expect(valid(json)).toBe(true);
    expect((await loadScenarioFile(yamlFile)).stack).toBe("memtis-tb");
    expect((await loadScenarioFile(jsonFile)).pressure).toBe("full");
  });

  it("refuses what the loader refuses where JSON Schema can say it", () => {
    const bad: [string, Record<string, unknown>][] = [
      ["an unknown field", { workload: WORKLOAD, sede: 1 }],
      ["no workload", {}],
      ["a seed that is a string", { workload: WORKLOAD, seed: "1" }],
      ["an unknown pattern type", { workload: { pattern: { type: "zipfian" } } }],
      ["a field of another pattern", { workload: { pattern: { type: "uniform", s: 1 } } }],
      ["an unknown topology", { workload: WORKLOAD, topology: "dram-pmem" }],
      ["an unknown cost", { workload: WORKLOAD, costs: { hintFaultNS: 1 } }],
      ["a negative cost", { workload: WORKLOAD, costs: { faultNs: -1 } }],
      ["an unknown preset field", { workload: WORKLOAD, presets: [{ name: "x", sampeler: "pebs" }] }],
      ["an LLC setting that is not one", { workload: WORKLOAD, llc: "off" }],
    ];
    for (const [what, input] of bad) {
      expect(valid(input), `the schema takes ${what}`).toBe(false);
      expect(() => parseScenario(input, "t"), `the loader takes ${what}`).toThrow();
    }
  });

  it("says of each cost what checkCostOverrides says: the same values pass", () => {
    for (const name of COST_NAMES) {
      for (const v of [-1, 0, 0.25, 1, 2, 3, 4, 8, 1e9]) {
        let loader = true;
        try {
          checkCostOverrides({ [name]: v });
        } catch (err) {
          if (!(err instanceof CostError)) throw err;
          loader = false;
        }
        expect(valid({ workload: WORKLOAD, costs: { [name]: v } }), `costs.${name}: ${v}`).toBe(loader);
      }
    }
  });

  it("a file's $schema is for editors: accepted, and not part of the scenario", () => {
    const withSchema = parseScenario({ $schema: `./node_modules/@foliox/tiering/${CONFIG_SCHEMA_FILE}`, workload: WORKLOAD }, "t");
    expect(withSchema).toEqual(parseScenario({ workload: WORKLOAD }, "t"));
    expect("$schema" in withSchema).toBe(false);
  });
});
