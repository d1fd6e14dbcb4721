// Bytes-mode data swap vs a raw swap of the same bytes.
//
// A: folio_exchange_data() on a pair of folios of a bytes-mode system (Content.swapPages: the
//    tokens plus every byte of both folios).
// B: a raw in-process swap of the same two byte ranges (subarrays of the same buffer) through a
//    temp buffer: tmp.set(a); a.set(b); b.set(tmp).
// Bandwidth counts both folios' bytes: 2 x folio size per swap. The ratio reported is
// bandwidth(A) / bandwidth(B) = time(B) / time(A).
//
// Also (informational) the whole folio_exchange() in bytes mode against the same raw swap, and
// a bit-exactness check: every byte pattern (all 256 byte values, float32/float64 NaNs with
// payloads, signalling NaNs, -0, denormals, random bytes) survives an exchange unchanged.
import { randomFillSync } from "node:crypto";
import { folioExchange, folioExchangeData, MIGRATE_SYNC, PAGE_SIZE } from "@foliox/core";
import { abRounds, summary } from "./lib/harness.mjs";
import { makeSystem, folioPairs, MiB } from "./lib/scenario.mjs";

const CONFIGS = [
  { label: "4 KiB", order: 0, pairs: 512, opsPerTurn: 8000, turns: 5 },
  { label: "2 MiB", order: 9, pairs: 4, opsPerTurn: 24, turns: 5 },
];

function special(bytes) {
  // Fill with a mix of patterns that a lossy path (a float view, a string, a JSON trip) would change.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const f64 = [
    0x7ff0000000000001n,
    0x7ff4000000000000n,
    0xfff8000000000000n,
    0x7ff8deadbeefcafen,
    0xfff0000000000001n,
    0x8000000000000000n,
    0x0000000000000001n,
    0x7fefffffffffffffn,
  ];
  const f32 = [0x7f800001, 0x7fa00000, 0xffc00001, 0x7fc0dead, 0xff800001, 0x80000000, 0x00000001];
  let o = 0;
  for (let i = 0; i < 256 && o < bytes.length; i++) bytes[o++] = i;
  for (let r = 0; o + 8 <= bytes.length && r < 64; r++) {
    for (const v of f64) {
      if (o + 8 > bytes.length) break;
      dv.setBigUint64(o, v, true);
      o += 8;
    }
    for (const v of f32) {
      if (o + 4 > bytes.length) break;
      dv.setUint32(o, v, true);
      o += 4;
    }
  }
  randomFillSync(bytes, o);
}

/** Exchange a pair of folios whose bytes were overwritten with special patterns; check every byte. */
function bitExactCheck(order) {
  const k = makeSystem({ memory: [8 * MiB, 8 * MiB], bytes: true });
  const { pairs } = folioPairs(k, 2, order);
  const size = PAGE_SIZE << order;
  const bytes = k.content.bytes;
  const view = (pfn) => bytes.subarray(pfn * PAGE_SIZE, pfn * PAGE_SIZE + size);
  let checked = 0;
  for (const [a, b] of pairs) {
    special(view(a));
    randomFillSync(view(b));
    // plant the special patterns in b too, at a page-unaligned offset
    special(view(b).subarray(4093));
    const wantA = Buffer.from(view(a));
    const wantB = Buffer.from(view(b));
    let rc = folioExchange(k, a, b, MIGRATE_SYNC);
    if (rc !== 0) throw new Error(`folio_exchange failed: ${rc}`);
    if (!Buffer.from(view(b).buffer, view(b).byteOffset, size).equals(wantA)) return { ok: false, order, why: "frame b does not hold a's bytes" };
    if (!Buffer.from(view(a).buffer, view(a).byteOffset, size).equals(wantB)) return { ok: false, order, why: "frame a does not hold b's bytes" };
    rc = folioExchange(k, a, b, MIGRATE_SYNC);
    if (rc !== 0) throw new Error(`folio_exchange (back) failed: ${rc}`);
    if (!Buffer.from(view(a).buffer, view(a).byteOffset, size).equals(wantA)) return { ok: false, order, why: "a's bytes changed after two exchanges" };
    if (!Buffer.from(view(b).buffer, view(b).byteOffset, size).equals(wantB)) return { ok: false, order, why: "b's bytes changed after two exchanges" };
    checked += 4 * size;
  }
  return { ok: true, order, bytesCompared: checked };
}

export function runDataSwap({ rounds = 9, log = () => {} } = {}) {
  const results = [];
  const checks = [];
  for (const cfg of CONFIGS) {
    checks.push(bitExactCheck(cfg.order));
    const k = makeSystem({ memory: [16 * MiB, 16 * MiB], bytes: true });
    const { pairs } = folioPairs(k, cfg.pairs, cfg.order);
    const size = PAGE_SIZE << cfg.order;
    const bytes = k.content.bytes;
    const views = pairs.map(([a, b]) => [bytes.subarray(a * PAGE_SIZE, a * PAGE_SIZE + size), bytes.subarray(b * PAGE_SIZE, b * PAGE_SIZE + size)]);
    const tmp = new Uint8Array(size);
    const P = pairs.length;

    const dataSwap = {
      name: "folio_exchange_data (bytes mode)",
      n: cfg.opsPerTurn,
      run(n) {
        for (let i = 0; i < n; i++) {
          const p = pairs[i % P];
          folioExchangeData(k, p[0], p[1]);
        }
      },
    };
    const exchange = {
      name: "folio_exchange (bytes mode, whole op)",
      n: cfg.opsPerTurn,
      run(n) {
        let bad = 0;
        for (let i = 0; i < n; i++) {
          const p = pairs[i % P];
          if (folioExchange(k, p[0], p[1], MIGRATE_SYNC) !== 0) bad++;
        }
        if (bad) throw new Error(`${bad} exchanges failed`);
      },
    };
    const raw = {
      name: "raw swap (3 x TypedArray.set)",
      n: cfg.opsPerTurn,
      run(n) {
        for (let i = 0; i < n; i++) {
          const v = views[i % P];
          tmp.set(v[0]);
          v[0].set(v[1]);
          v[1].set(tmp);
        }
        return tmp[0];
      },
    };
    // A second, tighter reference (informational): the same raw swap done page by page through a
    // 4 KiB temp, the way Content.swapPages walks a folio, so the temp stays in L1.
    const tmpPage = new Uint8Array(PAGE_SIZE);
    const pageViews = views.map(([x, y]) => {
      const out = [];
      for (let o = 0; o < size; o += PAGE_SIZE) out.push(x.subarray(o, o + PAGE_SIZE), y.subarray(o, o + PAGE_SIZE));
      return out;
    });
    const rawPagewise = {
      name: "raw swap, page by page (3 x TypedArray.set per 4 KiB)",
      n: cfg.opsPerTurn,
      run(n) {
        for (let i = 0; i < n; i++) {
          const v = pageViews[i % P];
          for (let j = 0; j < v.length; j += 2) {
            tmpPage.set(v[j]);
            v[j].set(v[j + 1]);
            v[j + 1].set(tmpPage);
          }
        }
        return tmpPage[0];
      },
    };
    // ratio A/B is time(data swap)/time(raw); the bandwidth ratio is its inverse.
    for (const [a, b, what] of [
      [dataSwap, raw, "data swap"],
      [exchange, raw, "whole exchange"],
      ...(cfg.order > 0 ? [[dataSwap, rawPagewise, "data swap vs page-wise raw"]] : []),
    ]) {
      const r = abRounds({ a, b, rounds, warmup: 2, turns: cfg.turns });
      const bw = r.ratioSamples.map((x) => 1 / x);
      const bytesPerOp = 2 * size;
      const res = {
        folio: cfg.label,
        what,
        reference: b.name,
        pairs: P,
        opsPerRound: cfg.opsPerTurn * cfg.turns,
        rounds,
        bandwidthRatio: summary(bw),
        modelNsPerSwap: r.a.nsPerOp,
        rawNsPerSwap: r.b.nsPerOp,
        cpuBandwidthRatio: { median: 1 / r.cpuRatio.median, min: 1 / r.cpuRatio.max, max: 1 / r.cpuRatio.min },
        modelGBps: bytesPerOp / r.a.nsPerOp.median,
        rawGBps: bytesPerOp / r.b.nsPerOp.median,
      };
      results.push(res);
      log(
        `  data-swap ${cfg.label} ${what}: ${(res.bandwidthRatio.median * 100).toFixed(1)}% of raw (min ${(res.bandwidthRatio.min * 100).toFixed(1)}%, max ${(res.bandwidthRatio.max * 100).toFixed(1)}%)`,
      );
    }
  }
  return { results, bitExact: checks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = runDataSwap({ log: console.log });
  console.log(JSON.stringify(out, null, 2));
}
