/**
 * The kernel state of one simulated system: what the real kernel keeps in globals (mem_map,
 * pglist_data, vm_stat, the task list), gathered in one object that kernel functions take as
 * their first argument. It is built once per system by the DI container (system.ts).
 */
import "reflect-metadata";
import { inject, injectAll, injectable } from "tsyringe";
import type { Backend } from "../backend/contract.js";
import { BackendRegistry } from "../backend/registry.js";
import type { Content } from "../mm/content.js";
import type { ListHeads } from "../mm/list.js";
import { Lru } from "../mm/lru.js";
import type { MemMap } from "../mm/mem-map.js";
import type { MemoryTiers } from "../mm/memory-tiers.js";
import { AnonVma, type MmStruct, type Task } from "../mm/mm-types.js";
import type { PageAlloc } from "../mm/page-alloc.js";
import { PgtableArena } from "../mm/pgtable.js";
import type { Topology } from "../mm/topology.js";
import type { VmStat } from "../mm/vmstat.js";
import type { ResolvedSystemOptions } from "../system.js";
import { BACKENDS, CONTENT, LIST_HEADS, MEM_MAP, MEMORY_TIERS, PAGE_ALLOC, SYSTEM_OPTIONS, TOPOLOGY, TRACEPOINTS, VMSTAT } from "../tokens.js";
import type { Tracepoints } from "./trace.js";
import { Prng } from "./prng.js";
import { FaultInjection } from "./fault-inject.js";
import { FsState } from "../fs/fs-state.js";
import { SimClock } from "./clock.js";
import type { NumaBalancing } from "../numa/numa-balancing.js";
import type { Vmscan } from "../mm/vmscan.js";
import type { SwapInfo } from "../swap/swapfile.js";

/** The deferred TLB flush state of try_to_unmap with TTU_BATCH_FLUSH (tlbflush_unmap_batch). */
export class TlbFlushBatch {
  /** a flush is owed for PTEs cleared under TTU_BATCH_FLUSH */
  flushRequired = false;
  /** TLB shootdowns issued (one per try_to_unmap_flush that had work, or per unbatched clear) */
  shootdowns = 0;
}

@injectable()
export class Kernel {
  readonly lru: Lru;
  readonly pgtables = new PgtableArena();
  readonly tlb = new TlbFlushBatch();
  readonly faultInject = new FaultInjection();
  /** super_blocks, address_spaces and in-flight writeback (fs/) */
  readonly fs = new FsState();
  readonly backends: BackendRegistry;
  readonly rng: Prng;
  /** anon_vmas by id; a freed id is left empty */
  readonly anonVmas: (AnonVma | undefined)[] = [undefined];
  readonly tasks = new Map<number, Task>();
  readonly mms: MmStruct[] = [];
  nextPid = 1;
  nextMmId = 1;
  /** the simulated clock (sim/clock.ts): "now" for kernel code that needs time */
  readonly clock = new SimClock();
  /** NUMA balancing in tiering mode (task_numa_work + do_numa_page); null = not running */
  numab: NumaBalancing | null = null;
  /** reclaim: kswapd per node and the direct reclaimer (mm/vmscan.ts); null = none installed */
  vmscan: Vmscan | null = null;
  /** the swap device (swap/swapfile.ts swapon()); null = no swap */
  swap: SwapInfo | null = null;

  constructor(
    @inject(SYSTEM_OPTIONS) readonly options: ResolvedSystemOptions,
    @inject(MEM_MAP) readonly mem: MemMap,
    @inject(TOPOLOGY) readonly topo: Topology,
    @inject(MEMORY_TIERS) readonly tiers: MemoryTiers,
    @inject(VMSTAT) readonly vmstat: VmStat,
    @inject(TRACEPOINTS) readonly trace: Tracepoints,
    @inject(CONTENT) readonly content: Content,
    @inject(PAGE_ALLOC) readonly alloc: PageAlloc,
    @inject(LIST_HEADS) readonly lists: ListHeads,
    @injectAll(BACKENDS) backends: Backend[],
  ) {
    this.lru = new Lru(mem, topo, vmstat, lists);
    this.backends = new BackendRegistry(backends);
    this.rng = new Prng(options.seed);
  }

  /** folio_nid() */
  folioNid(head: number): number {
    return this.topo.pfnToNid(head);
  }

  newAnonVma(root: AnonVma | null, parent: AnonVma | null): AnonVma {
    const av = new AnonVma(this.anonVmas.length, root, parent);
    if (!root) av.root = av;
    this.anonVmas.push(av);
    return av;
  }
}
