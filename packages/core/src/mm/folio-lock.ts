/**
 * The folio lock (PG_locked, include/linux/pagemap.h and mm/filemap.c): folio_trylock(),
 * folio_lock() — which sleeps in folio_wait_bit_common() until the holder's folio_unlock()
 * wakes it — and folio_unlock(), with the holder recorded for the wait model (kernel/wait.ts)
 * and every acquisition checked by lockdep (kernel/lockdep.ts, class folio_lock, instance the
 * head pfn).
 *
 * A sleeper sets PG_waiters, as folio_wait_bit_common() does before it sleeps; folio_unlock()
 * clears it when it wakes them (folio_wake_bit(): the last waiter is gone). In the model the
 * sleeper is the one that runs the holder forward (kernel/wait.ts), so by the time the unlock
 * happens there is nobody left asleep.
 *
 * Callers whose lock and unlock happen inside one synchronous call (readahead, write(2),
 * truncate, writeback) may keep setting PG_locked directly: nothing can observe the lock
 * between the two. Paths that hold a folio lock across steps someone else can interleave with
 * (the exchange's phases, ksmd) or that sleep on one (SYNC migration, SYNC exchange, ksmd's
 * ksm_get_folio(LOCK)) go through here.
 */
import { LOCK_FOLIO, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import type { Kernel } from "../kernel/kernel.js";
import { WAIT_DEADLOCK, WAIT_DONE, WAIT_MAX_STEPS, WAIT_STUCK, waitRunHolder, type WaitOwner } from "../kernel/wait.js";
import { PG_locked, PG_waiters } from "./page-flags.js";

/** folio_lock() could not take the lock: the holder cannot move (WAIT_STUCK) or waits on us. */
export const FOLIO_LOCK_STUCK = -1;
export const FOLIO_LOCK_DEADLOCK = -2;

/** folio_trylock() by `owner`: true if taken. A trylock records no lock-order dependency. */
export function folioTrylock(k: Kernel, head: number, owner: WaitOwner = k.waits.current): boolean {
  if (k.mem.testSetFlag(head, PG_locked)) return false;
  k.waits.folioOwner.set(head, owner);
  lockAcquire(k.lockdep, LOCK_FOLIO, head, owner, true);
  return true;
}

/**
 * PG_locked was just set by `owner`: record the holder, and tell lockdep — as a blocking
 * acquisition (folio_lock(), ordered after what `owner` holds) unless `trylock`.
 */
export function folioLockAcquired(k: Kernel, head: number, owner: WaitOwner, trylock = false): void {
  k.waits.folioOwner.set(head, owner);
  lockAcquire(k.lockdep, LOCK_FOLIO, head, owner, trylock);
}

/**
 * folio_lock(): take the lock, sleeping while someone else holds it. Returns 0 with the lock
 * held, or FOLIO_LOCK_STUCK / FOLIO_LOCK_DEADLOCK when the holder cannot be made to release it
 * (kernel/wait.ts): the caller backs out (-EAGAIN) with nothing of this folio held.
 */
export function folioLock(k: Kernel, head: number, owner: WaitOwner = k.waits.current): number {
  const mem = k.mem;
  if (!mem.testSetFlag(head, PG_locked)) {
    folioLockAcquired(k, head, owner);
    return 0;
  }
  const rc = folioWaitLocked(k, head, owner);
  if (rc) return rc;
  mem.setFlag(head, PG_locked);
  folioLockAcquired(k, head, owner);
  return 0;
}

/**
 * folio_wait_locked() / the sleep in folio_wait_bit_common(): PG_waiters set, then the holder is
 * run forward until PG_locked is clear. 0 once it is; FOLIO_LOCK_STUCK / FOLIO_LOCK_DEADLOCK.
 */
export function folioWaitLocked(k: Kernel, head: number, sleeper: WaitOwner): number {
  const mem = k.mem;
  const w = k.waits;
  if (!mem.testFlag(head, PG_locked)) return 0;
  // A sleeper that gives up leaves the wait queue; the bit goes if it was the only waiter.
  const others = mem.testFlag(head, PG_waiters);
  mem.setFlag(head, PG_waiters);
  w.waits++;
  for (let i = 0; mem.testFlag(head, PG_locked); i++) {
    const rc = i < WAIT_MAX_STEPS ? waitRunHolder(k, sleeper, w.folioOwner.get(head), "folio_lock") : WAIT_STUCK;
    if (rc === WAIT_DONE) continue;
    w.waitsFailed++;
    if (!others) mem.clearFlag(head, PG_waiters);
    return rc === WAIT_DEADLOCK ? FOLIO_LOCK_DEADLOCK : FOLIO_LOCK_STUCK;
  }
  return 0;
}

/** folio_unlock(): clear PG_locked, wake the waiters (PG_waiters goes), forget the holder. */
export function folioUnlock(k: Kernel, head: number): void {
  const mem = k.mem;
  mem.clearFlag(head, PG_locked);
  mem.clearFlag(head, PG_waiters);
  const owner = k.waits.folioOwner.get(head);
  if (owner === undefined) return;
  k.waits.folioOwner.delete(head);
  lockRelease(k.lockdep, LOCK_FOLIO, head, owner);
}
