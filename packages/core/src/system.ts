/**
 * createSystem(): the composition root. It builds one simulated system in a tsyringe child
 * container of its own: every kernel subsystem (topology, mem_map, list heads, memory tiers,
 * vmstat, tracepoints, contents, the buddy allocator, the LRU, page tables, the TLB flush batch,
 * fault injection, the page cache's FsState, NUMA balancing, reclaim, the swap device table, the
 * PRNG, the clock), every registered backend and the Kernel that gathers them are constructed
 * by the container with their dependencies injected, once per system, and the Kernel is handed
 * back. docs/architecture.md "Composition root" describes the registrations.
 */
import "reflect-metadata";
import { container as rootContainer, instanceCachingFactory, Lifecycle, type DependencyContainer, type InjectionToken } from "tsyringe";
import type { BackendRegistration } from "./backend/contract.js";
import { BackendRegistry } from "./backend/registry.js";
import { SimClock } from "./kernel/clock.js";
import { FaultInjection } from "./kernel/fault-inject.js";
import { Kernel, TlbFlushBatch } from "./kernel/kernel.js";
import { Lockdep } from "./kernel/lockdep.js";
import { WaitState } from "./kernel/wait.js";
import { Prng } from "./kernel/prng.js";
import { Tracepoints } from "./kernel/trace.js";
import { FsState } from "./fs/fs-state.js";
import { SwapDevices } from "./swap/swapfile.js";
import { swapon } from "./swap/swapon.js";
import { NumaBalancing } from "./numa/numa-balancing.js";
import { Vmscan } from "./reclaim/vmscan.js";
import { Content } from "./mm/content.js";
import { ListHeads } from "./mm/list.js";
import { Lru } from "./mm/lru.js";
import { MemMap } from "./mm/mem-map.js";
import { MemoryTiers } from "./mm/memory-tiers.js";
import { PageAlloc, type DirectReclaimer } from "./mm/page-alloc.js";
import { PgtableArena } from "./mm/pgtable.js";
import { Topology, TOPOLOGY_DEFAULT_MEMORY, TOPOLOGY_PRESETS, type TopologySpec } from "./mm/topology.js";
import { VmStat } from "./mm/vmstat.js";
import {
  BACKEND_REGISTRY,
  BACKENDS,
  CLOCK,
  CONTENT,
  FAULT_INJECTION,
  FS_STATE,
  KERNEL,
  LIST_HEADS,
  LOCKDEP,
  LRU,
  MEM_MAP,
  MEMORY_TIERS,
  NUMA_BALANCING,
  PAGE_ALLOC,
  PGTABLES,
  PRNG,
  RECLAIMERS,
  SWAP_DEVICES,
  SYSTEM_OPTIONS,
  TLB_FLUSH_BATCH,
  TOPOLOGY,
  TRACEPOINTS,
  VMSCAN,
  VMSTAT,
  WAITS,
} from "./tokens.js";

/**
 * The kernel whose behaviour the model follows where versions differ (docs/decisions.md#kernel-baseline,
 * docs/kernel-facts.md#differences-6-1-6-12): "6.12" (the default), "6.1" or "6.16".
 */
export type KernelVersion = "6.1" | "6.12" | "6.16";

/** The accepted values of SystemOptions.kernel, for messages and option parsers. */
export const KERNEL_VERSIONS: readonly KernelVersion[] = ["6.1", "6.12", "6.16"];

export interface SystemOptions {
  /** a preset name ("dram-cxl") or a full spec; default "dram-cxl" */
  topology?: string | TopologySpec;
  /** bytes per node for a preset: [fast, slow]; default 64 MiB each */
  memory?: [number, number];
  /** PRNG seed; default 1 */
  seed?: number;
  /** keep real 4 KiB pages (small systems) */
  bytes?: boolean;
  /** kernel behaviour to model where versions differ (docs/decisions.md#kernel-baseline); default "6.12" */
  kernel?: KernelVersion;
  /** @deprecated the former name of `kernel`; still accepted */
  kernelVersion?: KernelVersion;
  /** backend registration functions, e.g. [registerAnon] (backend/contract.ts) */
  backends?: readonly BackendRegistration[];
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
  /**
   * lockdep over the model (kernel/lockdep.ts): every lock order is recorded and an inversion
   * is a KernelBug. Default on; pass false for long production runs.
   */
  lockdep?: boolean;
}

export interface ResolvedSystemOptions {
  topology: TopologySpec;
  seed: number;
  bytes: boolean;
  kernel: KernelVersion;
  nrListHeads: number;
  /** sysctl_numa_balancing_mode; undefined means 3 (NORMAL | MEMORY_TIERING) */
  numaBalancingMode?: number;
  /** lockdep on (the default) or off */
  lockdep: boolean;
}

const MiB = 1024 * 1024;

export function resolveTopology(topology: string | TopologySpec | undefined, memory: [number, number] | undefined): TopologySpec {
  if (topology === undefined || typeof topology === "string") {
    const name = topology ?? "dram-cxl";
    const preset = TOPOLOGY_PRESETS[name];
    if (!preset) throw new Error(`unknown topology preset "${name}"; choose one of: ${Object.keys(TOPOLOGY_PRESETS).join(", ")}`);
    const [fast, slow] = memory ?? TOPOLOGY_DEFAULT_MEMORY[name] ?? [64 * MiB, 64 * MiB];
    return preset(fast, slow);
  }
  return topology;
}

type Ctor<T> = new (...args: never[]) => T;

/**
 * One instance per system: Lifecycle.Singleton registered in the system's own container caches
 * the instance on that registration, so a container made below it (a tiering stack's) reaches
 * the same one. (ContainerScoped would construct a fresh copy in every such child container.)
 */
function perSystem<T>(c: DependencyContainer, token: InjectionToken<T>, cls: Ctor<T>): void {
  c.register(token, { useClass: cls as never }, { lifecycle: Lifecycle.Singleton });
}

/**
 * The same for a class whose constructor takes plain values (sizes, a seed, a spec) rather than
 * subsystems: the container calls the factory once, with the subsystems it needs resolved.
 */
function perSystemFactory<T>(c: DependencyContainer, token: InjectionToken<T>, make: (c: DependencyContainer) => T): void {
  c.register(token, { useFactory: instanceCachingFactory(make) });
}

/** Register every kernel subsystem of one system in its container (see the file header). */
function registerSubsystems(c: DependencyContainer, o: ResolvedSystemOptions): void {
  c.register(SYSTEM_OPTIONS, { useValue: o });
  perSystemFactory(c, TOPOLOGY, () => new Topology(o.topology));
  perSystemFactory(c, MEM_MAP, (c) => new MemMap(c.resolve(TOPOLOGY).nrPages, o.nrListHeads));
  perSystem(c, LIST_HEADS, ListHeads);
  perSystem(c, MEMORY_TIERS, MemoryTiers);
  perSystemFactory(c, VMSTAT, (c) => {
    const topo = c.resolve(TOPOLOGY);
    return new VmStat(topo.nrNodes, topo.nrNodes * 2);
  });
  perSystem(c, TRACEPOINTS, Tracepoints);
  perSystemFactory(c, CONTENT, (c) => new Content(c.resolve(MEM_MAP), o.bytes));
  perSystemFactory<DirectReclaimer[]>(c, RECLAIMERS, () => []);
  perSystem(c, PAGE_ALLOC, PageAlloc);
  perSystem(c, LRU, Lru);
  perSystem(c, PGTABLES, PgtableArena);
  perSystem(c, TLB_FLUSH_BATCH, TlbFlushBatch);
  perSystem(c, FAULT_INJECTION, FaultInjection);
  perSystem(c, FS_STATE, FsState);
  perSystem(c, NUMA_BALANCING, NumaBalancing);
  perSystem(c, VMSCAN, Vmscan);
  perSystem(c, SWAP_DEVICES, SwapDevices);
  perSystemFactory(c, PRNG, () => new Prng(o.seed));
  perSystem(c, CLOCK, SimClock);
  perSystemFactory(c, LOCKDEP, () => new Lockdep(o.lockdep));
  perSystem(c, WAITS, WaitState);
  perSystem(c, BACKEND_REGISTRY, BackendRegistry);
  perSystem(c, KERNEL, Kernel);
}

/** SystemOptions.kernel (or its former name kernelVersion), checked; default "6.12". */
function resolveKernel(options: SystemOptions): KernelVersion {
  const { kernel, kernelVersion } = options;
  if (kernel !== undefined && kernelVersion !== undefined && kernel !== kernelVersion) {
    throw new Error(`kernel "${kernel}" and kernelVersion "${kernelVersion}" disagree; pass only kernel`);
  }
  const v = kernel ?? kernelVersion ?? "6.12";
  if (!KERNEL_VERSIONS.includes(v)) throw new Error(`unknown kernel "${String(v)}"; choose one of: ${KERNEL_VERSIONS.join(", ")}`);
  return v;
}

/** Build a ready system in a child container of its own. */
export function createSystem(options: SystemOptions = {}): { container: DependencyContainer; kernel: Kernel } {
  const resolved: ResolvedSystemOptions = {
    topology: resolveTopology(options.topology, options.memory),
    seed: options.seed ?? 1,
    bytes: options.bytes ?? false,
    kernel: resolveKernel(options),
    nrListHeads: options.nrListHeads ?? 4096,
    numaBalancingMode: options.numaBalancingMode ?? 3,
    lockdep: options.lockdep ?? true,
  };
  if (!Number.isInteger(resolved.seed)) throw new Error(`seed must be an integer, got ${resolved.seed}`);
  const c = (options.container ?? rootContainer).createChildContainer();
  registerSubsystems(c, resolved);
  for (const register of options.backends ?? []) register(c);
  if (!c.isRegistered(BACKENDS)) {
    throw new Error("no backend is registered: anonymous memory needs one; pass backends: [registerAnon] (from @foliox/anon)");
  }
  const kernel = c.resolve(KERNEL);
  if (options.swapPages !== undefined) swapon(kernel, options.swapPages);
  return { container: c, kernel };
}
