// A small A/B harness on tinybench: measure two things side by side in one process, in turns
// (A B B A …), and report ratios as median with min and max over the rounds (BENCHMARKS.md says
// how to read them). tinybench runs and times every turn — each side is a tinybench Task, one
// iteration per turn, on a process.hrtime clock — while the turns themselves are scheduled here:
// tinybench runs a task's iterations back to back (or, with concurrency "bench", lets async tasks
// overlap in no fixed order), so it cannot alternate two tasks turn by turn and pair their
// figures per round, and it reads one clock only, where the harness also keeps the CPU time.
import os from "node:os";
import { Bench } from "tinybench";

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

/** tinybench's clock: process.hrtime in ms (a double: ns resolution for turns of well under a day). */
const hrtimeMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Results of `run(n)` folded in here, so that the work cannot be optimised away. */
let sink = 0;
export function getSink() {
  return sink;
}

/**
 * One tinybench Task per side, each run of it one turn: `run(n)` timed by tinybench, or
 * `measure()` (a side with untimed set-up between its timed stretches) reporting its timed
 * wall time to tinybench as the iteration's overriddenDuration. Returns turn(side) →
 * { wall, cpu, ops } in ns.
 */
function tinybenchTurns(sides) {
  const bench = new Bench({ name: sides.map((s) => s.name).join(" vs "), now: hrtimeMs, iterations: 1, time: 0, warmup: false, throws: true });
  const tasks = new Map();
  for (const side of sides) {
    const state = { measured: undefined };
    bench.add(
      side.name,
      () => {
        if (side.measure) {
          state.measured = side.measure();
          return { overriddenDuration: state.measured.wall / 1e6 };
        }
        const r = side.run(side.n);
        if (typeof r === "number") sink = (sink + r) | 0;
        return undefined;
      },
      { async: false },
    );
    tasks.set(side, { task: bench.getTask(side.name), state });
  }
  return (side) => {
    const { task, state } = tasks.get(side);
    task.reset(false);
    const c0 = cpuNs();
    task.runSync();
    const cpu = cpuNs() - c0;
    const wall = task.result.latency.mean * 1e6;
    if (side.measure) return { wall, cpu: state.measured.cpu, ops: state.measured.ops };
    return { wall, cpu, ops: side.n };
  };
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
 * cross-check that is less sensitive to preemption. Each turn is a tinybench run (above).
 */
export function abRounds({ a, b, rounds = 9, warmup = 2, turns = 1 }) {
  const once = tinybenchTurns([a, b]);
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
