/**
 * DI tokens: one per subsystem of a simulated system, each Symbol.for("@foliox/core:…") so a
 * token survives a duplicated module copy. Every constructor parameter is injected with an
 * explicit @inject(TOKEN) (never by reflected type). A system resolves each token once, in its
 * own child container (system.ts createSystem, the composition root); code on a hot path holds
 * the resolved object and never goes back to the container. docs/architecture.md
 * "Composition root" lists what is registered under which token.
 */
import type { InjectionToken } from "tsyringe";

function token<T>(name: string): InjectionToken<T> {
  return Symbol.for(`@foliox/core:${name}`) as InjectionToken<T>;
}

/** the resolved createSystem() options */
export const SYSTEM_OPTIONS = token<import("./system.js").ResolvedSystemOptions>("SystemOptions");
export const TOPOLOGY = token<import("./mm/topology.js").Topology>("Topology");
export const MEM_MAP = token<import("./mm/mem-map.js").MemMap>("MemMap");
export const LIST_HEADS = token<import("./mm/list.js").ListHeads>("ListHeads");
export const MEMORY_TIERS = token<import("./mm/memory-tiers.js").MemoryTiers>("MemoryTiers");
export const VMSTAT = token<import("./mm/vmstat.js").VmStat>("VmStat");
export const TRACEPOINTS = token<import("./kernel/trace.js").Tracepoints>("Tracepoints");
export const CONTENT = token<import("./mm/content.js").Content>("Content");
export const PAGE_ALLOC = token<import("./mm/page-alloc.js").PageAlloc>("PageAlloc");
/** The list of direct-reclaim sources, one array per system (empty until a reclaimer joins). */
export const RECLAIMERS = token<import("./mm/page-alloc.js").DirectReclaimer[]>("Reclaimers");
export const LRU = token<import("./mm/lru.js").Lru>("Lru");
export const PGTABLES = token<import("./mm/pgtable.js").PgtableArena>("PgtableArena");
export const TLB_FLUSH_BATCH = token<import("./kernel/kernel.js").TlbFlushBatch>("TlbFlushBatch");
export const FAULT_INJECTION = token<import("./kernel/fault-inject.js").FaultInjection>("FaultInjection");
/** super_blocks, address_spaces and in-flight writeback: the page cache's per-system state */
export const FS_STATE = token<import("./fs/fs-state.js").FsState>("FsState");
export const NUMA_BALANCING = token<import("./numa/numa-balancing.js").NumaBalancing>("NumaBalancing");
/** reclaim: kswapd's state and the direct reclaimer (reclaim/vmscan.ts) */
export const VMSCAN = token<import("./reclaim/vmscan.js").Vmscan>("Vmscan");
/** swap_info[]: the swap devices swapon() adds */
export const SWAP_DEVICES = token<import("./swap/swapfile.js").SwapDevices>("SwapDevices");
export const PRNG = token<import("./kernel/prng.js").Prng>("Prng");
export const CLOCK = token<import("./kernel/clock.js").SimClock>("Clock");
/** lockdep's order graph and switch (kernel/lockdep.ts) */
export const LOCKDEP = token<import("./kernel/lockdep.js").Lockdep>("Lockdep");
/** the wait model: lock holders, wait cost, deadlocks (kernel/wait.ts) */
export const WAITS = token<import("./kernel/wait.js").WaitState>("WaitState");
/**
 * Multi-registration: filesystem / memory-type backends. Register with registerBackend() or
 * registerBackendFactory() (backend/contract.ts), which give each system its own instance.
 */
export const BACKENDS = token<import("./backend/contract.js").Backend>("Backends");
/** the backends of one system in registration order, and the folio → backend lookup */
export const BACKEND_REGISTRY = token<import("./backend/registry.js").BackendRegistry>("BackendRegistry");
export const KERNEL = token<import("./kernel/kernel.js").Kernel>("Kernel");
