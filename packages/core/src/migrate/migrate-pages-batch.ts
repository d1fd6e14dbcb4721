/**
 * migrate_pages_batch() of mm/migrate.c (v6.12), with struct migrate_pages_stats and the retry
 * constants. Facts: docs/kernel-facts.md#migrate-pages-batch.
 *
 * The batch is written as explicit phases on a MigrateBatch — unmap() (every folio of the list,
 * with its passes), flush() (try_to_unmap_flush()), move() (with its passes) and finish() (undo
 * whatever is still unmapped, return the result) — so that a test or the interleaving explorer
 * can run another actor between two phases, e.g. a fault that finds a migration entry and
 * blocks until the remap. migratePagesBatch() runs the same phases in a row.
 *
 * Left out: the !thp_migration_supported() split (x86-64 supports it). The deferred-split
 * queue is not modelled; its v6.12 use here (split partially mapped folios first) is derived
 * from the mapcounts.
 */
import { KernelBug } from "../kernel/bug.js";
import { EAGAIN, ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { listDel, type FolioList } from "../mm/list.js";
import { HPAGE_PMD_NR, HPAGE_PMD_ORDER, type MemMap } from "../mm/mem-map.js";
import { tryToUnmapFlush } from "../mm/rmap.js";
import {
  MIGRATE_ASYNC,
  MIGRATEPAGE_SUCCESS,
  MIGRATEPAGE_UNMAP,
  MR_LONGTERM_PIN,
  MR_NUMA_MISPLACED,
  migrateModeName,
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

  reset(): this {
    this.nrSucceeded = 0;
    this.nrFailedPages = 0;
    this.nrThpSucceeded = 0;
    this.nrThpFailed = 0;
    this.nrThpSplit = 0;
    this.nrSplit = 0;
    return this;
  }
}

/** A zeroed MigratePagesStats of the system's pool (k.migrateScratch), for one migrate_pages(). */
export function getMigratePagesStats(k: Kernel): MigratePagesStats {
  return k.migrateScratch.stats.pop()?.reset() ?? new MigratePagesStats();
}

/** Give a MigratePagesStats back to the pool once its migrate_pages() is done with it. */
export function putMigratePagesStats(k: Kernel, stats: MigratePagesStats): void {
  k.migrateScratch.stats.push(stats);
}

/** folio_test_pmd_mappable() */
function folioTestPmdMappable(mem: MemMap, head: number): number {
  return mem.order[head]! >= HPAGE_PMD_ORDER ? 1 : 0;
}

/**
 * !list_empty(&folio->_deferred_list) && folio_test_partially_mapped(folio) (v6.12). The
 * deferred-split queue is not modelled; what puts an anon folio there with PG_partially_mapped
 * is __folio_remove_rmap() leaving some of its pages mapped and others not, which is what this
 * tests (a large folio is mapped whole at fault time, so a gap means a partial unmap).
 */
function folioTestPartiallyMapped(mem: MemMap, head: number): boolean {
  if (!mem.folioTestAnon(head)) return false;
  const nr = mem.folioNrPages(head);
  let mapped = 0;
  for (let i = 0; i < nr; i++) if (mem.mapcount[head + i]! > 0) mapped++;
  return mapped > 0 && mapped < nr;
}

export type MigrateBatchPhase = "unmap" | "flush" | "move" | "finish" | "done";
const PHASE_ORDER: readonly MigrateBatchPhase[] = ["unmap", "flush", "move", "finish", "done"];

/**
 * One migrate_pages_batch() call as phases. Construct it, then call unmap(), flush(), move()
 * and finish() in that order (a phase the kernel's gotos skip is a no-op); `phase` names the
 * next one. Another actor may run between any two of them. finish() returns what migrate_pages_batch() returns:
 * a negative errno (-ENOMEM) or the number of folios that failed.
 */
export class MigrateBatch {
  phase: MigrateBatchPhase = "unmap";
  /** unmap_folios: sources unmapped and locked, waiting to move */
  unmapFolios: FolioList;
  /** dst_folios: their destinations, in the same order */
  dstFolios: FolioList;
  nrFailed = 0;
  rcSaved = 0;
  private rc = 0;
  private readonly dstp = { value: -1 };
  private nosplit: boolean;

  constructor(
    private readonly k: Kernel,
    public from: FolioList,
    private getNewFolio: NewFolioFn,
    private putNewFolio: FreeFolioFn | null,
    private priv: unknown,
    public mode: MigrateMode,
    public reason: number,
    public retFolios: FolioList,
    public splitFolios: FolioList | null,
    public stats: MigratePagesStats,
    public nrPass: number,
  ) {
    MigrateBatch.check(from, mode);
    this.nosplit = reason === MR_NUMA_MISPLACED;
    this.unmapFolios = k.lists.alloc();
    this.dstFolios = k.lists.alloc();
  }

  private static check(from: FolioList, mode: MigrateMode): void {
    // VM_WARN_ON_ONCE: batching (more than one folio in flight) is for MIGRATE_ASYNC only.
    if (mode !== MIGRATE_ASYNC && !from.isEmpty() && from.next(from.first()) !== -1) {
      throw new KernelBug(`migrate_pages_batch: ${migrateModeName(mode)} with more than one folio on the list`);
    }
  }

  /**
   * A finished batch made a new one, as if constructed with these arguments; it keeps its own
   * objects, so a migrate_pages_batch() in steady state allocates nothing (migratePagesBatch()
   * reuses batches from k.migrateScratch).
   */
  reinit(
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
  ): this {
    if (this.phase !== "done") throw new Error(`MigrateBatch.reinit: still in phase ${this.phase}`);
    MigrateBatch.check(from, mode);
    this.phase = "unmap";
    this.from = from;
    this.getNewFolio = getNewFolio;
    this.putNewFolio = putNewFolio;
    this.priv = priv;
    this.mode = mode;
    this.reason = reason;
    this.retFolios = retFolios;
    this.splitFolios = splitFolios;
    this.stats = stats;
    this.nrPass = nrPass;
    this.nrFailed = 0;
    this.rcSaved = 0;
    this.rc = 0;
    this.dstp.value = -1;
    this.nosplit = reason === MR_NUMA_MISPLACED;
    this.unmapFolios = this.k.lists.alloc();
    this.dstFolios = this.k.lists.alloc();
    return this;
  }

  /**
   * Enter a phase. A phase the batch is already past is a no-op (the kernel's gotos skip it).
   * finish() may be called at any point: it undoes whatever is unmapped. flush() and move()
   * need the unmap first, and move() runs a pending flush itself: no data moves before the TLB
   * flush that follows the unmap.
   */
  private enter(phase: MigrateBatchPhase): boolean {
    if (this.phase === "done") throw new Error("MigrateBatch: already finished");
    const want = PHASE_ORDER.indexOf(phase);
    const cur = PHASE_ORDER.indexOf(this.phase);
    if (want < cur) return false;
    if (phase !== "finish" && this.phase === "unmap" && phase !== "unmap") throw new Error(`MigrateBatch: ${phase}() before unmap()`);
    if (phase === "move" && this.phase === "flush") this.flush();
    this.phase = phase;
    return true;
  }

  /** Unmap phase: up to nrPass passes of migrate_folio_unmap() over `from`. */
  unmap(): void {
    if (!this.enter("unmap")) return;
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
        // The rare folio on the deferred split list (v6.12, not v6.1: partially mapped) is split now. It
        // is not a failure, but counts as one so that migrate_pages() cannot report success
        // with split, unmigrated pages still on its list.
        if (nrPages > 2 && this.splitFolios && k.options.kernel !== "6.1" && folioTestPartiallyMapped(mem, folio)) {
          if (!trySplitFolio(k, folio, this.splitFolios, this.mode)) {
            this.nrFailed++;
            stats.nrThpFailed += isThp;
            stats.nrThpSplit += isThp;
            stats.nrSplit++;
            continue;
          }
        }
        // thp_migration_supported() is true (x86-64): no split for that reason.
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
    if (!this.enter("flush")) return;
    tryToUnmapFlush(this.k);
    this.phase = "move";
  }

  /** Move phase: up to nrPass passes of migrate_folio_move() over the unmapped folios. */
  move(): void {
    if (!this.enter("move")) return;
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
    if (!this.enter("finish")) return this.rc;
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
  const pool = k.migrateScratch.batches;
  const reused = pool.pop();
  const batch = reused
    ? reused.reinit(from, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats, nrPass)
    : new MigrateBatch(k, from, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats, nrPass);
  const rc = batch.run();
  pool.push(batch);
  return rc;
}
