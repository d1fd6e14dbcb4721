import { describe, expect, it } from "vitest";
import { nthSmallest } from "../src/stack/select.js";

describe("nthSmallest (selection for the hot-cold placement's coldest partners)", () => {
  it("gives what sorting gives, for every rank, with many ties, fractions and sorted or constant input", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let t = 0; t < 3000; t++) {
      const n = 1 + rand(80);
      const distinct = 1 + rand(10);
      const a = Float64Array.from({ length: n }, () => rand(distinct) / (1 + rand(3)));
      const sorted = Float64Array.from(a).sort();
      const r = rand(n);
      expect(nthSmallest(Float64Array.from(a), r)).toBe(sorted[r]);
    }
    const ascending = Float64Array.from({ length: 10_000 }, (_, i) => i);
    expect(nthSmallest(ascending, 4321)).toBe(4321);
    expect(nthSmallest(new Float64Array(10_000).fill(0.5), 17)).toBe(0.5);
  });
});
