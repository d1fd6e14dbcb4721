/**
 * createSystem(): the facade that builds one simulated system in its own tsyringe child
 * container — topology, mem_map, buddy allocator, vmstat, tracepoints, contents, the kernel
 * state and the registered backends — and hands back a System with the calls a user makes.
 */
import "reflect-metadata";
import { container as rootContainer, Lifecycle, type DependencyContainer } from "tsyringe";
import { Kernel } from "./kernel/kernel.js";
import { swapon } from "./swap/swapfile.js";
import { Tracepoints } from "./kernel/trace.js";
import { Content } from "./mm/content.js";
import { ListHeads } from "./mm/list.js";
import { MemMap } from "./mm/mem-map.js";
import { MemoryTiers } from "./mm/memory-tiers.js";
import { PageAlloc } from "./mm/page-alloc.js";
import { Topology, TOPOLOGY_PRESETS, type TopologySpec } from "./mm/topology.js";
import { VmStat } from "./mm/vmstat.js";
import { BACKENDS, CONTENT, KERNEL, LIST_HEADS, MEM_MAP, MEMORY_TIERS, PAGE_ALLOC, RECLAIMERS, SYSTEM_OPTIONS, TOPOLOGY, TRACEPOINTS, VMSTAT } from "./tokens.js";

export type KernelVersion = "6.12" | "6.16";

export interface SystemOptions {
  /** a preset name ("dram-cxl") or a full spec; default "dram-cxl" */
  topology?: string | TopologySpec;
  /** bytes per node for a preset: [fast, slow]; default 64 MiB each */
  memory?: [number, number];
  /** PRNG seed; default 1 */
  seed?: number;
  /** keep real 4 KiB pages (small systems) */
  bytes?: boolean;
  /** kernel behaviour to model where versions differ (reference §10); default "6.12" */
  kernelVersion?: KernelVersion;
  /** backend registration functions, e.g. [registerAnon] */
  backends?: ((c: DependencyContainer) => void)[];
  /** parent container; default tsyringe's root */
  container?: DependencyContainer;
  /** list_head slots for LRU, free and migration lists; default 4096 */
  nrListHeads?: number;
  /**
   * sysctl kernel.numa_balancing (NUMA_BALANCING_NORMAL 1 | NUMA_BALANCING_MEMORY_TIERING 2);
   * default 3. folio_migrate_flags() reads the tiering bit.
   */
  numaBalancingMode?: number;
  /**
   * a swap device (swapon) of this many 4 KiB slots; default none. Reclaim swaps anonymous and
   * shmem folios out to it when demotion is impossible (swap/).
   */
  swapPages?: number;
}

export interface ResolvedSystemOptions {
  topology: TopologySpec;
  seed: number;
  bytes: boolean;
  kernelVersion: KernelVersion;
  nrListHeads: number;
  /** sysctl_numa_balancing_mode; undefined means 3 (NORMAL | MEMORY_TIERING) */
  numaBalancingMode?: number;
}

const MiB = 1024 * 1024;

export function resolveTopology(topology: string | TopologySpec | undefined, memory: [number, number] | undefined): TopologySpec {
  if (topology === undefined || typeof topology === "string") {
    const name = topology ?? "dram-cxl";
    const preset = TOPOLOGY_PRESETS[name];
    if (!preset) throw new Error(`unknown topology preset "${name}"; choose one of: ${Object.keys(TOPOLOGY_PRESETS).join(", ")}`);
    const [fast, slow] = memory ?? [64 * MiB, 64 * MiB];
    return preset(fast, slow);
  }
  return topology;
}

/** Build a ready system in a child container of its own. */
export function createSystem(options: SystemOptions = {}): { container: DependencyContainer; kernel: Kernel } {
  const resolved: ResolvedSystemOptions = {
    topology: resolveTopology(options.topology, options.memory),
    seed: options.seed ?? 1,
    bytes: options.bytes ?? false,
    kernelVersion: options.kernelVersion ?? "6.12",
    nrListHeads: options.nrListHeads ?? 4096,
    numaBalancingMode: options.numaBalancingMode ?? 3,
  };
  if (!Number.isInteger(resolved.seed)) throw new Error(`seed must be an integer, got ${resolved.seed}`);
  const c = (options.container ?? rootContainer).createChildContainer();
  const topo = new Topology(resolved.topology);
  const mem = new MemMap(topo.nrPages, resolved.nrListHeads);
  c.register(SYSTEM_OPTIONS, { useValue: resolved });
  c.register(TOPOLOGY, { useValue: topo });
  c.register(MEM_MAP, { useValue: mem });
  c.register(LIST_HEADS, { useValue: new ListHeads(mem) });
  c.register(MEMORY_TIERS, { useValue: new MemoryTiers(topo) });
  c.register(VMSTAT, { useValue: new VmStat(topo.nrNodes, topo.nrNodes * 2) });
  c.register(TRACEPOINTS, { useValue: new Tracepoints() });
  c.register(CONTENT, { useValue: new Content(mem, resolved.bytes) });
  c.register(RECLAIMERS, { useValue: [] });
  c.register(PAGE_ALLOC, { useClass: PageAlloc }, { lifecycle: Lifecycle.ContainerScoped });
  c.register(KERNEL, { useClass: Kernel }, { lifecycle: Lifecycle.ContainerScoped });
  for (const register of options.backends ?? []) register(c);
  if (!c.isRegistered(BACKENDS)) {
    throw new Error("no backend is registered: anonymous memory needs one; pass backends: [registerAnon] (from @foliox/anon)");
  }
  const kernel = c.resolve<Kernel>(KERNEL);
  if (options.swapPages !== undefined) swapon(kernel, options.swapPages);
  return { container: c, kernel };
}
