// Bytes-mode data swap on cold data: the same comparison as data-swap.mjs (A: folio_exchange_data()
// of a 2 MiB pair, B: a raw swap of the same two byte ranges through a 2 MiB temp, three
// TypedArray.set copies), but over 160 pairs, 640 MiB of frames, taken in a scrambled order, so
// that every swap finds its frames out of the CPU's caches (data-swap.mjs's 4 pairs, 16 MiB,
// stay in them). Bandwidth counts both folios' bytes: 2 x 2 MiB per swap; the figure is
// bandwidth(A) / bandwidth(B) = time(B) / time(A), by CPU time (wall beside it).
import { folioExchangeData, PAGE_SIZE } from "@foliox/core";
import { abRounds, summary } from "./lib/harness.mjs";
import { folioPairs, makeSystem, MiB } from "./lib/scenario.mjs";

const PAIRS = 160;
const ORDER = 9;

export function runDataSwapCold({ rounds = 9, log = () => {} } = {}) {
  const k = makeSystem({ memory: [384 * MiB, 384 * MiB], bytes: true });
  const { pairs } = folioPairs(k, PAIRS, ORDER);
  const size = PAGE_SIZE << ORDER;
  const bytes = k.content.bytes;
  const views = pairs.map(([a, b]) => [bytes.subarray(a * PAGE_SIZE, a * PAGE_SIZE + size), bytes.subarray(b * PAGE_SIZE, b * PAGE_SIZE + size)]);
  const tmp = new Uint8Array(size);
  // a scrambled order (a stride coprime with the pair count): consecutive swaps touch frames far apart
  const order = Array.from({ length: PAIRS }, (_, i) => (i * 61) % PAIRS);
  const n = 40;
  let next = 0;
  let nextRaw = 0;
  const dataSwap = {
    name: "folio_exchange_data (bytes mode, cold)",
    n,
    run(m) {
      for (let i = 0; i < m; i++) {
        const p = pairs[order[next++ % PAIRS]];
        folioExchangeData(k, p[0], p[1]);
      }
    },
  };
  const raw = {
    name: "raw swap (3 x TypedArray.set, cold)",
    n,
    run(m) {
      for (let i = 0; i < m; i++) {
        const v = views[order[nextRaw++ % PAIRS]];
        tmp.set(v[0]);
        v[0].set(v[1]);
        v[1].set(tmp);
      }
      return tmp[0];
    },
  };
  const r = abRounds({ a: dataSwap, b: raw, rounds, warmup: 2, turns: 3 });
  const res = {
    folio: "2 MiB",
    what: "data swap, cold",
    pairs: PAIRS,
    framesMiB: (2 * PAIRS * size) / MiB,
    opsPerRound: n * 3,
    rounds,
    bandwidthRatio: summary(r.ratioSamples.map((x) => 1 / x)),
    cpuBandwidthRatio: { median: 1 / r.cpuRatio.median, min: 1 / r.cpuRatio.max, max: 1 / r.cpuRatio.min },
    modelNsPerSwap: r.a.nsPerOp,
    rawNsPerSwap: r.b.nsPerOp,
    modelGBps: (2 * size) / r.a.cpuNsPerOp.median,
    rawGBps: (2 * size) / r.b.cpuNsPerOp.median,
  };
  log(
    `  data-swap 2 MiB cold (${res.framesMiB} MiB of frames): ${(res.cpuBandwidthRatio.median * 100).toFixed(1)}% of raw by CPU time, ${(res.bandwidthRatio.median * 100).toFixed(1)}% by wall`,
  );
  return res;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(runDataSwapCold({ log: console.log }), null, 2));
}
