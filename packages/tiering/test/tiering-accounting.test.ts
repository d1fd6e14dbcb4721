/**
 * Cost accounting and failure attribution of the engine:
 * - a NUMA hint fault is charged once (hintFaultNs), not as a page fault plus a hint fault;
 * - SimResult.time splits the runtime and adds up to it;
 * - failures by reason cover the hint-fault promotion path and kswapd's demotions, and agree
 *   with the kernel's counters;
 * - the pressure scenario's setup delivers its own kswapd wake-ups, so a stack that allocates
 *   nothing (exchange) attempts no migration in the run;
 * - TPP differs from numab2 where it can: the active-LRU filter turns hint faults away, and
 *   kswapd keeps the demotion headroom free on the fast node.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { runSimulation, type SimResult } from "../src/sim/engine.js";
import { createSystem } from "@foliox/core";
import { prepareScenario } from "../src/scenario/setup.js";
import { resolveScenario } from "../src/scenario/load.js";
import { kswapdMark } from "@foliox/core";
import { WMARK_PROMO } from "@foliox/core";
import { MiB, hotSetWorkload, registerTestAnon } from "./helpers.js";

const sumTime = (r: SimResult) => Object.values(r.time).reduce((a, n) => a + n, 0);

async function pressureRun(stack: string, epochs = 3) {
  const { scenario } = await resolveScenario("pressure", { overrides: { stack, epochs } });
  const p = prepareScenario(scenario, { backends: [registerTestAnon] });
  const pendingAfterSetup = Array.from(p.kernel.alloc.kswapdPending).reduce((a, n) => a + n, 0);
  const r = await runSimulation(p.kernel, {
    source: () => p.workload.batches(p.pids),
    stack,
    container: p.container,
    epochAccesses: scenario.workload.accessesPerEpoch,
    seed: 1,
  });
  return { r, pendingAfterSetup };
}

describe("engine cost accounting", () => {
  const batches = hotSetWorkload(5, 30000, 3000, 600);
  const small = () => createSystem({ memory: [8 * MiB, 16 * MiB], backends: [registerTestAnon], seed: 7 });

  it("a hint fault is charged hintFaultNs once, not faultNs on top", async () => {
    const runs: SimResult[] = [];
    for (const faultNs of [0, 7000]) {
      const { container, kernel } = small();
      runs.push(
        await runSimulation(kernel, { source: batches, stack: "numab2", container, epochAccesses: 3000, seed: 3, cost: { faultNs, hintFaultNs: 1000 } }),
      );
    }
    const [a, b] = runs as [SimResult, SimResult];
    expect(a.counters.hintFaults).toBeGreaterThan(0);
    expect(a.counters.faults).toBeGreaterThan(a.counters.hintFaults);
    // only the non-hint faults (first touches) pay faultNs
    expect(b.time.fault).toBe((b.counters.faults - b.counters.hintFaults) * 7000);
    expect(a.time.fault).toBe(0);
    expect(a.time.hintFault).toBe(a.counters.hintFaults * 1000);
    expect(b.time.hintFault).toBe(b.counters.hintFaults * 1000);
  });

  it("the runtime breakdown adds up to the runtime, for every kind of stack", async () => {
    for (const stack of ["linux-default", "numab2", "memtis", "exchange"]) {
      const { container, kernel } = small();
      const r = await runSimulation(kernel, { source: batches, stack, container, epochAccesses: 3000, seed: 3 });
      expect(Math.abs(sumTime(r) - r.runtimeNs)).toBeLessThan(1e-6 * r.runtimeNs);
      expect(r.time.access).toBeGreaterThan(0);
    }
  });
});

describe("failures by reason under pressure", () => {
  it("numab2: every hint fault that did not promote is recorded, and kswapd's failed demotions match pgmigrate_fail", async () => {
    const { r } = await pressureRun("numab2");
    const f = r.failures;
    // both tiers full: every candidate is refused by migrate_misplaced_folio_prepare (no room above high)
    expect(r.vmstat.pgpromote_success).toBe(0);
    expect(f["numab:-EAGAIN"]).toBe(r.vmstat.pgpromote_candidate);
    // every hint fault either promoted or was refused for a recorded reason
    const numab = Object.entries(f)
      .filter(([k]) => k.startsWith("numab:"))
      .reduce((a, [, n]) => a + n, 0);
    expect(numab).toBe(r.vmstat.numa_hint_faults);
    // kswapd, woken by the failed promotions, tries to demote into a full slow node
    expect(f["kswapd-demote:-ENOMEM"]).toBe(r.vmstat.pgmigrate_fail);
    expect(r.vmstat.pgmigrate_fail).toBeGreaterThan(0);
    // per epoch too
    expect(r.perEpoch.some((e) => (e.failures["numab:-EAGAIN"] ?? 0) > 0)).toBe(true);
    const perEpoch = r.perEpoch.reduce((a, e) => a + Object.values(e.failures).reduce((x, n) => x + n, 0), 0);
    expect(perEpoch).toBe(Object.values(f).reduce((a, n) => a + n, 0));
  }, 60_000);

  it("setup delivers its own kswapd wake-ups: the exchange stack attempts no migration in the run", async () => {
    const { r, pendingAfterSetup } = await pressureRun("exchange");
    expect(pendingAfterSetup).toBe(0);
    expect(r.counters.kswapdRuns).toBe(0);
    expect(r.vmstat.pgmigrate_fail).toBe(0);
    expect(r.vmstat.pgmigrate_success).toBe(0);
    expect(r.exchanges).toBeGreaterThan(0);
    expect(r.failures).toEqual({});
  }, 60_000);
});

describe("TPP against numab2 where the slow tier has room", () => {
  const batches = hotSetWorkload(9, 40000, 3000, 600);
  async function one(stack: string) {
    const { container, kernel } = createSystem({ memory: [8 * MiB, 32 * MiB], backends: [registerTestAnon], seed: 7 });
    const r = await runSimulation(kernel, { source: batches, stack, container, epochAccesses: 4000, seed: 3 });
    return { r, k: kernel };
  }

  it("the active-LRU filter turns inactive folios away, and kswapd keeps the headroom free", async () => {
    const numab2 = await one("numab2");
    const tpp = await one("tpp");
    // the filter: only TPP refuses hint faults for being inactive, and that changes the run
    expect(numab2.r.counters.tppFiltered).toBe(0);
    expect(numab2.r.failures["numab:tpp-inactive"]).toBeUndefined();
    expect(tpp.r.counters.tppFiltered).toBeGreaterThan(0);
    expect(tpp.r.failures["numab:tpp-inactive"]).toBe(tpp.r.counters.tppFiltered);
    expect(tpp.r.promotions).not.toBe(numab2.r.promotions);
    // the headroom: kswapd balances the fast node to PROMO + 2 % of the node under TPP
    const k = tpp.k;
    const zone = k.topo.nodes[0]!.zones.find((z) => z.managedPages > 0)!;
    const headroom = Math.floor(0.02 * k.topo.nodes[0]!.nrPages);
    expect(headroom).toBeGreaterThan(0);
    expect(kswapdMark(k, 0, zone.idx)).toBe(k.alloc.wmarkPages(zone, WMARK_PROMO) + headroom);
    expect(kswapdMark(numab2.k, 0, zone.idx)).toBe(numab2.k.alloc.wmarkPages(zone, WMARK_PROMO));
    // ... and it acts: kswapd, woken early (wakeupProactiveDemotion), demotes and leaves the
    // fast node with at least the headroom free above PROMO, which numab2's kswapd does not
    expect(tpp.r.vmstat.pgdemote_kswapd).toBeGreaterThan(0);
    expect(k.alloc.nodeFreePages(0)).toBeGreaterThanOrEqual(k.alloc.wmarkPages(zone, WMARK_PROMO) + headroom);
    expect(numab2.k.alloc.nodeFreePages(0)).toBeLessThan(k.alloc.wmarkPages(zone, WMARK_PROMO) + headroom);
  }, 60_000);
});
