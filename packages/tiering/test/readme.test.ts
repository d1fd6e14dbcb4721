/** The README's example, run as written (keep the two in step). */
import { registerAnon } from "@foliox/anon";
import { expect, it } from "vitest";
import { builtinScenario, prepareScenario, runSimulation } from "../src/index.js";

it("the README's example runs a preset on a built-in scenario and reports what it says", { timeout: 120_000 }, async () => {
  const scenario = builtinScenario("hotset", { stack: "tpp", epochs: 4 });
  const { kernel, container, workload, pids } = prepareScenario(scenario, { backends: [registerAnon] });
  const r = await runSimulation(kernel, {
    source: () => workload.batches(pids),
    stack: scenario.stack,
    container,
    epochAccesses: scenario.workload.accessesPerEpoch,
    seed: scenario.seed,
  });
  expect(r.stack).toBe("tpp");
  expect(r.perEpoch).toHaveLength(4);
  expect(r.hitRatio).toBeGreaterThan(0);
  expect(r.hitRatio).toBeLessThanOrEqual(1);
  expect(r.runtimeNs).toBeGreaterThanOrEqual(r.bounds.allFastRuntime);
  expect(typeof r.vmstat.pgpromote_success).toBe("number");
});
