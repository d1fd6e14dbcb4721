/**
 * Memory tiers: mm/memory-tiers.c. Nodes are grouped into tiers by abstract distance
 * ("adistance") in chunks of 128 (MEMTIER_CHUNK_BITS 7); lower is faster. DRAM is
 * MEMTIER_ADISTANCE_DRAM = 4*128 + 64 = 576. Other nodes get an adistance from their
 * performance relative to DRAM, as mt_perf_to_adistance() does with HMAT/CDAT data.
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import { TOPOLOGY } from "../tokens.js";
import type { Topology } from "./topology.js";

export const MEMTIER_CHUNK_BITS = 7;
export const MEMTIER_CHUNK_SIZE = 1 << MEMTIER_CHUNK_BITS;
export const MEMTIER_ADISTANCE_DRAM = 4 * MEMTIER_CHUNK_SIZE + MEMTIER_CHUNK_SIZE / 2;

export interface MemoryTier {
  /** adistance_start: the tier's lowest abstract distance */
  adistanceStart: number;
  /** sysfs id: adistance >> MEMTIER_CHUNK_BITS */
  id: number;
  nodes: number[];
  /** lower_tier_mask: memory nodes in strictly lower (slower) tiers */
  lowerTierMask: number[];
}

@injectable()
export class MemoryTiers {
  /** node -> adistance */
  readonly adistance: number[];
  /** tiers sorted fastest first */
  readonly tiers: MemoryTier[];
  /** node_demotion[nid].preferred */
  readonly preferred: number[][];
  readonly topTierAdistance: number;

  constructor(@inject(TOPOLOGY) topo: Topology) {
    const dram = topo.nodes.find((n) => n.spec.adistance === MEMTIER_ADISTANCE_DRAM) ?? topo.nodes[0]!;
    this.adistance = topo.nodes.map((n) => n.spec.adistance ?? mtPerfToAdistance(n.spec.perf, dram.spec.perf));
    const byStart = new Map<number, number[]>();
    this.adistance.forEach((adist, nid) => {
      const start = adist & ~(MEMTIER_CHUNK_SIZE - 1);
      byStart.set(start, [...(byStart.get(start) ?? []), nid]);
    });
    const starts = [...byStart.keys()].sort((a, b) => a - b);
    this.tiers = starts.map((start, i) => ({
      adistanceStart: start,
      id: start >> MEMTIER_CHUNK_BITS,
      nodes: byStart.get(start)!,
      lowerTierMask: starts.slice(i + 1).flatMap((s) => byStart.get(s)!),
    }));
    // establish_demotion_targets(): the slowest tier that holds a CPU node bounds the top tier.
    let top = -1;
    for (let i = this.tiers.length - 1; i >= 0; i--) {
      const tier = this.tiers[i]!;
      if (tier.nodes.some((nid) => topo.nodes[nid]!.spec.cpus)) {
        top = tier.adistanceStart + MEMTIER_CHUNK_SIZE - 1;
        break;
      }
    }
    this.topTierAdistance = top;
    this.preferred = topo.nodes.map((node) => {
      const ti = this.tierIndexOf(node.nid);
      const lower = this.tiers[ti + 1];
      if (!lower) return [];
      const best = Math.min(...lower.nodes.map((t) => topo.nodeDistance(node.nid, t)));
      return lower.nodes.filter((t) => topo.nodeDistance(node.nid, t) === best);
    });
  }

  private tierIndexOf(nid: number): number {
    // a plain loop: a findIndex() callback would allocate a closure per call (node_is_toptier()
    // runs on every migration)
    const tiers = this.tiers;
    for (let i = 0; i < tiers.length; i++) if (tiers[i]!.nodes.includes(nid)) return i;
    return -1;
  }

  tierOf(nid: number): MemoryTier {
    return this.tiers[this.tierIndexOf(nid)]!;
  }

  /** node_is_toptier() */
  nodeIsToptier(nid: number): boolean {
    if (this.topTierAdistance < 0) return true;
    return this.tierOf(nid).adistanceStart <= this.topTierAdistance;
  }

  /** next_demotion_node(): node_random(preferred); `pick` chooses among equals (seeded). */
  nextDemotionNode(nid: number, pick: (n: number) => number = () => 0): number {
    const preferred = this.preferred[nid]!;
    if (preferred.length === 0) return -1;
    return preferred[pick(preferred.length)]!;
  }

  /** node_get_allowed_targets(): every node in lower tiers. */
  lowerTierMask(nid: number): number[] {
    return this.tierOf(nid).lowerTierMask;
  }
}

/**
 * mt_perf_to_adistance(): DRAM's adistance scaled by the latency ratio and the inverse
 * bandwidth ratio against the default DRAM performance. Integer arithmetic, left to right,
 * with latencies in ns and bandwidths in MB/s (struct access_coordinate), as the kernel does:
 * the result is truncated after the latency division and again after the bandwidth one.
 */
export function mtPerfToAdistance(
  perf: { readLatencyNs: number; writeLatencyNs: number; readBandwidthGBps: number; writeBandwidthGBps: number },
  dram: { readLatencyNs: number; writeLatencyNs: number; readBandwidthGBps: number; writeBandwidthGBps: number },
): number {
  const lat = Math.round(perf.readLatencyNs) + Math.round(perf.writeLatencyNs);
  const dramLat = Math.round(dram.readLatencyNs) + Math.round(dram.writeLatencyNs);
  const bw = Math.round(perf.readBandwidthGBps * 1000) + Math.round(perf.writeBandwidthGBps * 1000);
  const dramBw = Math.round(dram.readBandwidthGBps * 1000) + Math.round(dram.writeBandwidthGBps * 1000);
  return Math.floor((Math.floor((MEMTIER_ADISTANCE_DRAM * lat) / dramLat) * dramBw) / bw);
}
