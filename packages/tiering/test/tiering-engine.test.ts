import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { createSystem } from "@foliox/core";
import { checkIntegrity } from "@foliox/core";
import { checkInvariants } from "@foliox/core";
import type { AccessBatch } from "../src/sim/access-batch.js";
import { runSimulation } from "../src/sim/engine.js";
import { createStack, stackNames } from "../src/stack/stack.js";
import { MiB, hotSetWorkload, registerTestAnon } from "./helpers.js";

function system() {
  // fast 8 MiB (2048 pages), slow 16 MiB: a 3000-page working set cannot fit in the fast tier
  return createSystem({ memory: [8 * MiB, 16 * MiB], backends: [registerTestAnon], seed: 7 });
}

const N = 37000;
const PAGES = 3000;
const HOT = 600;

async function run(name: string, batches: AccessBatch[], seed = 3) {
  const { container, kernel } = system();
  const r = await runSimulation(kernel, { source: () => batches, stack: name, container, epochAccesses: 4000, seed, phaseChanges: [5] });
  return { r, k: kernel };
}

describe("simulation engine and presets", () => {
  const batches = hotSetWorkload(11, N, PAGES, HOT, { phaseAt: N / 2, spreadLines: true });
  const results = new Map<string, Awaited<ReturnType<typeof run>>["r"]>();

  for (const name of stackNames()) {
    it(`${name}: runs deterministically, keeps the invariants and integrity`, async () => {
      const a = await run(name, batches);
      const b = await run(name, batches);
      expect(JSON.stringify(a.r)).toBe(JSON.stringify(b.r));
      expect(a.r.entries).toBe(N + PAGES);
      expect(a.r.accesses).toBe(N * 500 + PAGES);
      // real kernel time: seconds of simulated time, so NUMA balancing has scanned
      expect(a.r.simulatedSeconds).toBeGreaterThan(1.5);
      expect(a.r.perEpoch).toHaveLength(10);
      expect(a.r.hitRatio).toBeGreaterThan(0);
      expect(a.r.hitRatio).toBeLessThanOrEqual(1);
      // the bounds hold (their argument is in docs/tiering.md; bounds.test.ts checks them at random)
      expect(a.r.runtimeNs).toBeGreaterThanOrEqual(a.r.bounds.allFastRuntime);
      expect(a.r.time.access + a.r.time.cache).toBeLessThanOrEqual(a.r.bounds.allSlowRuntime * (1 + 1e-12));
      expect(a.r.bounds.allSlowRuntime).toBeGreaterThan(a.r.bounds.allFastRuntime);
      expect(checkInvariants(a.k, { quiescent: true })).toEqual([]);
      expect(checkIntegrity(a.k).ok).toBe(true);
      results.set(name, a.r);
    });
  }

  it("numab2 promotes through real hint faults; its candidates exceed its successes", () => {
    const r = results.get("numab2")!;
    expect(r.vmstat.numa_hint_faults).toBeGreaterThan(0);
    expect(r.vmstat.pgpromote_success).toBeGreaterThan(0);
    expect(r.vmstat.pgpromote_candidate).toBeGreaterThan(r.vmstat.pgpromote_success!);
    expect(r.vmstat.pgdemote_kswapd).toBeGreaterThan(0);
  });

  it("linux-default moves nothing", () => {
    const r = results.get("linux-default")!;
    expect(r.promotions + r.demotions + r.exchanges).toBe(0);
    expect(r.vmstat.numa_hint_faults).toBe(0);
  });

  it("the exchange stack records exchanges and allocates no page for them", async () => {
    const { container, kernel } = system();
    const stack = createStack(container, "exchange");
    const inner = stack.mover.run.bind(stack.mover);
    let allocs = 0;
    let calls = 0;
    stack.mover.run = (ctx, plan) => {
      const before = kernel.alloc.nrAllocCalls;
      const n = inner(ctx, plan);
      allocs += kernel.alloc.nrAllocCalls - before;
      calls++;
      return n;
    };
    const r = await runSimulation(kernel, { source: batches, stack, epochAccesses: 4000, seed: 3 });
    expect(calls).toBe(10);
    expect(r.exchanges).toBeGreaterThan(0);
    expect(r.vmstat.pgexchange_success).toBe(r.exchanges);
    expect(allocs).toBe(0);
    expect(r.anonFileRatio.anon).toBeGreaterThan(0);
    expect(r.anonFileRatio.anonShare).toBe(1);
    expect(r.migrationBytes).toBe(r.exchanges * 2 * 4096);
  });

  it("the epoch-oracle places each epoch's hot set, at no cost (a reference point, not a bound)", () => {
    if (process.env.FOLIOX_TIERING_SUMMARY)
      for (const [n, r] of results)
        console.log(n, r.hitRatio.toFixed(3), r.runtimeNs, r.promotions, r.demotions, r.exchanges, JSON.stringify(r.failures), JSON.stringify(r.churn));
    const oracle = results.get("epoch-oracle")!;
    expect(oracle.exchanges + oracle.promotions).toBeGreaterThan(0);
    expect(oracle.backgroundCpuNs["mover"] ?? 0).toBe(0);
    expect(oracle.time.mover).toBe(0);
  });

  it("background work is reported per actor and stays off the application's clock", () => {
    const numab2 = results.get("numab2")!;
    // kswapd's demotions run on kswapd0's CPU
    expect(numab2.vmstat.pgdemote_kswapd).toBeGreaterThan(0);
    expect(numab2.backgroundCpuNs["kswapd0"]).toBeGreaterThan(0);
    const memtis = results.get("memtis")!;
    expect(memtis.backgroundCpuNs["mover"]).toBeGreaterThan(0);
    expect(memtis.backgroundCpuNs["sampler"]).toBeGreaterThan(0);
    expect(memtis.time.mover).toBe(0);
    for (const r of results.values()) {
      const parts = Object.values(r.time).reduce((a, n) => a + n, 0);
      expect(Math.abs(parts - r.runtimeNs)).toBeLessThan(1e-6 * r.runtimeNs);
    }
  });

  it("churn: moves per page, re-promotions and pages promoted but untouched in the next epoch", () => {
    const ex = results.get("exchange")!;
    expect(ex.churn.movesPerPage).toBeGreaterThanOrEqual(1);
    expect(ex.churn.maxMovesPerPage).toBeGreaterThanOrEqual(Math.ceil(ex.churn.movesPerPage));
    expect(ex.churn.promotedUntouchedNextEpoch).not.toBeNull();
    expect(ex.churn.promotedUntouchedNextEpoch!).toBeGreaterThanOrEqual(0);
    expect(ex.churn.promotedUntouchedNextEpoch!).toBeLessThanOrEqual(1);
    expect(ex.churn.pingPong).toBeLessThanOrEqual(ex.churn.rePromotedAfterDemote);
    const none = results.get("linux-default")!;
    expect(none.churn).toMatchObject({ movesPerPage: 0, maxMovesPerPage: 0, rePromotedAfterDemote: 0, pingPong: 0, promotedUntouchedNextEpoch: null });
  });

  it("a phase change gives a convergence time", () => {
    for (const r of results.values()) expect(r.convergenceNs).not.toBeNull();
  });

  it("the loaded-latency curve slows a run that saturates a node", async () => {
    const mk = async (loaded: boolean) => {
      const { container, kernel } = system();
      return runSimulation(kernel, {
        source: batches,
        stack: "linux-default",
        container,
        epochAccesses: 4000,
        cost: { concurrency: 512, loadedLatencyKappa: loaded ? 0.5 : 0 },
      });
    };
    const idle = await mk(false);
    const loaded = await mk(true);
    expect(loaded.hitRatio).toBe(idle.hitRatio);
    expect(loaded.runtimeNs).toBeGreaterThan(idle.runtimeNs);
  });
});
