import { describe, expect, it } from "vitest";
import { PageCounts } from "../src/stack/page-counts.js";

/** What the table must answer: a Map, its entries sorted by count, then key. */
function reference(adds: [number, number][], limit: number): number[] {
  const m = new Map<number, number>();
  for (const [k, w] of adds) m.set(k, (m.get(k) ?? 0) + w);
  return [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit)
    .map((e) => e[0]);
}

describe("PageCounts (the epoch-oracle's per-page counts)", () => {
  let seed = 11;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  // integer: a counting sort on the counts; sampled: counts that are multiples of one weight;
  // mixed: multiples of nothing but 1; spread and fractional: the comparison sort
  for (const weights of ["integer", "sampled", "mixed", "spread", "fractional"] as const) {
    it(`drains the hottest keys in the order a sorted Map gives, epoch after epoch, growing (${weights} weights)`, () => {
      const t = new PageCounts(16);
      for (let epoch = 0; epoch < 6; epoch++) {
        const adds: [number, number][] = [];
        const distinct = 10 + rand(3000);
        for (let i = 0; i < 5000; i++) {
          // keys as the oracle makes them: process index * 2^36 + vpn, far above 2^32, some near 2^53
          const key = (rand(50) === 0 ? 2 ** 16 + rand(2 ** 16) : 1 + rand(3)) * 2 ** 36 + rand(distinct) * (rand(4) === 0 ? 2 ** 20 : 1);
          const w =
            weights === "integer"
              ? 1 + rand(200)
              : weights === "sampled"
                ? 128
                : weights === "mixed"
                  ? 3 + 2 * rand(2)
                  : weights === "spread"
                    ? 1 + rand(2) * 1e9
                    : (1 + rand(200)) / 7;
          adds.push([key, w]);
          t.add(key, w);
        }
        const limit = 1 + rand(distinct + 50);
        const want = reference(adds, limit);
        const got = t.drainHottest(limit);
        expect(Array.from(got.hotKeys)).toEqual(want);
        expect(Array.from(got.hotSorted)).toEqual([...want].sort((a, b) => a - b));
        expect(Array.from(got.hotOrder, (j) => got.hotSorted[j])).toEqual(want);
        expect(t.size).toBe(0);
      }
    });
  }
});
