import {
  ACCESS_BLOCKED,
  ACCESS_OK,
  EXCHANGE_FAILURE_POINTS,
  EXCHANGE_WOULD_BLOCK,
  ExchangeOp,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  PGEXCHANGE_FAIL,
  PGEXCHANGE_SUCCESS,
  PG_locked,
  accessVirtual,
  checkIntegrity,
  folioExchange,
  folioExchangeBatch,
  migrationWaitDone,
  type Kernel,
} from "@foliox/core";
import { describe, expect, it } from "vitest";
import { folioAt, healthy, makeSystem, populate, snapshot } from "./scenario.js";

const EAGAIN = -11;
const EINVAL = -22;

/** A hot page of a process on the slow node and a cold page of a process on the fast node. */
function pair(k: Kernel, pages = 4, thpOrder = 0) {
  const slow = populate(k, 1, pages, thpOrder);
  const fast = populate(k, 0, pages, thpOrder);
  return { slow, fast, old: folioAt(k, slow.task, slow.addr), new: folioAt(k, fast.task, fast.addr) };
}

describe("folioExchange, anon <-> anon", () => {
  for (const [label, thpOrder] of [
    ["4 KiB", 0],
    ["2 MiB (order 9, PTE-mapped)", 9],
  ] as const) {
    it(`swaps ${label} folios between DRAM and the slow tier, moving data and mappings, with no allocation`, () => {
      const k = makeSystem({ memory: [16 * 1024 * 1024, 16 * 1024 * 1024] });
      const pages = thpOrder ? 512 : 4;
      const p = pair(k, pages, thpOrder);
      expect(k.folioNid(p.old)).toBe(1);
      expect(k.folioNid(p.new)).toBe(0);
      expect(k.mem.order[p.old]).toBe(thpOrder);
      const slowToken = k.mem.content[p.old];
      const fastToken = k.mem.content[p.new];
      const calls = k.alloc.nrAllocCalls;
      expect(folioExchange(k, p.old, p.new, MIGRATE_SYNC)).toBe(0);
      expect(k.alloc.nrAllocCalls).toBe(calls);
      // The slow process's data now lives on the fast node, and the other way round.
      expect(folioAt(k, p.slow.task, p.slow.addr)).toBe(p.new);
      expect(folioAt(k, p.fast.task, p.fast.addr)).toBe(p.old);
      expect(k.folioNid(folioAt(k, p.slow.task, p.slow.addr))).toBe(0);
      expect(k.mem.content[p.new]).toBe(slowToken);
      expect(k.mem.content[p.old]).toBe(fastToken);
      expect(k.vmstat.event(PGEXCHANGE_SUCCESS)).toBe(1);
      healthy(k);
      // Both processes can still write their pages without a fault.
      expect(accessVirtual(k, p.slow.task.mm!, p.slow.addr, true)).toBe(ACCESS_OK);
      expect(accessVirtual(k, p.fast.task.mm!, p.fast.addr, true)).toBe(ACCESS_OK);
      healthy(k);
    });
  }

  it("works in bytes mode: every byte is carried", () => {
    const k = makeSystem({ bytes: true });
    const p = pair(k);
    expect(folioExchange(k, p.old, p.new, MIGRATE_ASYNC)).toBe(0);
    healthy(k);
  });

  it("rejects modes other than SYNC and ASYNC, mixed orders and a folio paired with itself, before taking anything", () => {
    const k = makeSystem({ memory: [16 * 1024 * 1024, 16 * 1024 * 1024] });
    const small = pair(k);
    const huge = populate(k, 0, 512, 9);
    const before = snapshot(k);
    expect(folioExchange(k, small.old, small.new, MIGRATE_SYNC_LIGHT)).toBe(EINVAL);
    expect(folioExchange(k, small.old, folioAt(k, huge.task, huge.addr), MIGRATE_SYNC)).toBe(EINVAL);
    expect(folioExchange(k, small.old, small.old, MIGRATE_SYNC)).toBe(EINVAL);
    expect(snapshot(k)).toEqual(before);
    expect(k.vmstat.event(PGEXCHANGE_FAIL)).toBe(3);
  });

  it("gives -EAGAIN for an extra pin and leaves both folios as they were", () => {
    const k = makeSystem();
    const p = pair(k);
    k.mem.refcount[p.old]!++;
    k.mem.pincount[p.old]!++;
    const before = snapshot(k);
    expect(folioExchange(k, p.old, p.new, MIGRATE_SYNC)).toBe(EAGAIN);
    expect(snapshot(k)).toEqual(before);
    k.mem.refcount[p.old]!--;
    k.mem.pincount[p.old]!--;
    healthy(k);
  });

  describe("failure injection: state unchanged after a failure at each step", () => {
    for (const point of EXCHANGE_FAILURE_POINTS) {
      for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC]) {
        it(`${point} in ${mode === MIGRATE_SYNC ? "MIGRATE_SYNC" : "MIGRATE_ASYNC"}`, () => {
          const k = makeSystem();
          const p = pair(k);
          const before = snapshot(k);
          k.faultInject.arm(point, EAGAIN);
          expect(folioExchange(k, p.old, p.new, mode)).toBe(EAGAIN);
          expect(snapshot(k)).toEqual(before);
          healthy(k);
          // Nothing was consumed: the same exchange then succeeds.
          expect(folioExchange(k, p.old, p.new, mode)).toBe(0);
          healthy(k);
        });
      }
    }
  });

  it("exchanging twice is the identity, except last_cpupid (-1) and LRU position", () => {
    const k = makeSystem();
    const p = pair(k);
    k.mem.lastCpupid[p.old] = -1;
    k.mem.lastCpupid[p.new] = -1;
    const before = snapshot(k);
    expect(folioExchange(k, p.old, p.new, MIGRATE_SYNC)).toBe(0);
    expect(folioExchange(k, p.old, p.new, MIGRATE_SYNC)).toBe(0);
    const after = snapshot(k) as { events: number[] };
    (before as { events: number[] }).events = after.events;
    expect(after).toEqual(before);
  });

  it("blocks a fault on the migration entry between unmap and remap, then lets it through", () => {
    const k = makeSystem();
    const p = pair(k);
    const op = new ExchangeOp(k, p.old, p.new, MIGRATE_SYNC);
    while (op.phase !== "move") expect(op.step()).toBe(0);
    expect(accessVirtual(k, p.slow.task.mm!, p.slow.addr, false)).toBe(ACCESS_BLOCKED);
    const waitPfn = k.faultState.waitPfn;
    expect(waitPfn).toBe(p.old);
    expect(migrationWaitDone(k, waitPfn)).toBe(false);
    // The integrity check holds between phases before the data step.
    expect(checkIntegrity(k).ok).toBe(true);
    while (!op.done) op.step();
    expect(op.rc).toBe(0);
    expect(migrationWaitDone(k, waitPfn)).toBe(true);
    expect(accessVirtual(k, p.slow.task.mm!, p.slow.addr, false)).toBe(ACCESS_OK);
    healthy(k);
  });

  it("(A,B) and (B,A) run concurrently in SYNC without deadlock: locks in pfn order", () => {
    const k = makeSystem();
    const p = pair(k);
    const ab = new ExchangeOp(k, p.old, p.new, MIGRATE_SYNC);
    const ba = new ExchangeOp(k, p.new, p.old, MIGRATE_SYNC);
    // Interleave phase by phase; a blocked op waits for the other to make progress.
    let rounds = 0;
    while (!(ab.done && ba.done)) {
      const r1 = ab.done ? 0 : ab.step();
      const r2 = ba.done ? 0 : ba.step();
      if (r1 === EXCHANGE_WOULD_BLOCK && r2 === EXCHANGE_WOULD_BLOCK) throw new Error("deadlock");
      if (++rounds > 100) throw new Error("no progress");
    }
    // One of them found the other's isolation and backed off, or both succeeded in turn.
    expect([ab.rc, ba.rc].filter((rc) => rc === 0).length).toBeGreaterThanOrEqual(1);
    healthy(k);
  });

  it("SYNC waits on a contended folio lock, ASYNC gives -EAGAIN", () => {
    const k = makeSystem();
    const p = pair(k);
    k.mem.setFlag(p.new, PG_locked);
    expect(folioExchange(k, p.old, p.new, MIGRATE_ASYNC)).toBe(EAGAIN);
    const op = new ExchangeOp(k, p.old, p.new, MIGRATE_SYNC);
    expect(op.step()).toBe(0); // isolate
    expect(op.step()).toBe(EXCHANGE_WOULD_BLOCK);
    k.mem.clearFlag(p.new, PG_locked);
    while (!op.done) op.step();
    expect(op.rc).toBe(0);
    healthy(k);
  });

  it("batched exchange runs each phase over all pairs with one TLB flush", () => {
    const k = makeSystem();
    const slow = populate(k, 1, 8);
    const fast = populate(k, 0, 8);
    const pairs = Array.from({ length: 8 }, (_, i) => [folioAt(k, slow.task, slow.addr + i * 4096), folioAt(k, fast.task, fast.addr + i * 4096)] as const);
    const shootdowns = k.tlb.shootdowns;
    const calls = k.alloc.nrAllocCalls;
    expect(folioExchangeBatch(k, pairs, MIGRATE_ASYNC)).toEqual(new Array(8).fill(0));
    expect(k.tlb.shootdowns - shootdowns).toBe(1);
    expect(k.alloc.nrAllocCalls).toBe(calls);
    for (let i = 0; i < 8; i++) expect(k.folioNid(folioAt(k, slow.task, slow.addr + i * 4096))).toBe(0);
    healthy(k);
  });
});
