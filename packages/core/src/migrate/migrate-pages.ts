/**
 * The list mover: migrate_pages(), migrate_pages_sync() and migrate_pages_batch() of
 * mm/migrate.c (v6.12), with struct migrate_pages_stats and the retry constants.
 * Reference: linux-migration-facts.md §1.
 *
 * migrate_pages_batch() is written as explicit phases on a MigrateBatch — unmap() (every folio
 * of the list, with its passes), flush() (try_to_unmap_flush()), move() (with its passes) and
 * finish() (undo whatever is still unmapped, return the result) — so that a test or the
 * interleaving explorer can run another actor between two phases, e.g. a fault that finds a
 * migration entry and blocks until the remap. migratePagesBatch() runs the same phases in a row.
 *
 * Left out: hugetlb (migrate_hugetlbs() finds none), the deferred-split/partially-mapped split
 * at the top of the unmap pass (no deferred-split queue), non-LRU movable pages.
 */
import { KernelBug } from "../kernel/bug.js";
import { EAGAIN, ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { listDel, type FolioList } from "../mm/list.js";
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, type MemMap } from "../mm/mem-map.js";
import { tryToUnmapFlush } from "../mm/rmap.js";
import { PGMIGRATE_FAIL, PGMIGRATE_SUCCESS, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS } from "../mm/vmstat.js";
import {
  MIGRATE_ASYNC,
  MIGRATEPAGE_SUCCESS,
  MIGRATEPAGE_UNMAP,
  MR_LONGTERM_PIN,
  MR_NUMA_MISPLACED,
  migrateModeName,
  migrateReasonName,
  type MigrateMode,
} from "./migrate-mode.js";
import { trySplitFolio } from "./split-folio.js";
import {
  migrateFolioExtract,
  migrateFolioMove,
  migrateFolioUndoDst,
  migrateFolioUndoSrc,
  migrateFolioUnmap,
  PAGE_WAS_MAPPED,
  type FreeFolioFn,
  type NewFolioFn,
} from "./unmap-and-move.js";

/** HPAGE_PMD_NR with THP */
export const NR_MAX_BATCHED_MIGRATION = HPAGE_PMD_NR;
export const NR_MAX_MIGRATE_PAGES_RETRY = 10;
export const NR_MAX_MIGRATE_ASYNC_RETRY = 3;
export const NR_MAX_MIGRATE_SYNC_RETRY = NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY;

/** struct migrate_pages_stats */
export class MigratePagesStats {
  /** normal and large folios migrated, in base pages */
  nrSucceeded = 0;
  /** normal and large folios that failed, in base pages; untried folios are not counted */
  nrFailedPages = 0;
  nrThpSucceeded = 0;
  nrThpFailed = 0;
  /** THPs split before migrating */
  nrThpSplit = 0;
  /** large folios of any order split before migrating (v6.10+) */
  nrSplit = 0;
}

/** folio_test_pmd_mappable() */
function folioTestPmdMappable(mem: MemMap, head: number): number {
  return mem.order[head]! >= HPAGE_PMD_ORDER ? 1 : 0;
}

export type MigrateBatchPhase = "unmap" | "flush" | "move" | "finish" | "done";

/**
 * One migrate_pages_batch() call as phases. Construct it, then call unmap(), flush(), move()
 * and finish() in that order (each phase that does not apply is a no-op, as the kernel's gotos
 * skip it); `phase` names the next one. finish() returns what migrate_pages_batch() returns:
 * a negative errno (-ENOMEM) or the number of folios that failed.
 */
export class MigrateBatch {
  phase: MigrateBatchPhase = "unmap";
  /** unmap_folios: sources unmapped and locked, waiting to move */
  readonly unmapFolios: FolioList;
  /** dst_folios: their destinations, in the same order */
  readonly dstFolios: FolioList;
  nrFailed = 0;
  rcSaved = 0;
  private rc = 0;
  private readonly dstp = { value: -1 };
  private readonly nosplit: boolean;

  constructor(
    private readonly k: Kernel,
    readonly from: FolioList,
    private readonly getNewFolio: NewFolioFn,
    private readonly putNewFolio: FreeFolioFn | null,
    private readonly priv: unknown,
    readonly mode: MigrateMode,
    readonly reason: number,
    readonly retFolios: FolioList,
    readonly splitFolios: FolioList | null,
    readonly stats: MigratePagesStats,
    readonly nrPass: number,
  ) {
    // VM_WARN_ON_ONCE: batching (more than one folio in flight) is for MIGRATE_ASYNC only.
    if (mode !== MIGRATE_ASYNC && !from.isEmpty() && from.next(from.first()) !== -1) {
      throw new KernelBug(`migrate_pages_batch: ${migrateModeName(mode)} with more than one folio on the list`);
    }
    this.nosplit = reason === MR_NUMA_MISPLACED;
    this.unmapFolios = k.lists.alloc();
    this.dstFolios = k.lists.alloc();
  }

  private expect(phase: MigrateBatchPhase): boolean {
    if (this.phase === "done") throw new Error("MigrateBatch: already finished");
    const order: MigrateBatchPhase[] = ["unmap", "flush", "move", "finish"];
    if (order.indexOf(this.phase) > order.indexOf(phase)) throw new Error(`MigrateBatch: ${phase}() after ${this.phase}`);
    return this.phase === phase;
  }

  /** Unmap phase: up to nrPass passes of migrate_folio_unmap() over `from`. */
  unmap(): void {
    if (!this.expect("unmap")) return;
    const k = this.k;
    const mem = k.mem;
    const from = this.from;
    const stats = this.stats;
    let retry = 1;
    let thpRetry = 0;
    let nrRetryPages = 0;
    for (let pass = 0; pass < this.nrPass && retry; pass++) {
      retry = 0;
      thpRetry = 0;
      nrRetryPages = 0;
      for (let folio = from.first(), folio2 = -1; folio !== -1; folio = folio2) {
        folio2 = from.next(folio);
        const isLarge = mem.order[folio]! > 0;
        const isThp = folioTestPmdMappable(mem, folio);
        const nrPages = mem.folioNrPages(folio);
        // thp_migration_supported() is true (x86-64): no split up front.
        const rc = migrateFolioUnmap(k, this.getNewFolio, this.putNewFolio, this.priv, folio, this.dstp, this.mode, this.reason, this.retFolios);
        switch (rc) {
          case -ENOMEM: {
            // Memory is low: stop unmapping, move what is unmapped, then exit.
            this.nrFailed++;
            stats.nrThpFailed += isThp;
            // Large folio NUMA faulting doesn't split to retry.
            if (isLarge && !this.nosplit) {
              const ret = this.splitFolios ? trySplitFolio(k, folio, this.splitFolios, this.mode) : -ENOMEM;
              if (!ret) {
                stats.nrThpSplit += isThp;
                stats.nrSplit++;
                break;
              } else if (this.reason === MR_LONGTERM_PIN && ret === -EAGAIN) {
                // Try the split again, to help long-term pinning.
                retry++;
                thpRetry += isThp;
                nrRetryPages += nrPages;
                this.nrFailed--;
                stats.nrThpFailed -= isThp;
                break;
              }
            }
            stats.nrFailedPages += nrPages + nrRetryPages;
            // nr_failed isn't updated: it is not used on this path.
            stats.nrThpFailed += thpRetry;
            this.rcSaved = rc;
            this.rc = rc;
            this.phase = this.unmapFolios.isEmpty() ? "finish" : "flush";
            return;
          }
          case -EAGAIN:
            retry++;
            thpRetry += isThp;
            nrRetryPages += nrPages;
            break;
          case MIGRATEPAGE_SUCCESS:
            stats.nrSucceeded += nrPages;
            stats.nrThpSucceeded += isThp;
            break;
          case MIGRATEPAGE_UNMAP:
            this.unmapFolios.moveTail(folio);
            this.dstFolios.addTail(this.dstp.value);
            break;
          default:
            // Permanent failure (-EBUSY, …): src is on ret_folios now, not retried.
            this.nrFailed++;
            stats.nrThpFailed += isThp;
            stats.nrFailedPages += nrPages;
            break;
        }
      }
    }
    this.nrFailed += retry;
    stats.nrThpFailed += thpRetry;
    stats.nrFailedPages += nrRetryPages;
    this.phase = "flush";
  }

  /** try_to_unmap_flush(): one TLB flush for every PTE cleared under TTU_BATCH_FLUSH. */
  flush(): void {
    if (!this.expect("flush")) return;
    tryToUnmapFlush(this.k);
    this.phase = "move";
  }

  /** Move phase: up to nrPass passes of migrate_folio_move() over the unmapped folios. */
  move(): void {
    if (!this.expect("move")) return;
    const k = this.k;
    const mem = k.mem;
    const stats = this.stats;
    const unmapFolios = this.unmapFolios;
    const dstFolios = this.dstFolios;
    let retry = 1;
    let thpRetry = 0;
    let nrRetryPages = 0;
    for (let pass = 0; pass < this.nrPass && retry; pass++) {
      retry = 0;
      thpRetry = 0;
      nrRetryPages = 0;
      let dst = dstFolios.first();
      for (let folio = unmapFolios.first(), folio2 = -1; folio !== -1; folio = folio2) {
        folio2 = unmapFolios.next(folio);
        const dst2 = dstFolios.next(dst);
        const isThp = folioTestPmdMappable(mem, folio);
        const nrPages = mem.folioNrPages(folio);
        const rc = migrateFolioMove(k, this.putNewFolio, this.priv, folio, dst, this.mode, this.reason, this.retFolios);
        switch (rc) {
          case -EAGAIN: // stays on unmap_folios
            retry++;
            thpRetry += isThp;
            nrRetryPages += nrPages;
            break;
          case MIGRATEPAGE_SUCCESS:
            stats.nrSucceeded += nrPages;
            stats.nrThpSucceeded += isThp;
            break;
          default:
            this.nrFailed++;
            stats.nrThpFailed += isThp;
            stats.nrFailedPages += nrPages;
            break;
        }
        dst = dst2;
      }
    }
    this.nrFailed += retry;
    stats.nrThpFailed += thpRetry;
    stats.nrFailedPages += nrRetryPages;
    this.rc = this.rcSaved || this.nrFailed;
    this.phase = "finish";
  }

  /** Undo every folio still unmapped (restore src onto ret_folios, give dst back); the result. */
  finish(): number {
    if (!this.expect("finish")) return this.rc;
    const k = this.k;
    const mem = k.mem;
    const unmapFolios = this.unmapFolios;
    const dstFolios = this.dstFolios;
    let dst = dstFolios.first();
    for (let folio = unmapFolios.first(), folio2 = -1; folio !== -1; folio = folio2) {
      folio2 = unmapFolios.next(folio);
      const dst2 = dstFolios.next(dst);
      const st = migrateFolioExtract(k, dst);
      migrateFolioUndoSrc(k, folio, (st.oldPageState & PAGE_WAS_MAPPED) !== 0, st.anonVma, true, this.retFolios);
      listDel(mem, dst);
      migrateFolioUndoDst(k, dst, true, this.putNewFolio, this.priv);
      dst = dst2;
    }
    unmapFolios.release();
    dstFolios.release();
    this.phase = "done";
    return this.rc;
  }

  /** All phases in a row: migrate_pages_batch(). */
  run(): number {
    this.unmap();
    this.flush();
    this.move();
    return this.finish();
  }
}

/**
 * migrate_pages_batch(): unmap as many folios of `from` as possible, flush the TLB once, then
 * move them. Returns -ENOMEM or the number of folios that failed. Folios that failed for good
 * go to retFolios; folios still retrying stay on `from`.
 */
export function migratePagesBatch(
  k: Kernel,
  from: FolioList,
  getNewFolio: NewFolioFn,
  putNewFolio: FreeFolioFn | null,
  priv: unknown,
  mode: MigrateMode,
  reason: number,
  retFolios: FolioList,
  splitFolios: FolioList | null,
  stats: MigratePagesStats,
  nrPass: number,
): number {
  return new MigrateBatch(k, from, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats, nrPass).run();
}

/**
 * migrate_pages_sync(): the whole batch once in MIGRATE_ASYNC with 3 passes, then every
 * leftover folio one at a time in the real mode with 7 passes. Split large folios count as
 * failures.
 */
export function migratePagesSync(
  k: Kernel,
  from: FolioList,
  getNewFolio: NewFolioFn,
  putNewFolio: FreeFolioFn | null,
  priv: unknown,
  mode: MigrateMode,
  reason: number,
  retFolios: FolioList,
  splitFolios: FolioList,
  stats: MigratePagesStats,
): number {
  let nrFailed = 0;
  const folios = k.lists.alloc();
  const astats = new MigratePagesStats();
  // Try to migrate in batch with MIGRATE_ASYNC mode first.
  let rc = migratePagesBatch(k, from, getNewFolio, putNewFolio, priv, MIGRATE_ASYNC, reason, folios, splitFolios, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
  stats.nrSucceeded += astats.nrSucceeded;
  stats.nrThpSucceeded += astats.nrThpSucceeded;
  stats.nrThpSplit += astats.nrThpSplit;
  stats.nrSplit += astats.nrSplit;
  if (rc < 0) {
    stats.nrFailedPages += astats.nrFailedPages;
    stats.nrThpFailed += astats.nrThpFailed;
    retFolios.spliceTail(folios);
    folios.release();
    return rc;
  }
  stats.nrThpFailed += astats.nrThpSplit;
  // Failures other than splits are retried below, so only splits count here.
  nrFailed += astats.nrSplit;
  // Fall back to migrating every failed folio one by one, synchronously.
  from.spliceTail(folios);
  while (!from.isEmpty()) {
    folios.moveTail(from.first());
    rc = migratePagesBatch(k, folios, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats, NR_MAX_MIGRATE_SYNC_RETRY);
    retFolios.spliceTail(folios);
    if (rc < 0) {
      folios.release();
      return rc;
    }
    nrFailed += rc;
  }
  folios.release();
  return nrFailed;
}

/**
 * migrate_pages(): migrate the folios on `from` to folios from getNewFolio. Returns the number
 * of folios that were not migrated (a split large folio counts as one), or a negative errno;
 * 0 when the list ends up empty. Folios that were not migrated are left on `from`: the caller
 * must putbackMovablePages() them when the result is not 0. `retSucceeded.value` gets the
 * number of base pages migrated. Counts pgmigrate_success/fail and thp_migration_*, and emits
 * mm_migrate_pages_start and mm_migrate_pages.
 */
export function migratePages(
  k: Kernel,
  from: FolioList,
  getNewFolio: NewFolioFn,
  putNewFolio: FreeFolioFn | null,
  priv: unknown,
  mode: MigrateMode,
  reason: number,
  retSucceeded?: { value: number },
): number {
  const mem = k.mem;
  const trace = k.trace;
  if (trace.enabled("mm_migrate_pages_start")) trace.emit("mm_migrate_pages_start", { mode: migrateModeName(mode), reason: migrateReasonName(reason) });
  const stats = new MigratePagesStats();
  const folios = k.lists.alloc();
  const retFolios = k.lists.alloc();
  const splitFolios = k.lists.alloc();
  // migrate_hugetlbs(): no hugetlb folios in this model.
  let rcGather = 0;
  for (;;) {
    // Cut a batch of up to NR_MAX_BATCHED_MIGRATION base pages.
    let nrPages = 0;
    let last = -1;
    for (let folio = from.first(); folio !== -1; folio = from.next(folio)) {
      nrPages += mem.folioNrPages(folio);
      if (nrPages >= NR_MAX_BATCHED_MIGRATION) {
        last = folio;
        break;
      }
    }
    if (last >= 0) {
      // list_cut_before(&folios, from, &folio2->lru): everything up to and including `last`.
      for (let folio = from.first(); ; folio = from.first()) {
        folios.moveTail(folio);
        if (folio === last) break;
      }
    } else {
      folios.spliceTail(from);
    }
    const rc =
      mode === MIGRATE_ASYNC
        ? migratePagesBatch(k, folios, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats, NR_MAX_MIGRATE_PAGES_RETRY)
        : migratePagesSync(k, folios, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats);
    retFolios.spliceTail(folios);
    if (rc < 0) {
      rcGather = rc;
      retFolios.spliceTail(splitFolios);
      break;
    }
    if (!splitFolios.isEmpty()) {
      // The pieces of split folios: one ASYNC pass, minimal effort; the large folio already
      // counted as one failure, so these failures are not counted again.
      migratePagesBatch(k, splitFolios, getNewFolio, putNewFolio, priv, MIGRATE_ASYNC, reason, retFolios, null, stats, 1);
      retFolios.spliceTail(splitFolios);
    }
    rcGather += rc;
    if (from.isEmpty()) break;
  }
  // Put the permanent failures back on `from` (list_splice: at its head), for the caller.
  spliceHead(mem, from, retFolios);
  // 0 when every split piece of a failed large folio was migrated after all.
  if (from.isEmpty()) rcGather = 0;

  const vm = k.vmstat;
  vm.countEvents(PGMIGRATE_SUCCESS, stats.nrSucceeded);
  vm.countEvents(PGMIGRATE_FAIL, stats.nrFailedPages);
  vm.countEvents(THP_MIGRATION_SUCCESS, stats.nrThpSucceeded);
  vm.countEvents(THP_MIGRATION_FAIL, stats.nrThpFailed);
  vm.countEvents(THP_MIGRATION_SPLIT, stats.nrThpSplit);
  if (trace.enabled("mm_migrate_pages")) {
    trace.emit("mm_migrate_pages", {
      succeeded: stats.nrSucceeded,
      failed: stats.nrFailedPages,
      thpSucceeded: stats.nrThpSucceeded,
      thpFailed: stats.nrThpFailed,
      thpSplit: stats.nrThpSplit,
      split: stats.nrSplit,
      mode: migrateModeName(mode),
      reason: migrateReasonName(reason),
    });
  }
  if (retSucceeded) retSucceeded.value = stats.nrSucceeded;
  folios.release();
  retFolios.release();
  splitFolios.release();
  return rcGather;
}

/** list_splice(list, head): the entries of `list`, in order, at the front of `head`. */
function spliceHead(mem: MemMap, head: FolioList, list: FolioList): void {
  for (let p = mem.lruPrev[list.head]!; p !== list.head; p = mem.lruPrev[list.head]!) {
    listDel(mem, p);
    head.add(p);
  }
}
