/**
 * NUMA topology: nodes (pg_data_t) with pfn ranges and zones (include/linux/mmzone.h), the
 * node distance table (SLIT), and per-node performance (HMAT/CDAT access coordinates:
 * read/write latency and bandwidth) from which memory-tiers.ts derives abstract distance.
 */
import { PAGE_SIZE } from "./mem-map.js";

export const ZONE_NORMAL = 0;
export const ZONE_MOVABLE = 1;
export const MAX_NR_ZONES = 2;
export const ZONE_NAMES = ["Normal", "Movable"] as const;
export type ZoneName = (typeof ZONE_NAMES)[number];

export interface NodePerf {
  /** idle read latency, ns */
  readLatencyNs: number;
  writeLatencyNs: number;
  /** GB/s (10^9 bytes per second) */
  readBandwidthGBps: number;
  writeBandwidthGBps: number;
}

export interface NodeSpec {
  name: string;
  /** bytes of memory; a multiple of 4 KiB, at least 16 pages (buddy blocks never straddle a zone) */
  memory: number;
  /** whether the node has CPUs (N_CPU); CXL and PMEM nodes are CPU-less */
  cpus: boolean;
  /** ZONE_NORMAL for DRAM; CXL memory usually sits in ZONE_MOVABLE (docs/decisions.md#memory-pressure) */
  zone: ZoneName;
  perf: NodePerf;
  /** Fixed abstract distance (DRAM's default is 576); derived from perf when omitted. */
  adistance?: number;
  /** Where the numbers come from. */
  source: string;
}

export interface TopologySpec {
  name: string;
  nodes: NodeSpec[];
  /** node_distance() table; defaults to 10 local and 20 remote */
  distance?: number[][];
}

/** The `dram-cxl` preset (its figures and sources: docs/tiering.md#cost-model). Memory sizes are chosen by the caller. */
export function dramCxl(dramBytes: number, cxlBytes: number): TopologySpec {
  return {
    name: "dram-cxl",
    nodes: [
      {
        name: "DRAM",
        memory: dramBytes,
        cpus: true,
        zone: "Normal",
        perf: { readLatencyNs: 90, writeLatencyNs: 90, readBandwidthGBps: 38.4, writeBandwidthGBps: 38.4 },
        adistance: 576,
        source:
          "DDR5-4800, one channel: 38.4 GB/s (transfer rate x 8 B); ~90 ns idle (Intel Optane press note 2018: DRAM <100 ns; CXLMemSim default 85 ns)",
      },
      {
        name: "CXL",
        memory: cxlBytes,
        cpus: false,
        zone: "Movable",
        perf: { readLatencyNs: 220, writeLatencyNs: 220, readBandwidthGBps: 32, writeBandwidthGBps: 32 },
        source:
          "CXL Type-3 DDR5 expander: local + 70-90 ns (Pond), 170-300 ns on real cards (arXiv 2405.14209); PCIe Gen5 x8 ~32 GB/s per direction",
      },
    ],
    distance: [
      [10, 20],
      [20, 10],
    ],
  };
}

export const TOPOLOGY_PRESETS: Record<string, (fast: number, slow: number) => TopologySpec> = {
  "dram-cxl": dramCxl,
};

/** A zone: struct zone. Buddy state lives in page-alloc.ts; watermarks are set there. */
export interface Zone {
  /** global zone index: nid * MAX_NR_ZONES + type */
  idx: number;
  nid: number;
  type: number;
  name: ZoneName;
  startPfn: number;
  /** spanned == present == managed pages: no holes, no memblock reservations */
  managedPages: number;
  /** _watermark[WMARK_MIN..WMARK_PROMO] */
  watermark: Int32Array;
  /** lowmem_reserve[highest_zoneidx] */
  lowmemReserve: Int32Array;
}

export interface Node {
  nid: number;
  spec: NodeSpec;
  startPfn: number;
  nrPages: number;
  zones: Zone[];
}

export class Topology {
  readonly nodes: Node[];
  readonly zones: Zone[];
  readonly nrPages: number;
  readonly distance: number[][];

  constructor(readonly spec: TopologySpec) {
    if (spec.nodes.length === 0) throw new Error(`topology ${spec.name}: it needs at least one node`);
    const minBytes = 16 * PAGE_SIZE;
    let pfn = 0;
    this.nodes = [];
    this.zones = [];
    spec.nodes.forEach((ns, nid) => {
      if (!(ns.memory >= minBytes) || ns.memory % PAGE_SIZE !== 0) {
        throw new Error(`topology ${spec.name}: node ${nid} (${ns.name}) has ${ns.memory} bytes; give a multiple of 4 KiB of at least 16 pages (64 KiB)`);
      }
      const nrPages = ns.memory / PAGE_SIZE;
      const type = ns.zone === "Movable" ? ZONE_MOVABLE : ZONE_NORMAL;
      const zone: Zone = {
        idx: nid * MAX_NR_ZONES + type,
        nid,
        type,
        name: ns.zone,
        startPfn: pfn,
        managedPages: nrPages,
        watermark: new Int32Array(4),
        lowmemReserve: new Int32Array(MAX_NR_ZONES),
      };
      this.zones.push(zone);
      this.nodes.push({ nid, spec: ns, startPfn: pfn, nrPages, zones: [zone] });
      pfn += nrPages;
    });
    this.nrPages = pfn;
    const n = spec.nodes.length;
    this.distance =
      spec.distance ?? Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 10 : 20)));
    if (this.distance.length !== n || this.distance.some((row) => row.length !== n)) {
      throw new Error(`topology ${spec.name}: the distance table must be ${n} x ${n}`);
    }
  }

  get nrNodes(): number {
    return this.nodes.length;
  }

  /** pfn_to_nid() */
  pfnToNid(pfn: number): number {
    const nodes = this.nodes;
    for (let i = nodes.length - 1; i > 0; i--) if (pfn >= nodes[i]!.startPfn) return i;
    return 0;
  }

  /** node_distance() */
  nodeDistance(a: number, b: number): number {
    return this.distance[a]![b]!;
  }

  /** Nodes ordered by distance from nid, nearest first (build_zonelists). */
  zonelistNodes(nid: number): number[] {
    return this.nodes
      .map((node) => node.nid)
      .sort((a, b) => this.nodeDistance(nid, a) - this.nodeDistance(nid, b) || a - b);
  }
}
