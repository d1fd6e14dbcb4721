/**
 * The filesystem cases: dirty and writeback folios, locked and re-pointed buffers, truncate.
 * Their manifest gates (writeback, fsPrivate, a page-cache kind) are false for every backend
 * registered today, so they report "n/a (manifest: …)"; they run as soon as a backend that
 * declares the capability registers, and they need its fixture's hooks.
 */
import type { ConformanceFixture } from "@foliox/core";
import { EXCHANGE_WOULD_BLOCK } from "@foliox/core";
import { EAGAIN, EBUSY } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { MIGRATE_ASYNC, MIGRATE_SYNC, type MigrateMode } from "@foliox/core";
import { PG_dirty, PG_private } from "@foliox/core";
import { check, checkEqual, checkRc } from "../check.js";
import { checkHealthy, snapshot } from "../state.js";
import type { CaseContext, ConformanceCase, Side } from "../types.js";
import { anyOf, contents, exchangeable, mappedHead } from "./helpers.js";

function hook<K extends keyof ConformanceFixture>(ctx: CaseContext, k: Kernel, side: Side, name: K): NonNullable<ConformanceFixture[K]> {
  const fx = ctx.fixture(k, side);
  const fn = fx[name];
  check(typeof fn === "function", `backend "${ctx[side].name}" declares the capability but its fixture has no ${String(name)}()`);
  return (fn as (...a: unknown[]) => unknown).bind(fx) as NonNullable<ConformanceFixture[K]>;
}

/** The sides whose manifest has `test`, old first. */
const sides = (ctx: CaseContext, test: (m: CaseContext["old"]) => boolean): Side[] => (["old", "new"] as const).filter((s) => test(ctx[s]));
const withState = (state: string) => (m: CaseContext["old"]) => (m.states ?? []).some((s) => s === state);

export const dirty: ConformanceCase = {
  id: "fs.dirty",
  title: "a dirty folio: the dirty bit travels with the data; the fallback path writes out (SYNC -EAGAIN) or refuses (ASYNC -EBUSY)",
  requires: "writeback on either side",
  applies: (o, n) => (o.writeback || n.writeback) && o.exchange && n.exchange,
  run(ctx) {
    for (const side of sides(ctx, (m) => m.writeback)) {
      for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
        const k = ctx.system();
        const p = ctx.pair(k, side === "old" ? { oldState: "dirty" } : { newState: "dirty" });
        const dirtyHead = p[side].head;
        const other = side === "old" ? p.new.head : p.old.head;
        check(k.mem.testFlag(dirtyHead, PG_dirty), `the fixture's dirty ${side} folio is not PG_dirty`);
        const fallback = ctx[side].migrateCallback === "fallback_migrate_folio";
        const before = snapshot(k);
        const rc = ctx.exchange(k, p.old.head, p.new.head, mode);
        if (fallback) {
          const want = mode === MIGRATE_SYNC && k.options.kernel !== "6.16" ? -EAGAIN : -EBUSY;
          checkRc(rc, want, `fallback path, dirty ${side} folio`);
          if (mode === MIGRATE_ASYNC) checkEqual(snapshot(k), before, "fallback path, ASYNC: state after the refusal");
        } else {
          checkRc(rc, 0, `exchange with a dirty ${side} folio`);
          check(k.mem.testFlag(other, PG_dirty), "PG_dirty did not travel with the data");
        }
        checkHealthy(k, `dirty ${side} folio`);
      }
    }
  },
};

export const writeback: ConformanceCase = {
  id: "fs.writeback",
  title: "a folio under writeback: ASYNC gives -EBUSY unchanged, SYNC waits for the writeback to end",
  requires: "writeback on either side",
  applies: (o, n) => (o.writeback || n.writeback) && o.exchange && n.exchange,
  run(ctx) {
    for (const side of sides(ctx, (m) => m.writeback)) {
      let k = ctx.system();
      let p = ctx.pair(k, side === "old" ? { oldState: "writeback" } : { newState: "writeback" });
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_ASYNC), -EBUSY, `ASYNC, ${side} folio under writeback`);
      checkEqual(snapshot(k), before, "ASYNC under writeback: state after the refusal");
      k = ctx.system();
      p = ctx.pair(k, side === "old" ? { oldState: "writeback" } : { newState: "writeback" });
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      let blocked = false;
      while (!op.done && !blocked) blocked = op.step() === EXCHANGE_WOULD_BLOCK;
      check(blocked, `SYNC did not wait for the ${side} folio's writeback (rc ${op.rc})`);
      hook(ctx, k, side, "endWriteback")(k, p[side].head);
      while (!op.done) check(op.step() !== EXCHANGE_WOULD_BLOCK, `still blocked in ${op.phase} after writeback ended`);
      checkRc(op.rc, 0, "SYNC exchange after the writeback ended");
      checkHealthy(k, `writeback on the ${side} folio`);
    }
  },
};

export const lockedBuffers: ConformanceCase = {
  id: "fs.locked-buffers",
  title: "a buffer another I/O holds locked: ASYNC gives -EAGAIN and nothing changes",
  requires: "fsPrivate on either side, with a fixture state buffers-locked",
  applies: (o, n) => (o.fsPrivate || n.fsPrivate) && o.exchange && n.exchange,
  run(ctx) {
    for (const side of sides(ctx, (m) => m.fsPrivate)) {
      check(withState("buffers-locked")(ctx[side]), `backend "${ctx[side].name}" has fsPrivate but its manifest.states lacks buffers-locked`);
      const k = ctx.system();
      const p = ctx.pair(k, side === "old" ? { oldState: "buffers-locked" } : { newState: "buffers-locked" });
      const before = snapshot(k);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_ASYNC), -EAGAIN, `ASYNC, a locked buffer on the ${side} folio`);
      checkEqual(snapshot(k), before, "locked buffer: state after the refusal");
      hook(ctx, k, side, "unlockPrivate")(k, p[side].head);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_ASYNC), 0, "ASYNC exchange after the buffer was unlocked");
      checkHealthy(k, "locked buffers");
    }
  },
};

export const privateFollowsData: ConformanceCase = {
  id: "fs.private-follows-data",
  title: "fs-private data follows the data and every piece of it (every buffer head) points at its new frame",
  requires: "fsPrivate on either side",
  applies: (o, n) => (o.fsPrivate || n.fsPrivate) && o.exchange && n.exchange,
  run(ctx) {
    for (const order of ctx.orders) {
      const k = ctx.system();
      const p = ctx.pair(k, { order });
      const priv = { old: k.mem.private[p.old.head], new: k.mem.private[p.new.head] };
      const data = { old: contents(k, p.old.head), new: contents(k, p.new.head) };
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange (order ${order})`);
      for (const side of sides(ctx, (m) => m.fsPrivate)) {
        const frame = side === "old" ? p.new.head : p.old.head;
        check(k.mem.private[frame] === priv[side] && k.mem.testFlag(frame, PG_private), `the ${side} data's private did not follow it to pfn ${frame}`);
        checkEqual(contents(k, frame), data[side], `the ${side} data in pfn ${frame}`);
        const refs = hook(ctx, k, side, "privateRefs")(k, frame);
        check(refs.length > 0, `no private refs on pfn ${frame}`);
        const wrong = refs.filter((f) => f !== frame);
        check(
          wrong.length === 0,
          `${wrong.length} of ${refs.length} private refs (buffer heads) of the ${side} data still point at pfn ${wrong[0]}, not ${frame}`,
        );
      }
      checkHealthy(k, `order ${order}`);
    }
  },
};

export const truncateBetweenPhases: ConformanceCase = {
  id: "fs.truncate-between-phases",
  title: "a truncate of a file folio between unmap and move: the exchange still leaves a consistent state",
  requires: "a page-cache kind (file or shmem) on either side",
  applies: (o, n) => anyOf(o, n, "file", "shmem") && exchangeable(o, n),
  run(ctx) {
    for (const side of sides(ctx, (m) => m.kinds.some((x) => x === "file" || x === "shmem"))) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      while (!op.done && op.phase !== "move") check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase}`);
      hook(ctx, k, side, "truncate")(k, p[side]);
      while (!op.done) check(op.step() !== EXCHANGE_WOULD_BLOCK, `blocked in ${op.phase} after the truncate`);
      checkHealthy(k, `truncate of the ${side} folio between phases (rc ${op.rc})`);
      const survivor = side === "old" ? p.new : p.old;
      check(mappedHead(k, survivor) >= 0, "the other side's mapping is gone");
    }
  },
};
