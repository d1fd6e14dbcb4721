/** Failures: rollback at each failure point, isolation failure, lock waits, extra pins. */
import { EXCHANGE_FAILURE_POINTS, EXCHANGE_WOULD_BLOCK } from "@foliox/core";
import { EAGAIN, EBUSY, EOPNOTSUPP, PG_mlocked, syscalls } from "@foliox/core";
import { MIGRATE_ASYNC, MIGRATE_SYNC } from "@foliox/core";
import { PG_locked } from "@foliox/core";
import { folioPutbackLru } from "@foliox/core";
import { check, checkEqual, checkRc } from "../check.js";
import { checkHealthy, snapshot } from "../state.js";
import type { ConformanceCase } from "../types.js";
import { EXCHANGEABLE, MODES, mappedHead, exchangeable } from "./helpers.js";

export const rollback: ConformanceCase = {
  id: "exchange.rollback",
  title: "a failure at each failure point returns the errno and leaves the state unchanged (docs/decisions.md#unchanged)",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const point of EXCHANGE_FAILURE_POINTS) {
      for (const [modeName, mode] of MODES) {
        const what = `${point} in ${modeName}`;
        const k = ctx.system();
        const p = ctx.pair(k);
        const before = snapshot(k);
        k.faultInject.arm(point, -EAGAIN);
        checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), -EAGAIN, what);
        k.faultInject.clear();
        checkEqual(snapshot(k), before, `${what}: state after the failure`);
        checkHealthy(k, what);
        checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), 0, `${what}: the retry`);
        checkHealthy(k, `${what}: after the retry`);
      }
    }
  },
};

export const isolationFailure: ConformanceCase = {
  id: "exchange.isolation-failure",
  title: "a folio another isolator holds gives -EBUSY, on either side, and nothing changes",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const held = p[side].head;
      check(k.lru.folioIsolateLru(held), `the ${side} folio is not on an LRU after the fixture made it`);
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EBUSY, `exchange with the ${side} folio isolated elsewhere`);
      checkEqual(snapshot(k), before, `the ${side} folio isolated elsewhere: state after the failure`);
      folioPutbackLru(k, held);
      checkHealthy(k, `the ${side} folio isolated elsewhere, put back`);
    }
  },
};

export const asyncNoWait: ConformanceCase = {
  id: "exchange.async-no-wait",
  title: "MIGRATE_ASYNC refuses to wait: a locked folio gives -EAGAIN and nothing changes",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      k.mem.setFlag(p[side].head, PG_locked);
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_ASYNC), -EAGAIN, `ASYNC exchange with the ${side} folio locked`);
      checkEqual(snapshot(k), before, `the ${side} folio locked: state after the failure`);
      k.mem.clearFlag(p[side].head, PG_locked);
      checkHealthy(k, `the ${side} folio locked, then unlocked`);
    }
  },
};

export const syncWaits: ConformanceCase = {
  id: "exchange.sync-waits",
  title: "MIGRATE_SYNC waits: the lock phase blocks while the folio is locked, then the exchange completes",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      k.mem.setFlag(p[side].head, PG_locked);
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      checkRc(op.step(), 0, "isolate");
      for (let i = 0; i < 3; i++) {
        check(op.step() === EXCHANGE_WOULD_BLOCK, `the ${side} folio locked: SYNC did not wait in the lock phase (phase ${op.phase}, rc ${op.rc})`);
      }
      k.mem.clearFlag(p[side].head, PG_locked);
      for (let i = 0; !op.done; i++) {
        check(op.step() !== EXCHANGE_WOULD_BLOCK && i < 50, `still blocked in ${op.phase} after the unlock`);
      }
      checkRc(op.rc, 0, `SYNC exchange after the ${side} folio was unlocked`);
      check(mappedHead(k, p.old) === p.new.head, "the exchange did not move the data");
      checkHealthy(k, `SYNC wait on the ${side} folio`);
    }
  },
};

export const mlocked: ConformanceCase = {
  id: "exchange.mlocked",
  title: "a folio mlock(2)ed by its process is refused with -EOPNOTSUPP and nothing changes; after munlock(2) it is exchanged",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const side of ["old", "new"] as const) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const f = p[side];
      const sys = syscalls(k, f.task);
      checkRc(sys.mlock(f.addr, f.len), 0, `mlock(2) of the ${side} folio's mapping`);
      check(k.mem.testFlag(f.head, PG_mlocked), `mlock(2) left the ${side} folio without PG_mlocked`);
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EOPNOTSUPP, `exchange with the ${side} folio mlocked`);
      checkEqual(snapshot(k), before, `the ${side} folio mlocked: state after the refusal`);
      checkRc(sys.munlock(f.addr, f.len), 0, `munlock(2) of the ${side} folio's mapping`);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange after munlock(2) of the ${side} folio`);
      checkHealthy(k, `mlock then munlock of the ${side} folio`);
    }
  },
};

export const extraPin: ConformanceCase = {
  id: "exchange.extra-pin",
  title: "an extra pin or reference gives -EAGAIN: before the exchange, and taken between two phases",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    // (a) a GUP pin held from the start: the support check refuses it.
    {
      const k = ctx.system();
      const p = ctx.pair(k);
      k.mem.refcount[p.old.head]!++;
      k.mem.pincount[p.old.head]!++;
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), -EAGAIN, "exchange of a pinned folio");
      checkEqual(snapshot(k), before, "pinned folio: state after the failure");
      k.mem.refcount[p.old.head]!--;
      k.mem.pincount[p.old.head]!--;
      checkHealthy(k, "pin released");
    }
    // (b) a reference taken after the support check, (c) a FOLL_PIN taken then: the unmap or the
    // refcount freeze must catch it; the pin's holder keeps its reference and the data stays.
    for (const [label, pin] of [
      ["a reference (get_page) taken after the support check", false],
      ["a FOLL_PIN taken after the support check", true],
    ] as const) {
      for (const side of ["old", "new"] as const) {
        const what = `${label}, on the ${side} folio`;
        const k = ctx.system();
        const p = ctx.pair(k);
        const before = snapshot(k);
        const head = p[side].head;
        const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
        while (!op.done && op.phase !== "unmap") check(op.step() !== EXCHANGE_WOULD_BLOCK, `${what}: blocked in ${op.phase}`);
        k.mem.refcount[head]!++;
        if (pin) k.mem.pincount[head]!++;
        while (!op.done) check(op.step() !== EXCHANGE_WOULD_BLOCK, `${what}: blocked in ${op.phase}`);
        checkRc(op.rc, -EAGAIN, what);
        check(k.mem.refcount[head]! >= 1 + (pin ? 1 : 0), `${what}: the extra reference was lost (refcount ${k.mem.refcount[head]})`);
        k.mem.refcount[head]!--;
        if (pin) k.mem.pincount[head]!--;
        checkEqual(snapshot(k), before, `${what}: state after the failure, reference dropped`);
        checkHealthy(k, what);
      }
    }
  },
};
