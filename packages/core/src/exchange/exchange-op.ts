/**
 * ExchangeOp: one folio_exchange() run as explicit phases, so that a test (or a conformance
 * case) can run a fault, a pin, a truncate or another exchange between two of them:
 *
 *   isolate -> lock -> supported -> unmap -> flush -> move -> remap -> unlock -> putback -> done
 *
 * The op owns the order of the phases, the failure-injection points, the tracepoints, the undo
 * path and the counters; what each phase does is a step of the exchange template it runs
 * (FolioExchange, exchange-template.ts), foliox's own by default. A failed phase jumps to
 * "remap" (each folio remapped to itself), then unlocks and puts back: every acquired step is
 * undone. The op allocates nothing after its constructor, and folioExchange() and
 * folioExchangeBatch() reuse finished ops (reinit(), from the system's k.exchangeOps), so an
 * exchange in steady state allocates nothing at all.
 */
import type { Backend, ExchangePrepareState } from "../backend/contract.js";
import { EAGAIN, errnoKey } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { HeldLocks } from "../kernel/lockdep.js";
import { WAIT_DONE, waitRunHolder, type WaitOwner } from "../kernel/wait.js";
import { folioWaitWritebackSleep } from "../fs/page-writeback.js";
import { MIGRATE_SYNC, type MigrateMode } from "../migrate/migrate-mode.js";
import { folioWaitLocked } from "../mm/folio-lock.js";
import type { AnonVma } from "../mm/mm-types.js";
import { tryToUnmapFlush } from "../mm/rmap.js";
import {
  NR_ISOLATED_ANON,
  PGEXCHANGE_FAIL,
  PGEXCHANGE_FAIL_EAGAIN,
  PGEXCHANGE_FAIL_EBUSY,
  PGEXCHANGE_FAIL_EINVAL,
  PGEXCHANGE_FAIL_ENOENT,
  PGEXCHANGE_FAIL_EOPNOTSUPP,
  PGEXCHANGE_FAIL_EPERM,
  PGEXCHANGE_FAIL_OTHER,
  PGEXCHANGE_SUCCESS,
} from "../mm/vmstat.js";
import { EXCHANGE_WAIT_FOLIO_LOCK, EXCHANGE_WAIT_LOCK_CLASS, EXCHANGE_WAIT_NONE, EXCHANGE_WAIT_WRITEBACK, EXCHANGE_WOULD_BLOCK } from "./exchange-supported.js";
import { FOLIO_EXCHANGE, type FolioExchange } from "./exchange-template.js";

/** The phases an ExchangeOp runs, in order. */
export const EXCHANGE_PHASES = ["isolate", "lock", "supported", "unmap", "flush", "move", "remap", "unlock", "putback", "done"] as const;
export type ExchangePhase = (typeof EXCHANGE_PHASES)[number];
export const EXCHANGE_PHASE_INDEX = Object.freeze(Object.fromEntries(EXCHANGE_PHASES.map((p, i) => [p, i]))) as Readonly<Record<ExchangePhase, number>>;
/** EXCHANGE_PHASES' indexes, as the op keeps its phase */
const PH_ISOLATE = EXCHANGE_PHASE_INDEX.isolate;
const PH_LOCK = EXCHANGE_PHASE_INDEX.lock;
const PH_SUPPORTED = EXCHANGE_PHASE_INDEX.supported;
const PH_UNMAP = EXCHANGE_PHASE_INDEX.unmap;
const PH_FLUSH = EXCHANGE_PHASE_INDEX.flush;
const PH_MOVE = EXCHANGE_PHASE_INDEX.move;
const PH_REMAP = EXCHANGE_PHASE_INDEX.remap;
const PH_UNLOCK = EXCHANGE_PHASE_INDEX.unlock;
const PH_PUTBACK = EXCHANGE_PHASE_INDEX.putback;
const PH_DONE = EXCHANGE_PHASE_INDEX.done;

/** Failure-injection points, in the order the template passes them. */
export const EXCHANGE_FAILURE_POINTS = [
  "folio_exchange_isolate(old)",
  "folio_exchange_isolate(new)",
  "folio_exchange_lock(old)",
  "folio_exchange_lock(new)",
  "folio_exchange_supported(old)",
  "folio_exchange_supported(new)",
  "folio_exchange_unmap(old)",
  "folio_exchange_unmap(new)",
  "folio_exchange_fs_prepare(old)",
  "folio_exchange_fs_prepare(new)",
  "folio_ref_freeze(old)",
  "folio_ref_freeze(new)",
] as const;

/** One side's failure points (and trace step names), made once so that no phase builds a string. */
export interface ExchangeSidePoints {
  readonly isolate: string;
  readonly lock: string;
  readonly supported: string;
  readonly unmap: string;
  readonly fsPrepare: string;
  readonly fsFinish: string;
}

const sidePoints = (name: "old" | "new"): ExchangeSidePoints =>
  Object.freeze({
    isolate: `folio_exchange_isolate(${name})`,
    lock: `folio_exchange_lock(${name})`,
    supported: `folio_exchange_supported(${name})`,
    unmap: `folio_exchange_unmap(${name})`,
    fsPrepare: `folio_exchange_fs_prepare(${name})`,
    fsFinish: `folio_exchange_fs_finish(${name})`,
  });
const POINTS = Object.freeze({ old: sidePoints("old"), new: sidePoints("new") });

const FAIL_EVENT: Readonly<Record<string, number>> = Object.freeze({
  eagain: PGEXCHANGE_FAIL_EAGAIN,
  ebusy: PGEXCHANGE_FAIL_EBUSY,
  enoent: PGEXCHANGE_FAIL_ENOENT,
  einval: PGEXCHANGE_FAIL_EINVAL,
  eopnotsupp: PGEXCHANGE_FAIL_EOPNOTSUPP,
  eperm: PGEXCHANGE_FAIL_EPERM,
});

/** What one side of the pair holds while the op runs (the template's steps read and set it). */
export class ExchangeSide {
  isolated = false;
  /** NR_ISOLATED_* item and node recorded at isolation, so that the putback subtracts the same */
  isolatedItem = NR_ISOLATED_ANON;
  isolatedNid = 0;
  locked = false;
  anonVma: AnonVma | null = null;
  /** the folio had PTEs that now are migration entries */
  unmapped = false;
  /** the refcount the move froze this folio at (folio_expected_refs()) */
  expected = 0;
  /** frozen (true) or only checked at `expected` (Backend.exchangeMayFreeze said no) */
  freeze = true;
  readonly prepare: ExchangePrepareState = { locked: false };
  readonly points: ExchangeSidePoints;
  constructor(
    public head: number,
    readonly name: "old" | "new",
  ) {
    this.points = POINTS[name];
  }

  /** A fresh side for `head`, in this object (a reused op). */
  reset(head: number): void {
    this.head = head;
    this.isolated = false;
    this.isolatedItem = NR_ISOLATED_ANON;
    this.isolatedNid = 0;
    this.locked = false;
    this.anonVma = null;
    this.unmapped = false;
    this.expected = 0;
    this.freeze = true;
    this.prepare.locked = false;
  }
}

/**
 * One exchange in flight, and a holder in the wait model (kernel/wait.ts): the folio locks it
 * takes are recorded as its own, so that a SYNC path that sleeps on one of them runs this op
 * forward (runForward) until it unlocks, and lockdep checks its lock order as one holder's.
 */
export class ExchangeOp implements WaitOwner {
  /** the phase as its index in EXCHANGE_PHASES (PH_*): a batch compares it for every step */
  phaseIndex = PH_ISOLATE;
  get phase(): ExchangePhase {
    return EXCHANGE_PHASES[this.phaseIndex]!;
  }
  /** lockdep's held-lock stack of this op (made on its first lock while lockdep is on) */
  heldLocks: HeldLocks | null = null;
  /** the holder this op is waiting for inside wait(), or null */
  waitingOn: WaitOwner | null = null;
  /** what the last EXCHANGE_WOULD_BLOCK waits for (EXCHANGE_WAIT_*), and on which pfn or lock class */
  blockedOn = EXCHANGE_WAIT_NONE;
  blockedPfn = -1;
  /** waits this op slept through (each set PG_waiters and charged k.waits.waitNs) */
  waits = 0;
  /** inside step(): a wait that reaches this op from its own call stack cannot run it */
  private running = false;
  /** 0 once exchanged; the first errno otherwise */
  rc = 0;
  /** the step that failed, or "" */
  failedStep = "";
  readonly old: ExchangeSide;
  readonly new: ExchangeSide;
  /** [old, new], for the phases that treat both alike */
  readonly sides: readonly [ExchangeSide, ExchangeSide];
  /** the mapping swap happened: remap crosswise */
  exchanged = false;
  /**
   * backends whose exchangeBegin() succeeded (KSM↔KSM: ksm_thread_mutex held), the first
   * nrBegun entries (one per side at most); exchangeEnd() at unlock. A counted array, never
   * truncated: truncating frees its storage, and the next exchange would allocate it again.
   */
  readonly begun: (Backend | null)[] = [null, null];
  nrBegun = 0;
  /** mm_folio_exchange_step has a listener (checked once per op) */
  private traced: boolean;

  constructor(
    readonly k: Kernel,
    oldHead: number,
    newHead: number,
    public mode: MigrateMode,
    /** batched: defer TLB flushes to one flush for the batch, and only trylock */
    public batched = false,
    /** the template whose steps the phases run; foliox's by default */
    public ex: FolioExchange = FOLIO_EXCHANGE,
  ) {
    this.old = new ExchangeSide(oldHead, "old");
    this.new = new ExchangeSide(newHead, "new");
    this.sides = [this.old, this.new];
    this.traced = k.trace.enabled("mm_folio_exchange_step");
  }

  /**
   * Make a finished op a new one, as if constructed with these arguments: the objects it is made
   * of are kept (sides, arrays, lockdep's stack), so reusing it allocates nothing.
   */
  reinit(oldHead: number, newHead: number, mode: MigrateMode, batched: boolean, ex: FolioExchange): this {
    if (!this.done) throw new Error(`ExchangeOp.reinit: ${this.holderName} is still in phase ${this.phase}`);
    this.phaseIndex = PH_ISOLATE;
    this.waitingOn = null;
    this.blockedOn = EXCHANGE_WAIT_NONE;
    this.blockedPfn = -1;
    this.waits = 0;
    this.running = false;
    this.rc = 0;
    this.failedStep = "";
    this.exchanged = false;
    this.nrBegun = 0;
    this.mode = mode;
    this.batched = batched;
    this.ex = ex;
    this.old.reset(oldHead);
    this.new.reset(newHead);
    this.traced = this.k.trace.enabled("mm_folio_exchange_step");
    return this;
  }

  get done(): boolean {
    return this.phaseIndex === PH_DONE;
  }

  /** "folio_exchange(old, new)": the holder in lockdep and wait reports. */
  get holderName(): string {
    return `folio_exchange(${this.old.head}, ${this.new.head})`;
  }

  /**
   * Run one phase. Returns EXCHANGE_WOULD_BLOCK when the phase must wait and be retried
   * (blockedOn says for what; wait() sleeps on it).
   */
  step(): number {
    this.running = true;
    try {
      return this.stepPhase();
    } finally {
      this.running = false;
    }
  }

  private stepPhase(): number {
    this.blockedOn = EXCHANGE_WAIT_NONE;
    switch (this.phaseIndex) {
      case PH_ISOLATE:
        return this.advance(this.isolate(), PH_LOCK);
      case PH_LOCK:
        return this.advance(this.lock(), PH_SUPPORTED);
      case PH_SUPPORTED:
        return this.advance(this.supported(), PH_UNMAP);
      case PH_UNMAP:
        return this.advance(this.unmap(), this.batched ? PH_MOVE : PH_FLUSH);
      case PH_FLUSH:
        tryToUnmapFlush(this.k);
        this.trace("try_to_unmap_flush", 0);
        return this.advance(0, PH_MOVE);
      case PH_MOVE:
        return this.advance(this.ex.folioExchangeMove(this), PH_REMAP);
      case PH_REMAP:
        // A failure after the unmap began skips the flush phase: the PTEs cleared under
        // TTU_BATCH_FLUSH still need their shootdown before they are restored.
        if (this.rc !== 0) tryToUnmapFlush(this.k);
        this.ex.folioExchangeRemap(this);
        this.trace("folio_exchange_remap", 0);
        return this.advance(0, PH_UNLOCK);
      case PH_UNLOCK:
        this.ex.folioExchangeUnlock(this);
        this.trace("folio_unlock", 0);
        return this.advance(0, PH_PUTBACK);
      case PH_PUTBACK:
        for (const side of this.sides) this.ex.folioExchangePutback(this, side);
        this.trace("folio_exchange_putback", 0);
        this.finishAccounting();
        this.phaseIndex = PH_DONE;
        return 0;
      default: // PH_DONE
        return 0;
    }
  }

  /**
   * Run every remaining phase. A phase that would sleep waits (wait()): the I/O completes or
   * the holder runs forward, and the phase is retried; a wait that cannot be satisfied backs
   * the op out with -EAGAIN, every acquired step undone.
   */
  run(): number {
    while (!this.done) {
      if (this.step() === EXCHANGE_WOULD_BLOCK && !this.wait()) this.abort(-EAGAIN);
    }
    return this.rc;
  }

  /**
   * Sleep on what the last EXCHANGE_WOULD_BLOCK named (kernel/wait.ts): PG_waiters is set, a
   * writeback I/O in flight completes, a folio lock's or a backend lock's holder is run forward
   * until it releases it. True when the phase may be retried; false when the holder cannot
   * move (no owner, this op's own stack, finished without releasing, or waiting on this op).
   */
  wait(): boolean {
    const k = this.k;
    const w = k.waits;
    const pfn = this.blockedPfn;
    switch (this.blockedOn) {
      case EXCHANGE_WAIT_FOLIO_LOCK:
        this.waits++;
        return folioWaitLocked(k, pfn, this) === 0;
      case EXCHANGE_WAIT_WRITEBACK:
        this.waits++;
        return folioWaitWritebackSleep(k, pfn);
      case EXCHANGE_WAIT_LOCK_CLASS: {
        this.waits++;
        w.waits++;
        for (let i = 0; w.classOwner[pfn] !== null; i++) {
          if (i >= 64 || waitRunHolder(k, this, w.classOwner[pfn]!, "a backend lock") !== WAIT_DONE) {
            w.waitsFailed++;
            return false;
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Run forward by one step on behalf of a sleeper (WaitOwner). A phase of its own that would
   * sleep waits in turn; if that wait cannot be satisfied, the op backs out with -EAGAIN —
   * which releases its locks, so the sleeper moves either way.
   */
  runForward(): boolean {
    if (this.done || this.running) return false;
    if (this.step() === EXCHANGE_WOULD_BLOCK && !this.wait()) this.abort(-EAGAIN);
    return true;
  }

  /** Give up a phase that cannot complete: rc, then the undo phases (remap to self, unlock, putback). */
  abort(rc: number): void {
    if (this.done || this.phaseIndex === PH_REMAP || this.phaseIndex === PH_UNLOCK || this.phaseIndex === PH_PUTBACK) return;
    this.fail(`${this.phase} (wait)`, rc);
    this.advance(rc, PH_REMAP);
  }

  /** A phase returns EXCHANGE_WOULD_BLOCK for `what` on `pfn` (a pfn, or a lock class). */
  blockOn(what: number, pfn: number): number {
    this.blockedOn = what;
    this.blockedPfn = pfn;
    return EXCHANGE_WOULD_BLOCK;
  }

  /** Record the failure of `step` (the failure point or step name) and trace it; returns rc. */
  fail(step: string, rc: number): number {
    this.failedStep = step;
    this.trace(step, rc);
    return rc;
  }

  /** mm_folio_exchange_step, when someone listens. */
  trace(step: string, rc: number): void {
    if (this.traced) this.k.trace.emit("mm_folio_exchange_step", { step, rc, oldPfn: this.old.head, newPfn: this.new.head });
  }

  private advance(rc: number, next: number): number {
    if (rc === EXCHANGE_WOULD_BLOCK) return rc;
    if (rc < 0) {
      this.rc = rc;
      // Undo: remap to self, unlock, put back — the remaining phases do exactly that (a
      // failure in isolate, lock, supported, unmap or move; flush cannot fail).
      this.phaseIndex = this.phaseIndex <= PH_MOVE ? PH_REMAP : next;
      return rc;
    }
    this.phaseIndex = next;
    return 0;
  }

  private isolate(): number {
    for (const side of this.sides) {
      const rc = this.ex.folioExchangeIsolate(this, side);
      if (rc) return this.fail(side.points.isolate, rc);
    }
    this.trace("folio_exchange_isolate", 0);
    return 0;
  }

  private lock(): number {
    let rc = this.exchangeBegin();
    if (rc) return rc;
    rc = this.ex.folioExchangeLock(this);
    if (rc) return rc;
    this.trace("folio_exchange_lock", 0);
    return 0;
  }

  private supported(): number {
    const k = this.k;
    for (const side of this.sides) {
      const injected = k.faultInject.check(side.points.supported);
      if (injected) return this.fail(side.points.supported, injected);
      const rc = this.ex.folioExchangeSupported(k, side.head, this.mode);
      if (rc === EXCHANGE_WOULD_BLOCK) return this.blockOn(EXCHANGE_WAIT_WRITEBACK, side.head);
      if (rc < 0) return this.fail(side.points.supported, rc);
    }
    this.trace("folio_exchange_supported", 0);
    return 0;
  }

  /**
   * What a backend must hold across the exchange, or refuse (KSM↔KSM: ksm_thread_mutex or
   * -EBUSY). Taken before the folio locks, in the order ksmd takes them (the mutex, then folio
   * locks): the other order is an ABBA against ksmd's remove_rmap_item_from_tree().
   */
  exchangeBegin(): number {
    const k = this.k;
    const mayBlock = this.mode === MIGRATE_SYNC && !this.batched;
    for (const side of this.sides) {
      const b = k.backends.forFolio(k, side.head);
      if (!b?.exchangeBegin || (this.nrBegun > 0 && this.begun[0] === b)) continue;
      const rc = b.exchangeBegin(k, this.old.head, this.new.head, mayBlock, this);
      if (rc === EXCHANGE_WOULD_BLOCK) return this.blockOn(EXCHANGE_WAIT_LOCK_CLASS, b.exchangeBlockingLock?.(k) ?? -1);
      if (rc < 0) return this.fail(`exchange_begin(${b.manifest.name})`, rc);
      this.begun[this.nrBegun++] = b;
    }
    return 0;
  }

  private unmap(): number {
    for (const side of this.sides) {
      const rc = this.ex.folioExchangeUnmap(this, side);
      if (rc) return this.fail(side.points.unmap, rc);
    }
    this.trace("folio_exchange_unmap", 0);
    return 0;
  }

  private finishAccounting(): void {
    const k = this.k;
    if (this.rc === 0) {
      k.vmstat.countEvents(PGEXCHANGE_SUCCESS, 1);
    } else {
      k.vmstat.countEvents(PGEXCHANGE_FAIL, 1);
      k.vmstat.countEvents(FAIL_EVENT[errnoKey(this.rc)] ?? PGEXCHANGE_FAIL_OTHER, 1);
    }
    if (k.trace.enabled("mm_folio_exchange")) {
      k.trace.emit("mm_folio_exchange", { oldPfn: this.old.head, newPfn: this.new.head, rc: this.rc, step: this.failedStep });
    }
  }
}
