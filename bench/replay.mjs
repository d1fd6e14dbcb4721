// Replay throughput: entries replayed per second of CPU time (and of wall time, beside it), per
// stack, with the child process's peak RSS, parsing and generating included (the figure is
// entries ÷ the CPU time, user + system, of runSimulation(), which pulls the stream as it
// replays: on a shared machine wall time measures the neighbours' load as well), on
// - a synthetic zipf(0.99) workload (scrambled) over 1 M pages (a 4 GiB footprint) and 16 M
//   pages (64 GiB), each entry a sample of weight 128, on dram-cxl machines whose DRAM holds
//   1/32 of the footprint (so every stack has work to do);
// - the real valgrind lackey trace packages/trace/test/fixtures/lackey-true.txt.gz (`true`
//   under valgrind --tool=lackey --trace-mem=yes), gunzipped and parsed as it replays, with the
//   LLC filter on (as for every lackey trace), on the built-in `trace` machine (DRAM 20% of its
//   footprint);
// - a real program's trace long enough to measure the importer and the engine (`lackey-gzip`):
//   gzip under valgrind lackey, recorded once into bench/.cache when valgrind is installed
//   (bench/lib/lackey-trace.mjs; FOLIOX_BENCH_LACKEY names another), replayed like the above;
//   and the same trace written once (untimed) to the canonical binary format and replayed from
//   that file with the same LLC (`lackey-gzip-bin`): what the binary format is for, a trace
//   replayed many times;
// - the 1 M-page zipf stream written once (untimed) to the canonical binary format and replayed
//   from the file (`zipf-1M-bin`): the same accesses as zipf-1M, decoded instead of generated;
//   its child also reports the decoder alone (readTrace over the file, no engine).
// Each (workload, stack) runs in a child process of its own (`node --expose-gc
// bench/replay.mjs --child ...`), so that its peak RSS (VmHWM, /proc/self/status: getrusage's
// maxRSS survives exec, and would report the parent's when the parent was larger) is its
// own. Setup (building the machine, mapping the regions, the trace's footprint pass) is timed
// apart. Each child replays once to warm up (the JIT compiles the engine, the stack and the
// kernel model's paths as it meets them: ~0.3-0.8 CPU s once per process, on V8's compiler
// threads), then `rounds` times on a fresh machine each, and reports median (min, max) of
// those; the cold first replay's rate is reported apart (coldEntriesPerSec).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lackeyGzipTrace } from "./lib/lackey-trace.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const LACKEY = join(here, "..", "packages/trace/test/fixtures/lackey-true.txt.gz");

export const REPLAY_STACKS = ["linux-default", "numab2", "tpp", "memtis", "nimble", "exchange", "epoch-oracle"];

/** The synthetic workloads: footprint in pages, entries. */
const SYNTHETIC = {
  "zipf-1M": { pages: 2 ** 20, epochs: 20, perEpoch: 100_000 },
  "zipf-16M": { pages: 2 ** 24, epochs: 10, perEpoch: 100_000 },
};

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], n: s.length };
}

const MiB4 = 4 * 2 ** 20;
const roundUp4MiB = (bytes) => Math.ceil(bytes / MiB4) * MiB4;

async function child(workload, stack, rounds) {
  const { registerAnon } = await import("@foliox/anon");
  const { parseScenario, builtinScenario, prepareScenario, runSimulation, scaledLlc } = await import("@foliox/tiering");
  const { readTrace, summarizeTrace, TraceBinaryEncoder } = await import("@foliox/trace");
  const rates = [];
  const wallRates = [];
  let decodePerSec = null;
  const setups = [];
  let entries = 0;
  let pages = 0;
  let hitRatio = 0;
  let simulatedSeconds = 0;
  let coldRate = 0;
  for (let r = 0; r <= rounds; r++) {
    // a full GC only before the warm-up: one between rounds would let the last machine's
    // object shapes die, and with them the optimized code built on them (every round cold)
    if (r === 0) globalThis.gc?.();
    let t = performance.now();
    let prepared;
    let source;
    let epochAccesses;
    let llc = null;
    if (workload.startsWith("lackey")) {
      const text = workload === "lackey" ? LACKEY : process.env.FOLIOX_BENCH_LACKEY_FILE;
      const scenario = builtinScenario("trace", { stack });
      const shape = await summarizeTrace(text, { format: "lackey", top: 0 });
      pages = shape.distinctPages;
      prepared = prepareScenario(scenario, { backends: [registerAnon], workload: false, footprintPages: pages });
      epochAccesses = scenario.workload.accessesPerEpoch;
      llc = scaledLlc(pages * 4096);
      source = () => readTrace(text, { format: "lackey" });
      if (workload.endsWith("-bin")) {
        // the same trace written once (untimed) to the binary format, replayed with the same LLC
        const file = join(tmpdir(), `foliox-bench-${workload}-${process.pid}.bin`);
        if (!existsSync(file)) {
          const enc = new TraceBinaryEncoder();
          const parts = [enc.header(false)];
          for await (const b of readTrace(text, { format: "lackey" })) parts.push(enc.records(b));
          writeFileSync(file, Buffer.concat(parts));
          process.on("exit", () => rmSync(file, { force: true }));
        }
        source = () => readTrace(file);
      }
    } else {
      const bin = workload.endsWith("-bin");
      const w = SYNTHETIC[bin ? workload.slice(0, -4) : workload];
      const scenario = parseScenario(
        {
          name: workload,
          topology: "dram-cxl",
          memory: { fast: roundUp4MiB((w.pages * 4096) / 32), slow: roundUp4MiB(w.pages * 4096 * 1.25) },
          workload: {
            pattern: { type: "zipf", s: 0.99, scatter: true },
            regions: [{ name: "heap", kind: "anon", size: w.pages * 4096 }],
            accessesPerEpoch: w.perEpoch,
            weight: 128,
          },
          stack,
          epochs: w.epochs,
          seed: 1,
        },
        "bench",
      );
      prepared = prepareScenario(scenario, { backends: [registerAnon] });
      source = () => prepared.workload.batches(prepared.pids);
      if (bin) {
        const file = join(tmpdir(), `foliox-bench-${workload}-${process.pid}.bin`);
        if (!existsSync(file)) {
          const enc = new TraceBinaryEncoder();
          const parts = [enc.header(true)];
          for (const b of prepared.workload.batches(prepared.pids)) parts.push(enc.records(b));
          writeFileSync(file, Buffer.concat(parts));
          process.on("exit", () => rmSync(file, { force: true }));
          const c = process.cpuUsage();
          let n = 0;
          for await (const b of readTrace(file)) n += b.length;
          const d = process.cpuUsage(c);
          decodePerSec = n / ((d.user + d.system) / 1e6);
        }
        source = () => readTrace(file);
      }
      epochAccesses = w.perEpoch;
      pages = w.pages;
    }
    setups.push((performance.now() - t) / 1000);
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const res = await runSimulation(prepared.kernel, {
      source,
      stack,
      container: prepared.container,
      epochAccesses,
      seed: 1,
      autoMap: workload.startsWith("lackey"),
      llc,
    });
    const secs = (performance.now() - t) / 1000;
    const cpu = process.cpuUsage(cpu0);
    entries = res.entries;
    hitRatio = res.hitRatio;
    simulatedSeconds = res.simulatedSeconds;
    const rate = res.entries / ((cpu.user + cpu.system) / 1e6);
    if (r === 0) coldRate = rate;
    else {
      rates.push(rate);
      wallRates.push(res.entries / secs);
    }
    prepared = null;
  }
  const ru = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({ workload, stack, pages, entries, hitRatio, simulatedSeconds, entriesPerSec: stats(rates), entriesPerWallSec: stats(wallRates), coldEntriesPerSec: coldRate, ...(decodePerSec !== null ? { decodeEntriesPerSec: decodePerSec } : {}), setupSec: stats(setups), peakRssBytes: peakRss(ru) })}\n`,
  );
}

/** This process's peak RSS, bytes: VmHWM (reset by exec) where /proc has it, else getrusage's. */
function peakRss(ru) {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return ru.maxRSS * 1024;
}

function spawnChild(workload, stack, rounds) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ["--expose-gc", "--max-old-space-size=4096", fileURLToPath(import.meta.url), "--child", workload, stack, String(rounds)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("close", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop())) : reject(new Error(`replay child ${workload}/${stack} exited ${code}`)),
    );
  });
}

/** Run every (workload, stack) in its own child, `rounds` measured replays each after the warm-up. */
export async function runReplay({ log = console.log, rounds = 3, workloads, stacks = REPLAY_STACKS } = {}) {
  const gzipTrace = await lackeyGzipTrace(log);
  const ws = (workloads ?? ["zipf-1M", "zipf-16M", "lackey", "zipf-1M-bin", "lackey-gzip", "lackey-gzip-bin"]).filter(
    (w) => gzipTrace !== null || !w.startsWith("lackey-gzip"),
  );
  // the children read the recorded trace's path from their environment
  if (gzipTrace) process.env.FOLIOX_BENCH_LACKEY_FILE = gzipTrace;
  const out = [];
  for (const w of ws) {
    for (const s of stacks) {
      const r = await spawnChild(w, s, rounds);
      log(
        `  ${w} ${s}: ${Math.round(r.entriesPerSec.median).toLocaleString("en-US")} entries/CPU s (${Math.round(r.entriesPerWallSec.median).toLocaleString("en-US")}/wall s; cold first replay ${Math.round(r.coldEntriesPerSec).toLocaleString("en-US")}/CPU s), peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
      );
      out.push(r);
    }
    const base = out.find((r) => r.workload === w && r.stack === "linux-default");
    if (base) for (const r of out.filter((x) => x.workload === w)) r.vsLinuxDefault = r.entriesPerSec.median / base.entriesPerSec.median;
  }
  return out;
}

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4], Number(process.argv[5] ?? 3));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // node bench/replay.mjs [workload,… [stack,…]]: a subset
  const [ws, ss] = process.argv.slice(2).map((a) => a.split(","));
  const r = await runReplay({ workloads: ws, ...(ss ? { stacks: ss } : {}) });
  console.log(JSON.stringify(r, null, 2));
}
