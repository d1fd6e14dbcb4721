/**
 * DI tokens. Each is Symbol.for("@foliox/…") so a token survives a duplicated module copy.
 * Inject with an explicit @inject(TOKEN) on every constructor parameter; resolve once per
 * system, never on a hot path.
 */
import type { InjectionToken } from "tsyringe";

function token<T>(name: string): InjectionToken<T> {
  return Symbol.for(`@foliox/core:${name}`) as InjectionToken<T>;
}

export const SYSTEM_OPTIONS = token<import("./system.js").ResolvedSystemOptions>("SystemOptions");
export const MEM_MAP = token<import("./mm/mem-map.js").MemMap>("MemMap");
export const LIST_HEADS = token<import("./mm/list.js").ListHeads>("ListHeads");
export const TOPOLOGY = token<import("./mm/topology.js").Topology>("Topology");
export const MEMORY_TIERS = token<import("./mm/memory-tiers.js").MemoryTiers>("MemoryTiers");
export const VMSTAT = token<import("./mm/vmstat.js").VmStat>("VmStat");
export const TRACEPOINTS = token<import("./kernel/trace.js").Tracepoints>("Tracepoints");
export const CONTENT = token<import("./mm/content.js").Content>("Content");
export const PAGE_ALLOC = token<import("./mm/page-alloc.js").PageAlloc>("PageAlloc");
/** The list of direct-reclaim sources, one array per system (empty until a reclaimer joins). */
export const RECLAIMERS = token<import("./mm/page-alloc.js").DirectReclaimer[]>("Reclaimers");
/** Multi-registration: filesystem / memory-type backends (see backend/contract.ts). */
export const BACKENDS = token<import("./backend/contract.js").Backend>("Backends");
export const KERNEL = token<import("./kernel/kernel.js").Kernel>("Kernel");
