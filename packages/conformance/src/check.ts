/** Assertions for conformance cases, with no test framework: each throws a ConformanceFailure. */
import { errnoName } from "@foliox/core";

export class ConformanceFailure extends Error {
  override name = "ConformanceFailure";
}

export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ConformanceFailure(message);
}

/** An errno (or 0) result. */
export function checkRc(actual: number, expected: number, what: string): void {
  if (actual !== expected) throw new ConformanceFailure(`${what}: returned ${errnoName(actual)}, expected ${errnoName(expected)}`);
}

/** The first path at which two plain values differ, or null. */
export function firstDifference(a: unknown, b: unknown, path = ""): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return `${path || "value"}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: array vs object`;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}.length: ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const x: unknown = a[i];
      const y: unknown = b[i];
      if (Object.is(x, y)) continue; // skip building the path for the (many) equal entries
      const d = firstDifference(x, y, `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const d = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (d) return d;
  }
  return null;
}

export function checkEqual(actual: unknown, expected: unknown, what: string): void {
  const d = firstDifference(actual, expected);
  if (d) throw new ConformanceFailure(`${what}: ${d}`);
}
