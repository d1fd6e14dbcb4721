// A real program's memory trace for the replay benchmarks: `gzip -c -6` compressing 40,000
// bytes of seeded pseudo-text, recorded with `valgrind --tool=lackey --trace-mem=yes` and
// gzipped (~7.8 M lines, ~2 M loads and stores). Recorded once into bench/.cache and reused;
// FOLIOX_BENCH_LACKEY names another trace instead. Without valgrind (and without the variable)
// there is none: the benchmarks that need it say so and skip it.
import { execFileSync, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const CACHE = fileURLToPath(new URL("../.cache", import.meta.url));
const TRACE = join(CACHE, "lackey-gzip40k.txt.gz");

/** 40,000 bytes of text from a fixed word list and a fixed LCG: the same input on every machine. */
function input() {
  const words =
    "the page folio exchange migrate node tier memory kernel swap cache hot cold fast slow reclaim promote demote lru list map anon file write read fault table entry".split(
      " ",
    );
  let s = 1;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s;
  };
  let out = "";
  while (out.length < 40000) out += words[next() % words.length] + (next() % 11 === 0 ? ".\n" : " ");
  return out.slice(0, 40000);
}

/** The trace's path, recording it first if need be; null (with the reason logged) when there is none. */
export async function lackeyGzipTrace(log = console.error) {
  const named = process.env.FOLIOX_BENCH_LACKEY;
  if (named) {
    if (existsSync(named)) return named;
    log(`FOLIOX_BENCH_LACKEY=${named}: no such file; the lackey-gzip replays are skipped`);
    return null;
  }
  if (existsSync(TRACE)) return TRACE;
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    log("valgrind is not installed (apt-get install valgrind): the lackey-gzip replays are skipped");
    return null;
  }
  mkdirSync(CACHE, { recursive: true });
  const src = join(CACHE, "gzin.txt");
  const raw = join(CACHE, "lackey-gzip40k.txt");
  writeFileSync(src, input());
  log("recording bench/.cache/lackey-gzip40k.txt.gz (valgrind lackey of gzip -c -6, once)");
  execFileSync("valgrind", ["--tool=lackey", "--trace-mem=yes", `--log-file=${raw}`, "gzip", "-c", "-6", src], { stdio: ["ignore", "ignore", "inherit"] });
  await pipeline(createReadStream(raw), createGzip({ level: 6 }), createWriteStream(`${TRACE}.tmp`));
  renameSync(`${TRACE}.tmp`, TRACE);
  rmSync(raw);
  rmSync(src);
  return TRACE;
}
