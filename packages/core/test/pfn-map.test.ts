import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PfnMap } from "../src/kernel/pfn-map.js";

describe("PfnMap", () => {
  it("agrees with a Map over random sets, gets and deletes (colliding keys included)", () => {
    const op = fc.record({
      kind: fc.constantFrom("set", "delete", "get"),
      key: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
      v: fc.integer(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const m = new PfnMap<number>(2);
        const ref = new Map<number, number>();
        for (const o of ops) {
          if (o.kind === "set") {
            m.set(o.key, o.v);
            ref.set(o.key, o.v);
          } else if (o.kind === "delete") {
            expect(m.delete(o.key)).toBe(ref.delete(o.key));
          }
          expect(m.get(o.key)).toBe(ref.get(o.key));
          expect(m.has(o.key)).toBe(ref.has(o.key));
          expect(m.size).toBe(ref.size);
        }
        for (const [k, v] of ref) expect(m.get(k)).toBe(v);
        m.clear();
        expect(m.size).toBe(0);
        for (const k of ref.keys()) expect(m.has(k)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a key that is not a pfn", () => {
    const m = new PfnMap<string>();
    expect(() => m.set(-1, "x")).toThrow(/not a pfn/);
    expect(() => m.set(1.5, "x")).toThrow(/not a pfn/);
  });
});
