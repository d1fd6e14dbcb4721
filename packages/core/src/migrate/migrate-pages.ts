/**
 * The list mover: migrate_pages() and migrate_pages_sync() of mm/migrate.c (v6.12), and v6.1's
 * single loop on kernel "6.1" (docs/kernel-facts.md#differences-6-1-6-12).
 * migrate_pages_batch() and its phases are in migrate-pages-batch.ts.
 * Facts: docs/kernel-facts.md#migrate-pages.
 *
 * Left out: hugetlb (migrate_hugetlbs() finds none), non-LRU movable pages.
 */
import type { Kernel } from "../kernel/kernel.js";
import { listDel, type FolioList } from "../mm/list.js";
import type { MemMap } from "../mm/mem-map.js";
import { PGMIGRATE_FAIL, PGMIGRATE_SUCCESS, THP_MIGRATION_FAIL, THP_MIGRATION_SPLIT, THP_MIGRATION_SUCCESS } from "../mm/vmstat.js";
import { MIGRATE_ASYNC, migrateModeName, migrateReasonName, type MigrateMode } from "./migrate-mode.js";
import {
  getMigratePagesStats,
  putMigratePagesStats,
  type MigratePagesStats,
  NR_MAX_BATCHED_MIGRATION,
  NR_MAX_MIGRATE_ASYNC_RETRY,
  NR_MAX_MIGRATE_PAGES_RETRY,
  NR_MAX_MIGRATE_SYNC_RETRY,
  migratePagesBatch,
} from "./migrate-pages-batch.js";
import type { FreeFolioFn, NewFolioFn } from "./unmap-and-move.js";

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
  const astats = getMigratePagesStats(k);
  // Try to migrate in batch with MIGRATE_ASYNC mode first.
  let rc = migratePagesBatch(k, from, getNewFolio, putNewFolio, priv, MIGRATE_ASYNC, reason, folios, splitFolios, astats, NR_MAX_MIGRATE_ASYNC_RETRY);
  stats.nrSucceeded += astats.nrSucceeded;
  stats.nrThpSucceeded += astats.nrThpSucceeded;
  stats.nrThpSplit += astats.nrThpSplit;
  stats.nrSplit += astats.nrSplit;
  if (rc < 0) {
    stats.nrFailedPages += astats.nrFailedPages;
    stats.nrThpFailed += astats.nrThpFailed;
    putMigratePagesStats(k, astats);
    retFolios.spliceTail(folios);
    folios.release();
    return rc;
  }
  stats.nrThpFailed += astats.nrThpSplit;
  // Failures other than splits are retried below, so only splits count here.
  nrFailed += astats.nrSplit;
  putMigratePagesStats(k, astats);
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
 * v6.1's migrate_pages() (mm/migrate.c before v6.3's batching and migrate_pages_sync()): every
 * folio in the caller's mode from the first pass, with NR_MAX_MIGRATE_PAGES_RETRY passes and no
 * MIGRATE_ASYNC round first; then the pieces of large folios split for want of memory, in the
 * same mode, their failures not counted again (no_subpage_counting); -ENOMEM ends the call,
 * for a piece too.
 * v6.1 ran each pass over the whole list (unmap_and_move()); here each folio takes its passes in
 * turn: the same outcome and counters, another order of events.
 */
function migratePagesV61(
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
  const one = k.lists.alloc();
  let nrFailed = 0;
  let rc = 0;
  for (const list of [from, splitFolios]) {
    const pieces = list === splitFolios;
    while (!list.isEmpty()) {
      one.moveTail(list.first());
      rc = migratePagesBatch(k, one, getNewFolio, putNewFolio, priv, mode, reason, retFolios, pieces ? null : splitFolios, stats, NR_MAX_MIGRATE_PAGES_RETRY);
      retFolios.spliceTail(one);
      if (rc < 0) break;
      if (!pieces) nrFailed += rc;
    }
    if (rc < 0) break;
  }
  one.release();
  if (rc < 0) {
    retFolios.spliceTail(splitFolios);
    return rc;
  }
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
  const stats = getMigratePagesStats(k);
  const folios = k.lists.alloc();
  const retFolios = k.lists.alloc();
  const splitFolios = k.lists.alloc();
  // migrate_hugetlbs(): no hugetlb folios in this model.
  let rcGather = 0;
  if (k.options.kernel === "6.1") rcGather = migratePagesV61(k, from, getNewFolio, putNewFolio, priv, mode, reason, retFolios, splitFolios, stats);
  // v6.3+: batches of at most NR_MAX_BATCHED_MIGRATION pages (none on "6.1", done above).
  while (k.options.kernel !== "6.1") {
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
  putMigratePagesStats(k, stats);
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
