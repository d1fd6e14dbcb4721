import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { MEMTIER_ADISTANCE_DRAM, mtPerfToAdistance } from "../src/mm/memory-tiers.js";
import { dramCxl, type NodePerf, type NodeSpec, type TopologySpec } from "../src/mm/topology.js";
import { MiB, makeSystem } from "./helpers.js";

/**
 * mt_perf_to_adistance() as the kernel computes it: integer arithmetic, left to right, with
 * latencies in ns and bandwidths in MB/s (struct access_coordinate).
 */
function kernelPerfToAdistance(perf: NodePerf, dram: NodePerf): number {
  const lat = perf.readLatencyNs + perf.writeLatencyNs;
  const dramLat = dram.readLatencyNs + dram.writeLatencyNs;
  const bw = Math.round(perf.readBandwidthGBps * 1000) + Math.round(perf.writeBandwidthGBps * 1000);
  const dramBw = Math.round(dram.readBandwidthGBps * 1000) + Math.round(dram.writeBandwidthGBps * 1000);
  return Math.floor((Math.floor((576 * lat) / dramLat) * dramBw) / bw);
}

const DRAM_PERF: NodePerf = { readLatencyNs: 90, writeLatencyNs: 90, readBandwidthGBps: 38.4, writeBandwidthGBps: 38.4 };

function node(name: string, cpus: boolean, perf: NodePerf, adistance?: number): NodeSpec {
  return { name, memory: 4 * MiB, cpus, zone: cpus ? "Normal" : "Movable", perf, adistance, source: "test" };
}

describe("memory tiers (mm/memory-tiers.c)", () => {
  it("dram-cxl: adistances, tiers, demotion target 0 -> 1, toptier", () => {
    const k = makeSystem({ memory: [8 * MiB, 8 * MiB] });
    const t = k.tiers;
    expect(MEMTIER_ADISTANCE_DRAM).toBe(576);
    expect(t.adistance[0]).toBe(576);
    const spec = dramCxl(8 * MiB, 8 * MiB);
    const cxl = kernelPerfToAdistance(spec.nodes[1]!.perf, spec.nodes[0]!.perf);
    // 576 * 440 / 180 = 1408; 1408 * 76800 / 64000 = 1689.6 -> 1689
    expect(cxl).toBe(1689);
    expect(t.adistance[1]).toBe(cxl);

    expect(t.tiers.map((x) => ({ start: x.adistanceStart, id: x.id, nodes: x.nodes, lower: x.lowerTierMask }))).toEqual([
      { start: 512, id: 4, nodes: [0], lower: [1] },
      { start: 1664, id: 13, nodes: [1], lower: [] },
    ]);
    expect(t.topTierAdistance).toBe(512 + 127);
    expect(t.nextDemotionNode(0)).toBe(1);
    expect(t.nextDemotionNode(1)).toBe(-1);
    expect(t.preferred).toEqual([[1], []]);
    expect(t.lowerTierMask(0)).toEqual([1]);
    expect(t.lowerTierMask(1)).toEqual([]);
    expect(t.nodeIsToptier(0)).toBe(true);
    expect(t.nodeIsToptier(1)).toBe(false);
  });

  it("mt_perf_to_adistance truncates after each division, as the kernel's integer arithmetic does", () => {
    const slow: NodePerf = { readLatencyNs: 150, writeLatencyNs: 151, readBandwidthGBps: 20, writeBandwidthGBps: 20 };
    // 576 * 301 / 180 = 963 (963.2); 963 * 76800 / 40000 = 1848 (1848.96). Exact reals give 1849.
    expect(kernelPerfToAdistance(slow, DRAM_PERF)).toBe(1848);
    expect(mtPerfToAdistance(slow, DRAM_PERF)).toBe(1848);
    const odd: NodePerf = { readLatencyNs: 110, writeLatencyNs: 111, readBandwidthGBps: 1, writeBandwidthGBps: 1 };
    expect(mtPerfToAdistance(odd, DRAM_PERF)).toBe(kernelPerfToAdistance(odd, DRAM_PERF));
    expect(mtPerfToAdistance(DRAM_PERF, DRAM_PERF)).toBe(576);
  });

  it("demotion targets are the nearest nodes of the next lower tier; toptier is bounded by the slowest CPU tier", () => {
    const cxlPerf: NodePerf = { readLatencyNs: 220, writeLatencyNs: 220, readBandwidthGBps: 32, writeBandwidthGBps: 32 };
    const spec: TopologySpec = {
      name: "two-socket-cxl",
      nodes: [node("DRAM0", true, DRAM_PERF, 576), node("DRAM1", true, DRAM_PERF, 576), node("CXL2", false, cxlPerf), node("CXL3", false, cxlPerf)],
      distance: [
        [10, 21, 14, 24],
        [21, 10, 24, 14],
        [14, 24, 10, 26],
        [24, 14, 26, 10],
      ],
    };
    const k = makeSystem({ topology: spec });
    const t = k.tiers;
    expect(t.tiers.map((x) => x.nodes)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(t.preferred).toEqual([[2], [3], [], []]);
    expect(t.nextDemotionNode(0)).toBe(2);
    expect(t.nextDemotionNode(1)).toBe(3);
    expect(t.lowerTierMask(1)).toEqual([2, 3]);
    expect([0, 1, 2, 3].map((n) => t.nodeIsToptier(n))).toEqual([true, true, false, false]);

    // equal distances: both are preferred, node_random picks among them
    const eq = makeSystem({ topology: { ...spec, distance: undefined } });
    expect(eq.tiers.preferred[0]).toEqual([2, 3]);
    expect(eq.tiers.nextDemotionNode(0, () => 1)).toBe(3);
  });

  it("a CPU node in a slower tier makes that tier top tier too", () => {
    const slowPerf: NodePerf = { readLatencyNs: 220, writeLatencyNs: 220, readBandwidthGBps: 32, writeBandwidthGBps: 32 };
    const spec: TopologySpec = {
      name: "cpu-in-slow-tier",
      nodes: [node("DRAM", true, DRAM_PERF, 576), node("SLOWCPU", true, slowPerf)],
    };
    const k = makeSystem({ topology: spec });
    expect(k.tiers.topTierAdistance).toBe(1664 + 127);
    expect(k.tiers.nodeIsToptier(1)).toBe(true);
    // demotion targets do not depend on toptier: 0 still demotes to 1
    expect(k.tiers.nextDemotionNode(0)).toBe(1);
  });
});
