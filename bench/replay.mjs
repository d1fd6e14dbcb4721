// Replay throughput: simulated accesses per second of wall time, per stack, with the child
// process's peak RSS, on
// - a synthetic zipf(0.99) workload (scrambled) over 1 M pages (4 GiB) and 16 M pages
//   (64 GiB), on dram-cxl machines that hold the footprint with an eighth of it in DRAM
//   (0.5 + 4 GiB, 8 + 64 GiB);
// - the real valgrind lackey trace packages/trace/test/fixtures/lackey-true.txt.gz (`true`
//   under valgrind --tool=lackey --trace-mem=yes), on the built-in `zipf` scenario's machine,
//   with its page count.
// Each (workload, stack) runs in a child process of its own (`node --expose-gc
// bench/replay.mjs --child ...`), so that its peak RSS (process.resourceUsage().maxRSS) is its
// own. Setup (building the machine, mapping the regions) is timed apart; the figure is
// accesses replayed ÷ the wall time of runSimulation(). Each child replays `rounds` times on a
// fresh machine and reports median (min, max). The ratio to linux-default is the stacks' cost
// relative to the engine's bare replay (the same accesses, no tiering work).
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const LACKEY = join(here, "..", "packages/trace/test/fixtures/lackey-true.txt.gz");
const GiB = 2 ** 30;

export const REPLAY_STACKS = ["linux-default", "numab2", "exchange"];

/** The synthetic workloads: footprint in pages, machine, accesses. */
const SYNTHETIC = {
  "zipf-1M": { pages: 2 ** 20, fast: GiB / 2, slow: 4 * GiB, epochs: 20, perEpoch: 100_000 },
  "zipf-16M": { pages: 2 ** 24, fast: 8 * GiB, slow: 64 * GiB, epochs: 20, perEpoch: 100_000 },
};

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
}

async function child(workload, stack, rounds) {
  const core = await import("@foliox/core");
  const { registerAnon } = await import("@foliox/anon");
  const { prepareScenario, resolveScenario, runSimulation, readTrace } = core;
  const dir = mkdtempSync(join(tmpdir(), "foliox-replay-"));
  const rates = [];
  const setups = [];
  let accesses = 0;
  let pages = 0;
  let hitRatio = 0;
  for (let r = 0; r < rounds; r++) {
    globalThis.gc?.();
    let t = performance.now();
    let prepared;
    let source;
    let epochAccesses;
    if (workload === "lackey") {
      const { scenario } = await resolveScenario("zipf", { overrides: { stack } });
      prepared = prepareScenario(scenario, { backends: [registerAnon], workload: false });
      source = () => readTrace(LACKEY, { format: "lackey" });
      epochAccesses = scenario.workload.accessesPerEpoch;
      if (r === 0) {
        const seen = new Set();
        for await (const b of readTrace(LACKEY, { format: "lackey" })) for (let i = 0; i < b.length; i++) seen.add(b.pid[i] * 2 ** 36 + Math.floor(b.addr[i] / 4096));
        pages = seen.size;
      }
    } else {
      const w = SYNTHETIC[workload];
      const file = join(dir, `${workload}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          name: workload,
          topology: "dram-cxl",
          memory: { fast: w.fast, slow: w.slow },
          workload: { pattern: { type: "zipf", s: 0.99, scatter: true }, regions: [{ name: "heap", kind: "anon", size: w.pages * 4096 }], accessesPerEpoch: w.perEpoch },
          stack,
          epochs: w.epochs,
          seed: 1,
        }),
      );
      const { scenario } = await resolveScenario(file);
      prepared = prepareScenario(scenario, { backends: [registerAnon] });
      source = () => prepared.workload.batches(prepared.pids);
      epochAccesses = w.perEpoch;
      pages = w.pages;
    }
    setups.push((performance.now() - t) / 1000);
    t = performance.now();
    const res = await runSimulation(prepared.kernel, { source, stack, container: prepared.container, epochAccesses, seed: 1, autoMap: workload === "lackey" });
    const secs = (performance.now() - t) / 1000;
    accesses = res.accesses;
    hitRatio = res.hitRatio;
    rates.push(res.accesses / secs);
    prepared = null;
  }
  const ru = process.resourceUsage();
  process.stdout.write(JSON.stringify({ workload, stack, pages, accesses, hitRatio, accessesPerSec: stats(rates), setupSec: stats(setups), peakRssBytes: ru.maxRSS * 1024 }) + "\n");
}

function spawnChild(workload, stack, rounds) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", "--max-old-space-size=4096", fileURLToPath(import.meta.url), "--child", workload, stack, String(rounds)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`replay child ${workload}/${stack} exited ${code}`))));
  });
}

/** Run every (workload, stack) in its own child; rounds per child (16 M pages: fewer). */
export async function runReplay({ log = console.log, rounds = 3, workloads = ["zipf-1M", "zipf-16M", "lackey"], stacks = REPLAY_STACKS } = {}) {
  const out = [];
  for (const w of workloads) {
    for (const s of stacks) {
      const r = await spawnChild(w, s, w === "zipf-16M" ? Math.max(1, Math.min(rounds, 2)) : rounds);
      log(`  ${w} ${s}: ${Math.round(r.accessesPerSec.median).toLocaleString("en-US")} accesses/s, peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
      out.push(r);
    }
    const base = out.find((r) => r.workload === w && r.stack === "linux-default");
    if (base) for (const r of out.filter((x) => x.workload === w)) r.vsLinuxDefault = r.accessesPerSec.median / base.accessesPerSec.median;
  }
  return out;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], Number(process.argv[5] ?? 3));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runReplay();
  console.log(JSON.stringify(r, null, 2));
}
