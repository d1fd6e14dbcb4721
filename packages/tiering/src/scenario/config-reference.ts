/**
 * The field reference of docs/config.md, rendered from the scenario's JSON Schema (itself made
 * from the zod schema, json-schema.ts): one table per object of the format — the top level,
 * memory, workload, each pattern, a region, a preset, NUMA options, part references, the LLC
 * geometry, the costs — each row a field with its type, unit, default and description. A field
 * appears here the moment it is added to the schema; one without a description is an error
 * naming it, so the reference cannot silently fall behind.
 */
import { annotatedScenarioJsonSchema, scenarioJsonSchema, type JsonSchemaNode } from "./json-schema.js";

/** The lines around the generated part of docs/config.md; the rest of the page is written by hand. */
export const CONFIG_REFERENCE_BEGIN = "<!-- BEGIN field reference: generated from the zod schema by `npm run docs:config`; do not edit by hand -->";
export const CONFIG_REFERENCE_END = "<!-- END field reference -->";

/** A field of the format that has no description: the message says where to add one. */
export class UndocumentedFieldError extends Error {
  constructor(readonly field: string) {
    super(
      `config field ${field} has no description; give it .meta({ description: "…" }) where it is declared (packages/tiering/src/scenario/schema.ts, stack-schema.ts or workload/spec.ts)`,
    );
    this.name = "UndocumentedFieldError";
  }
}

interface Row {
  field: string;
  type: string;
  unit: string;
  def: string;
  what: string;
}

interface Section {
  paths: string[];
  note: string;
  rows: Row[];
}

const isNode = (v: unknown): v is JsonSchemaNode => typeof v === "object" && v !== null && !Array.isArray(v);
const props = (n: JsonSchemaNode): Record<string, JsonSchemaNode> | undefined =>
  isNode(n.properties) ? (n.properties as Record<string, JsonSchemaNode>) : undefined;
const branches = (n: JsonSchemaNode): JsonSchemaNode[] => (n.anyOf ?? n.oneOf ?? []) as JsonSchemaNode[];
const code = (v: unknown) => `\`${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v)}\``;
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Bounds that say something: JSON's ±2^53 of an integer are left out, and so is ≥ x beside > x. */
function bounds(n: JsonSchemaNode): string {
  const real = (x: unknown): x is number => typeof x === "number" && Math.abs(x) < Number.MAX_SAFE_INTEGER;
  const lo = real(n.exclusiveMinimum) ? `> ${n.exclusiveMinimum}` : real(n.minimum) ? `≥ ${n.minimum}` : "";
  const hi = real(n.exclusiveMaximum) ? `< ${n.exclusiveMaximum}` : real(n.maximum) ? `≤ ${n.maximum}` : "";
  if (real(n.minimum) && real(n.maximum) && !real(n.exclusiveMinimum) && !real(n.exclusiveMaximum)) return `${n.minimum} … ${n.maximum}`;
  return [lo, hi].filter(Boolean).join(", ");
}

/** The type column: "integer 1 … 64", "one of "none", "full"", "list of strings", … */
function typeText(n: JsonSchemaNode, path: string): string {
  if ("const" in n) return code(n.const);
  if (Array.isArray(n.enum)) return n.enum.length === 1 ? code(n.enum[0]) : `one of ${n.enum.map(code).join(", ")}`;
  const bs = branches(n);
  const tags = bs.map(discriminator);
  if (bs.length > 1 && tags.every((t) => t !== undefined)) {
    const key = tags[0]!.split(":")[0]!;
    return `an object by its \`${key}\` (\`${path}\` below)`;
  }
  if (bs.length > 0) return bs.map((b) => typeText(b, path)).join(", or ");
  const t = n.type;
  if (Array.isArray(t)) return t.join(" or ");
  if (t === "integer" || t === "number") {
    const b = bounds(n);
    return b ? `${t} ${b}` : t;
  }
  if (t === "array") {
    const items = isNode(n.items) ? typeText(n.items, `${path}[]`) : "values";
    const min = typeof n.minItems === "number" && n.minItems > 0 ? `, at least ${n.minItems}` : "";
    const plural: Record<string, string> = { string: "strings", number: "numbers", integer: "integers", boolean: "booleans" };
    return `list of ${plural[items] ?? items.replace(/^an object/, "objects")}${min}`;
  }
  if (t === "object") return props(n) ? `an object (\`${path}\` below)` : "an object of name → value";
  if (t === "null") return "`null`";
  if (typeof t === "string") return t;
  return "any";
}

function defaultText(n: JsonSchemaNode, required: boolean): string {
  if (typeof n.defaultText === "string") return n.defaultText;
  if ("default" in n) return code(n.default);
  return required ? "**required**" : "—";
}

function describe(n: JsonSchemaNode, field: string): string {
  if (typeof n.description !== "string" || n.description.trim() === "") throw new UndocumentedFieldError(field);
  const examples = Array.isArray(n.examples) ? n.examples : isNode(n.items) && Array.isArray(n.items.examples) ? n.items.examples : undefined;
  return examples ? `${n.description}. Built in: ${examples.map((e) => code(e)).join(", ")}` : n.description;
}

/** The discriminator of an object branch ("type": "zipf"), if it has one. */
function discriminator(n: JsonSchemaNode): string | undefined {
  for (const [k, p] of Object.entries(props(n) ?? {})) if ("const" in p) return `${k}: ${JSON.stringify(p.const)}`;
  return undefined;
}

function walk(node: JsonSchemaNode, path: string, note: string, out: Section[]): void {
  const fields = props(node);
  if (!fields) return;
  const required = new Set((node.required as string[] | undefined) ?? []);
  const rows: Row[] = [];
  const nested: [JsonSchemaNode, string, string][] = [];
  for (const [name, p] of Object.entries(fields)) {
    const field = path ? `${path}.${name}` : name;
    rows.push({
      field: name,
      type: typeText(p, field),
      unit: typeof p.unit === "string" ? p.unit : "",
      def: defaultText(p, required.has(name)),
      what: describe(p, field),
    });
    if (props(p)) nested.push([p, field, ""]);
    if (isNode(p.items) && props(p.items)) nested.push([p.items, `${field}[]`, ""]);
    for (const b of branches(p)) if (props(b)) nested.push([b, field, discriminator(b) ?? "as an object"]);
  }
  out.push({ paths: [path], note, rows });
  for (const [n, p, why] of nested) walk(n, p, why, out);
}

/** Sections with the same rows (the five part references) become one, naming every path. */
function mergeSame(sections: Section[]): Section[] {
  const byRows = new Map<string, Section>();
  for (const s of sections) {
    const key = JSON.stringify([s.note, s.rows]);
    const seen = byRows.get(key);
    if (seen) seen.paths.push(...s.paths);
    else byRows.set(key, { ...s, paths: [...s.paths] });
  }
  return [...byRows.values()];
}

function title(s: Section): string {
  const names = s.paths.map((p) => (p === "" ? "Top level" : `\`${p}\``)).join(", ");
  return s.note ? `${names} (${s.note})` : names;
}

/**
 * The reference as Markdown: `### heading` and a table per object of the format. `schema`
 * defaults to the scenario's (a test passes its own).
 */
export function renderConfigReference(schema: JsonSchemaNode = annotatedScenarioJsonSchema()): string {
  const sections: Section[] = [];
  walk(schema, "", "", sections);
  const parts = mergeSame(sections).map((s) => {
    const head = "| field | type | unit | default | what it does |\n| --- | --- | --- | --- | --- |";
    const rows = s.rows.map((r) => `| \`${r.field}\` | ${cell(r.type)} | ${cell(r.unit)} | ${cell(r.def)} | ${cell(r.what)} |`);
    return `### ${title(s)}\n\n${head}\n${rows.join("\n")}\n`;
  });
  return parts.join("\n");
}

/** The published schema file's text (schema/foliox.config.schema.json). */
export function configSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}

/**
 * docs/config.md with its generated part replaced by the current reference; `page` is the
 * page as it is. A page without both markers is an error, not a silent append.
 */
export function spliceConfigReference(page: string, reference: string = renderConfigReference()): string {
  const begin = page.indexOf(CONFIG_REFERENCE_BEGIN);
  const end = page.indexOf(CONFIG_REFERENCE_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/config.md has lost its markers; put back the lines\n${CONFIG_REFERENCE_BEGIN}\n${CONFIG_REFERENCE_END}\naround the field reference`);
  return `${page.slice(0, begin + CONFIG_REFERENCE_BEGIN.length)}\n\n${reference}\n${page.slice(end)}`;
}
