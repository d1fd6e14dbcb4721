/**
 * Per-node LRU lists (include/linux/mm_inline.h, mm/swap.c, mm/vmscan.c): folio_add_lru(),
 * lruvec_del_folio(), folio_isolate_lru(), folio_putback_lru(). Isolation is PG_lru cleared
 * plus a reference (docs/decisions.md#lru-isolation); PG_isolated is for non-LRU movable pages only.
 *
 * Left out: the per-cpu folio batches (lru_add_drain) — a folio reaches its list at once — and
 * memcg LRU lists: there is one set of lists per node (the memcg's per-node stats of
 * vmstat.ts's MEMCG_STAT_ITEMS are kept; the LRU sizes are not split per memcg).
 *
 * Adding and isolating take the node's lruvec->lru_lock (lockdep instance: the nid), the
 * innermost lock of the model: nothing is taken under it.
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import { LIST_HEADS, LOCKDEP, MEM_MAP, TOPOLOGY, VMSTAT, WAITS } from "../tokens.js";
import { LOCK_LRU, lockAcquire, lockRelease, type Lockdep } from "../kernel/lockdep.js";
import type { WaitState } from "../kernel/wait.js";
import type { FolioList, ListHeads } from "./list.js";
import { listDel } from "./list.js";
import type { MemMap } from "./mem-map.js";
import { PG_active, PG_lru, PG_swapbacked, PG_unevictable } from "./page-flags.js";
import { NR_ACTIVE_ANON, NR_ACTIVE_FILE, NR_INACTIVE_ANON, NR_INACTIVE_FILE, NR_UNEVICTABLE, type VmStat } from "./vmstat.js";
import type { Topology } from "./topology.js";

export const LRU_INACTIVE_ANON = 0;
export const LRU_ACTIVE_ANON = 1;
export const LRU_INACTIVE_FILE = 2;
export const LRU_ACTIVE_FILE = 3;
export const LRU_UNEVICTABLE = 4;
export const NR_LRU_LISTS = 5;
export const LRU_NAMES = ["inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable"] as const;
const LRU_STAT = [NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_UNEVICTABLE];

@injectable()
export class Lru {
  /** lists[nid][lru] */
  readonly lists: FolioList[][];

  constructor(
    @inject(MEM_MAP) private readonly mem: MemMap,
    @inject(TOPOLOGY) private readonly topo: Topology,
    @inject(VMSTAT) private readonly vmstat: VmStat,
    @inject(LIST_HEADS) lists: ListHeads,
    @inject(LOCKDEP) private readonly lockdep: Lockdep,
    @inject(WAITS) private readonly waits: WaitState,
  ) {
    this.lists = topo.nodes.map(() => Array.from({ length: NR_LRU_LISTS }, () => lists.alloc()));
  }

  /** folio_is_file_lru(): not swap-backed */
  folioIsFileLru(head: number): boolean {
    return !this.mem.testFlag(head, PG_swapbacked);
  }

  /** folio_lru_list() */
  folioLruList(head: number): number {
    const mem = this.mem;
    if (mem.testFlag(head, PG_unevictable)) return LRU_UNEVICTABLE;
    let lru = this.folioIsFileLru(head) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
    if (mem.testFlag(head, PG_active)) lru += 1;
    return lru;
  }

  /** folio_add_lru() with the batch drained at once: lruvec_add_folio() and PG_lru set. */
  folioAddLru(head: number): void {
    const mem = this.mem;
    if (mem.testSetFlag(head, PG_lru)) throw new Error(`folio_add_lru: pfn ${head} is already on an LRU`);
    const nid = this.topo.pfnToNid(head);
    const lru = this.folioLruList(head);
    lockAcquire(this.lockdep, LOCK_LRU, nid, this.waits.current);
    this.lists[nid]![lru]!.add(head);
    this.vmstat.modNode(nid, LRU_STAT[lru]!, mem.folioNrPages(head));
    lockRelease(this.lockdep, LOCK_LRU, nid, this.waits.current);
  }

  /** lruvec_del_folio(): unlink and uncount; the caller handles PG_lru. */
  lruvecDelFolio(head: number): void {
    const nid = this.topo.pfnToNid(head);
    const lru = this.folioLruList(head);
    listDel(this.mem, head);
    this.vmstat.modNode(nid, LRU_STAT[lru]!, -this.mem.folioNrPages(head));
  }

  /**
   * folio_isolate_lru(): if PG_lru was set, clear it, take a reference and unlink. Returns
   * false for a folio that is not on an LRU (already isolated, or being freed).
   */
  folioIsolateLru(head: number): boolean {
    const mem = this.mem;
    if ((mem.flags[head]! & (1 << PG_lru)) === 0) return false;
    if (mem.refcount[head]! <= 0) return false;
    const nid = this.topo.pfnToNid(head);
    lockAcquire(this.lockdep, LOCK_LRU, nid, this.waits.current);
    mem.refcount[head]!++;
    this.lruvecDelFolio(head);
    mem.clearFlag(head, PG_lru);
    lockRelease(this.lockdep, LOCK_LRU, nid, this.waits.current);
    return true;
  }
}
