/**
 * buffer_migrate_folio() and buffer_migrate_folio_norefs(), mm/migrate.c (v6.12, under
 * CONFIG_BUFFER_HEAD): __buffer_migrate_folio() and buffer_migrate_lock_buffers().
 * Facts: docs/kernel-facts.md#buffer-migrate-folio.
 *
 * Sleeping follows core's wait model (kernel/wait.ts): a lock_buffer() that would sleep (SYNC,
 * or SYNC_LIGHT on an uptodate buffer) waits for the buffer lock's holder. In the model no path
 * holds a buffer lock across steps — the exchange's fs_prepare takes and releases the ring
 * within its move phase, and I/O completes at submission — so the holder of a contended buffer
 * is one that cannot move (a test's, the fixture's "other I/O"): buffer_migrate_lock_buffers()
 * reports LOCK_WOULD_SLEEP with nothing held, the migration attempt returns -EAGAIN (the next
 * pass of migrate_pages_batch() retries it), and the exchange's fs_prepare returns
 * EXCHANGE_WOULD_BLOCK, which a SYNC folio_exchange() cannot satisfy: -EAGAIN, undone.
 */
import {
  EAGAIN,
  LOCK_BUFFER,
  MIGRATE_ASYNC,
  MIGRATE_SYNC_LIGHT,
  MIGRATEPAGE_SUCCESS,
  filemapMigrateFolio,
  folioExpectedRefs,
  lockAcquire,
  lockRelease,
  migrateFolio,
  type Kernel,
  type MigrateMode,
} from "@foliox/core";
import { invalidateBhLrus } from "./bh-lru.js";
import { BH_Uptodate, bufferHeads, folioBuffers, type BufferHeads } from "./buffer-head.js";

/** buffer_migrate_lock_buffers() results */
export const LOCKED = 0;
/** a buffer was locked and the mode may not wait: nothing held */
export const LOCK_FAILED = -1;
/** a buffer was locked and the mode would sleep in lock_buffer(): nothing held (see header) */
export const LOCK_WOULD_SLEEP = 1;

/**
 * buffer_migrate_lock_buffers(head, mode): trylock every buffer of the ring. On contention:
 * ASYNC, or SYNC_LIGHT with a !uptodate buffer, unlocks what it took and fails; otherwise the
 * kernel sleeps in lock_buffer() (here: LOCK_WOULD_SLEEP, also with nothing held).
 *
 * lockdep sees the ring as one lock (class "buffer_head lock", instance the head bh: the
 * buffers of a ring are always taken together, in ring order), taken by the current context
 * inside the folio lock: a blocking acquisition unless ASYNC, which can only trylock, or
 * `trylock` (the exchange's fs_prepare, which backs out with nothing held rather than sleep
 * while it holds the other folio's ring).
 */
export function bufferMigrateLockBuffers(k: Kernel, t: BufferHeads, head: number, mode: MigrateMode, trylock = mode === MIGRATE_ASYNC): number {
  let bh = head;
  do {
    if (!t.trylock(bh)) {
      const rc = mode === MIGRATE_ASYNC || (mode === MIGRATE_SYNC_LIGHT && !t.test(bh, BH_Uptodate)) ? LOCK_FAILED : LOCK_WOULD_SLEEP;
      const failed = bh;
      for (bh = head; bh !== failed; bh = t.thisPage[bh]!) t.unlock(bh);
      return rc;
    }
    bh = t.thisPage[bh]!;
  } while (bh !== head);
  lockAcquire(k.lockdep, LOCK_BUFFER, head, k.waits.current, trylock);
  return LOCKED;
}

/** Unlock every buffer of the ring (the unlock_buffers: label). */
export function bufferUnlockRing(k: Kernel, t: BufferHeads, head: number): void {
  lockRelease(k.lockdep, LOCK_BUFFER, head, k.waits.current);
  let bh = head;
  do {
    t.unlock(bh);
    bh = t.thisPage[bh]!;
  } while (bh !== head);
}

/** Does any buffer of the ring have b_count held? (the check_refs loop, under i_private_lock) */
export function ringHasRefs(t: BufferHeads, head: number): boolean {
  let bh = head;
  do {
    if (t.count[bh] !== 0) return true;
    bh = t.thisPage[bh]!;
  } while (bh !== head);
  return false;
}

/**
 * The check_refs part of __buffer_migrate_folio(): busy if a buffer has b_count; the first
 * time, drop i_private_lock, invalidate_bh_lrus() and recheck; the second time -EAGAIN.
 */
export function bufferCheckRefs(k: Kernel, t: BufferHeads, head: number): number {
  if (!ringHasRefs(t, head)) return 0;
  invalidateBhLrus(k);
  return ringHasRefs(t, head) ? -EAGAIN : 0;
}

/** folio_set_bh(bh, dst, bh_offset(bh)) for every buffer of the ring. */
export function ringSetFolio(t: BufferHeads, head: number, folio: number): void {
  let bh = head;
  do {
    t.setBh(bh, folio, t.offset[bh]!);
    bh = t.thisPage[bh]!;
  } while (bh !== head);
}

/**
 * __buffer_migrate_folio(mapping, dst, src, mode, check_refs) (mm/migrate.c, v6.12):
 * 1. no buffers: migrate_folio();
 * 2. refcount != folio_expected_refs(): -EAGAIN;
 * 3. buffer_migrate_lock_buffers() fails: -EAGAIN;
 * 4. check_refs: a buffer with b_count → invalidate_bh_lrus() and recheck, then -EAGAIN;
 * 5. filemap_migrate_folio() moves the ring as ->private, then folio_set_bh() on every bh;
 * 6. unlock the buffers.
 */
export function __bufferMigrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode, checkRefs: boolean): number {
  const head = folioBuffers(k, src);
  if (!head) return migrateFolio(k, dst, src, mode);
  const mem = k.mem;
  if (mem.refcount[src] !== folioExpectedRefs(k, mem.folioHasMapping(src), src)) return -EAGAIN;
  const t = bufferHeads(k);
  if (bufferMigrateLockBuffers(k, t, head, mode) !== LOCKED) return -EAGAIN;
  let rc = checkRefs ? bufferCheckRefs(k, t, head) : 0;
  if (rc === 0) {
    rc = filemapMigrateFolio(k, dst, src, mode);
    if (rc === MIGRATEPAGE_SUCCESS) ringSetFolio(t, head, dst);
  }
  bufferUnlockRing(k, t, head);
  return rc;
}

/** buffer_migrate_folio(): ext4_aops, ext4_da_aops (and ext2). */
export function bufferMigrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
  return __bufferMigrateFolio(k, dst, src, mode, false);
}

/** buffer_migrate_folio_norefs(): ext4_journalled_aops, def_blk_aops. */
export function bufferMigrateFolioNorefs(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
  return __bufferMigrateFolio(k, dst, src, mode, true);
}
