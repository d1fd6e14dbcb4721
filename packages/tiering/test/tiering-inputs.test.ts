/**
 * What the engine and the scenario model accept, and the clear errors for what they do not:
 * weights, cost overrides, LLC geometries, memory as a share of the footprint; the LLC filter
 * and the zero page as their own categories; every built-in scenario at least 10 simulated
 * seconds long.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { createSystem, WMARK_MIN } from "@foliox/core";
import { createAccessBatch, type AccessBatch } from "../src/sim/access-batch.js";
import { AccessWeightError, runSimulation } from "../src/sim/engine.js";
import { checkCostOverrides, COST_NAMES, COST_TABLE, CostError, parseCostArg } from "../src/sim/costs.js";
import { checkLlcGeometry, LlcFilter, LlcGeometryError, scaledLlc } from "../src/sim/llc.js";
import { allBuiltinScenarios, parseScenario } from "../src/scenario/load.js";
import { ScenarioConfigError } from "../src/scenario/config-error.js";
import { prepareScenario } from "../src/scenario/setup.js";
import { MiB, registerTestAnon } from "./helpers.js";

function batch(entries: { addr: number; write?: boolean; weight?: number }[]): AccessBatch[] {
  const b = createAccessBatch(Math.max(4, entries.length));
  for (const [i, e] of entries.entries()) {
    b.t[i] = i;
    b.pid[i] = 7;
    b.addr[i] = e.addr;
    b.write[i] = e.write ? 1 : 0;
    b.size[i] = 8;
    b.weight[i] = e.weight ?? 1;
  }
  b.length = entries.length;
  return [b];
}

const BASE = 0x7e0000000000;

function problems(f: () => unknown): { field: string; message: string }[] {
  try {
    f();
  } catch (err) {
    if (err instanceof ScenarioConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ScenarioConfigError");
}

describe("weights", () => {
  for (const w of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`an entry of weight ${w} is refused, naming the field`, async () => {
      const { container, kernel } = createSystem({ memory: [4 * MiB, 4 * MiB], backends: [registerTestAnon] });
      const run = runSimulation(kernel, { source: batch([{ addr: BASE }, { addr: BASE + 4096, weight: w }]), stack: "linux-default", container });
      await expect(run).rejects.toBeInstanceOf(AccessWeightError);
      await expect(runSimulation(kernel, { source: batch([{ addr: BASE, weight: w }]), stack: "linux-default", container })).rejects.toThrow(
        /field weight is .*not a positive finite number/,
      );
    });
  }
  it("a workload weight that is not positive is a config error on workload.weight", () => {
    for (const weight of [0, -3]) {
      const p = problems(() => parseScenario({ workload: { pattern: { type: "uniform" }, weight } }, "inline"));
      expect(p.map((x) => x.field)).toEqual(["workload.weight"]);
    }
  });
  it("a weighted entry is costed and counted weight times, replayed once", async () => {
    const { container, kernel } = createSystem({ memory: [4 * MiB, 4 * MiB], backends: [registerTestAnon] });
    const r = await runSimulation(kernel, {
      source: batch([
        { addr: BASE, write: true },
        { addr: BASE, weight: 1000 },
      ]),
      stack: "linux-default",
      container,
    });
    expect(r.entries).toBe(2);
    expect(r.accesses).toBe(1001);
    expect(r.time.access).toBeCloseTo(1001 * 90, 6);
  });
});

describe("cost overrides", () => {
  it("every constant is in the table with a source, or the word assumption", () => {
    expect(COST_TABLE.map((e) => e.name)).toEqual([...COST_NAMES]);
    for (const e of COST_TABLE) expect(e.source.length, e.name).toBeGreaterThan(8);
    expect(COST_TABLE.filter((e) => e.source.startsWith("assumption")).length).toBeGreaterThan(0);
  });
  it("an unknown name or a negative value is an error naming the field", () => {
    expect(() => checkCostOverrides({ hintFaltNs: 5 })).toThrow(/costs\.hintFaltNs: unknown cost "hintFaltNs"; did you mean "hintFaultNs"\?/);
    expect(() => checkCostOverrides({ faultNs: -1 })).toThrow(CostError);
    expect(() => checkCostOverrides({ faultNs: -1 })).toThrow(/costs\.faultNs: -1 is not a finite number >= 0/);
    expect(() => parseCostArg("nope=3")).toThrow(/--cost nope: unknown cost/);
    expect(() => parseCostArg("faultNs=-2")).toThrow(/--cost faultNs: -2 is not/);
    expect(() => parseCostArg("faultNs")).toThrow(/expected name=value/);
    expect(parseCostArg("faultNs=2500", parseCostArg("swapWorkers=4"))).toEqual({ swapWorkers: 4, faultNs: 2500 });
  });
  it("a scenario's costs: are checked by name and value, and reach the run", async () => {
    const p = problems(() => parseScenario({ workload: { pattern: { type: "uniform" } }, costs: { fooNs: 1, faultNs: -4 } }, "inline"));
    expect(p.map((x) => x.field).sort()).toEqual(["costs.faultNs", "costs.fooNs"]);
    const { container, kernel } = createSystem({ memory: [4 * MiB, 4 * MiB], backends: [registerTestAnon] });
    const r = await runSimulation(kernel, {
      source: batch([{ addr: BASE, write: true }]),
      stack: "linux-default",
      container,
      cost: [{ faultNs: 3000 }, { fastWriteNs: 10 }],
    });
    expect(r.costs.faultNs).toBe(3000);
    expect(r.counters.faults).toBe(1);
    expect(r.time.fault).toBe(3000);
    expect(r.time.access).toBe(10);
  });
});

describe("the LLC filter", () => {
  it("geometries are powers of two, each field named when not", () => {
    expect(() => checkLlcGeometry({ sizeBytes: 3 * MiB, ways: 16, lineBytes: 64 })).toThrow(/llc\.sizeBytes: 3145728 is not a power of two/);
    expect(() => checkLlcGeometry({ sizeBytes: 32 * MiB, ways: 12, lineBytes: 64 })).toThrow(LlcGeometryError);
    expect(() => checkLlcGeometry({ sizeBytes: 32 * MiB, ways: 16, lineBytes: 48 })).toThrow(/llc\.lineBytes/);
    expect(() => checkLlcGeometry({ sizeBytes: 512, ways: 16, lineBytes: 64 })).toThrow(/less than one set/);
    const p = problems(() => parseScenario({ workload: { pattern: { type: "uniform" } }, llc: { size: "32MiB", ways: 12 } }, "inline"));
    expect(p.map((x) => x.field)).toEqual(["llc.ways"]);
  });
  it("is scaled to small footprints: the largest power of two at most footprint / 32, capped at 32 MiB", () => {
    expect(scaledLlc(4 * 1024 * MiB).sizeBytes).toBe(32 * MiB);
    expect(scaledLlc(158 * 4096).sizeBytes).toBe(16 * 1024);
    expect(scaledLlc(4096).sizeBytes).toBe(16 * 64);
  });
  it("LRU: a working set that fits hits after its first pass; one twice the size streams through", () => {
    const llc = new LlcFilter({ sizeBytes: 64 * 1024, ways: 8, lineBytes: 64 });
    for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 256; i++) llc.access(1, i * 64);
    expect(llc.misses).toBe(256);
    expect(llc.hits).toBe(512);
    const stream = new LlcFilter({ sizeBytes: 64 * 1024, ways: 8, lineBytes: 64 });
    for (let pass = 0; pass < 3; pass++) for (let i = 0; i < 2048; i++) stream.access(1, i * 64);
    expect(stream.hits).toBeLessThan(0.2 * 3 * 2048);
    // lines are per process
    expect(llc.access(2, 0)).toBe(false);
  });
  it("is exact LRU: one set of 8 ways answers every access as a recency list does, repeats of the last line included", () => {
    const llc = new LlcFilter({ sizeBytes: 8 * 64, ways: 8, lineBytes: 64 });
    const lru: string[] = [];
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let a = 0;
    let pid = 1;
    for (let i = 0; i < 20_000; i++) {
      // runs of the same line, near lines, far lines, a second process
      const r = rand(10);
      if (r >= 4) a = r < 8 ? a + rand(3) * 64 : rand(24) * 64 + rand(64);
      if (rand(50) === 0) pid = 3 - pid;
      const key = `${pid}:${Math.floor(a / 64)}`;
      const at = lru.indexOf(key);
      if (at >= 0) lru.splice(at, 1);
      else if (lru.length === 8) lru.pop();
      lru.unshift(key);
      expect(llc.access(pid, a)).toBe(at >= 0);
    }
  });
  it("its hits cost llcHitNs, reach no tier and do not count in the hit ratio; page walks (faults) still happen", async () => {
    const { container, kernel } = createSystem({ memory: [4 * MiB, 4 * MiB], backends: [registerTestAnon] });
    const entries = [{ addr: BASE, write: true }, ...Array.from({ length: 9 }, () => ({ addr: BASE + 8 }))];
    const r = await runSimulation(kernel, { source: batch(entries), stack: "linux-default", container, llc: { sizeBytes: 64 * 1024, ways: 8, lineBytes: 64 } });
    expect(r.llc).toMatchObject({ hits: 9, misses: 1 });
    expect(r.memoryAccesses).toBe(1);
    expect(r.accesses).toBe(10);
    expect(r.time.cache).toBe(9 * r.costs.llcHitNs);
    expect(r.counters.faults).toBe(1);
  });
  it("reads of the zero page are their own category", async () => {
    const { container, kernel } = createSystem({ memory: [4 * MiB, 4 * MiB], backends: [registerTestAnon] });
    const r = await runSimulation(kernel, {
      source: batch([{ addr: BASE }, { addr: BASE }, { addr: BASE + 4096, write: true }]),
      stack: "linux-default",
      container,
    });
    expect(r.zeroPageReads).toBe(2);
    expect(r.memoryAccesses).toBe(1);
    expect(r.hitRatio).toBe(1);
  });
});

describe("memory as a share of the footprint", () => {
  it("fast: a share in (0%, 100%]; anything else names memory.fast", () => {
    for (const fast of ["0%", "150%", "-5%", "x%"]) {
      const p = problems(() => parseScenario({ workload: { pattern: { type: "uniform" } }, memory: { fast, slow: "64MiB" } }, "inline"));
      expect(
        p.map((x) => x.field),
        fast,
      ).toEqual(["memory.fast"]);
    }
    const s = parseScenario({ workload: { pattern: { type: "uniform" } }, memory: { fast: "20%", slow: "64MiB" } }, "inline");
    expect(s.memory.fast).toBe("20%");
  });
  it("a 158-page footprint at 20% gets a 32-page fast node, at least 16 pages, with watermarks scaled to it", () => {
    const s = parseScenario(
      { workload: { pattern: { type: "uniform" }, regions: [{ name: "heap", size: 158 * 4096 }] }, memory: { fast: "20%", slow: "150%" } },
      "inline",
    );
    const p = prepareScenario(s, { backends: [registerTestAnon] });
    expect(p.kernel.topo.nodes[0]!.nrPages).toBe(32);
    expect(p.kernel.topo.nodes[1]!.nrPages).toBe(237);
    expect(p.notes.join("\n")).toMatch(/share of the footprint \(158 pages\): fast 20% = 32 pages/);
    // vm.min_free_kbytes = lowmem / 1024: the fast node's watermarks leave it usable
    expect(p.kernel.topo.nodes[0]!.zones[0]!.watermark[WMARK_MIN]).toBe(0);
    const tiny = parseScenario(
      { workload: { pattern: { type: "uniform" }, regions: [{ name: "heap", size: 20 * 4096 }] }, memory: { fast: "10%", slow: "64MiB" } },
      "inline",
    );
    expect(prepareScenario(tiny, { backends: [registerTestAnon] }).kernel.topo.nodes[0]!.nrPages).toBe(16);
  });
});

describe("built-in scenarios", () => {
  it("each lasts at least 10 simulated seconds: its all-fast bound (entries × weight × the lowest latency) is at least 10 s", () => {
    for (const s of allBuiltinScenarios()) {
      const allFast = s.epochs * s.workload.accessesPerEpoch * s.workload.weight * 90;
      expect(allFast, s.name).toBeGreaterThanOrEqual(10e9);
    }
  });
});
