/**
 * Allocation, never time: in steady state a simulated access that hits a present PTE allocates
 * nothing — the engine's counters are a typed array and addresses reach core as two int32s.
 * Measured with V8's heap space statistics between two epochs of a run whose memory holds the
 * whole workload (after the first epochs, no faults), a full GC first; the epoch ends' own
 * work (records, kswapd) is included and amortized over the accesses.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { registerAnon } from "@foliox/anon";
import { expect, it } from "vitest";
import { heapSpaceUsed } from "@foliox/core";
import { builtinScenario, prepareScenario, runSimulation } from "../src/index.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const MiB = 2 ** 20;

it("a simulated access allocates nothing in steady state (linux-default, everything resident)", { timeout: 120_000 }, async () => {
  const scenario = builtinScenario("uniform", { stack: "linux-default", epochs: 24, pressure: "none", memory: { fast: 256 * MiB, slow: 256 * MiB } } as never);
  const { kernel, container, workload, pids } = prepareScenario(scenario, { backends: [registerAnon] });
  const perEpoch = scenario.workload.accessesPerEpoch;
  const samples: number[] = [];
  let before: { used: number; young: number } | null = null;
  await runSimulation(kernel, {
    source: () => workload.batches(pids),
    stack: scenario.stack,
    container,
    epochAccesses: perEpoch,
    seed: 1,
    onEpoch: (_rec, i) => {
      if (i < 8) return; // warm-up: first touches, then the optimized loop
      const now = heapSpaceUsed();
      if (before) samples.push(now.young < before.young ? Infinity : (now.used - before.used) / perEpoch);
      gc();
      before = heapSpaceUsed();
    },
  });
  samples.sort((a, b) => a - b);
  expect(samples.length).toBeGreaterThan(10);
  // the median epoch: bytes per access
  expect(samples[samples.length >> 1]).toBeLessThan(1);
});
