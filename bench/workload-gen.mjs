// Synthetic workload generation alone: entries per second of CPU time (user + system, from
// process.cpuUsage: the machine is shared, so wall time would measure the neighbours too) of
// pulling the replay benchmark's streams (replay.mjs: a scrambled zipf(0.99) over 1 M and 16 M
// pages, 2 M entries of weight 128) out of createWorkload().batches(), with nothing consuming
// them. Generation is part of every synthetic replay's CPU time, so this is the figure to watch
// when the generator changes.
//
//   npx turbo run build && node --expose-gc bench/workload-gen.mjs [--old=/path/to/old/dist/index.js] [--rounds=3] [--gc]
//
// With --old, a copy of an older build of @foliox/tiering (its dist, next to a node_modules
// that resolves @foliox/core) runs side by side with the current one, in turns, round by
// round, so both see the same load; each figure is the median of the rounds (min, max). A
// first, untimed round warms each side up. By default the rounds measure the steady state;
// --gc runs a full GC before each pull: a GC that frees the last workload's objects can free
// their V8 maps too, and then the optimized code that embedded them is dropped and the pull pays
// the JIT's warm-up again (which is why replay.mjs collects only before its warm-up replay).
import { createWorkload as currentCreateWorkload } from "@foliox/tiering";

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "true"];
  }),
);
const rounds = args.rounds ? Number(args.rounds) : 3;

/** The replay benchmark's synthetic workloads, trimmed to 2 M entries each. */
const STREAMS = {
  "zipf-1M": { pages: 2 ** 20, epochs: 20, perEpoch: 100_000 },
  "zipf-16M": { pages: 2 ** 24, epochs: 20, perEpoch: 100_000 },
};

function specOf(w) {
  return {
    pattern: { type: "zipf", s: 0.99, scatter: true },
    regions: [{ name: "heap", kind: "anon", size: w.pages * 4096 }],
    accessesPerEpoch: w.perEpoch,
    weight: 128,
  };
}

/** Entries per CPU second of one full pull of the stream (a checksum keeps the work live). */
function measure(createWorkload, w) {
  const workload = createWorkload(specOf(w), { seed: 1, epochs: w.epochs });
  if (args.gc) {
    if (typeof globalThis.gc !== "function") throw new Error("--gc needs node --expose-gc");
    globalThis.gc();
  }
  let entries = 0;
  let sum = 0;
  const c0 = process.cpuUsage();
  for (const b of workload.batches([1])) {
    entries += b.length;
    sum += b.addr[b.length - 1];
  }
  const c = process.cpuUsage(c0);
  if (!(sum > 0)) throw new Error("empty stream");
  return entries / ((c.user + c.system) / 1e6);
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
}

const sides = { current: currentCreateWorkload };
if (args.old) sides.old = (await import(args.old)).createWorkload;

const fmt = (x) => `${(x / 1e6).toFixed(2)} M/s`;
for (const [name, w] of Object.entries(STREAMS)) {
  const rates = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (const f of Object.values(sides)) measure(f, w);
  for (let r = 0; r < rounds; r++) for (const [k, f] of Object.entries(sides)) rates[k].push(measure(f, w));
  const parts = Object.entries(rates).map(([k, xs]) => {
    const st = stats(xs);
    return `${k} ${fmt(st.median)} (${fmt(st.min)}, ${fmt(st.max)})`;
  });
  const ratio = args.old ? `; current/old ×${(stats(rates.current).median / stats(rates.old).median).toFixed(2)}` : "";
  console.log(`${name}: entries per CPU second: ${parts.join(", ")}${ratio}`);
}
