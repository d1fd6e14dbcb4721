/**
 * The exchange template: folio_exchange() and a batched folio_exchange_batch() (the seed's
 * mm/exchange.c folio_exchange_parallel(), with its intent, docs/kernel-facts.md#seed-exchange,
 * and none of its defects, docs/decisions.md#seed-defects: seed-defect-N below names one). Under memory pressure it swaps a hot slow-tier folio with a cold fast-tier folio in
 * place, with no free page:
 *
 *   isolate -> lock -> supported? -> unmap both -> TLB flush -> fs_prepare(old), fs_prepare(new)
 *   -> freeze + exchange_mapping -> exchange_fs_private -> exchange_data -> exchange_flags
 *   -> fs_finish(new), fs_finish(old) -> remap each side to the other -> unlock -> putback
 *
 * - On failure each folio is remapped to itself, never crosswise (seed-defect-1), and the error is
 *   returned; every acquired step is undone.
 * - After unmap both folios must be unmapped (mapcount 0), and both refcounts are frozen at
 *   their expected values before anything moves (seed-defect-2, seed-defect-3).
 * - Folio locks are taken in pfn order (seed-defect-4).
 * - Only MIGRATE_SYNC and MIGRATE_ASYNC are accepted; other modes, folios of different orders
 *   and a folio paired with itself get -EINVAL before anything is taken.
 * - Every check that can fail runs before the mapping swap; from there on nothing can fail,
 *   so the point of no return (the first byte of the data swap) is never crossed by a failure.
 * - The exchange never allocates.
 *
 * An ExchangeOp runs as explicit phases so that a test can run a fault, a pin or another
 * exchange between two of them.
 *
 * The optional `quirks` (exchange-quirks.ts) re-enable the seed's defects one by one for the
 * conformance suite's `seed-literal` mover; production callers never pass them (NO_QUIRKS).
 */
import type { Backend, ExchangePrepareState } from "../backend/contract.js";
import { KernelBug } from "../kernel/bug.js";
import { EAGAIN, EBUSY, EINVAL, EOPNOTSUPP, errnoKey } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, type MigrateMode } from "../migrate/migrate-mode.js";
import type { AnonVma } from "../mm/mm-types.js";
import { PG_locked } from "../mm/page-flags.js";
import { TTU_BATCH_FLUSH, folioGetAnonVma, putAnonVma, removeMigrationPtes, tryToMigrate, tryToUnmapFlush } from "../mm/rmap.js";
import { folioPut } from "../mm/swap.js";
import {
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
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
import { folioExchangeData } from "./exchange-data.js";
import { folioExchangeFlags } from "./exchange-flags.js";
import { folioExchangeFsFinish, folioExchangeFsPrepare, folioExchangeFsPrivate } from "./exchange-fs.js";
import { folioExchangeFreeze, folioExchangeMapping, folioExchangeMayFreeze, folioExchangeUnfreeze, folioExchangeXaLock, folioExchangeXaUnlock } from "./exchange-mapping.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { folioSwapSpace } from "../swap/swap-state.js";
import { folioExpectedRefs } from "../migrate/migrate-folio.js";
import { EXCHANGE_WOULD_BLOCK, folioExchangeSupported } from "./exchange-supported.js";
import { NO_QUIRKS, type ExchangeQuirks } from "./exchange-quirks.js";

export { EXCHANGE_WOULD_BLOCK };

/** The phases an ExchangeOp runs, in order. */
export const EXCHANGE_PHASES = ["isolate", "lock", "supported", "unmap", "flush", "move", "remap", "unlock", "putback", "done"] as const;
export type ExchangePhase = (typeof EXCHANGE_PHASES)[number];
const PHASE_INDEX = Object.fromEntries(EXCHANGE_PHASES.map((p, i) => [p, i])) as Record<ExchangePhase, number>;

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

const FAIL_EVENT: Record<string, number> = {
  eagain: PGEXCHANGE_FAIL_EAGAIN,
  ebusy: PGEXCHANGE_FAIL_EBUSY,
  enoent: PGEXCHANGE_FAIL_ENOENT,
  einval: PGEXCHANGE_FAIL_EINVAL,
  eopnotsupp: PGEXCHANGE_FAIL_EOPNOTSUPP,
  eperm: PGEXCHANGE_FAIL_EPERM,
};

/** What one side of the pair holds while the op runs. */
class Side {
  isolated = false;
  /** NR_ISOLATED_* item and node recorded at isolation (not re-read after the swap: seed-defect-7) */
  isolatedItem = NR_ISOLATED_ANON;
  isolatedNid = 0;
  locked = false;
  anonVma: AnonVma | null = null;
  /** the folio had PTEs that now are migration entries */
  unmapped = false;
  readonly prepare: ExchangePrepareState = { locked: false };
  constructor(
    readonly head: number,
    readonly name: "old" | "new",
  ) {}
}

export class ExchangeOp {
  phase: ExchangePhase = "isolate";
  /** 0 once exchanged; the first errno otherwise */
  rc = 0;
  /** the step that failed, or "" */
  failedStep = "";
  private readonly old: Side;
  private readonly new: Side;
  /** the mapping swap happened: remap crosswise */
  private exchanged = false;
  /** backends whose exchangeBegin() succeeded (KSM↔KSM: ksm_thread_mutex held); exchangeEnd() at unlock */
  private readonly begun: Backend[] = [];
  /** mm_folio_exchange_step has a listener (checked once per op) */
  private readonly traced: boolean;

  constructor(
    private readonly k: Kernel,
    oldHead: number,
    newHead: number,
    readonly mode: MigrateMode,
    /** batched: defer TLB flushes to one flush for the batch, and only trylock */
    private readonly batched = false,
    /** seed defects to reproduce (conformance only); default none */
    private readonly quirks: Readonly<ExchangeQuirks> = NO_QUIRKS,
  ) {
    this.old = new Side(oldHead, "old");
    this.new = new Side(newHead, "new");
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
      case "move": {
        const rc = this.move();
        if (rc < 0 && this.quirks.moveResultIgnored) {
          // seed-defect-1 (seed-literal): the result is ignored and each side is remapped onto the other.
          this.exchanged = true;
          return this.advance(0, "remap");
        }
        return this.advance(rc, "remap");
      }
      case "remap":
        this.remap();
        return this.advance(0, "unlock");
      case "unlock":
        this.unlock();
        return this.advance(0, "putback");
      case "putback":
        this.putback();
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

  private fail(step: string, rc: number): number {
    this.failedStep = step;
    this.trace(step, rc);
    return rc;
  }

  private trace(step: string, rc: number): void {
    if (this.traced) this.k.trace.emit("mm_folio_exchange_step", { step, rc, oldPfn: this.old.head, newPfn: this.new.head });
  }

  /** folio_exchange_isolate() on both: folio_isolate_lru() and NR_ISOLATED_*. */
  private isolate(): number {
    for (const side of [this.old, this.new]) {
      const point = `folio_exchange_isolate(${side.name})`;
      const injected = this.k.faultInject.check(point);
      const k = this.k;
      if (injected || !k.lru.folioIsolateLru(side.head)) {
        // seed-defect-9 (seed-literal): the second check tests old again, so new's failure goes unnoticed.
        if (side !== this.new || !this.quirks.secondIsolationTestsOld) return this.fail(point, injected || -EBUSY);
      }
      side.isolated = true;
      side.isolatedItem = k.lru.folioIsFileLru(side.head) ? NR_ISOLATED_FILE : NR_ISOLATED_ANON;
      side.isolatedNid = k.folioNid(side.head);
      k.vmstat.modNode(side.isolatedNid, side.isolatedItem, k.mem.folioNrPages(side.head));
    }
    this.trace("folio_exchange_isolate", 0);
    return 0;
  }

  /** folio_exchange_lock() on both, lower pfn first so that (A,B) and (B,A) cannot deadlock. */
  private lock(): number {
    // seed-defect-4 (seed-literal): argument order, so (A,B) against a (B,A) locker is ABBA.
    const [first, second] = this.old.head < this.new.head || this.quirks.noLockOrdering ? [this.old, this.new] : [this.new, this.old];
    for (const side of [first, second]) {
      if (side.locked) continue;
      const point = `folio_exchange_lock(${side.name})`;
      const injected = this.k.faultInject.check(point);
      if (injected) return this.fail(point, injected);
      const mem = this.k.mem;
      if (!mem.testSetFlag(side.head, PG_locked)) {
        side.locked = true;
        continue;
      }
      // Contended. ASYNC never sleeps; a batch holding other locks only trylocks; SYNC sleeps.
      if (this.mode === MIGRATE_ASYNC || this.batched) return this.fail(point, -EAGAIN);
      return EXCHANGE_WOULD_BLOCK;
    }
    this.trace("folio_exchange_lock", 0);
    return 0;
  }

  private supported(): number {
    for (const side of [this.old, this.new]) {
      const point = `folio_exchange_supported(${side.name})`;
      const injected = this.k.faultInject.check(point);
      if (injected) return this.fail(point, injected);
      let rc = folioExchangeSupported(this.k, side.head, this.mode);
      // seed-defect-8 (seed-literal): the comment says KSM folios are excluded; they are not.
      if (rc === -EOPNOTSUPP && this.quirks.ksmNotExcluded && this.k.mem.folioTestKsm(side.head)) rc = 0;
      if (rc === EXCHANGE_WOULD_BLOCK) return rc;
      if (rc < 0) return this.fail(point, rc);
    }
    // What a backend must hold across the exchange, or refuse (KSM↔KSM: ksm_thread_mutex or -EBUSY).
    const mayBlock = this.mode === MIGRATE_SYNC && !this.batched;
    for (const side of [this.old, this.new]) {
      const b = this.k.backends.forFolio(this.k, side.head);
      if (!b?.exchangeBegin || this.begun.includes(b)) continue;
      const rc = b.exchangeBegin(this.k, this.old.head, this.new.head, mayBlock);
      if (rc === EXCHANGE_WOULD_BLOCK) return rc;
      if (rc < 0) return this.fail(`exchange_begin(${b.manifest.name})`, rc);
      this.begun.push(b);
    }
    this.trace("folio_exchange_supported", 0);
    return 0;
  }

  /**
   * folio_exchange_unmap() on both: anon_vma pins, migration entries, mapcount must reach 0.
   * The flush is always deferred to the one try_to_unmap_flush() that follows both unmaps (the
   * seed defers only in ASYNC): no data moves before it, and one shootdown serves both folios.
   */
  private unmap(): number {
    const k = this.k;
    const flags = TTU_BATCH_FLUSH;
    for (const side of [this.old, this.new]) {
      const point = `folio_exchange_unmap(${side.name})`;
      const injected = k.faultInject.check(point);
      if (injected) return this.fail(point, injected);
      const mem = k.mem;
      if (mem.folioTestAnon(side.head) && !mem.folioTestKsm(side.head)) side.anonVma = folioGetAnonVma(k, side.head);
      if (mem.mapping[side.head] !== 0 && mem.folioMapped(side.head)) {
        tryToMigrate(k, side.head, flags);
        side.unmapped = true;
      }
      // A pinned exclusive page stays mapped by design; the exchange must not go on (seed-defect-2).
      if (mem.folioMapped(side.head) && !this.quirks.noUnmapCheckNoAnonFreeze) return this.fail(point, -EAGAIN);
    }
    this.trace("folio_exchange_unmap", 0);
    return 0;
  }

  /** folio_exchange_move(): the fs hooks, the freeze, and the swaps. */
  private move(): number {
    const k = this.k;
    const { old, new: nw } = this;
    if (this.mode !== MIGRATE_SYNC && this.mode !== MIGRATE_ASYNC) return this.fail("folio_exchange_move", -EINVAL);
    let rc = folioExchangeFsPrepare(k, old.head, this.mode, old.prepare, "folio_exchange_fs_prepare(old)");
    if (rc) return this.failMove("folio_exchange_fs_prepare(old)", rc);
    this.trace("folio_exchange_fs_prepare(old)", 0);
    rc = folioExchangeFsPrepare(k, nw.head, this.mode, nw.prepare, "folio_exchange_fs_prepare(new)");
    if (rc) return this.failMove("folio_exchange_fs_prepare(new)", rc);
    this.trace("folio_exchange_fs_prepare(new)", 0);
    const oldExpected = folioExpectedRefs(k, k.mem.folioHasMapping(old.head), old.head);
    let newExpected = folioExpectedRefs(k, k.mem.folioHasMapping(nw.head), nw.head);
    const q = this.quirks;
    // seed-defect-2/seed-defect-3 (seed-literal): which freezes the seed skips; false for foliox.
    const noFreeze = q !== NO_QUIRKS && this.seedSkipsFreeze();
    if (q.freezeInDebugAssert && !k.mem.folioTestAnon(old.head) && !k.mem.folioTestAnon(nw.head)) newExpected = oldExpected;
    // The freeze and the mapping swap run under the page-cache (or swap-cache) mappings' i_pages
    // locks, taken in mapping order and once for a mapping both folios share (seed-defect-4).
    const oldAs = folioAddressSpace(k, old.head) ?? folioSwapSpace(k, old.head);
    const newAs = folioAddressSpace(k, nw.head) ?? folioSwapSpace(k, nw.head);
    folioExchangeXaLock(oldAs, newAs);
    // Never freeze a KSM folio outside the swap cache (docs/decisions.md#ksm-exchange): check its count instead.
    const freezeOld = folioExchangeMayFreeze(k, old.head, q);
    const freezeNew = folioExchangeMayFreeze(k, nw.head, q);
    if (!noFreeze) {
      rc = folioExchangeFreeze(k, old.head, oldExpected, nw.head, newExpected, freezeOld, freezeNew);
      if (rc) {
        folioExchangeXaUnlock(oldAs, newAs);
        return this.failMove("folio_exchange_mapping", rc);
      }
    }
    const swapcache = k.mem.folioTestSwapcache(old.head) || k.mem.folioTestSwapcache(nw.head);
    // From here on nothing can fail.
    folioExchangeMapping(k, old.head, nw.head, q);
    folioExchangeXaUnlock(oldAs, newAs);
    this.exchanged = true;
    this.trace("folio_exchange_mapping", 0);
    folioExchangeFsPrivate(k, old.head, nw.head, q);
    if (swapcache && q.swapEntryNotMoved) {
      // seed-defect-6 (seed-literal): folio->swap (which shares ->private) stays with the frame.
      const swap = k.mem.private[old.head]!;
      k.mem.private[old.head] = k.mem.private[nw.head]!;
      k.mem.private[nw.head] = swap;
    }
    // The locks fs_prepare took now guard the other frame's private data.
    const held = old.prepare.locked;
    old.prepare.locked = nw.prepare.locked;
    nw.prepare.locked = held;
    this.trace("folio_exchange_fs_private", 0);
    folioExchangeData(k, old.head, nw.head);
    this.trace("folio_exchange_data", 0);
    folioExchangeFlags(k, old.head, nw.head);
    this.trace("folio_exchange_flags", 0);
    if (!noFreeze) {
      folioExchangeUnfreeze(k, old.head, oldExpected, nw.head, newExpected, freezeOld, freezeNew);
    } else if (q.freezeInDebugAssert && !(k.mem.folioTestAnon(old.head) && k.mem.folioTestAnon(nw.head))) {
      // seed-defect-3 (seed-literal): folio_ref_unfreeze() is an atomic_set(): an extra reference is lost.
      k.mem.refcount[old.head] = newExpected;
      k.mem.refcount[nw.head] = oldExpected;
    }
    folioExchangeFsFinish(k, nw.head, this.mode, nw.prepare);
    this.trace("folio_exchange_fs_finish(new)", 0);
    folioExchangeFsFinish(k, old.head, this.mode, old.prepare);
    this.trace("folio_exchange_fs_finish(old)", 0);
    return 0;
  }

  /** The seed's freezes (seed-literal only): none for anon↔anon (seed-defect-2), none without DEBUG_VM (seed-defect-3). */
  private seedSkipsFreeze(): boolean {
    const mem = this.k.mem;
    const anonAnon = mem.folioTestAnon(this.old.head) && mem.folioTestAnon(this.new.head);
    return anonAnon ? this.quirks.noUnmapCheckNoAnonFreeze : this.quirks.freezeInDebugAssert;
  }

  private failMove(step: string, rc: number): number {
    folioExchangeFsFinish(this.k, this.new.head, this.mode, this.new.prepare);
    folioExchangeFsFinish(this.k, this.old.head, this.mode, this.old.prepare);
    return this.fail(step, rc);
  }

  /** folio_exchange_remap(): crosswise after an exchange, each to itself after a failure. */
  private remap(): void {
    const k = this.k;
    const { old, new: nw } = this;
    if (old.unmapped) removeMigrationPtes(k, old.head, this.exchanged ? nw.head : old.head);
    if (nw.unmapped) removeMigrationPtes(k, nw.head, this.exchanged ? old.head : nw.head);
    for (const side of [old, nw]) {
      if (side.anonVma) putAnonVma(k, side.anonVma);
      side.anonVma = null;
      side.unmapped = false;
    }
    // A batched unmap's flush is owed even if this pair never reached the batch flush.
    this.trace("folio_exchange_remap", 0);
  }

  private unlock(): void {
    for (const b of this.begun.splice(0)) b.exchangeEnd?.(this.k, this.old.head, this.new.head);
    for (const side of [this.old, this.new]) {
      if (side.locked) this.k.mem.clearFlag(side.head, PG_locked);
      side.locked = false;
    }
    this.trace("folio_unlock", 0);
  }

  /** folio_exchange_putback(): back on the LRU of the data each frame now holds. */
  private putback(): void {
    const k = this.k;
    for (const side of [this.old, this.new]) {
      if (!side.isolated) continue;
      // seed-defect-7 (seed-literal): the item is re-read after the exchange, from the other data's type.
      const item = this.quirks.isolatedPutbackPostExchangeType ? (k.lru.folioIsFileLru(side.head) ? NR_ISOLATED_FILE : NR_ISOLATED_ANON) : side.isolatedItem;
      k.vmstat.modNode(side.isolatedNid, item, -k.mem.folioNrPages(side.head));
      k.lru.folioAddLru(side.head);
      folioPut(k, side.head);
      side.isolated = false;
    }
    this.trace("folio_exchange_putback", 0);
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

/** -EINVAL checks made before anything is taken. */
export function folioExchangeCheckArgs(k: Kernel, oldHead: number, newHead: number, mode: number, quirks: Readonly<ExchangeQuirks> = NO_QUIRKS): number {
  if (mode !== MIGRATE_SYNC && mode !== MIGRATE_ASYNC) return -EINVAL;
  const mem = k.mem;
  if (oldHead === newHead) return -EINVAL;
  for (const h of [oldHead, newHead]) {
    if (!Number.isInteger(h) || h < 0 || h >= mem.nrPages || mem.pageFolio(h) !== h) return -EINVAL;
  }
  // seed-defect-9 (seed-literal): only a VM_BUG_ON, so a non-debug kernel goes on and the data swap overruns.
  if (mem.order[oldHead] !== mem.order[newHead] && !quirks.mixedOrdersDebugOnly) return -EINVAL;
  return 0;
}

/**
 * folio_exchange(): swap two folios of the same order in place. 0, or a negative errno with
 * both folios as they were ("unchanged" as docs/decisions.md#unchanged defines it).
 */
export function folioExchange(k: Kernel, oldHead: number, newHead: number, mode: number, quirks: Readonly<ExchangeQuirks> = NO_QUIRKS): number {
  const rc = folioExchangeCheckArgs(k, oldHead, newHead, mode, quirks);
  if (rc) {
    countInvalid(k);
    return rc;
  }
  return new ExchangeOp(k, oldHead, newHead, mode as MigrateMode, false, quirks).run();
}

function countInvalid(k: Kernel): void {
  k.vmstat.countEvents(PGEXCHANGE_FAIL, 1);
  k.vmstat.countEvents(PGEXCHANGE_FAIL_EINVAL, 1);
}

/**
 * folio_exchange_batch(): each phase runs over all pairs — isolate, lock and check, unmap all,
 * one TLB flush, move all, remap all, unlock and put back — so that one flush serves the batch.
 * A folio may appear in at most one pair. Returns one rc per pair.
 */
export function folioExchangeBatch(k: Kernel, pairs: readonly (readonly [number, number])[], mode: number): number[] {
  const rcs = new Array<number>(pairs.length).fill(0);
  const ops: (ExchangeOp | null)[] = [];
  const seen = new Set<number>();
  pairs.forEach(([a, b], i) => {
    let rc = folioExchangeCheckArgs(k, a, b, mode);
    if (!rc && (seen.has(a) || seen.has(b))) rc = -EINVAL;
    seen.add(a);
    seen.add(b);
    if (rc) {
      rcs[i] = rc;
      countInvalid(k);
      ops.push(null);
    } else {
      ops.push(new ExchangeOp(k, a, b, mode as MigrateMode, pairs.length > 1));
    }
  });
  const live = ops.filter((op): op is ExchangeOp => op !== null);
  const runUntil = (phase: ExchangePhase) => {
    const target = PHASE_INDEX[phase];
    for (const op of live) {
      while (!op.done && PHASE_INDEX[op.phase] < target) {
        if (op.step() === EXCHANGE_WOULD_BLOCK) throw new KernelBug(`folio_exchange_batch: phase ${op.phase} would sleep`);
      }
    }
  };
  runUntil("flush");
  runUntil("move");
  tryToUnmapFlush(k);
  runUntil("remap");
  runUntil("done");
  ops.forEach((op, i) => {
    if (op) rcs[i] = op.rc;
  });
  return rcs;
}
