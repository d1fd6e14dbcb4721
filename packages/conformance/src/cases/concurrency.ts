/** Interleavings at phase points: (A,B) against (B,A), and a munmap between two phases. */
import { EXCHANGE_WOULD_BLOCK, type ExchangeOp } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { MIGRATE_SYNC } from "@foliox/core";
import { doMunmap } from "@foliox/core";
import { PG_locked, TaskOwner, folioLockAcquired, folioUnlock } from "@foliox/core";
import { check, checkRc } from "../check.js";
import { checkHealthy } from "../state.js";
import type { ConformanceCase } from "../types.js";
import { EXCHANGEABLE, readToken, exchangeable } from "./helpers.js";

interface Actor {
  name: string;
  done(): boolean;
  /** EXCHANGE_WOULD_BLOCK, or anything else for progress */
  step(): number;
}

/** Round-robin until every actor is done; a round in which every live actor blocked is a deadlock. */
function interleave(actors: Actor[], what: string): void {
  for (let round = 0; actors.some((a) => !a.done()); round++) {
    check(round < 200, `${what}: no progress after 200 rounds`);
    const live = actors.filter((a) => !a.done());
    const blocked = live.filter((a) => a.step() === EXCHANGE_WOULD_BLOCK);
    check(blocked.length < live.length, `${what}: deadlock — ${blocked.map((a) => a.name).join(" and ")} all wait (ABBA)`);
  }
}

const opActor = (name: string, op: ExchangeOp): Actor => ({ name, done: () => op.done, step: () => op.step() });

/**
 * Another kernel path that holds two folio locks at once and takes them the way foliox prescribes
 * (lower pfn first: docs/decisions.md#seed-defect-4), one lock per step, then releases both.
 */
function pfnOrderedLocker(k: Kernel, a: number, b: number): Actor {
  const order = a < b ? [a, b] : [b, a];
  let held = 0;
  let finished = false;
  // a holder for lockdep: its folio_lock() calls sleep, so each records the order it is taken in
  const owner = new TaskOwner(`lock_two_folios(${b}, ${a})`);
  return {
    name: owner.holderName,
    done: () => finished,
    step() {
      if (held === 2) {
        for (const h of order) folioUnlock(k, h);
        finished = true;
        return 0;
      }
      if (k.mem.testSetFlag(order[held]!, PG_locked)) return EXCHANGE_WOULD_BLOCK;
      folioLockAcquired(k, order[held]!, owner);
      held++;
      return 0;
    },
  };
}

export const concurrentAbba: ConformanceCase = {
  id: "exchange.concurrent-abba",
  title: "(A,B) and (B,A) at the same time, interleaved phase by phase in SYNC: no deadlock, a consistent result",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    // (i) two exchanges of the same folios in opposite order, with either one starting first.
    for (const abFirst of [true, false]) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const tokens = [readToken(k, p.old), readToken(k, p.new)];
      const ab = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      const ba = ctx.op(k, p.new.head, p.old.head, MIGRATE_SYNC);
      const actors = [opActor("exchange(A,B)", ab), opActor("exchange(B,A)", ba)];
      interleave(abFirst ? actors : actors.reverse(), "exchange(A,B) ∥ exchange(B,A)");
      check(ab.rc === 0 || ba.rc === 0, `neither exchange succeeded (rc ${ab.rc}, ${ba.rc})`);
      checkHealthy(k, "exchange(A,B) ∥ exchange(B,A)");
      check(readToken(k, p.old) === tokens[0] && readToken(k, p.new) === tokens[1], "a process reads the other's data");
    }
    // (ii) Isolation already keeps two exchanges of one folio apart, so the lock order also
    // matters against every other path that holds both locks: one that follows the pfn order
    // must never deadlock with the exchange, whichever folio is passed first.
    for (const reversed of [false, true]) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const [a, b] = reversed ? [p.new.head, p.old.head] : [p.old.head, p.new.head];
      const op = ctx.op(k, a, b, MIGRATE_SYNC);
      interleave([opActor(`exchange(${a}, ${b})`, op), pfnOrderedLocker(k, a, b)], `exchange(${a}, ${b}) ∥ lock_two_folios(${b}, ${a})`);
      checkRc(op.rc, 0, `exchange(${a}, ${b}) after the other path released its locks`);
      checkHealthy(k, `exchange(${a}, ${b}) ∥ lock_two_folios`);
    }
  },
};

export const munmapBetweenPhases: ConformanceCase = {
  id: "exchange.munmap-between-phases",
  title: "a munmap of one side between unmap and move: the exchange still leaves a consistent state",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const survivor = side === "old" ? p.new : p.old;
      const token = readToken(k, survivor);
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      while (!op.done && op.phase !== "move") check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase}`);
      check(op.phase === "move", `the exchange ended before the move phase (rc ${op.rc})`);
      checkRc(doMunmap(k, p[side].task.mm!, p[side].addr, p[side].len), 0, `munmap of the ${side} folio's mapping`);
      while (!op.done) check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase} after the munmap`);
      checkHealthy(k, `munmap of the ${side} side between phases (exchange rc ${op.rc})`);
      check(readToken(k, survivor) === token, `munmap of the ${side} side: the other process lost its data`);
    }
  },
};
