// `npm run test:long`: the long soak CI does not run. The property harnesses at 10,000 sequences
// each (core's anonymous-memory harness, and the CLI's wide one over every backend, swap, KSM,
// failure injection and interleaved exchange phases), then the interleaving explorer with 3
// preemptions and a budget of 20,000 interleavings (every schedule of every scenario at that
// bound). It runs vitest in each package directly: turbo would replay a cached result, since
// FOLIOX_* variables pass through it without being part of its hash. No build is needed.
// Exits non-zero if any run fails; FOLIOX_PROPERTY_RUNS, FOLIOX_EXPLORE_BUDGET and
// FOLIOX_EXPLORE_PREEMPTIONS set in the environment override the defaults here.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const env = {
  ...process.env,
  FOLIOX_PROPERTY_RUNS: process.env.FOLIOX_PROPERTY_RUNS ?? "10000",
  FOLIOX_EXPLORE_BUDGET: process.env.FOLIOX_EXPLORE_BUDGET ?? "20000",
  FOLIOX_EXPLORE_PREEMPTIONS: process.env.FOLIOX_EXPLORE_PREEMPTIONS ?? "3",
};
const runs = [
  { dir: "packages/core", files: ["test/property.test.ts"] },
  { dir: "packages/cli", files: ["test/property-wide.test.ts", "test/explore.test.ts"] },
];

let failed = 0;
for (const { dir, files } of runs) {
  console.log(`test:long: ${dir}: ${files.join(" ")}`);
  const r = spawnSync("npx", ["vitest", "run", ...files], { cwd: `${root}${dir}`, stdio: "inherit", env });
  if (r.status !== 0) failed++;
}
console.log(`test:long: ${runs.length - failed} of ${runs.length} runs passed`);
process.exitCode = failed ? 1 : 0;
