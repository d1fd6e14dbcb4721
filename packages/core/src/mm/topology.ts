/**
 * NUMA topology: nodes (pg_data_t) with pfn ranges and zones (include/linux/mmzone.h), the
 * node distance table (SLIT), and per-node performance (HMAT/CDAT access coordinates:
 * read/write latency and bandwidth) from which memory-tiers.ts derives abstract distance.
 */
import { MAX_PFN, PAGES_PER_SECTION, PAGE_SIZE } from "./mem-map.js";

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
  /**
   * bytes of memory; a multiple of 4 KiB, at least 16 pages (buddy blocks never straddle a
   * zone). A node larger than one memory section (128 MiB) is a whole number of sections, as
   * memory is onlined in sections (SPARSEMEM); where it starts follows the nodes before it
   * (a small node ahead of it shifts it off a section boundary, as boot memory may be).
   */
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
        source: "DDR5-4800, one channel: 38.4 GB/s (transfer rate x 8 B); ~90 ns idle (Intel Optane press note 2018: DRAM <100 ns; CXLMemSim default 85 ns)",
      },
      {
        name: "CXL",
        memory: cxlBytes,
        cpus: false,
        zone: "Movable",
        perf: { readLatencyNs: 220, writeLatencyNs: 220, readBandwidthGBps: 32, writeBandwidthGBps: 32 },
        source: "CXL Type-3 DDR5 expander: local + 70-90 ns (Pond), 170-300 ns on real cards (arXiv 2405.14209); PCIe Gen5 x8 ~32 GB/s per direction",
      },
    ],
    distance: [
      [10, 20],
      [20, 10],
    ],
  };
}

const GiB = 1024 * 1024 * 1024;

/**
 * The `dram-cxl-1t` preset: the `dram-cxl` nodes at the size of the CXL machines being built
 * now, 256 GiB of DRAM and 768 GiB of CXL by default (1 TiB, 2^28 pages).
 */
export function dramCxl1T(dramBytes = 256 * GiB, cxlBytes = 768 * GiB): TopologySpec {
  return { ...dramCxl(dramBytes, cxlBytes), name: "dram-cxl-1t" };
}

/**
 * The `dram-cxl-4node` preset: two sockets, each with its DRAM node and a CXL expander behind
 * its root port: nodes 0 and 1 are DRAM (`dramBytes` each), 2 and 3 CXL (`cxlBytes` each; node
 * 2 on socket 0, node 3 on socket 1). The SLIT is 10 local, 21 to the other socket's DRAM, 14
 * to the own socket's CXL and 24 to the other's (a socket hop plus the CXL hop). SLIT values
 * vary by platform: pass a TopologySpec with your own `distance` to match a machine.
 */
export function dramCxl4Node(dramBytes: number, cxlBytes: number): TopologySpec {
  const two = dramCxl(dramBytes, cxlBytes);
  const dram = two.nodes[0]!;
  const cxl = two.nodes[1]!;
  return {
    name: "dram-cxl-4node",
    nodes: [
      { ...dram, name: "DRAM0" },
      { ...dram, name: "DRAM1" },
      { ...cxl, name: "CXL0" },
      { ...cxl, name: "CXL1" },
    ],
    distance: [
      [10, 21, 14, 24],
      [21, 10, 24, 14],
      [14, 24, 10, 24],
      [24, 14, 24, 10],
    ],
  };
}

/** The presets by name: `(fast, slow)` are the bytes of each fast (DRAM) and each slow (CXL) node. */
export const TOPOLOGY_PRESETS: Record<string, (fast: number, slow: number) => TopologySpec> = {
  "dram-cxl": dramCxl,
  "dram-cxl-1t": dramCxl1T,
  "dram-cxl-4node": dramCxl4Node,
};

/** A preset's node sizes when the caller gives none: [fast, slow] bytes; 64 MiB each otherwise. */
export const TOPOLOGY_DEFAULT_MEMORY: Record<string, [number, number]> = {
  "dram-cxl-1t": [256 * GiB, 768 * GiB],
};

/** Bytes in the largest unit that divides them: "128 MiB", "1 TiB", "4100 KiB". */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of [
    ["TiB", 2 ** 40],
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

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
  /** each node's first pfn, for pfn_to_nid() (a typed array: a load per node, no object) */
  private readonly nodeStartPfn: Float64Array;

  constructor(readonly spec: TopologySpec) {
    if (spec.nodes.length === 0) throw new Error(`topology ${spec.name}: it needs at least one node`);
    const minBytes = 16 * PAGE_SIZE;
    const sectionBytes = PAGES_PER_SECTION * PAGE_SIZE;
    let pfn = 0;
    this.nodes = [];
    this.zones = [];
    spec.nodes.forEach((ns, nid) => {
      const field = `nodes[${nid}].memory (${ns.name})`;
      if (!(ns.memory >= minBytes) || ns.memory % PAGE_SIZE !== 0) {
        throw new Error(`topology ${spec.name}: ${field} is ${ns.memory} bytes; give a multiple of 4 KiB of at least 16 pages (64 KiB)`);
      }
      if (ns.memory > sectionBytes) {
        // memory is onlined in sections: a node spanning several owns whole ones
        if (ns.memory % sectionBytes !== 0) {
          const lo = Math.floor(ns.memory / sectionBytes) * sectionBytes;
          throw new Error(
            `topology ${spec.name}: ${field} is ${formatMemory(ns.memory)}, not a whole number of 128 MiB memory sections; a node larger than one section must be a multiple of 128 MiB: give ${formatMemory(lo)} or ${formatMemory(lo + sectionBytes)}`,
          );
        }
      }
      const nrPages = ns.memory / PAGE_SIZE;
      if (pfn + nrPages > MAX_PFN) {
        const total = spec.nodes.reduce((s, n) => s + n.memory, 0);
        throw new Error(
          `topology ${spec.name}: the nodes' memory (nodes[].memory) adds up to ${formatMemory(total)}; the model holds at most ${formatMemory(MAX_PFN * PAGE_SIZE)} (2^30 pages of 4 KiB)`,
        );
      }
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
    this.nodeStartPfn = Float64Array.from(this.nodes, (n) => n.startPfn);
    const n = spec.nodes.length;
    this.distance = spec.distance ?? Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 10 : 20)));
    if (this.distance.length !== n || this.distance.some((row) => row.length !== n)) {
      throw new Error(`topology ${spec.name}: the distance table must be ${n} x ${n}`);
    }
  }

  get nrNodes(): number {
    return this.nodes.length;
  }

  /** pfn_to_nid() */
  pfnToNid(pfn: number): number {
    const starts = this.nodeStartPfn;
    for (let i = starts.length - 1; i > 0; i--) if (pfn >= starts[i]!) return i;
    return 0;
  }

  /** node_distance() */
  nodeDistance(a: number, b: number): number {
    return this.distance[a]![b]!;
  }

  /** Nodes ordered by distance from nid, nearest first (build_zonelists). */
  zonelistNodes(nid: number): number[] {
    return this.nodes.map((node) => node.nid).sort((a, b) => this.nodeDistance(nid, a) - this.nodeDistance(nid, b) || a - b);
  }
}
