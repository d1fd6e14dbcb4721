import { describe, expect, it } from "vitest";
import { Prng } from "@foliox/core";
import { createWorkload } from "../src/workload/workload.js";
import type { WorkloadSpecInput } from "../src/workload/spec.js";
import { ZipfSampler, zipfTopShare } from "../src/workload/zipf.js";
import { LAYOUT_BASE } from "../src/workload/region.js";

const PAGE = 4096;
const MiB = 1024 * 1024;

/** Per-epoch page-hit counts for process 0 of a single-region workload. */
function pageCounts(spec: WorkloadSpecInput, seed: number, epochs: number): Float64Array[] {
  const w = createWorkload(spec, { seed, epochs });
  const pages = w.layout.processes[0]!.pages;
  const base = w.layout.processes[0]!.regions[0]!.start;
  const out: Float64Array[] = [];
  let epoch = 0;
  let seen = 0;
  let cur = new Float64Array(pages);
  for (const b of w.batches([1], 10_000)) {
    for (let i = 0; i < b.length; i++) cur[Math.floor((b.addr[i]! - base) / PAGE)]!++;
    seen += b.length;
    if (seen === w.accessesPerEpoch * (epoch + 1)) {
      out.push(cur);
      cur = new Float64Array(pages);
      epoch++;
    }
  }
  return out;
}

function topShare(counts: Float64Array, k: number): number {
  const sorted = Float64Array.from(counts).sort().reverse();
  let top = 0;
  let all = 0;
  for (let i = 0; i < sorted.length; i++) {
    all += sorted[i]!;
    if (i < k) top += sorted[i]!;
  }
  return top / all;
}

function topPages(counts: Float64Array, k: number): Set<number> {
  return new Set(
    Array.from(counts.keys())
      .sort((a, b) => counts[b]! - counts[a]! || a - b)
      .slice(0, k),
  );
}

function digest(spec: WorkloadSpecInput, seed: number, epochs = 2): string {
  const w = createWorkload(spec, { seed, epochs });
  let h = 0;
  for (const b of w.batches([7, 8, 9, 10], 4096)) {
    for (let i = 0; i < b.length; i++) h = (Math.imul(h, 31) + b.addr[i]! / 64 + b.pid[i]! * 3 + b.write[i]!) | 0;
  }
  return `${w.totalAccesses}:${h}`;
}

describe("ZipfSampler (rejection-inversion)", () => {
  it("matches the exact top-k share of Zipf(1000, s) within 1.5%", () => {
    for (const s of [0.8, 0.99, 1.2]) {
      const z = new ZipfSampler(1000, s);
      const rng = new Prng(3);
      const counts = new Float64Array(1001);
      const N = 200_000;
      for (let i = 0; i < N; i++) counts[z.sample(rng)]!++;
      let top = 0;
      for (let r = 1; r <= 10; r++) top += counts[r]!;
      expect(Math.abs(top / N - zipfTopShare(1000, s, 10))).toBeLessThan(0.015);
      expect(counts[0]).toBe(0);
    }
  });
});

describe("synthetic workload generators", () => {
  const patterns: WorkloadSpecInput["pattern"][] = [
    { type: "uniform" },
    { type: "zipf", s: 0.99 },
    { type: "hotset" },
    { type: "stairs" },
    { type: "zigzag" },
    { type: "seqscan" },
  ];
  for (const pattern of patterns) {
    it(`${pattern.type}: deterministic per seed, different across seeds, addresses inside the regions`, () => {
      const spec: WorkloadSpecInput = {
        pattern,
        processes: 4,
        accessesPerEpoch: 20_000,
        regions: [
          { name: "heap", kind: "anon", size: "1MiB" },
          { name: "data", kind: "file", size: "512KiB" },
        ],
      };
      expect(digest(spec, 1)).toBe(digest(spec, 1));
      if (pattern.type !== "seqscan") expect(digest(spec, 1)).not.toBe(digest(spec, 2));
      const w = createWorkload(spec, { seed: 5, epochs: 1 });
      for (const b of w.batches([11, 12, 13, 14])) {
        for (let i = 0; i < b.length; i++) {
          const proc = w.layout.processes[b.pid[i]! - 11]!;
          const a = b.addr[i]!;
          const r = proc.regions.find((rr) => a >= rr.start && a + b.size[i]! <= rr.start + rr.bytes);
          expect(r, `address ${a} of pid ${b.pid[i]} is in a region`).toBeDefined();
        }
      }
    });
  }

  it("uniform: every page is hit about equally", () => {
    const [c] = pageCounts({ pattern: { type: "uniform" }, regions: [{ name: "h", size: "256KiB" }], accessesPerEpoch: 64_000 }, 1, 1);
    const mean = 64_000 / 64;
    for (const v of c!) expect(Math.abs(v - mean)).toBeLessThan(mean * 0.25);
  });

  it("zipf(s): the top 1% of pages get the share Zipf predicts", () => {
    const n = 2048; // 8 MiB
    const [c] = pageCounts({ pattern: { type: "zipf", s: 1.0 }, regions: [{ name: "h", size: n * PAGE }], accessesPerEpoch: 200_000 }, 9, 1);
    expect(Math.abs(topShare(c!, 20) - zipfTopShare(n, 1.0, 20))).toBeLessThan(0.02);
  });

  it("zipf with moveEvery: the hot set moves at the phase change and stays put within a phase", () => {
    const spec: WorkloadSpecInput = { pattern: { type: "zipf", s: 1.1, moveEvery: 2 }, regions: [{ name: "h", size: 4 * MiB }], accessesPerEpoch: 50_000 };
    const [e0, e1, e2] = pageCounts(spec, 4, 3);
    const t0 = topPages(e0!, 20);
    const t1 = topPages(e1!, 20);
    const t2 = topPages(e2!, 20);
    const overlap = (a: Set<number>, b: Set<number>) => [...a].filter((x) => b.has(x)).length;
    expect(overlap(t0, t1)).toBeGreaterThanOrEqual(15);
    expect(overlap(t1, t2)).toBeLessThanOrEqual(2);
  });

  it("hotset: hotShare of the accesses land in hotFraction of the pages, and the set moves", () => {
    const spec: WorkloadSpecInput = {
      pattern: { type: "hotset", hotFraction: 0.1, hotShare: 0.9, moveEvery: 1 },
      regions: [{ name: "h", size: 4 * MiB }],
      accessesPerEpoch: 100_000,
    };
    const [e0, e1] = pageCounts(spec, 2, 2);
    // 90% hot + 10% of the rest spread uniformly (1% of it also lands on hot pages)
    expect(topShare(e0!, 102)).toBeGreaterThan(0.88);
    expect(topShare(e0!, 102)).toBeLessThan(0.93);
    const t0 = topPages(e0!, 102);
    const t1 = topPages(e1!, 102);
    expect([...t0].filter((x) => t1.has(x)).length).toBeLessThan(30);
  });

  it("stairs walks the ranges in order; zigzag goes up then down", () => {
    const region = [{ name: "h", size: 4 * 64 * PAGE }];
    const which = (c: Float64Array) => Math.floor(c.findIndex((v) => v > 0) / 64);
    const stairs = pageCounts({ pattern: { type: "stairs", steps: 4 }, regions: region, accessesPerEpoch: 5000 }, 1, 6);
    expect(stairs.map(which)).toEqual([0, 1, 2, 3, 0, 1]);
    for (const c of stairs) expect(c.filter((v) => v > 0).length).toBeLessThanOrEqual(64);
    const zig = pageCounts({ pattern: { type: "zigzag", steps: 4 }, regions: region, accessesPerEpoch: 5000 }, 1, 8);
    expect(zig.map(which)).toEqual([0, 1, 2, 3, 2, 1, 0, 1]);
  });

  it("seqscan touches every page in order, then wraps", () => {
    const w = createWorkload({ pattern: { type: "seqscan" }, regions: [{ name: "h", size: 16 * PAGE }], accessesPerEpoch: 40 }, { seed: 1, epochs: 1 });
    const [b] = [...w.batches([1])].map((x) => Array.from(x.addr.subarray(0, x.length), (a) => Math.floor((a - LAYOUT_BASE) / PAGE)));
    expect(b).toEqual([...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 16 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => i)]);
  });

  it("batches never straddle an epoch boundary, and writeRatio holds", () => {
    const w = createWorkload({ pattern: { type: "uniform" }, accessesPerEpoch: 25_000, writeRatio: 0.25 }, { seed: 3, epochs: 4 });
    const lengths: number[] = [];
    let writes = 0;
    for (const b of w.batches([1], 10_000)) {
      lengths.push(b.length);
      for (let i = 0; i < b.length; i++) writes += b.write[i]!;
    }
    expect(lengths).toEqual([10_000, 10_000, 5_000, 10_000, 10_000, 5_000, 10_000, 10_000, 5_000, 10_000, 10_000, 5_000]);
    expect(Math.abs(writes / 100_000 - 0.25)).toBeLessThan(0.01);
  });

  it("mix of anon, file and shmem regions: kinds are kept, backing is anon until core has file-backed memory, and the notes say so", () => {
    const w = createWorkload(
      {
        pattern: { type: "uniform" },
        regions: [
          { name: "heap", kind: "anon", size: "2MiB", thpOrder: 9 },
          { name: "db", kind: "file", size: "1MiB" },
          { name: "shm", kind: "shmem", size: "1MiB" },
        ],
        accessesPerEpoch: 40_000,
      },
      { seed: 1, epochs: 1 },
    );
    const rs = w.layout.processes[0]!.regions;
    expect(rs.map((r) => [r.kind, r.backing, r.thpOrder])).toEqual([
      ["anon", "anon", 9],
      ["file", "anon", 0],
      ["shmem", "anon", 0],
    ]);
    for (const r of rs) expect(r.start % (2 * MiB)).toBe(0);
    expect(w.notes).toHaveLength(2);
    expect(w.notes[0]).toMatch(/region "db" is file .* mapped as anon memory/);
    const hits = [0, 0, 0];
    for (const b of w.batches([1])) for (let i = 0; i < b.length; i++) hits[rs.findIndex((r) => b.addr[i]! >= r.start && b.addr[i]! < r.start + r.bytes)]!++;
    expect(hits.map((h) => Math.round(h / 1000))).toEqual([20, 10, 10]);
    const withFs = createWorkload(w.spec, { seed: 1, epochs: 1, support: { file: true, shmem: true } });
    expect(withFs.layout.processes[0]!.regions.map((r) => r.backing)).toEqual(["anon", "file", "shmem"]);
    expect(withFs.notes).toEqual([]);
  });

  it("multi-process: accesses interleave round-robin over the pids, each process on its own stream", () => {
    const w = createWorkload(
      { pattern: { type: "zipf" }, processes: 3, nid: 1, regions: [{ name: "h", size: "1MiB" }], accessesPerEpoch: 9 },
      { seed: 1, epochs: 1 },
    );
    expect(w.layout.processes.map((p) => p.nid)).toEqual([1, 1, 1]);
    const [b] = [...w.batches([5, 6, 7])];
    expect(Array.from(b!.pid.subarray(0, 9))).toEqual([5, 6, 7, 5, 6, 7, 5, 6, 7]);
  });

  it("rejects bad specs with the field named", () => {
    expect(() => createWorkload({ pattern: { type: "zipf", s: -1 } }, { seed: 1, epochs: 1 })).toThrow(/s/);
    expect(() => createWorkload({ pattern: { type: "uniform" }, regions: [{ name: "h", size: "3000" }] }, { seed: 1, epochs: 1 })).toThrow(/multiple of 4 KiB/);
    expect(() => createWorkload({ pattern: { type: "uniform" }, regions: [{ name: "h", size: "1MiB", thpOrder: 9 }] }, { seed: 1, epochs: 1 })).toThrow(
      /order-9 folio/,
    );
  });
});
