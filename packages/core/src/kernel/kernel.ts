/**
 * The kernel state of one simulated system: what the real kernel keeps in globals (mem_map,
 * pglist_data, vm_stat, the task list), gathered in one object that kernel functions take as
 * their first argument. It is built once per system by the DI container (system.ts).
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import type { BackendRegistry } from "../backend/registry.js";
import type { Content } from "../mm/content.js";
import type { ListHeads } from "../mm/list.js";
import type { Lru } from "../mm/lru.js";
import type { MemMap } from "../mm/mem-map.js";
import type { MemoryTiers } from "../mm/memory-tiers.js";
import type { AnonVma, MmStruct, Task } from "../mm/mm-types.js";
import type { PageAlloc } from "../mm/page-alloc.js";
import type { PgtableArena } from "../mm/pgtable.js";
import type { Topology } from "../mm/topology.js";
import type { VmStat } from "../mm/vmstat.js";
import type { ResolvedSystemOptions } from "../system.js";
import {
  BACKEND_REGISTRY,
  CLOCK,
  CONTENT,
  FAULT_INJECTION,
  FS_STATE,
  LIST_HEADS,
  LOCKDEP,
  LRU,
  MEM_MAP,
  MEMORY_TIERS,
  NUMA_BALANCING,
  PAGE_ALLOC,
  PGTABLES,
  PRNG,
  SWAP_DEVICES,
  SYSTEM_OPTIONS,
  TLB_FLUSH_BATCH,
  TOPOLOGY,
  TRACEPOINTS,
  VMSCAN,
  VMSTAT,
  WAITS,
} from "../tokens.js";
import type { Tracepoints } from "./trace.js";
import type { Prng } from "./prng.js";
import type { FaultInjection } from "./fault-inject.js";
import type { FsState } from "../fs/fs-state.js";
import type { SimClock } from "./clock.js";
import type { Lockdep } from "./lockdep.js";
import type { WaitState } from "./wait.js";
import { ExchangeScratch, FaultState, FileIoState, InvariantScratch, MigrateFolioExtracted, MigrateScratch, RmapArgs } from "./out-params.js";
import type { NumaBalancing } from "../numa/numa-balancing.js";
import type { Vmscan } from "../reclaim/vmscan.js";
import type { SwapDevices, SwapInfo } from "../swap/swapfile.js";

/** The deferred TLB flush state of try_to_unmap with TTU_BATCH_FLUSH (tlbflush_unmap_batch). */
export class TlbFlushBatch {
  /** a flush is owed for PTEs cleared under TTU_BATCH_FLUSH */
  flushRequired = false;
  /** TLB shootdowns issued (one per try_to_unmap_flush that had work, or per unbatched clear) */
  shootdowns = 0;
}

@injectable()
export class Kernel {
  /** anon_vmas by id (anon_vma_alloc(), mm/rmap.ts); a freed id is left empty */
  readonly anonVmas: (AnonVma | undefined)[] = [undefined];
  readonly tasks = new Map<number, Task>();
  readonly mms: MmStruct[] = [];
  nextPid = 1;
  nextMmId = 1;
  /** what the last access left for its caller (mm/memory.ts accessVirtual) */
  readonly faultState = new FaultState();
  /** what the last filemapRead() read (fs/filemap.ts) */
  readonly fileIoState = new FileIoState();
  /** __migrate_folio_extract()'s out-parameters (migrate/unmap-and-move.ts) */
  readonly migrateFolioExtracted = new MigrateFolioExtracted();
  /** checkInvariants()' counting buffers, reused (debug/invariants.ts) */
  readonly invariantScratch = new InvariantScratch();
  /** rwc->arg of the allocation-free rmap walks (mm/rmap.ts rmapWalkOne) */
  readonly rmapArgs = new RmapArgs();
  /** finished exchange ops and the batch's scratch, reused (exchange/folio-exchange.ts) */
  readonly exchangeScratch = new ExchangeScratch();
  /** finished migrate batches and stats, reused (migrate/migrate-pages-batch.ts) */
  readonly migrateScratch = new MigrateScratch();

  /**
   * Every subsystem is built by the system's container (system.ts, the composition root) and
   * injected here once; kernel functions reach them as k.mem, k.alloc, k.lru… directly, never
   * through the container.
   */
  constructor(
    @inject(SYSTEM_OPTIONS) readonly options: ResolvedSystemOptions,
    @inject(MEM_MAP) readonly mem: MemMap,
    @inject(TOPOLOGY) readonly topo: Topology,
    @inject(MEMORY_TIERS) readonly tiers: MemoryTiers,
    @inject(VMSTAT) readonly vmstat: VmStat,
    @inject(TRACEPOINTS) readonly trace: Tracepoints,
    @inject(CONTENT) readonly content: Content,
    // the allocator takes its free-list heads before the LRU takes its own (list-head order)
    @inject(PAGE_ALLOC) readonly alloc: PageAlloc,
    @inject(LIST_HEADS) readonly lists: ListHeads,
    @inject(LRU) readonly lru: Lru,
    @inject(PGTABLES) readonly pgtables: PgtableArena,
    @inject(TLB_FLUSH_BATCH) readonly tlb: TlbFlushBatch,
    @inject(FAULT_INJECTION) readonly faultInject: FaultInjection,
    /** super_blocks, address_spaces and in-flight writeback (fs/) */
    @inject(FS_STATE) readonly fs: FsState,
    @inject(BACKEND_REGISTRY) readonly backends: BackendRegistry,
    /** NUMA balancing's state (numa/numa-balancing.ts); k.numab while it runs */
    @inject(NUMA_BALANCING) readonly numaBalancing: NumaBalancing,
    /** reclaim's state (reclaim/vmscan.ts); k.vmscan once installed */
    @inject(VMSCAN) readonly reclaim: Vmscan,
    /** swap_info[] (swap/swapfile.ts); k.swap once swapon() added a device */
    @inject(SWAP_DEVICES) readonly swapDevices: SwapDevices,
    @inject(PRNG) readonly rng: Prng,
    /** the simulated clock (kernel/clock.ts): "now" for kernel code that needs time */
    @inject(CLOCK) readonly clock: SimClock,
    /** lockdep over the model (kernel/lockdep.ts); createSystem({ lockdep: false }) turns it off */
    @inject(LOCKDEP) readonly lockdep: Lockdep,
    /** the wait model: who holds what, what waiting cost (kernel/wait.ts) */
    @inject(WAITS) readonly waits: WaitState,
  ) {}

  /** NUMA balancing in tiering mode (task_numa_work + do_numa_page); null = not running */
  get numab(): NumaBalancing | null {
    return this.numaBalancing.enabled ? this.numaBalancing : null;
  }

  /** reclaim: kswapd per node and the direct reclaimer (reclaim/vmscan.ts); null = none installed */
  get vmscan(): Vmscan | null {
    return this.reclaim.installed ? this.reclaim : null;
  }

  /** the swap device (swap/swapfile.ts swapon()); null = no swap */
  get swap(): SwapInfo | null {
    return this.swapDevices.si;
  }

  /** folio_nid() */
  folioNid(head: number): number {
    return this.topo.pfnToNid(head);
  }
}
