/**
 * The bounds are bounds: over random traces (random pages, weights, writes, page-crossing
 * sizes, several processes), random cost tables (memory-level parallelism, the loaded-latency
 * curve, the LLC filter) and every preset, no run beats them:
 * - runtimeNs >= bounds.allFastRuntime (every access at the lowest idle latency, nothing else);
 * - time.access + time.cache <= bounds.allSlowRuntime (every access at the highest latency,
 *   times the curve's largest factor).
 * The argument is in docs/tiering.md; this checks it. FOLIOX_PROPERTY_RUNS=N sets the traces.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { createSystem, Prng } from "@foliox/core";
import { createAccessBatch, pushAccess, type AccessBatch } from "../src/sim/access-batch.js";
import { runSimulation } from "../src/sim/engine.js";
import type { CostOverrides } from "../src/sim/costs.js";
import { stackNames } from "../src/stack/stack.js";
import { MiB, registerTestAnon } from "./helpers.js";

const RUNS = Number(process.env.FOLIOX_PROPERTY_RUNS ?? 3);

interface Case {
  batches: AccessBatch[];
  cost: CostOverrides;
  llc: boolean;
  epochAccesses: number;
}

function randomCase(seed: number): Case {
  const rng = new Prng(seed);
  const procs = 1 + rng.below(3);
  const pages = 200 + rng.below(1800);
  const n = 2000 + rng.below(3000);
  const hot = 1 + rng.below(pages);
  const maxWeight = 1 + rng.below(20000);
  const out: AccessBatch[] = [];
  let b = createAccessBatch(1024);
  for (let i = 0; i < n; i++) {
    if (b.length === 1024) {
      out.push(b);
      b = createAccessBatch(1024);
    }
    const page = rng.float() < 0.7 ? rng.below(hot) : rng.below(pages);
    const pid = 100 + rng.below(procs);
    const addr = 0x7e0000000000 + page * 4096 + rng.below(4096);
    const write = rng.float() < 0.3;
    const size = rng.float() < 0.05 ? 4096 : 8;
    pushAccess(b, i, pid, addr, write, size, 1 + rng.below(maxWeight) + rng.float());
  }
  out.push(b);
  const cost: CostOverrides = { concurrency: 1 + rng.below(8) };
  if (rng.float() < 0.5) cost.loadedLatencyKappa = rng.float() * 2;
  if (rng.float() < 0.3) cost.slowReadNs = 90 + rng.below(400);
  return { batches: out, cost, llc: rng.float() < 0.5, epochAccesses: 200 + rng.below(2000) };
}

describe("the bounds hold for every preset on random traces", () => {
  for (let run = 0; run < RUNS; run++) {
    it(`random trace ${run + 1} of ${RUNS}`, async () => {
      const c = randomCase(0xb0 + run);
      for (const stack of stackNames()) {
        const { container, kernel } = createSystem({ memory: [4 * MiB, 16 * MiB], backends: [registerTestAnon], seed: run + 1 });
        const r = await runSimulation(kernel, {
          source: () => c.batches,
          stack,
          container,
          epochAccesses: c.epochAccesses,
          seed: run + 7,
          cost: c.cost,
          llc: c.llc ? { sizeBytes: 64 * 1024, ways: 8, lineBytes: 64 } : null,
        });
        expect(r.bounds.allFastRuntime, `${stack}: allFast`).toBeGreaterThan(0);
        expect(r.runtimeNs, `${stack}: runtime >= allFast`).toBeGreaterThanOrEqual(r.bounds.allFastRuntime * (1 - 1e-12));
        expect(r.time.access + r.time.cache, `${stack}: accesses' time <= allSlow`).toBeLessThanOrEqual(r.bounds.allSlowRuntime * (1 + 1e-12));
      }
    }, 120_000);
  }
});
