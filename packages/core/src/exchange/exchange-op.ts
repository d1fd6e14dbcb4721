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
 * undone. The op allocates nothing after its constructor.
 */
import type { Backend, ExchangePrepareState } from "../backend/contract.js";
import { KernelBug } from "../kernel/bug.js";
import { errnoKey } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { MIGRATE_SYNC, type MigrateMode } from "../migrate/migrate-mode.js";
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
import { EXCHANGE_WOULD_BLOCK } from "./exchange-supported.js";
import { FOLIO_EXCHANGE, type FolioExchange } from "./exchange-template.js";

/** The phases an ExchangeOp runs, in order. */
export const EXCHANGE_PHASES = ["isolate", "lock", "supported", "unmap", "flush", "move", "remap", "unlock", "putback", "done"] as const;
export type ExchangePhase = (typeof EXCHANGE_PHASES)[number];
export const EXCHANGE_PHASE_INDEX = Object.freeze(Object.fromEntries(EXCHANGE_PHASES.map((p, i) => [p, i]))) as Readonly<Record<ExchangePhase, number>>;

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
    readonly head: number,
    readonly name: "old" | "new",
  ) {
    this.points = POINTS[name];
  }
}

export class ExchangeOp {
  phase: ExchangePhase = "isolate";
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
  /** backends whose exchangeBegin() succeeded (KSM↔KSM: ksm_thread_mutex held); exchangeEnd() at unlock */
  readonly begun: Backend[] = [];
  /** mm_folio_exchange_step has a listener (checked once per op) */
  private readonly traced: boolean;

  constructor(
    readonly k: Kernel,
    oldHead: number,
    newHead: number,
    readonly mode: MigrateMode,
    /** batched: defer TLB flushes to one flush for the batch, and only trylock */
    readonly batched = false,
    /** the template whose steps the phases run; foliox's by default */
    readonly ex: FolioExchange = FOLIO_EXCHANGE,
  ) {
    this.old = new ExchangeSide(oldHead, "old");
    this.new = new ExchangeSide(newHead, "new");
    this.sides = [this.old, this.new];
    this.traced = k.trace.enabled("mm_folio_exchange_step");
  }

  get done(): boolean {
    return this.phase === "done";
  }

  /** Run one phase. Returns EXCHANGE_WOULD_BLOCK when the phase must wait and be retried. */
  step(): number {
    switch (this.phase) {
      case "isolate":
        return this.advance(this.isolate(), "lock");
      case "lock":
        return this.advance(this.lock(), "supported");
      case "supported":
        return this.advance(this.supported(), "unmap");
      case "unmap":
        return this.advance(this.unmap(), this.batched ? "move" : "flush");
      case "flush":
        tryToUnmapFlush(this.k);
        this.trace("try_to_unmap_flush", 0);
        return this.advance(0, "move");
      case "move":
        return this.advance(this.ex.folioExchangeMove(this), "remap");
      case "remap":
        this.ex.folioExchangeRemap(this);
        this.trace("folio_exchange_remap", 0);
        return this.advance(0, "unlock");
      case "unlock":
        this.ex.folioExchangeUnlock(this);
        this.trace("folio_unlock", 0);
        return this.advance(0, "putback");
      case "putback":
        for (const side of this.sides) this.ex.folioExchangePutback(this, side);
        this.trace("folio_exchange_putback", 0);
        this.finishAccounting();
        this.phase = "done";
        return 0;
      case "done":
        return 0;
    }
  }

  /** Run every remaining phase; SYNC waits that cannot be satisfied here are a bug. */
  run(): number {
    while (!this.done) {
      if (this.step() === EXCHANGE_WOULD_BLOCK) {
        throw new KernelBug(`folio_exchange: phase ${this.phase} would sleep, and nothing else runs to wake it; drive the op with step()`);
      }
    }
    return this.rc;
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

  private advance(rc: number, next: ExchangePhase): number {
    if (rc === EXCHANGE_WOULD_BLOCK) return rc;
    if (rc < 0) {
      this.rc = rc;
      // Undo: remap to self, unlock, put back — the remaining phases do exactly that.
      this.phase = this.phase === "isolate" || this.phase === "lock" || this.phase === "supported" || this.phase === "unmap" || this.phase === "move" ? "remap" : next;
      return rc;
    }
    this.phase = next;
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
    const rc = this.ex.folioExchangeLock(this);
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
      if (rc === EXCHANGE_WOULD_BLOCK) return rc;
      if (rc < 0) return this.fail(side.points.supported, rc);
    }
    // What a backend must hold across the exchange, or refuse (KSM↔KSM: ksm_thread_mutex or -EBUSY).
    const mayBlock = this.mode === MIGRATE_SYNC && !this.batched;
    for (const side of this.sides) {
      const b = k.backends.forFolio(k, side.head);
      if (!b?.exchangeBegin || this.begun.includes(b)) continue;
      const rc = b.exchangeBegin(k, this.old.head, this.new.head, mayBlock);
      if (rc === EXCHANGE_WOULD_BLOCK) return rc;
      if (rc < 0) return this.fail(`exchange_begin(${b.manifest.name})`, rc);
      this.begun.push(b);
    }
    this.trace("folio_exchange_supported", 0);
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
