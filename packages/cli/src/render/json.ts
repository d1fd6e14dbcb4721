/**
 * JSON for people and for diff: indented two spaces, but any array or object that fits on its
 * line within `width` columns is written on one line ({ "a": 1, "b": [2, 3] }). Key order is
 * insertion order and there is nothing time-dependent, so the same data prints the same bytes.
 */
export function formatJson(value: unknown, width = 100): string {
  return `${format(value, "", 0, width)}\n`;
}

/**
 * One-line JSON with a space after each comma and colon, or null as soon as it would exceed
 * `budget` characters (so that a large value costs no more than `budget` to reject).
 */
function inline(value: unknown, budget: number): string | null {
  if (value === null || typeof value !== "object") {
    const s = JSON.stringify(value) ?? "null";
    return s.length <= budget ? s : null;
  }
  const array = Array.isArray(value);
  const items: [string, unknown][] = array
    ? (value as unknown[]).map((v) => ["", v === undefined ? null : v])
    : Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (items.length === 0) return array ? "[]" : "{}";
  let out = array ? "[" : "{ ";
  for (let i = 0; i < items.length; i++) {
    const [k, v] = items[i]!;
    if (i > 0) out += ", ";
    if (!array) out += `${JSON.stringify(k)}: `;
    const s = inline(v, budget - out.length);
    if (s === null) return null;
    out += s;
    if (out.length > budget) return null;
  }
  out += array ? "]" : " }";
  return out.length <= budget ? out : null;
}

/** `used`: columns already taken on the first line (indent excluded), e.g. by `"key": `. */
function format(value: unknown, indent: string, used: number, width: number): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const flat = inline(value, width - indent.length - used);
  if (flat !== null) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    return `[\n${value.map((v) => inner + format(v === undefined ? null : v, inner, 0, width)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries
    .map(([k, v]) => {
      const key = `${JSON.stringify(k)}: `;
      return inner + key + format(v, inner, key.length, width);
    })
    .join(",\n")}\n${indent}}`;
}
