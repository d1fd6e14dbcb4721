/**
 * The scenario config file's JSON Schema, made from the zod schema (schema.ts) with zod 4's
 * `z.toJSONSchema`, so an editor validates and completes foliox.config.json / .yaml with the
 * loader's own fields, types, bounds and defaults. The package ships it as
 * schema/foliox.config.schema.json (written by `npm run docs:config`, checked by a test).
 *
 * The loader stays the judge. Stack, part and scenario names are open sets — a --plugin adds to
 * them — so the schema suggests the built-in ones (`examples`) without refusing others, and
 * checks the zod refinements cannot express in JSON Schema (a 128 MiB section, a power-of-two
 * LLC) only where the loader runs. What the schema adds to zod's output:
 * - `costs` gets one property per entry of the cost table (sim/costs.ts), with its unit, its
 *   default and the bounds checkCostOverrides() enforces, and no others;
 * - name fields get the built-in names as examples;
 * - `workload` is required only of a file without `extends`;
 * - a default zod leaves out in input mode (the field holds a transform) is put back when it is
 *   also a valid input;
 * - each field's unit and default-in-words (field-meta.ts) go into its description.
 */
import { z } from "zod";
import { COST_TABLE, type CostName } from "../sim/costs.js";
import { defaultTieringRegistry } from "../stack/stack.js";
import { BUILTIN_SCENARIO_NAMES } from "./builtin.js";
import { DOC_META_KEYS } from "./field-meta.js";
import { scenarioSchema } from "./schema.js";
import { stackDefinitionSchema } from "./stack-schema.js";

/** A JSON Schema node, as z.toJSONSchema writes it. */
export type JsonSchemaNode = Record<string, unknown>;

/** Where the published schema lives in the package (its exports name it too). */
export const CONFIG_SCHEMA_FILE = "schema/foliox.config.schema.json";

/** Bounds of a cost beyond "a finite number >= 0", as checkCostOverrides() refuses them. */
const COST_BOUNDS: Partial<Record<CostName, JsonSchemaNode>> = {
  swapWorkers: { enum: [1, 2, 4, 8] },
  concurrency: { exclusiveMinimum: 0 },
  parallelFraction: { exclusiveMaximum: 1 },
  loadedLatencyMaxUtil: { exclusiveMaximum: 1 },
  migrateCopyGBps: { exclusiveMinimum: 0 },
  exchangeSwapGBps: { exclusiveMinimum: 0 },
};

/** The cost table as an object schema: one number per cost, nothing else. */
function costsProperties(): JsonSchemaNode {
  const properties: Record<string, JsonSchemaNode> = {};
  for (const e of COST_TABLE) {
    properties[e.name] = {
      type: "number",
      minimum: 0,
      ...COST_BOUNDS[e.name],
      ...(e.value !== null ? { default: e.value } : {}),
      description: `${e.what}. Source: ${e.source}`,
      ...(e.unit ? { unit: e.unit } : {}),
      ...(e.value === null ? { defaultText: "the topology preset's latency" } : {}),
    };
  }
  return { type: "object", properties, additionalProperties: false };
}

/**
 * A file that `extends` a named scenario takes its workload from there: zod's schema requires
 * `workload` because parseScenario merges the base in before validating; a file need not.
 */
function requireWorkloadUnlessExtends(top: JsonSchemaNode): void {
  const required = (top.required as string[] | undefined) ?? [];
  top.required = required.filter((k) => k !== "workload");
  if ((top.required as string[]).length === 0) delete top.required;
  top.anyOf = [{ required: ["workload"] }, { required: ["extends"] }];
  const workload = (top.properties as Record<string, JsonSchemaNode> | undefined)?.workload;
  if (workload) workload.defaultText = "none: required, unless `extends` names a scenario (whose workload it then is)";
}

/**
 * The schema with foliox's documentation keys (`unit`, `defaultText`) left in: what the config
 * reference is rendered from. Not for editors: those keys are not JSON Schema keywords.
 * `schema` is the scenario's, or (in tests) one extended from it.
 */
export function annotatedScenarioJsonSchema(schema: z.ZodType = scenarioSchema): JsonSchemaNode {
  const registry = defaultTieringRegistry();
  const presetNames = [...registry.presets.keys()];
  const shape = scenarioSchema.shape;
  const stackShape = stackDefinitionSchema.shape;
  const costs = shape.costs.unwrap();
  const examples = new Map<unknown, string[]>([
    [shape.stack, presetNames],
    [shape.extends, BUILTIN_SCENARIO_NAMES],
    [stackShape.extends, presetNames],
    [stackShape.sampler, [...registry.samplers.keys()]],
    [stackShape.hotness, [...registry.hotness.keys()]],
    [stackShape.placement, [...registry.placements.keys()]],
    [stackShape.mover, [...registry.movers.keys()]],
    [stackShape.rateLimiter, [...registry.rateLimiters.keys()]],
  ]);
  const stacksItems = shape.stacks.unwrap().element;
  return z.toJSONSchema(schema, {
    target: "draft-07",
    io: "input",
    unrepresentable: "any",
    override: (ctx) => {
      const node = ctx.jsonSchema as JsonSchemaNode;
      // zod leaves out the default of a field that holds a transform (a size, a share) in input
      // mode, since a default is an output value; put it back where it is also a valid input
      const def = ctx.zodSchema._zod.def as unknown as { type: string; defaultValue?: unknown; innerType?: z.ZodType };
      if (def.type === "default" && !("default" in node) && def.innerType && z.safeParse(def.innerType, def.defaultValue).success)
        node.default = def.defaultValue;
      if (ctx.zodSchema === costs) {
        for (const k of Object.keys(node)) if (k !== "description") delete node[k];
        Object.assign(node, costsProperties());
      }
      const names = ctx.zodSchema === stacksItems ? presetNames : examples.get(ctx.zodSchema);
      if (names) node.examples = names;
      if ((ctx.zodSchema as unknown) === schema) requireWorkloadUnlessExtends(node);
    },
  }) as JsonSchemaNode;
}

/** Keywords whose value is a schema, a list of schemas, or a map of them (draft-07). */
const SUBSCHEMA = new Set(["items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains"]);
const SUBSCHEMA_LISTS = new Set(["anyOf", "oneOf", "allOf"]);
const SUBSCHEMA_MAPS = new Set(["properties", "definitions", "$defs", "patternProperties"]);

/**
 * A schema with the documentation keys folded into its description, recursively through its
 * subschemas only (a default or an example keeps its values as they are).
 */
function publishable(node: JsonSchemaNode): JsonSchemaNode {
  const sub = (x: unknown): unknown => (typeof x === "object" && x !== null && !Array.isArray(x) ? publishable(x as JsonSchemaNode) : x);
  const out: JsonSchemaNode = {};
  for (const [k, x] of Object.entries(node)) {
    if ((DOC_META_KEYS as readonly string[]).includes(k)) continue;
    if (SUBSCHEMA.has(k)) out[k] = sub(x);
    else if (SUBSCHEMA_LISTS.has(k) && Array.isArray(x)) out[k] = x.map(sub);
    else if (SUBSCHEMA_MAPS.has(k) && typeof x === "object" && x !== null) out[k] = Object.fromEntries(Object.entries(x).map(([f, s]) => [f, sub(s)]));
    else out[k] = x;
  }
  const words = [typeof node.unit === "string" ? `Unit: ${node.unit}.` : "", typeof node.defaultText === "string" ? `Default: ${node.defaultText}.` : ""]
    .filter(Boolean)
    .join(" ");
  if (words) out.description = typeof out.description === "string" ? `${out.description}. ${words}` : words;
  return out;
}

/**
 * The JSON Schema of foliox.config.json / .yaml (draft-07, which editors support best): what
 * schema/foliox.config.schema.json holds.
 */
export function scenarioJsonSchema(): JsonSchemaNode {
  const s = publishable(annotatedScenarioJsonSchema());
  const { $schema, ...rest } = s;
  return {
    $schema,
    title: "foliox scenario (foliox.config.json, foliox.config.yaml)",
    description:
      "A tiering scenario for `foliox run` and `foliox compare`: the machine, the workload, the stack, the seed, the cost table. Reference: docs/config.md.",
    ...rest,
  };
}
