// foliox benchmarks: `npm run bench` (builds, then `node --expose-gc bench/run.mjs`).
// Runs against the built dist (@foliox/core and @foliox/anon through node_modules), prints a
// table per figure and writes bench/results.json. Every figure is a figure of the model: it
// measures the simulator's cost on this machine, not a kernel's.
//
//   node --expose-gc bench/run.mjs [--only=swap,exchange,memory,replay] [--rounds=N]
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { fmtNs, machineInfo, table } from "./lib/harness.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const only = args.only ? new Set(args.only.split(",")) : null;
const want = (s) => !only || only.has(s);
const rounds = args.rounds ? Number(args.rounds) : 15;
if (typeof globalThis.gc !== "function") console.warn("warning: run with node --expose-gc (npm run bench does)");

const log = (s) => console.log(s);
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const machine = machineInfo();
const started = performance.now();
const results = { machine, command: "npm run bench", rounds, loadAvgStart: os.loadavg(), suites: {} };

console.log(`foliox benchmarks — figures of the model (the simulator's cost), not of a kernel`);
console.log(`node ${machine.node}, ${machine.cpu}, ${machine.cores} cores, ${machine.platform}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(`${rounds} rounds per figure, A and B in turns; ratios are median (min, max)\n`);

if (want("swap")) {
  console.log("data swap (bytes mode) …");
  const { runDataSwap } = await import("./data-swap.mjs");
  results.suites.dataSwap = runDataSwap({ rounds, log });
}
if (want("exchange")) {
  console.log("exchange vs bimigrate …");
  const { runExchangeVsBimigrate } = await import("./exchange-vs-bimigrate.mjs");
  results.suites.exchangeVsBimigrate = runExchangeVsBimigrate({ rounds, log });
}
if (want("memory")) {
  console.log("memory (child process) …");
  const { runMemory } = await import("./memory.mjs");
  results.suites.memory = await runMemory({ log });
}
if (want("replay")) {
  console.log("replay throughput (child processes) …");
  const { runReplay } = await import("./replay.mjs");
  results.suites.replay = await runReplay({ log, rounds: Math.min(rounds, 3) });
}
results.loadAvgEnd = os.loadavg();
results.seconds = (performance.now() - started) / 1000;

// ---- report ----
const r3 = (s) => `${s.median.toFixed(3)} (${s.min.toFixed(3)}, ${s.max.toFixed(3)})`;
const p3 = (s) => `${pct(s.median)} (${pct(s.min)}, ${pct(s.max)})`;
console.log("");
if (results.suites.exchangeVsBimigrate) {
  const rows = results.suites.exchangeVsBimigrate
    .filter((r) => r.ratio)
    .map((r) => [r.folio, r.kind, r.batch, r.pairsPerRound, r3(r.ratio), r3(r.cpuRatio), fmtNs(r.exchangeNsPerPair.median), fmtNs(r.bimigrateNsPerPair.median), r.targetMet ? "met" : "MISSED"]);
  console.log("Exchange vs bimigrate, time per pair (MIGRATE_SYNC). Target: ratio <= 1 in every configuration.");
  console.log(table(["folio", "kind", "batch", "pairs/round", "exchange/bimigrate (wall)", "(cpu time)", "exchange/pair", "bimigrate/pair", "target"], rows));
  console.log("");
}
if (results.suites.dataSwap) {
  const ds = results.suites.dataSwap;
  const rows = ds.results.map((r) => [r.folio, r.what, p3(r.bandwidthRatio), pct(r.cpuBandwidthRatio.median), `${r.modelGBps.toFixed(2)} GB/s`, `${r.rawGBps.toFixed(2)} GB/s`, r.folio === "2 MiB" && r.what === "data swap" ? (r.bandwidthRatio.median >= 0.8 ? "met" : "MISSED") : "-"]);
  console.log("Bytes-mode data swap vs raw swap (bandwidth = 2 x folio size per swap). Target: >= 80% for 2 MiB.");
  console.log(table(["folio", "what", "bandwidth vs raw (wall)", "(cpu)", "model", "raw", "target"], rows));
  console.log(`bit-exact check: ${ds.bitExact.map((c) => `order ${c.order}: ${c.ok ? `ok (${c.bytesCompared} bytes compared)` : `FAILED: ${c.why}`}`).join("; ")}`);
  console.log("");
}
if (results.suites.replay) {
  const rows = results.suites.replay.map((r) => [
    r.workload,
    r.pages.toLocaleString("en-US"),
    r.stack,
    r.entries.toLocaleString("en-US"),
    `${r.simulatedSeconds.toFixed(1)} s`,
    `${Math.round(r.entriesPerSec.median).toLocaleString("en-US")} (${Math.round(r.entriesPerSec.min).toLocaleString("en-US")}, ${Math.round(r.entriesPerSec.max).toLocaleString("en-US")})`,
    r.vsLinuxDefault === undefined ? "-" : r.vsLinuxDefault.toFixed(2),
    `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
  ]);
  console.log("Replay: entries (accesses, or weighted samples) replayed per second of CPU time (runSimulation's user + system), parsing included (median (min, max) over rounds), peak RSS of the child process.");
  console.log(table(["workload", "pages", "stack", "entries", "simulated", "entries/s", "÷ linux-default", "peak RSS"], rows));
  console.log("");
}
if (results.suites.memory) {
  const m = results.suites.memory;
  const GiB = 2 ** 30;
  const MiB = 2 ** 20;
  console.log(`Memory: ${m.simulatedGiB} GiB simulated (${m.nrPages} pages), ${m.touchedGiB} GiB touched by the workload. Target: <= 2 GiB RSS.`);
  console.log(
    table(
      ["", "total", "per simulated GiB"],
      [
        ["RSS", `${(m.after.rss / GiB).toFixed(3)} GiB`, `${m.perSimulatedGiB.rssMiB.toFixed(2)} MiB`],
        ["V8 heap used", `${(m.after.heapUsed / MiB).toFixed(1)} MiB`, `${m.perSimulatedGiB.heapUsedMiB.toFixed(3)} MiB`],
        ["ArrayBuffers", `${(m.after.arrayBuffers / GiB).toFixed(3)} GiB`, `${m.perSimulatedGiB.arrayBuffersMiB.toFixed(2)} MiB`],
        ["RSS above bare node", `${((m.after.rss - m.baseline.rss) / GiB).toFixed(3)} GiB`, `${m.perSimulatedGiB.rssAboveBaselineMiB.toFixed(2)} MiB`],
      ],
    ),
  );
  console.log(`mem_map ${(m.memMapBytes / MiB).toFixed(0)} MiB (${m.memMapBytesPerPage.toFixed(1)} B/page); ${m.pageTables} page tables, arena ${(m.pageTableArenaBytes / MiB).toFixed(0)} MiB; target ${m.target.met ? "met" : "MISSED"}`);
  console.log("");
}
const out = fileURLToPath(new URL("./results.json", import.meta.url));
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`wrote ${out} (${results.seconds.toFixed(1)} s)`);
