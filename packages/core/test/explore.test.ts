import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { STEP_BLOCKED, STEP_DONE, STEP_RAN, explore, exploreScenario, replaySchedule, type ExploreOp, type ExploreScenario } from "../src/debug/explore.js";
import { ExchangeStep, FaultStep, ForkStep, MigrateStep, MunmapStep } from "../src/debug/explore-ops.js";
import { FolioExchange } from "../src/exchange/exchange-template.js";
import type { ExchangeOp } from "../src/exchange/exchange-op.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { accessVirtual } from "../src/mm/memory.js";
import type { MmStruct, Task } from "../src/mm/mm-types.js";
import { doMmap } from "../src/mm/mmap.js";
import { folioWalkStart } from "../src/mm/pagewalk.js";
import { createProcess } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { MiB, PAGE, makeSystem } from "./helpers.js";

interface TwoProcs {
  k: Kernel;
  slow: Task;
  fast: Task;
  a: number;
  b: number;
}

/** Two processes, one written page each: `a` on the slow node, `b` on the fast one. */
function twoProcs(pages = 1): TwoProcs {
  const k = makeSystem({ memory: [2 * MiB, 2 * MiB] });
  const slow = createProcess(k, { nid: 1 });
  const fast = createProcess(k, { nid: 0 });
  const a = doMmap(k, slow.mm!, pages * PAGE);
  const b = doMmap(k, fast.mm!, pages * PAGE);
  for (let i = 0; i < pages; i++) {
    accessVirtual(k, slow.mm!, a + i * PAGE, true);
    accessVirtual(k, fast.mm!, b + i * PAGE, true);
  }
  return { k, slow, fast, a, b };
}

const at = (mm: MmStruct, addr: number) => ({ mm, addr });

function scenario(name: string, ops: (s: TwoProcs) => ExploreOp[]): ExploreScenario {
  return {
    name,
    description: name,
    build() {
      const s = twoProcs();
      return { k: s.k, ops: ops(s) };
    },
  };
}

/** The seed's lock order (seed-defect-4): old first, whatever the pfns. */
class ArgumentOrderLocks extends FolioExchange {
  override folioExchangeLock(op: ExchangeOp): number {
    return this.folioExchangeLockFolios(op, op.old, op.new);
  }
}

describe("the interleaving explorer", () => {
  it("enumerates every schedule of two ops when the bound allows any switch", () => {
    // Two ops of two steps each, no blocking: the interleavings are the C(4,2) = 6 orders.
    const counter = (name: string): ExploreOp => {
      let left = 2;
      return {
        name,
        problems: [],
        get done() {
          return left === 0;
        },
        nextStep: "tick",
        step: () => (--left === 0 ? STEP_DONE : STEP_RAN),
      };
    };
    const s: ExploreScenario = {
      name: "counters",
      description: "",
      build: () => ({ k: makeSystem({ memory: [1 * MiB, 1 * MiB] }), ops: [counter("x"), counter("y")] }),
    };
    const r = exploreScenario(s, { preemptions: 3 });
    expect(r.report).toMatchObject({ interleavings: 6, exhausted: true, maxSteps: 4, violations: 0 });
    // Without preemption: each op runs to its end, in either order.
    expect(exploreScenario(s, { preemptions: 0 }).report.interleavings).toBe(2);
    expect(exploreScenario(s, { preemptions: 1 }).report.interleavings).toBe(4);
  });

  it("runs an exchange against faults on both pages in every order, checking after each step", () => {
    const s = scenario("exchange-faults", ({ k, slow, fast, a, b }) => [
      new ExchangeStep(k, at(slow.mm!, a), at(fast.mm!, b), MIGRATE_SYNC, { expect: [0] }),
      new FaultStep(k, slow.mm!, a, true),
      new FaultStep(k, fast.mm!, b, false),
    ]);
    const r = exploreScenario(s, { preemptions: 2, budget: 5000 });
    expect(r.violations).toEqual([]);
    expect(r.report.exhausted).toBe(true);
    expect(r.report.interleavings).toBeGreaterThan(50);
  });

  it("interleaves an exchange with migrate_pages, munmap and fork without a violation", () => {
    const s = scenario("exchange-migrate-munmap-fork", ({ k, slow, fast, a, b }) => [
      new ExchangeStep(k, at(slow.mm!, a), at(fast.mm!, b), MIGRATE_SYNC),
      new MigrateStep(k, at(slow.mm!, a), 0, MIGRATE_SYNC),
      new MunmapStep(k, fast.mm!, b, PAGE),
      new ForkStep(k, slow),
    ]);
    const r = exploreScenario(s, { preemptions: 1, budget: 3000 });
    expect(r.violations).toEqual([]);
    expect(r.report.interleavings).toBeGreaterThan(100);
  });

  it("finds the ABBA deadlock of argument-order folio locks, with a schedule that replays it", () => {
    const ex = new ArgumentOrderLocks();
    // By frame, not by address: after one exchange the addresses name each other's frame.
    const frames = (k: Kernel, slow: Task, fast: Task, a: number, b: number) => [folioWalkStart(k, slow.mm!, a), folioWalkStart(k, fast.mm!, b)] as const;
    const s = scenario("abba", ({ k, slow, fast, a, b }) => {
      const [fa, fb] = frames(k, slow, fast, a, b);
      return [new ExchangeStep(k, fa, fb, MIGRATE_SYNC, { ex }), new ExchangeStep(k, fb, fa, MIGRATE_SYNC, { ex })];
    });
    const r = exploreScenario(s, { preemptions: 2 });
    expect(r.violations.length).toBeGreaterThan(0);
    const v = r.violations.find((x) => /deadlock|circular locking/.test(x.message))!;
    expect(v).toBeDefined();
    expect(v.schedule.length).toBeGreaterThan(2);
    const again = v.replay();
    expect(again.violation?.kind).toBe(v.kind);
    expect(again.schedule).toEqual(v.schedule);
    expect(again.trace.map((t) => t.op)).toEqual(v.schedule);
    // foliox's own lock order: no violation in any interleaving
    const fixed = scenario("abba-fixed", ({ k, slow, fast, a, b }) => {
      const [fa, fb] = frames(k, slow, fast, a, b);
      return [new ExchangeStep(k, fa, fb, MIGRATE_SYNC), new ExchangeStep(k, fb, fa, MIGRATE_SYNC)];
    });
    expect(exploreScenario(fixed, { preemptions: 2 }).violations).toEqual([]);
  });

  it("catches a step that breaks the model (an op that drops a reference it does not hold)", () => {
    const s = scenario("bad-op", ({ k, slow, a }) => {
      let done = false;
      const bad: ExploreOp = {
        name: "bad",
        problems: [],
        get done() {
          return done;
        },
        nextStep: "put",
        step() {
          k.mem.refcount[folioWalkStart(k, slow.mm!, a)]!++;
          done = true;
          return STEP_DONE;
        },
      };
      return [new FaultStep(k, slow.mm!, a, false), bad];
    });
    const r = exploreScenario(s);
    expect(r.violations.map((v) => v.kind)).toEqual(["invariants"]);
  });

  it("reports a deadlock when every unfinished op is blocked", () => {
    const s = scenario("stuck", ({ k }) => [
      { name: "sleeper", problems: [], done: false, nextStep: "sleep", step: () => STEP_BLOCKED },
      new FaultStep(k, k.mms[0]!, 0, false),
    ]);
    const r = exploreScenario(s);
    expect(r.violations[0]).toMatchObject({ kind: "deadlock" });
    expect(r.violations[0]!.message).toMatch(/sleeper at sleep/);
  });

  it("replays a given schedule and runs the rest without preemption; a bad schedule is refused", () => {
    const s = scenario("exchange-fault", ({ k, slow, fast, a, b }) => [
      new ExchangeStep(k, at(slow.mm!, a), at(fast.mm!, b), MIGRATE_ASYNC),
      new FaultStep(k, slow.mm!, a, true),
    ]);
    const r = replaySchedule(s, [0, 0, 0, 0, 1]);
    expect(r.violation).toBeNull();
    // isolate, lock, supported, unmap; then the store blocks on the migration entry; the exchange finishes
    expect(r.trace.slice(0, 5).map((t) => t.step)).toEqual(["isolate", "lock", "supported", "unmap", "access"]);
    expect(r.trace[4]!.result).toBe("blocked");
    expect(r.trace.at(-1)!.name).toMatch(/^store/);
    expect(r.trace.at(-1)!.result).toBe("done");
    expect(() => replaySchedule(s, [1, 1])).toThrow(/step 1 names op 1/);
  });

  it("shares the budget out over the scenarios and is deterministic", () => {
    const s1 = scenario("one", ({ k, slow, fast, a, b }) => [
      new ExchangeStep(k, at(slow.mm!, a), at(fast.mm!, b), MIGRATE_SYNC),
      new FaultStep(k, slow.mm!, a, true),
    ]);
    const s2 = scenario("two", ({ k, slow, fast, a, b }) => [
      new MigrateStep(k, at(slow.mm!, a), 0),
      new FaultStep(k, fast.mm!, b, true),
      new FaultStep(k, slow.mm!, a, false),
    ]);
    const r1 = explore([s1, s2], { budget: 40, preemptions: 2 });
    const r2 = explore([s1, s2], { budget: 40, preemptions: 2 });
    expect(r1.interleavings).toBeLessThanOrEqual(40);
    expect(r1.scenarios.map((s) => s.interleavings)).toEqual(r2.scenarios.map((s) => s.interleavings));
    expect(JSON.parse(JSON.stringify(r1))).toEqual(JSON.parse(JSON.stringify(r2)));
    // what a small space leaves unused goes to the others: the whole budget is spent until every space is exhausted
    const whole = [s1, s2].map((s) => exploreScenario(s, { preemptions: 2, budget: 1e6 }).report.interleavings);
    const sum = whole[0]! + whole[1]!;
    expect(explore([s1, s2], { budget: sum - 1, preemptions: 2 }).interleavings).toBe(sum - 1);
    const all = explore([s1, s2], { budget: sum + 100, preemptions: 2 });
    expect(all.interleavings).toBe(sum);
    expect(all.scenarios.every((s) => s.exhausted)).toBe(true);
  });
});
