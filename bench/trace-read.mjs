// The trace readers alone: records (bin) or lines (lackey) that readTrace() delivers per second
// of CPU time (user + system, of every thread: gunzip runs on libuv's pool), no engine, for
// - a canonical binary file of 2 M records (random addresses, weight 128), written once to the
//   temp directory (untimed);
// - the gzipped valgrind lackey trace of gzip the replay suite records (bench/lib/lackey-trace.mjs;
//   FOLIOX_BENCH_LACKEY names another), read as lackey; skipped, saying why, when there is none.
// With `--old PATH` (a copy of an earlier build's dist/index.js) both sides run in turns, old
// then new, `--rounds N` (default 3) times each, and the medians are printed side by side:
//
//     node bench/trace-read.mjs --old /tmp/trace-old/dist/index.js
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cpuNs, summary } from "./lib/harness.mjs";
import { lackeyGzipTrace } from "./lib/lackey-trace.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const rounds = Number(opt("--rounds", "3"));
const oldPath = opt("--old", undefined);
const LACKEY = await lackeyGzipTrace();
const BIN_RECORDS = 2_000_000;

const sides = [];
if (oldPath) sides.push({ name: "old", mod: await import(pathToFileURL(resolve(oldPath)).href) });
sides.push({ name: "new", mod: await import("@foliox/trace") });

/** A bin file of `n` records: random 47-bit addresses, weight 128, one store in four. */
function writeBin(mod, file, n) {
  const batch = new mod.TraceBatch(65536);
  const enc = new mod.TraceBinaryEncoder();
  const parts = [enc.header(true)];
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  for (let done = 0; done < n; ) {
    batch.length = 0;
    while (batch.length < batch.capacity && done < n) {
      batch.push(done, 1, (rand() & 0x7fff) * 4294967296 + rand(), (rand() & 3) === 0 ? 1 : 0, 8, 128);
      done++;
    }
    parts.push(enc.records(batch));
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** CPU ns and counts of one full read. */
async function readOnce(mod, file, options) {
  const stats = mod.createTraceReadStats(file);
  const t0 = cpuNs();
  let n = 0;
  for await (const b of mod.readTrace(file, { ...options, stats })) n += b.length;
  const cpu = cpuNs() - t0;
  if (n !== stats.records) throw new Error(`${file}: counted ${n} entries, stats say ${stats.records}`);
  return { cpu, records: stats.records, lines: stats.lines };
}

const binFile = join(tmpdir(), `foliox-trace-read-${process.pid}.bin`);
writeBin(sides[sides.length - 1].mod, binFile, BIN_RECORDS);
const cases = [{ name: "bin 2M records (records/CPU s)", file: binFile, options: {}, unit: "records" }];
if (LACKEY) cases.push({ name: `lackey ${LACKEY} (lines/CPU s)`, file: LACKEY, options: { format: "lackey" }, unit: "lines" });

try {
  for (const c of cases) {
    const rates = new Map(sides.map((s) => [s.name, []]));
    let counts;
    for (let r = 0; r < rounds; r++) {
      for (const s of sides) {
        globalThis.gc?.();
        const got = await readOnce(s.mod, c.file, c.options);
        if (counts && (counts.records !== got.records || counts.lines !== got.lines)) {
          throw new Error(`${s.name} read ${got.records} records in ${got.lines} lines, another side ${counts.records} in ${counts.lines}`);
        }
        counts = got;
        rates.get(s.name).push((got[c.unit] / got.cpu) * 1e9);
      }
    }
    console.log(`${c.name}: ${counts.records} records, ${counts.lines} lines`);
    for (const s of sides) {
      const m = summary(rates.get(s.name));
      console.log(
        `  ${s.name.padEnd(4)} median ${(m.median / 1e6).toFixed(1)} M/s (min ${(m.min / 1e6).toFixed(1)}, max ${(m.max / 1e6).toFixed(1)}, n ${m.n})`,
      );
    }
  }
} finally {
  rmSync(binFile, { force: true });
}
