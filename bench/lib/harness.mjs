// A small A/B harness: measure two things side by side in one process, in turns (A B A B …),
// and report ratios as median with min and max over the rounds (BENCHMARKS.md says how to read them).
import os from "node:os";

/** The machine the figures come from. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    date: new Date().toISOString(),
  };
}

/** median, min and max of a list of numbers */
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], n };
}

/** High-resolution clock in ns (a Number: fine for intervals well under 2^53 ns). */
export function nowNs() {
  return Number(process.hrtime.bigint());
}

/** CPU time of this process (user + system) in ns; µs resolution. */
export function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * Time `fn(n)` once: { wall, cpu } in ns per op. `fn` runs `n` operations and may return a
 * number that is kept (so that the work cannot be optimised away).
 */
let sink = 0;
export function timePerOp(fn, n) {
  const c0 = cpuNs();
  const t0 = process.hrtime.bigint();
  const r = fn(n);
  const t1 = process.hrtime.bigint();
  const c1 = cpuNs();
  if (typeof r === "number") sink = (sink + r) | 0;
  return { wall: Number(t1 - t0) / n, cpu: (c1 - c0) / n };
}
export function getSink() {
  return sink;
}

/**
 * A/B in turns. `a` and `b` are { name, run(n) -> any, n } or { name, measure() -> { wall,
 * cpu, ops } } (a side that does untimed set-up between timed stretches returns its totals).
 *
 * A round is `turns` turns of each side, interleaved A B B A A B … (the order flips every turn,
 * so neither side always goes first), and its figure per side is total time / total ops; the
 * ratio of the round is A/B. Fine interleaving keeps a burst of load from other processes on
 * this shared machine from landing on one side only. `warmup` rounds are run and discarded.
 * Wall time is the figure; CPU time of the process (user + system) is kept beside it as a
 * cross-check that is less sensitive to preemption.
 */
export function abRounds({ a, b, rounds = 9, warmup = 2, turns = 1 }) {
  const once = (side) => {
    if (side.measure) return side.measure();
    const t = timePerOp(side.run, side.n);
    return { wall: t.wall * side.n, cpu: t.cpu * side.n, ops: side.n };
  };
  const per = { a: { wall: [], cpu: [] }, b: { wall: [], cpu: [] } };
  const ratio = [];
  const cpuRatio = [];
  let flip = 0;
  for (let r = -warmup; r < rounds; r++) {
    const acc = new Map([
      [a, { wall: 0, cpu: 0, ops: 0 }],
      [b, { wall: 0, cpu: 0, ops: 0 }],
    ]);
    for (let t = 0; t < turns; t++) {
      const order = (flip++ & 1) === 0 ? [a, b] : [b, a];
      for (const side of order) {
        const m = once(side);
        const x = acc.get(side);
        x.wall += m.wall;
        x.cpu += m.cpu;
        x.ops += m.ops;
      }
    }
    if (r < 0) continue;
    const A = acc.get(a);
    const B = acc.get(b);
    per.a.wall.push(A.wall / A.ops);
    per.a.cpu.push(A.cpu / A.ops);
    per.b.wall.push(B.wall / B.ops);
    per.b.cpu.push(B.cpu / B.ops);
    ratio.push(A.wall / A.ops / (B.wall / B.ops));
    cpuRatio.push(A.cpu / A.ops / (B.cpu / B.ops));
  }
  return {
    a: { name: a.name, nsPerOp: summary(per.a.wall), cpuNsPerOp: summary(per.a.cpu), samples: per.a.wall },
    b: { name: b.name, nsPerOp: summary(per.b.wall), cpuNsPerOp: summary(per.b.cpu), samples: per.b.wall },
    ratio: summary(ratio),
    ratioSamples: ratio,
    cpuRatio: summary(cpuRatio),
  };
}

/** Run a full GC if --expose-gc is on. */
export function gc() {
  if (typeof globalThis.gc === "function") {
    globalThis.gc();
    globalThis.gc();
  }
}

export function fmtNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function fmtRatio(s, digits = 2) {
  return `${s.median.toFixed(digits)} (min ${s.min.toFixed(digits)}, max ${s.max.toFixed(digits)})`;
}

/** A plain-text table. */
export function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(w[i])).join("  ");
  return [line(headers), w.map((x) => "-".repeat(x)).join("  "), ...rows.map(line)].join("\n");
}
