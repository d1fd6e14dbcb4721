/**
 * The synthetic streams are part of the project's contract: the same spec and seed give exactly
 * the same (t, pid, addr, write, size, weight) sequence, release after release, because tests,
 * README figures and saved results were made with them. Each expected hash below is a SHA-256
 * (first 16 hex digits) over the batches' typed arrays of one stream, computed with the
 * generator as it stood before it was made faster; a change to the generator, the ZipfSampler or
 * Prng that moves a single bit of any entry fails here. Batch size and nsPerAccess vary too:
 * batching must not change the stream.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Prng } from "@foliox/core";
import { createPattern } from "../src/workload/pattern.js";
import { patternSchema, type PatternSpec, type WorkloadSpecInput } from "../src/workload/spec.js";
import { createWorkload } from "../src/workload/workload.js";
import { ZipfSampler } from "../src/workload/zipf.js";

const MiB = 1024 * 1024;
const pages = (n: number) => [{ name: "heap", size: n * 4096 }];

interface StreamCase {
  name: string;
  spec: WorkloadSpecInput;
  epochs: number;
  seed: number;
  batchSize?: number;
  nsPerAccess?: number;
  expected: string;
}

const STREAMS: StreamCase[] = [
  // the replay benchmark's stream (scrambled zipf(0.99), 1 M pages, weight 128), one epoch short
  {
    name: "zipf s=0.99 scatter n=2^20 weight=128",
    spec: { pattern: { type: "zipf", s: 0.99 }, regions: pages(2 ** 20), accessesPerEpoch: 100_000, weight: 128 },
    epochs: 2,
    seed: 1,
    expected: "200000:f811652662de4729",
  },
  {
    name: "zipf s=0.6 scatter n=1000",
    spec: { pattern: { type: "zipf", s: 0.6 }, regions: pages(1000), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: 7,
    batchSize: 4096,
    nsPerAccess: 3,
    expected: "60000:455d7a079dd11657",
  },
  {
    name: "zipf s=1.2 scatter n=2^24",
    spec: { pattern: { type: "zipf", s: 1.2 }, regions: pages(2 ** 24), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: -5,
    expected: "60000:23ad9d181a95b758",
  },
  {
    name: "zipf s=0.6 contiguous n=2^24",
    spec: { pattern: { type: "zipf", s: 0.6, scatter: false }, regions: pages(2 ** 24), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: 2,
    expected: "60000:5b4e9c6aa6c96045",
  },
  {
    name: "zipf s=0.99 contiguous n=1000",
    spec: { pattern: { type: "zipf", s: 0.99, scatter: false }, regions: pages(1000), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: 3,
    batchSize: 9999,
    expected: "60000:3e835def6fe70d69",
  },
  {
    name: "zipf s=1.2 contiguous n=2^20",
    spec: { pattern: { type: "zipf", s: 1.2, scatter: false }, regions: pages(2 ** 20), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: 4,
    nsPerAccess: 0.5,
    expected: "60000:518755b18b8b02a4",
  },
  // the scatter's remainder either side of where rank × stride stops being exact (~120 M pages)
  {
    name: "zipf scatter n=120 700 000 (exact remainder), moveEvery=1",
    spec: { pattern: { type: "zipf", s: 0.9, moveEvery: 1 }, regions: pages(120_700_000), accessesPerEpoch: 20_000 },
    epochs: 2,
    seed: 21,
    expected: "40000:a15ac4e6b9801059",
  },
  {
    name: "zipf scatter n=121 000 000 (rounded products), moveEvery=1",
    spec: { pattern: { type: "zipf", s: 0.9, moveEvery: 1 }, regions: pages(121_000_000), accessesPerEpoch: 20_000 },
    epochs: 2,
    seed: 21,
    expected: "40000:d840b38fb7850196",
  },
  {
    name: "zipf s=1 n=4097",
    spec: { pattern: { type: "zipf", s: 1 }, regions: pages(4097), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 1,
    expected: "20000:7099791e97de80a6",
  },
  {
    name: "zipf s=10 n=1",
    spec: { pattern: { type: "zipf", s: 10 }, regions: pages(1), accessesPerEpoch: 1000 },
    epochs: 2,
    seed: 1,
    expected: "2000:943488784eca0980",
  },
  {
    name: "zipf moveEvery=2",
    spec: { pattern: { type: "zipf", s: 0.99, moveEvery: 2 }, regions: pages(2 ** 16), accessesPerEpoch: 10_000 },
    epochs: 7,
    seed: 9,
    expected: "70000:3b17e25018ce0ec4",
  },
  {
    name: "zipf moveEvery=1 contiguous",
    spec: { pattern: { type: "zipf", s: 1.1, scatter: false, moveEvery: 1 }, regions: pages(3000), accessesPerEpoch: 7_777 },
    epochs: 5,
    seed: 9,
    batchSize: 1000,
    expected: "38885:9dd3f45f45204879",
  },
  {
    name: "zipf 3 processes, 3 regions",
    spec: {
      pattern: { type: "zipf" },
      processes: 3,
      regions: [
        { name: "a", size: 8 * MiB },
        { name: "b", kind: "file", size: 3 * 4096 },
        { name: "c", kind: "shmem", size: 2 * MiB, thpOrder: 9 },
      ],
      accessesPerEpoch: 40_001,
    },
    epochs: 2,
    seed: 11,
    batchSize: 4096,
    expected: "80002:149997bc44b1bbb6",
  },
  {
    name: "zipf 64 processes",
    spec: { pattern: { type: "zipf", s: 0.8 }, processes: 64, regions: pages(777), accessesPerEpoch: 64_000 },
    epochs: 1,
    seed: 12,
    expected: "64000:fc97c5aaad3705cc",
  },
  {
    name: "uniform, 4 processes, 2 regions",
    spec: {
      pattern: { type: "uniform" },
      processes: 4,
      regions: [
        { name: "a", size: MiB },
        { name: "b", size: 3 * MiB },
      ],
      accessesPerEpoch: 30_000,
    },
    epochs: 2,
    seed: 13,
    expected: "60000:07423f9b77ec03dc",
  },
  {
    name: "hotset",
    spec: { pattern: { type: "hotset" }, regions: pages(20_000), accessesPerEpoch: 10_000 },
    epochs: 12,
    seed: 14,
    expected: "120000:7c11374b6d22a822",
  },
  {
    name: "hotset moveEvery=0, 3 processes",
    spec: { pattern: { type: "hotset", hotFraction: 0.01, hotShare: 0.5, moveEvery: 0 }, processes: 3, regions: pages(9999), accessesPerEpoch: 30_000 },
    epochs: 2,
    seed: 15,
    expected: "60000:bff84c1fa001265d",
  },
  {
    name: "stairs steps=7 stepEvery=3, 2 processes",
    spec: { pattern: { type: "stairs", steps: 7, stepEvery: 3 }, processes: 2, regions: pages(1003), accessesPerEpoch: 5_000 },
    epochs: 25,
    seed: 16,
    expected: "125000:bf2594eeca682028",
  },
  {
    name: "zigzag steps=3 stepEvery=2, 3 processes",
    spec: {
      pattern: { type: "zigzag", steps: 3, stepEvery: 2 },
      processes: 3,
      regions: [
        { name: "a", size: MiB },
        { name: "b", size: 3 * MiB },
      ],
      accessesPerEpoch: 5_000,
    },
    epochs: 12,
    seed: 17,
    expected: "60000:95bae83c15e6db06",
  },
  {
    name: "seqscan, 5 processes, 2 regions",
    spec: {
      pattern: { type: "seqscan" },
      processes: 5,
      regions: [
        { name: "a", size: MiB },
        { name: "b", size: 2 * MiB },
      ],
      accessesPerEpoch: 10_000,
    },
    epochs: 3,
    seed: 18,
    expected: "30000:4761832f717f6177",
  },
  {
    name: "writeRatio=0",
    spec: { pattern: { type: "zipf" }, writeRatio: 0, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 19,
    expected: "20000:788624cab106aacc",
  },
  {
    name: "writeRatio=1",
    spec: { pattern: { type: "zipf" }, writeRatio: 1, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 19,
    expected: "20000:06e897edcd8caeef",
  },
  {
    name: "writeRatio=0.05",
    spec: { pattern: { type: "uniform" }, writeRatio: 0.05, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 19,
    expected: "20000:8eed81ae46b74ab2",
  },
  {
    name: "accessSize=1, 3 processes",
    spec: { pattern: { type: "zipf" }, accessSize: 1, processes: 3, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 20,
    expected: "20000:cc16e1e99097b092",
  },
  {
    name: "accessSize=100",
    spec: { pattern: { type: "zipf" }, accessSize: 100, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 20,
    expected: "20000:22336425a1560482",
  },
  {
    name: "accessSize=2049, 3 processes",
    spec: { pattern: { type: "zipf" }, accessSize: 2049, processes: 3, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 20,
    expected: "20000:0a7bf4227974f0bb",
  },
  {
    name: "accessSize=4096",
    spec: { pattern: { type: "seqscan" }, accessSize: 4096, regions: pages(4000), accessesPerEpoch: 20_000 },
    epochs: 1,
    seed: 20,
    expected: "20000:6e099f7657377fb0",
  },
];

/** The sampler on its own, 100 000 ranks from Prng(42): the edges of n and s included. */
const SAMPLES: { n: number; s: number; expected: string }[] = [
  { n: 1, s: 0.99, expected: "2c0e5e65cdf2c253" },
  { n: 1000, s: 0.6, expected: "395e365e4720c378" },
  { n: 1000, s: 1, expected: "e74be842b669d7b3" },
  { n: 2 ** 20, s: 0.99, expected: "e2dd5c3c0d413c4b" },
  { n: 2 ** 24, s: 1.2, expected: "9bddb3055e15efeb" },
  { n: 12_345, s: 0.0001, expected: "2621d16f33991497" },
  { n: 777, s: 1 + 1e-9, expected: "1401be91f5667f80" },
  { n: 50, s: 10, expected: "938fb7312943531a" },
  { n: 2 ** 40, s: 0.99, expected: "f0a4a88e12863114" },
];

const short = (h: ReturnType<typeof createHash>) => h.digest("hex").slice(0, 16);

function streamHash(c: StreamCase): string {
  const w = createWorkload(c.spec, { seed: c.seed, epochs: c.epochs, nsPerAccess: c.nsPerAccess });
  const pids = Array.from(w.layout.processes, (_, p) => 100 + 7 * p);
  const h = createHash("sha256");
  let count = 0;
  for (const b of w.batches(pids, c.batchSize)) {
    const n = b.length;
    count += n;
    for (const a of [b.t, b.pid, b.addr, b.write, b.size, b.weight]) h.update(new Uint8Array(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT));
  }
  return `${count}:${short(h)}`;
}

describe("synthetic streams are bit-identical to the recorded ones", () => {
  for (const c of STREAMS) {
    it(c.name, () => {
      expect(streamHash(c)).toBe(c.expected);
    });
  }
  for (const c of SAMPLES) {
    it(`ZipfSampler(n=${c.n}, s=${c.s})`, () => {
      const z = new ZipfSampler(c.n, c.s);
      const rng = new Prng(42);
      const ranks = new Float64Array(100_000);
      for (let i = 0; i < ranks.length; i++) ranks[i] = z.sample(rng);
      expect(short(createHash("sha256").update(new Uint8Array(ranks.buffer)))).toBe(c.expected);
    });
  }
});

describe("PagePattern.fill() gives the same stream however the calls cut it", () => {
  const specs: PatternSpec[] = [
    { type: "uniform" },
    { type: "zipf", s: 0.99, scatter: true, moveEvery: 2 },
    { type: "zipf", s: 1.3, scatter: false, moveEvery: 0 },
    { type: "hotset", hotFraction: 0.05, hotShare: 0.8, moveEvery: 1 },
    { type: "stairs", steps: 5, stepEvery: 2 },
    { type: "zigzag", steps: 4, stepEvery: 1 },
    { type: "seqscan" },
  ].map((p) => patternSchema.parse(p));
  for (const spec of specs) {
    it(`${spec.type} ${JSON.stringify(spec)}`, () => {
      const pages = 10_007;
      const inRuns = createPattern(spec, pages, new Prng(5), 99);
      const whole = createPattern(spec, pages, new Prng(5), 99);
      // per epoch: runs of different lengths, at different offsets and strides, one empty
      const runs = [
        [0, 1, 1000],
        [3, 4, 250],
        [1, 7, 0],
        [2, 3, 333],
      ] as const;
      const perEpoch = runs.reduce((n, [, , count]) => n + count, 0);
      for (let epoch = 0; epoch < 6; epoch++) {
        const want = new Float64Array(perEpoch);
        whole.fill(want, 0, 1, perEpoch, epoch);
        const got: number[] = [];
        for (const [from, step, count] of runs) {
          const out = new Float64Array(from + step * count).fill(-1);
          inRuns.fill(out, from, step, count, epoch);
          for (let c = 0; c < count; c++) got.push(out[from + c * step]!);
          // the slots between are left alone
          expect(out.filter((v) => v === -1).length).toBe(out.length - count);
        }
        expect(got).toEqual(Array.from(want));
        for (const page of want) expect(page >= 0 && page < pages && Number.isInteger(page)).toBe(true);
      }
    });
  }
});

describe("ZipfSampler.fillRanks() gives what as many sample() calls would", () => {
  for (const [n, s] of [
    [1, 0.99],
    [2, 0.5],
    [50, 10],
    [1000, 1],
    [2 ** 20, 0.99],
    [2 ** 24, 1.2],
    [12_345, 0.0001],
  ] as const) {
    it(`n=${n}, s=${s}`, () => {
      const z = new ZipfSampler(n, s);
      const bySample = new Prng(7);
      const byFill = new Prng(7);
      // counts either side of one pass of draws, and a long run
      for (const count of [1, 255, 256, 257, 1000, 20_000]) {
        const out = new Float64Array(count + 1).fill(-1);
        z.fillRanks(byFill, out, count);
        for (let c = 0; c < count; c++) expect(out[c]).toBe(z.sample(bySample));
        expect(out[count]).toBe(-1);
        // no draw past the last rank's: both PRNGs are at the same place
        expect(byFill.nextU32()).toBe(bySample.nextU32());
      }
    });
  }
});
