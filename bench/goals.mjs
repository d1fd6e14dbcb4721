// The goals the benchmarks are held to, each decided on its figure from this run: CPU-time
// ratios (wall beside them: on a shared machine preemption spreads wall time more than CPU
// time), bytes, milliseconds. A goal whose suite did not run is "not run".
const pct = (x) => `${(x * 100).toFixed(1)}%`;
const r3 = (x) => x.toFixed(3);
const spread = (s, f) => `${f(s.median)} (${f(s.min)}, ${f(s.max)})`;

/** One row per goal: { goal, figure, beside, met, why }. */
export function evaluateGoals(results) {
  const s = results.suites;
  const rows = [];
  const add = (goal, m) => rows.push({ goal, ...m });
  const notRun = { figure: "-", beside: "", met: null };

  const tib = s.scale?.machines.find((m) => m.gib === 1024);
  add(
    "1 TiB machine builds in <= 1 s",
    tib
      ? {
          figure: `${tib.buildCpuMs.toFixed(0)} ms CPU`,
          beside: `${tib.buildWallMs.toFixed(0)} ms wall`,
          met: tib.buildCpuMs <= 1000 && tib.buildWallMs <= 1000,
        }
      : notRun,
  );
  add(
    "1 TiB machine: <= 2 GiB RSS with 64 GiB touched",
    tib
      ? {
          figure: `${(tib.after.rss / 2 ** 30).toFixed(2)} GiB`,
          beside: `${tib.touchGiB} GiB touched; ${(tib.afterBuild.rss / 2 ** 20).toFixed(0)} MiB after the build`,
          met: tib.after.rss <= 2 ** 31 && tib.touchGiB >= 64,
        }
      : notRun,
  );
  if (s.scale) {
    const worst = s.scale.ops.reduce((w, o) => (o.cpuRatio.median > w.cpuRatio.median ? o : w));
    add("per-op costs flat from 1 GiB to 1 TiB (within 1.2x)", {
      figure: `max ${r3(worst.cpuRatio.median)}x (${worst.op}, ${worst.gib} GiB)`,
      beside: `wall ${r3(worst.ratio.median)}x`,
      met: s.scale.ops.every((o) => o.cpuRatio.median <= 1.2),
    });
  } else add("per-op costs flat from 1 GiB to 1 TiB (within 1.2x)", notRun);

  const evb = s.exchangeVsBimigrate?.filter((r) => r.cpuRatio) ?? [];
  const p1 = (label, folio, kind, limit) => {
    const r = evb.find((x) => x.folio === folio && x.kind === kind);
    add(label, r ? { figure: `${spread(r.cpuRatio, r3)} x`, beside: `wall ${r3(r.ratio.median)}`, met: r.cpuRatio.median <= limit } : notRun);
  };
  p1("P1: 4 KiB batched exchange <= 0.67x bimigrate", "4 KiB", "batched", 0.67);
  p1("P1: 2 MiB exchange <= 0.9x bimigrate (single)", "2 MiB", "single", 0.9);
  p1("P1: 2 MiB exchange <= 0.9x bimigrate (batched)", "2 MiB", "batched", 0.9);

  const cold = s.dataSwapCold;
  add(
    "P2: bytes-mode 2 MiB data swap >= 100% of the raw swap, cold data",
    cold
      ? {
          figure: spread(cold.cpuBandwidthRatio, pct),
          beside: `wall ${pct(cold.bandwidthRatio.median)}; ${cold.framesMiB} MiB of frames`,
          met: cold.cpuBandwidthRatio.median >= 1,
        }
      : notRun,
  );
  const hot = s.dataSwap?.results.find((r) => r.folio === "2 MiB" && r.what === "data swap");
  add(
    "P2 (reported): the same, hot data",
    hot ? { figure: spread(hot.cpuBandwidthRatio, pct), beside: `wall ${pct(hot.bandwidthRatio.median)}`, met: null } : notRun,
  );

  const alloc = s.alloc ?? [];
  const a = (label, what) => {
    const r = alloc.find((x) => x.what === what);
    add(label, r ? { figure: `${r.bytesPerOp.toFixed(2)} bytes/op`, beside: `${r.ops.toLocaleString("en-US")} ops a run`, met: r.bytesPerOp < 1 } : notRun);
  };
  a("0 bytes allocated per 4 KiB exchange", "4 KiB exchange");
  a("0 bytes allocated per batched pair", "batched exchange, per pair");
  a("0 bytes allocated per single-folio migration", "one-folio migrate_pages()");
  a("0 bytes allocated per simulated access", "simulated access (engine)");

  // replay throughput: entries per CPU second after a warm-up replay (cold figures beside)
  const replay = s.replay ?? [];
  const rowsOf = (w) => replay.filter((r) => r.workload === w);
  const M = (x) => `${(x / 1e6).toFixed(2)} M/s`;
  const slowest = (rs) => rs.reduce((a, b) => (b.entriesPerSec.median < a.entriesPerSec.median ? b : a));
  const everyPreset = (label, w, min, extra = () => true) => {
    const rs = rowsOf(w);
    if (rs.length === 0) return add(label, notRun);
    const worst = slowest(rs);
    const coldWorst = rs.reduce((a, b) => (b.coldEntriesPerSec < a.coldEntriesPerSec ? b : a));
    add(label, {
      figure: `slowest ${worst.stack} ${M(worst.entriesPerSec.median)}`,
      beside: `${rs.length} stacks; cold first replay: slowest ${coldWorst.stack} ${M(coldWorst.coldEntriesPerSec)}; peak RSS <= ${(Math.max(...rs.map((r) => r.peakRssBytes)) / 2 ** 20).toFixed(0)} MiB`,
      met: rs.every((r) => r.entriesPerSec.median >= min && extra(r)),
    });
  };
  everyPreset("replay: every stack >= 2 M entries/s at 1 M pages (zipf-1M)", "zipf-1M", 2e6);
  everyPreset("replay: every stack >= 1 M entries/s at 16 M pages within 2 GiB RSS", "zipf-16M", 1e6, (r) => r.peakRssBytes <= 2 ** 31);
  everyPreset("replay: gzipped lackey text >= 3 M entries/s with the LLC on (lackey-gzip)", "lackey-gzip", 3e6);
  const bin = rowsOf("lackey-gzip-bin").find((r) => r.stack === "linux-default");
  const zbin = rowsOf("zipf-1M-bin").find((r) => r.stack === "linux-default");
  add(
    "replay: the binary format >= 10 M entries/s for linux-default (a real program's trace, lackey-gzip-bin)",
    bin
      ? {
          figure: M(bin.entriesPerSec.median),
          beside: `cold ${M(bin.coldEntriesPerSec)}${zbin ? `; zipf-1M-bin (a 4 GiB scattered footprint, 1 entry in 5 a first touch): ${M(zbin.entriesPerSec.median)}` : ""}`,
          met: bin.entriesPerSec.median >= 10e6,
        }
      : notRun,
  );
  return rows;
}

/** The goals as a table: goal | figure | beside | met / missed. */
export function goalsTable(rows, table) {
  return table(
    ["goal", "figure (CPU time)", "beside", ""],
    rows.map((r) => [r.goal, r.figure, r.beside, r.met === null ? (r.figure === "-" ? "not run" : "reported") : r.met ? "met" : "MISSED"]),
  );
}
