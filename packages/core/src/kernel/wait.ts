/**
 * The wait model: what a sleeping lock or wait (folio_lock(), folio_wait_writeback(),
 * mutex_lock(&ksm_thread_mutex), a fault on a migration entry, wait_on_buffer()) does in a
 * deterministic, single-threaded model of the kernel.
 *
 * In the kernel the sleeper goes off the CPU and its holder, running elsewhere, eventually
 * releases the lock (or the I/O completes) and wakes it (folio_wait_bit_common(), mm/filemap.c).
 * Here nothing runs unless someone runs it, so every sleeping lock records its holder, a
 * WaitOwner: a task, or an in-flight operation (an ExchangeOp between two phases, ksmd, a
 * writeback I/O). A SYNC path that would sleep waits by making its holder move:
 * - an I/O in flight is completed (writeback: folio_end_writeback() now, ahead of the queue);
 * - a holder that can run (an ExchangeOp parked between phases) is run forward, one step at a
 *   time, until it releases what the sleeper waits for — then the sleeper retries;
 * - a holder that cannot move — held by a test or by a raw flag with no owner, the sleeper's
 *   own call stack (a reentrant call from a tracepoint), or a holder that is itself waiting on
 *   the sleeper (a cycle: a deadlock) — ends the wait: the SYNC path backs out with -EAGAIN, as
 *   it would after its retries run out, and a cycle is counted and described in `deadlocks` /
 *   `lastDeadlock` (lockdep has reported the inversion that made it possible, if it is on).
 * ASYNC paths never get here: they trylock and return -EAGAIN / -EBUSY.
 *
 * Every wait sets PG_waiters on the folio (the caller does: kernel/ cannot see page flags) and
 * charges a cost the tiering engine can read: `waitNs`, the simulated nanoseconds spent asleep
 * (WAIT_IO_NS per I/O completed, WAIT_STEP_NS per step a holder was run), and `waits`.
 */
import { NR_LOCK_CLASSES, type HeldLocks, type LockHolder } from "./lockdep.js";
import type { Kernel } from "./kernel.js";
import { PfnMap } from "./pfn-map.js";

/** Simulated cost of sleeping until one writeback I/O completes (a device write). */
export const WAIT_IO_NS = 20_000;
/** Simulated cost of sleeping while the holder runs one of its steps forward. */
export const WAIT_STEP_NS = 1_000;
/** How many steps a wait runs a holder before it gives up (a holder that never releases). */
export const WAIT_MAX_STEPS = 64;

/** A holder of sleeping locks: lockdep's LockHolder, which the wait model can also run. */
export interface WaitOwner extends LockHolder {
  /** what this owner is waiting for right now (inside a wait), for cycle detection */
  waitingOn: WaitOwner | null;
  /**
   * Run one step towards releasing what it holds. False when it cannot move now: it is the
   * sleeper's own call stack (mid-step), it is finished, or its own wait could not be
   * satisfied. Only called by the wait model.
   */
  runForward(k: Kernel): boolean;
}

/** A holder that never moves on request: a task in a synchronous call, ksmd inside its scan. */
export class TaskOwner implements WaitOwner {
  heldLocks: HeldLocks | null = null;
  waitingOn: WaitOwner | null = null;
  constructor(readonly holderName: string) {}
  runForward(): boolean {
    return false;
  }
}

/** Why a wait ended. */
export const WAIT_DONE = 0;
/** the holder cannot move (no owner, the sleeper's own stack, or finished without releasing) */
export const WAIT_STUCK = 1;
/** the holder is waiting on the sleeper: a deadlock */
export const WAIT_DEADLOCK = 2;

/**
 * One system's wait state (WAITS token): who holds each locked folio and the ksm_thread_mutex
 * style global locks, what waiting cost, and the deadlocks found.
 */
export class WaitState {
  /** folio lock holders by head pfn, for folios locked through mm/folio-lock.ts (a PfnMap: no allocation per lock) */
  readonly folioOwner = new PfnMap<WaitOwner>();
  /** the holder of each single-instance sleeping lock, by lock class (ksm_thread_mutex) */
  readonly classOwner: (WaitOwner | null)[] = new Array<WaitOwner | null>(NR_LOCK_CLASSES).fill(null);
  /** the context of synchronous calls (a syscall, a test's direct call): it never moves on request */
  readonly current = new TaskOwner("current");
  /** simulated ns spent asleep, and the number of waits */
  waitNs = 0;
  waits = 0;
  /** waits that ended because the holder could not move, and cycles among them */
  waitsFailed = 0;
  deadlocks = 0;
  lastDeadlock = "";

  /** Charge a wait of `ns` simulated nanoseconds. */
  charge(ns: number): void {
    this.waitNs += ns;
  }

  /** Forget the counters (not the holders). */
  resetCounters(): void {
    this.waitNs = 0;
    this.waits = 0;
    this.waitsFailed = 0;
    this.deadlocks = 0;
    this.lastDeadlock = "";
  }
}

/** Does owner `from`'s chain of waits reach `to`? (the holder waits, transitively, on the sleeper) */
export function waitChainReaches(from: WaitOwner, to: WaitOwner): boolean {
  let o: WaitOwner | null = from;
  for (let i = 0; o !== null && i < WAIT_MAX_STEPS; i++) {
    if (o === to) return true;
    o = o.waitingOn;
  }
  return false;
}

/**
 * Run `holder` forward one step on behalf of `sleeper`: WAIT_DONE if it moved, WAIT_STUCK or
 * WAIT_DEADLOCK if not. The caller re-checks its condition and calls again while it holds.
 */
export function waitRunHolder(k: Kernel, sleeper: WaitOwner, holder: WaitOwner | undefined, what: string): number {
  const w = k.waits;
  if (!holder) return WAIT_STUCK;
  if (holder === sleeper || waitChainReaches(holder, sleeper)) {
    w.deadlocks++;
    w.lastDeadlock = `${sleeper.holderName} waits for ${what} held by ${holder.holderName}, which waits on ${sleeper.holderName}`;
    return WAIT_DEADLOCK;
  }
  sleeper.waitingOn = holder;
  const moved = holder.runForward(k);
  sleeper.waitingOn = null;
  w.charge(WAIT_STEP_NS);
  return moved ? WAIT_DONE : WAIT_STUCK;
}
