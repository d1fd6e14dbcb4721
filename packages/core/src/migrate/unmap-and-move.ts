/**
 * One folio through the migration path, mm/migrate.c (v6.12): migrate_folio_unmap(),
 * migrate_folio_move(), move_to_new_folio(), fallback_migrate_folio() and writeout(),
 * migrate_folio_undo_src()/_dst(), migrate_folio_done(), __migrate_folio_record()/_extract(),
 * plus putback_movable_pages() and the LRU isolation that callers do first.
 * Facts: docs/kernel-facts.md#migration-path and #filesystem-callbacks.
 *
 * Sleeping follows the wait model (kernel/wait.ts): folio_lock() on a folio someone else has
 * locked (SYNC, or SYNC_LIGHT on an uptodate folio) runs the lock's holder forward until it
 * unlocks — an exchange parked between two phases finishes — and then takes the lock; only a
 * holder that cannot move (a lock set by hand, no owner) makes the attempt return -EAGAIN, the
 * folio staying on `from` for the next pass of migrate_pages_batch(), a failure once the passes
 * run out, as when the kernel's holder outlasts its retries. folio_wait_writeback() on an I/O
 * that is in flight (k.fs.writebackQueue) completes it; PG_writeback with no I/O in flight is
 * -EAGAIN the same way. So a
 * fallback folio that writeout() sent to disk in one SYNC attempt moves in the next, after
 * migrate_folio_unmap() waited for it (the move-phase retries in between find it clean and under
 * writeback: filemap_release_folio() refuses, -EAGAIN).
 *
 * Left out: non-LRU movable pages (movable_ops, PG_isolated), hugetlb, page_owner
 * (set_page_owner_migrate_reason), PF_MEMALLOC (no "current" task), lru_add_drain() (there are
 * no per-cpu LRU batches: folio_add_lru() reaches the list at once).
 */
import type { Backend } from "../backend/contract.js";
import { vmBug } from "../kernel/bug.js";
import { EAGAIN, EBUSY, EINVAL, EIO, ENOMEM, EOPNOTSUPP } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateFolioExtracted } from "../kernel/out-params.js";
import { GFP_KERNEL } from "../mm/gfp.js";
import { listDel, type FolioList } from "../mm/list.js";
import { PAGE_MAPPING_FLAGS } from "../mm/mem-map.js";
import type { AnonVma } from "../mm/mm-types.js";
import { PG_active, PG_dirty, PG_locked, PG_mlocked, PG_private, PG_unevictable, PG_uptodate, PG_writeback } from "../mm/page-flags.js";
import { TTU_BATCH_FLUSH, folioGetAnonVma, putAnonVma, removeMigrationPtes, tryToMigrate } from "../mm/rmap.js";
import { folioPut, folioPutbackLru } from "../mm/swap.js";
import { NR_ISOLATED_ANON } from "../mm/vmstat.js";
import { folioDetachPrivate, migrateFolio } from "./migrate-folio.js";
import { AS_UNMOVABLE } from "../fs/address-space.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { filemapReleaseFolio } from "../fs/filemap.js";
import { folioClearDirtyForIo, folioWaitWritebackSleep } from "../fs/page-writeback.js";
import { folioLock, folioTrylock, folioUnlock } from "../mm/folio-lock.js";
import {
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  MIGRATEPAGE_SUCCESS,
  MIGRATEPAGE_UNMAP,
  MR_DEMOTION,
  MR_MEMORY_FAILURE,
  type MigrateMode,
} from "./migrate-mode.js";

/** new_folio_t: a destination folio for src (head pfn, one reference), or -1. */
export type NewFolioFn = (k: Kernel, src: number, priv: unknown) => number;
/** free_folio_t: give back a destination folio that was not used. */
export type FreeFolioFn = (k: Kernel, dst: number, priv: unknown) => void;

/** old_page_state bits recorded in dst->private between unmap and move (v6.12) */
export const PAGE_WAS_MAPPED = 1 << 0;
export const PAGE_WAS_MLOCKED = 1 << 1;

/**
 * __migrate_folio_record(): stash the anon_vma in dst->mapping (the raw pointer, no tag bits)
 * and old_page_state in dst->private; nobody else looks at a locked, unpublished dst.
 */
export function migrateFolioRecord(k: Kernel, dst: number, oldPageState: number, anonVma: AnonVma | null): void {
  k.mem.mapping[dst] = anonVma ? anonVma.id << 2 : 0;
  k.mem.private[dst] = oldPageState;
}

/**
 * __migrate_folio_extract(): take the stash back and clear dst->mapping and dst->private. The
 * out-parameters land in the system's k.migrateFolioExtracted, which is returned: read it before
 * the next extract.
 */
export function migrateFolioExtract(k: Kernel, dst: number): MigrateFolioExtracted {
  const mem = k.mem;
  const out = k.migrateFolioExtracted;
  const id = mem.mapping[dst]! >> 2;
  out.anonVma = id ? (k.anonVmas[id] ?? null) : null;
  out.oldPageState = mem.private[dst]!;
  mem.mapping[dst] = 0;
  mem.private[dst] = 0;
  return out;
}

/** migrate_folio_undo_src(): restore the source folio after a failure. */
export function migrateFolioUndoSrc(k: Kernel, src: number, pageWasMapped: boolean, anonVma: AnonVma | null, locked: boolean, ret: FolioList | null): void {
  if (pageWasMapped) removeMigrationPtes(k, src, src);
  if (anonVma) putAnonVma(k, anonVma);
  if (locked) folioUnlock(k, src);
  if (ret) ret.moveTail(src);
}

/** migrate_folio_undo_dst(): give the destination back. */
export function migrateFolioUndoDst(k: Kernel, dst: number, locked: boolean, putNewFolio: FreeFolioFn | null, priv: unknown): void {
  if (locked) folioUnlock(k, dst);
  if (putNewFolio) putNewFolio(k, dst, priv);
  else folioPut(k, dst);
}

/**
 * migrate_folio_done(): the source is finished with. NR_ISOLATED_* goes down (except for
 * MR_DEMOTION, whose folios were never counted as isolated), then the isolation reference is
 * dropped, freeing the folio (except for MR_MEMORY_FAILURE: page_handle_poison() releases it).
 */
export function migrateFolioDone(k: Kernel, src: number, reason: number): void {
  if (reason !== MR_DEMOTION) {
    k.vmstat.modNode(k.folioNid(src), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(src) ? 1 : 0), -k.mem.folioNrPages(src));
  }
  if (reason !== MR_MEMORY_FAILURE) folioPut(k, src);
}

/**
 * migrate_folio_unmap(): get a destination, lock src, take the anon_vma, lock dst, and replace
 * every PTE of src by a migration entry. Returns MIGRATEPAGE_UNMAP with dst in `dstp.value`
 * (state recorded in dst), MIGRATEPAGE_SUCCESS if src was freed under us, -ENOMEM if no
 * destination (src untouched, still on its list), -EAGAIN to retry (src restored and left where
 * it is), or another errno (src restored and moved to `ret`).
 */
export function migrateFolioUnmap(
  k: Kernel,
  getNewFolio: NewFolioFn,
  putNewFolio: FreeFolioFn | null,
  priv: unknown,
  src: number,
  dstp: { value: number },
  mode: MigrateMode,
  reason: number,
  ret: FolioList | null,
): number {
  const mem = k.mem;
  let rc = -EAGAIN;
  let oldPageState = 0;
  let anonVma: AnonVma | null = null;
  let locked = false;
  let dstLocked = false;

  if (mem.refcount[src] === 1) {
    // Folio was freed from under us: only our isolation reference is left.
    mem.clearFlag(src, PG_active);
    mem.clearFlag(src, PG_unevictable);
    listDel(mem, src);
    migrateFolioDone(k, src, reason);
    return MIGRATEPAGE_SUCCESS;
  }

  const dst = getNewFolio(k, src, priv);
  if (dst < 0) return -ENOMEM;
  dstp.value = dst;
  mem.private[dst] = 0;

  out: {
    if (!folioTrylock(k, src)) {
      if (mode === MIGRATE_ASYNC) break out;
      if (mode === MIGRATE_SYNC_LIGHT && !mem.testFlag(src, PG_uptodate)) break out;
      // folio_lock(): sleep until the holder unlocks (the wait model runs it forward); a holder
      // that cannot move leaves the folio for the next pass: -EAGAIN.
      if (folioLock(k, src) !== 0) break out;
    }
    locked = true;
    if (mem.testFlag(src, PG_mlocked)) oldPageState |= PAGE_WAS_MLOCKED;

    if (mem.testFlag(src, PG_writeback)) {
      // Only a full synchronous migration waits for writeback.
      if (mode !== MIGRATE_SYNC) {
        rc = -EBUSY;
        break out;
      }
      // folio_wait_writeback(): an I/O in flight completes now (the wait model); PG_writeback
      // with no I/O the model drives cannot end: -EAGAIN.
      if (!folioWaitWritebackSleep(k, src)) break out;
    }

    // Keep the anon_vma alive while src's mapcount is 0 (try_to_migrate() takes it there).
    if (mem.folioTestAnon(src) && !mem.folioTestKsm(src)) anonVma = folioGetAnonVma(k, src);

    if (!folioTrylock(k, dst)) break out;
    dstLocked = true;

    if (mem.mapping[src] === 0) {
      // An orphaned folio with fs-private data: try_to_free_buffers(), then retry.
      if (mem.testFlag(src, PG_private)) {
        // try_to_free_buffers() → folio_detach_private(): PG_private, ->private and the
        // reference the private data held all go
        folioDetachPrivate(k, src);
        break out;
      }
    } else if (mem.folioMapped(src)) {
      if (mem.folioTestAnon(src) && !mem.folioTestKsm(src) && !anonVma) vmBug(`migrate_folio_unmap: anon pfn ${src} has no anon_vma`);
      tryToMigrate(k, src, mode === MIGRATE_ASYNC ? TTU_BATCH_FLUSH : 0);
      oldPageState |= PAGE_WAS_MAPPED;
    }

    if (!mem.folioMapped(src)) {
      migrateFolioRecord(k, dst, oldPageState, anonVma);
      return MIGRATEPAGE_UNMAP;
    }
  }

  // A folio that has not been unmapped goes back to `ret`, unless it is to be retried.
  if (rc === -EAGAIN) ret = null;
  migrateFolioUndoSrc(k, src, (oldPageState & PAGE_WAS_MAPPED) !== 0, anonVma, locked, ret);
  migrateFolioUndoDst(k, dst, dstLocked, putNewFolio, priv);
  return rc;
}

/**
 * migrate_folio_move(): move the data and state to dst, put dst on the LRU, remap the
 * migration entries to dst, unlock both and finish src. -EAGAIN leaves both on their lists
 * (state re-recorded) for the next pass; another errno undoes both, src going to `ret`.
 */
export function migrateFolioMove(
  k: Kernel,
  putNewFolio: FreeFolioFn | null,
  priv: unknown,
  src: number,
  dst: number,
  mode: MigrateMode,
  reason: number,
  ret: FolioList,
): number {
  const mem = k.mem;
  const st = migrateFolioExtract(k, dst);
  const oldPageState = st.oldPageState;
  const anonVma = st.anonVma;
  // The kernel unlinks dst here and re-adds it at `prev` on -EAGAIN; move_to_new_folio() never
  // touches dst's list links, so dst simply stays in place until the outcome is known.
  const rc = moveToNewFolio(k, dst, src, mode);
  if (rc) {
    if (rc === -EAGAIN) {
      migrateFolioRecord(k, dst, oldPageState, anonVma);
      return rc;
    }
    listDel(mem, dst);
    migrateFolioUndoSrc(k, src, (oldPageState & PAGE_WAS_MAPPED) !== 0, anonVma, true, ret);
    migrateFolioUndoDst(k, dst, true, putNewFolio, priv);
    return rc;
  }
  listDel(mem, dst);

  // dst goes on the LRU first, so that an mlocked folio's mlock_count is rebuilt by the remap.
  k.lru.folioAddLru(dst);
  if (oldPageState & PAGE_WAS_MAPPED) removeMigrationPtes(k, src, dst);

  folioUnlock(k, dst);
  // Drop the allocation reference; the restored PTEs hold dst now.
  folioPut(k, dst);

  listDel(mem, src);
  if (anonVma) putAnonVma(k, anonVma);
  folioUnlock(k, src);
  migrateFolioDone(k, src, reason);
  return rc;
}

/**
 * move_to_new_folio(): dispatch to the folio's migrate callback. With no address_space
 * (anon, KSM, truncated) the kernel calls migrate_folio(NULL, …); the owning backend's
 * migrateFolio is that callback where one is registered. With an address_space: the backend's
 * a_ops->migrate_folio, else fallback_migrate_folio(). A mapping that no backend claims is
 * treated as mapping_unmovable(): -EOPNOTSUPP.
 */
export function moveToNewFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
  const mem = k.mem;
  if (!mem.testFlag(src, PG_locked)) vmBug(`move_to_new_folio: src pfn ${src} is not locked`);
  if (!mem.testFlag(dst, PG_locked)) vmBug(`move_to_new_folio: dst pfn ${dst} is not locked`);
  const backend = k.backends.forFolio(k, src);
  let rc: number;
  if (!mem.folioHasMapping(src) || (!backend && mem.folioTestSwapcache(src))) {
    // no mapping: migrate_folio(NULL, …); a swap-cache folio nobody claims (shmem's, after
    // shmem_writepage: mapping NULL): swap_aops->migrate_folio, which is migrate_folio
    rc = backend?.migrateFolio ? backend.migrateFolio(k, dst, src, mode) : migrateFolio(k, dst, src, mode);
  } else if (!backend || (folioAddressSpace(k, src)?.flags ?? 0) & AS_UNMOVABLE) {
    // mapping_unmovable()
    rc = -EOPNOTSUPP;
  } else if (backend.migrateFolio) {
    rc = backend.migrateFolio(k, dst, src, mode);
  } else {
    rc = fallbackMigrateFolio(k, backend, dst, src, mode);
  }
  if (rc === MIGRATEPAGE_SUCCESS) {
    // Pagecache src->mapping is cleared now; anon and movable keep their tagged pointer.
    if ((mem.mapping[src]! & PAGE_MAPPING_FLAGS) === 0) mem.mapping[src] = 0;
    // flush_dcache_folio(dst): nothing to do on x86.
  }
  return rc;
}

/**
 * writeout() (mm/migrate.c, ≤6.15): write a dirty folio back so that a later pass can move it.
 * It never succeeds directly: -EIO if ->writepage failed, else -EAGAIN.
 */
export function writeout(k: Kernel, backend: Backend, src: number): number {
  const mem = k.mem;
  if (!backend.writepage) return -EINVAL;
  // folio_clear_dirty_for_io(): someone else already started a write if it was clean.
  if (!folioClearDirtyForIo(k, src)) return -EAGAIN;
  // The folio must be clean to move; writeout may drop the lock, so the attempt is over.
  removeMigrationPtes(k, src, src);
  const rc = backend.writepage(k, src);
  // ->writepage unlocked it (unless AOP_WRITEPAGE_ACTIVATE): relock. Ours is the only locker.
  mem.setFlag(src, PG_locked);
  return rc < 0 ? -EIO : -EAGAIN;
}

/**
 * fallback_migrate_folio(): for a mapping without ->migrate_folio. A dirty folio is written out
 * in SYNC (v6.1 to v6.15) and refused with -EBUSY otherwise (and in every mode from 6.16, commit
 * 7ee3647243e5); fs-private data must be released; then migrate_folio(mapping, …).
 */
export function fallbackMigrateFolio(k: Kernel, backend: Backend, dst: number, src: number, mode: MigrateMode): number {
  const mem = k.mem;
  if (mem.testFlag(src, PG_dirty)) {
    if (k.options.kernel === "6.16" || mode !== MIGRATE_SYNC) return -EBUSY;
    return writeout(k, backend, src);
  }
  if (!filemapReleaseFolio(k, backend, src, GFP_KERNEL)) return mode === MIGRATE_SYNC ? -EAGAIN : -EBUSY;
  return migrateFolio(k, dst, src, mode);
}

/**
 * The LRU isolation a caller does before migrate_pages() (add_page_for_migration(),
 * migrate_misplaced_folio_prepare()): folio_isolate_lru(), then node_stat_mod_folio(
 * NR_ISOLATED_ANON + folio_is_file_lru, nr), then onto the caller's list. False if the folio
 * is not on an LRU (already isolated, or being freed).
 */
export function isolateFolioForMigration(k: Kernel, head: number, list: FolioList): boolean {
  if (!k.lru.folioIsolateLru(head)) return false;
  list.addTail(head);
  k.vmstat.modNode(k.folioNid(head), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(head) ? 1 : 0), k.mem.folioNrPages(head));
  return true;
}

/**
 * putback_movable_pages(): every folio left on the list goes back to its LRU, NR_ISOLATED_*
 * goes down, and the isolation reference is dropped.
 */
export function putbackMovablePages(k: Kernel, l: FolioList): void {
  const mem = k.mem;
  for (let folio = l.first(); folio !== -1; folio = l.first()) {
    listDel(mem, folio);
    k.vmstat.modNode(k.folioNid(folio), NR_ISOLATED_ANON + (k.lru.folioIsFileLru(folio) ? 1 : 0), -mem.folioNrPages(folio));
    folioPutbackLru(k, folio);
  }
}
