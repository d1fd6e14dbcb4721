/**
 * Sleeping and waiting (docs/kernel-facts.md "Sleeping and waiting", docs/decisions.md "Wait
 * model and lockdep"): a SYNC exchange that meets a folio locked by another kernel path in
 * flight waits for it (the wait model runs the holder forward) and succeeds; one whose holder
 * cannot move backs out with -EAGAIN and leaves everything as it was; a failure after the unmap
 * still issues the TLB flush it owes; a task blocked on a migration entry sets PG_waiters and is
 * woken by the unlock; two swap-cache folios share one swap space's i_pages lock, taken once.
 */
import {
  EAGAIN,
  EXCHANGE_WOULD_BLOCK,
  MIGRATE_SYNC,
  PG_locked,
  PG_waiters,
  TaskOwner,
  folioExchangeBatch,
  folioLock,
  folioTrylock,
  folioUnlock,
} from "@foliox/core";
import type { HeldLocks, Kernel, WaitOwner } from "@foliox/core";
import { ACCESS_BLOCKED, ACCESS_OK, accessVirtual } from "@foliox/core";
import { check, checkEqual, checkRc } from "../check.js";
import { checkHealthy, snapshot } from "../state.js";
import type { ConformanceCase, Side } from "../types.js";
import { EXCHANGEABLE, mappedHead, readToken, exchangeable, swapcacheSide } from "./helpers.js";

/**
 * Another kernel path in flight that holds a folio lock across steps (a fault in
 * filemap_fault(), a read whose I/O is in flight): it takes the lock, runs `steps` steps, and
 * unlocks. As a holder in the wait model, a sleeper can run it forward.
 */
class FolioLockHolder implements WaitOwner {
  heldLocks: HeldLocks | null = null;
  waitingOn: WaitOwner | null = null;
  left: number;
  constructor(
    private readonly k: Kernel,
    readonly head: number,
    steps: number,
  ) {
    this.left = steps;
    check(folioTrylock(k, head, this), `pfn ${head} is already locked`);
  }
  get holderName(): string {
    return `a fault holding folio_lock#${this.head}`;
  }
  get done(): boolean {
    return this.left < 0;
  }
  runForward(): boolean {
    if (this.done) return false;
    if (this.left-- === 0) folioUnlock(this.k, this.head);
    return true;
  }
}

export const syncWaitsForHolder: ConformanceCase = {
  id: "exchange.sync-waits-for-holder",
  title:
    "SYNC folio_exchange() on a folio another path holds locked runs the holder to its unlock and succeeds; with a holder that cannot move, -EAGAIN and nothing changes",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const holder = new FolioLockHolder(k, p[side].head, 3);
      const ns = k.waits.waitNs;
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `SYNC exchange, the ${side} folio locked by a path in flight`);
      check(holder.done, `the holder of the ${side} folio was not run to its unlock`);
      check(k.waits.waitNs > ns, "the wait charged no wait cost (k.waits.waitNs)");
      check(mappedHead(k, p.old) === p.new.head, "the exchange did not move the data");
      check(!k.mem.testFlag(p.old.head, PG_waiters) && !k.mem.testFlag(p.new.head, PG_waiters), "PG_waiters left set after the wake-up");
      checkHealthy(k, `SYNC wait for the holder of the ${side} folio`);
    }
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      // a lock with no owner the model can run: set by hand, as a stuck holder
      k.mem.setFlag(p[side].head, PG_locked);
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EAGAIN, `SYNC exchange, the ${side} folio locked by a holder that cannot move`);
      checkEqual(snapshot(k), before, `the ${side} folio held by a stuck holder: state after the failed wait`);
      k.mem.clearFlag(p[side].head, PG_locked);
      checkHealthy(k, `the stuck holder of the ${side} folio, gone`);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, "the retry");
      checkHealthy(k, "after the retry");
    }
  },
};

export const syncWaitsForOp: ConformanceCase = {
  id: "exchange.sync-waits-for-op",
  title: "a path that sleeps on a folio lock an exchange holds between phases runs the exchange forward until it unlocks",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    const k = ctx.system();
    const p = ctx.pair(k);
    const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
    while (!op.done && op.phase !== "unmap") check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase}`);
    check(k.mem.testFlag(p.old.head, PG_locked), "the exchange does not hold the old folio's lock before unmapping");
    // a task sleeping in folio_lock() (a fault, truncate): it runs the exchange to its unlock
    const sleeper = new TaskOwner("a task in folio_lock()");
    checkRc(folioLock(k, p.old.head, sleeper), 0, "folio_lock() on a folio an in-flight exchange holds");
    check(op.phase === "putback", `the exchange stopped at ${op.phase}, not right after its unlock`);
    checkRc(op.rc, 0, "the exchange the sleeper ran forward");
    folioUnlock(k, p.old.head);
    while (!op.done) op.step();
    checkHealthy(k, "after the sleeper ran the exchange forward");
  },
};

export const tlbFlushOnFailure: ConformanceCase = {
  id: "exchange.tlb-flush-on-failure",
  title: "a failure after the old side was unmapped in a batch still issues the TLB shootdown before the remap",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const point of ["folio_exchange_unmap(new)", "folio_exchange_fs_prepare(old)", "folio_ref_freeze(new)"]) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const shootdowns = k.tlb.shootdowns;
      k.faultInject.arm(point, -EAGAIN);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EAGAIN, `a failure at ${point}`);
      k.faultInject.clear();
      check(!k.tlb.flushRequired, `${point}: a TLB flush is left pending`);
      check(k.tlb.shootdowns > shootdowns, `${point}: no TLB shootdown was counted for the PTEs the unmap cleared`);
      checkHealthy(k, `a failure at ${point}`);
    }
  },
};

export const waitersOnMigrationEntry: ConformanceCase = {
  id: "exchange.waiters-on-migration-entry",
  title: "a task that faults on a migration entry sets PG_waiters; the exchange's unlock wakes it and it reads its own data",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as Side[]) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const f = p[side];
      const token = readToken(k, f);
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      while (!op.done && op.phase !== "move") check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase}`);
      checkRc(accessVirtual(k, f.task.mm!, f.addr, false), ACCESS_BLOCKED, `a read of the ${side} folio on its migration entry`);
      check(k.mem.testFlag(f.head, PG_waiters), `PG_waiters is not set on the ${side} folio with a task blocked on its migration entry`);
      while (!op.done) check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase}`);
      checkRc(op.rc, 0, "the exchange");
      check(!k.mem.testFlag(p.old.head, PG_waiters) && !k.mem.testFlag(p.new.head, PG_waiters), "PG_waiters left set after folio_unlock() woke the waiter");
      checkRc(accessVirtual(k, f.task.mm!, f.addr, false), ACCESS_OK, "the woken task's retry");
      check(k.faultState.lastToken === token, `the ${side} task read another process's data after the wake-up`);
      checkHealthy(k, `a waiter on the ${side} folio's migration entry`);
    }
  },
};

export const batchWaitsForWriteback: ConformanceCase = {
  id: "exchange.batch-sync-waits",
  title:
    "folio_exchange_batch() in SYNC: a folio under writeback is waited for (the I/O completes), a locked one gives -EAGAIN for its pair; the other pairs are exchanged and nothing is left isolated or unmapped",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    const wb = (["old", "new"] as Side[]).find((s) => (ctx[s].states ?? []).includes("writeback"));
    const k = ctx.system();
    const a = wb ? ctx.pair(k, wb === "old" ? { oldState: "writeback" } : { newState: "writeback" }) : ctx.pair(k);
    const b = ctx.pair(k);
    k.mem.setFlag(b.new.head, PG_locked);
    const rcs = folioExchangeBatch(
      k,
      [
        [a.old.head, a.new.head],
        [b.old.head, b.new.head],
      ],
      MIGRATE_SYNC,
      ctx.mover.exchange,
    );
    checkEqual(rcs, [0, -EAGAIN], wb ? "batch: a pair under writeback, a pair with a locked folio" : "batch: a clean pair, a pair with a locked folio");
    k.mem.clearFlag(b.new.head, PG_locked);
    check(mappedHead(k, a.old) === a.new.head, "the first pair was not exchanged");
    check(mappedHead(k, b.old) === b.old.head, "the refused pair moved");
    checkHealthy(k, "after the batch");
  },
};

export const sameSwapSpace: ConformanceCase = {
  id: "swapcache.same-swap-space",
  title: "two swap-cache folios of one swap space: its i_pages lock is taken once, and the entries follow the data",
  requires: "a swap-cache kind or state on both sides",
  applies: (o, n) => swapcacheSide(o) && swapcacheSide(n) && o.exchange && n.exchange,
  run(ctx) {
    const k = ctx.system();
    const p = ctx.pair(k, { oldState: "swapcache", newState: "swapcache" });
    const fo = ctx.fixture(k, "old");
    const fn = ctx.fixture(k, "new");
    const entries = [fo.swapEntry!(k, p.old.head), fn.swapEntry!(k, p.new.head)];
    checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, "exchange of two swap-cache folios");
    checkEqual([fn.swapEntry!(k, p.new.head), fo.swapEntry!(k, p.old.head)], entries, "the swap entries after the exchange (each follows its data)");
    checkHealthy(k, "two swap-cache folios");
  },
};

export const lockedBuffersSync: ConformanceCase = {
  id: "fs.locked-buffers-sync",
  title: "SYNC on a buffer that another I/O holds locked: the sleep cannot be satisfied, -EAGAIN and nothing changes",
  requires: "fsPrivate on either side, with a fixture state buffers-locked",
  applies: (o, n) =>
    ((o.fsPrivate && (o.states ?? []).includes("buffers-locked")) || (n.fsPrivate && (n.states ?? []).includes("buffers-locked"))) && o.exchange && n.exchange,
  run(ctx) {
    for (const side of (["old", "new"] as Side[]).filter((s) => ctx[s].fsPrivate && (ctx[s].states ?? []).includes("buffers-locked"))) {
      const k = ctx.system();
      const p = ctx.pair(k, side === "old" ? { oldState: "buffers-locked" } : { newState: "buffers-locked" });
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EAGAIN, `SYNC, a locked buffer on the ${side} folio`);
      checkEqual(snapshot(k), before, "locked buffer in SYNC: state after the failed wait");
      ctx.fixture(k, side).unlockPrivate!(k, p[side].head);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, "SYNC exchange after the buffer was unlocked");
      checkHealthy(k, "locked buffers in SYNC");
    }
  },
};
