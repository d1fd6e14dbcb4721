/**
 * renderReportHtml(): one self-contained HTML page for a run — uPlot (IIFE + CSS) and the data
 * are inlined, and a Content-Security-Policy forbids every network fetch. Charts: the fast-tier
 * hit ratio per epoch, moves per epoch (pgpromote/pgdemote/exchange), failed moves by reason,
 * and the anon : file split of the folios promoted or exchanged.
 *
 * The page sets `document.body.dataset.rendered = "1"` only once every chart's canvas has a
 * non-transparent pixel ("failed" after ~5 s without; `data-error` holds a script error), so a
 * headless browser test can tell a drawn page from a blank one.
 */
import type { ReportAssets } from "./assets.js";
import type { CompareReportData, ReportData } from "./data.js";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON safe inside <script>: no "</script>", no "<!--". */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

function fmtNs(ns: number | null): string {
  if (ns === null) return "n/a";
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${ns} ns`;
}

function table(rows: [string, string][], cls = ""): string {
  return `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;
}

/** The application-time parts the engine reports, in the order shown. */
const TIME_LABELS: Record<string, string> = {
  access: "memory accesses",
  cache: "LLC hits and zero-page reads",
  fault: "page faults",
  hintFault: "NUMA hint faults",
  promoteInFault: "promotions in the hint fault",
  scan: "task_numa_work (PTE scans)",
  directReclaim: "direct reclaim",
  mover: "moves in the task",
  blocked: "migration-entry waits",
};

const CHURN_LABELS: Record<string, string> = {
  movesPerPage: "moves per page moved",
  maxMovesPerPage: "most moves of one page",
  rePromotedAfterDemote: "pages re-promoted after a demotion",
  pingPong: "ping-pong (up, down, up within the window)",
  pingPongEpochs: "ping-pong window (epochs)",
  promotedUntouchedNextEpoch: "promoted pages untouched the next epoch",
};

function fmtChurn(key: string, v: number | null): string {
  if (v === null) return "-";
  if (key === "promotedUntouchedNextEpoch") return `${(100 * v).toFixed(1)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

function timeTable(time: Record<string, number>, background: Record<string, number>): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(time)) rows.push([`application: ${TIME_LABELS[k] ?? k}`, fmtNs(v)]);
  for (const [k, v] of Object.entries(background)) rows.push([`background CPU: ${k}`, fmtNs(v)]);
  return rows;
}

/**
 * A compare.json as one page: the stacks side by side — hit ratio, the application's time and
 * its parts, kernel threads' CPU beside it, moves and churn. Tables only, so nothing has to draw
 * (the page still sets data-rendered once its script ran).
 */
export function renderCompareHtml(data: CompareReportData): string {
  const s = data.stacks;
  const parts = [...new Set(s.flatMap((x) => Object.keys(x.time)))];
  const actors = [...new Set(s.flatMap((x) => Object.keys(x.backgroundCpuNs)))].sort();
  const churn = [...new Set(s.flatMap((x) => Object.keys(x.churn)))];
  const reasons = [...new Set(s.flatMap((x) => Object.keys(x.failures)))].sort();
  const row = (label: string, f: (x: (typeof s)[number]) => string) => `<tr><th>${esc(label)}</th>${s.map((x) => `<td>${esc(f(x))}</td>`).join("")}</tr>`;
  const rows = [
    `<tr><th></th>${s.map((x, i) => `<th>${esc(x.name)}${i === 0 ? " (baseline)" : ""}</th>`).join("")}</tr>`,
    row("hit ratio", (x) => x.hitRatio.toFixed(4)),
    row("application time", (x) => fmtNs(x.runtimeNs)),
    row("× all-fast bound", (x) => (x.allFastRuntime ? (x.runtimeNs / x.allFastRuntime).toFixed(2) : "n/a")),
    ...parts.map((p) => row(`  ${TIME_LABELS[p] ?? p}`, (x) => fmtNs(x.time[p] ?? 0))),
    row("background CPU", (x) => fmtNs(Object.values(x.backgroundCpuNs).reduce((a, n) => a + n, 0))),
    ...actors.map((a) => row(`  ${a}`, (x) => fmtNs(x.backgroundCpuNs[a] ?? 0))),
    row("promotions (pages)", (x) => String(x.promotions)),
    row("demotions (pages)", (x) => String(x.demotions)),
    row("exchanges", (x) => String(x.exchanges)),
    ...churn.map((c) => row(CHURN_LABELS[c] ?? c, (x) => fmtChurn(c, x.churn[c] ?? null))),
    ...reasons.map((r) => row(`failures: ${r}`, (x) => String(x.failures[r] ?? 0))),
  ];
  const title = `foliox compare: ${data.scenario || "scenario"}${data.trace ? ` (trace ${data.trace})` : ""}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; } td { font-variant-numeric: tabular-nums; } .notes li { color: #555; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p>Figures of the model: simulated time on a simulated machine. The application's time holds what runs in its context; kernel threads' CPU is shown beside it, not added to it.</p>
<table class="compare">${rows.join("\n")}</table>
${data.notes.length ? `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : ""}
<script>document.body.dataset.rendered = "1";</script>
</body>
</html>
`;
}

export function renderReportHtml(data: ReportData, assets: ReportAssets): string {
  const af = data.anonFile;
  const moved = af.anon + af.file;
  const summary: [string, string][] = [
    ["scenario", data.scenario || "(unnamed)"],
    ["stack", data.stack || "(unnamed)"],
    ["seed", data.seed === null ? "n/a" : String(data.seed)],
    ["epochs", String(data.epochs.length)],
    ["hit ratio (overall)", data.hitRatio.toFixed(4)],
    ["application time (simulated)", fmtNs(data.runtimeNs)],
    ["anon : file (pages promoted or exchanged up)", moved === 0 ? "no moves" : `${af.anon} : ${af.file} (anon ${((100 * af.anon) / moved).toFixed(1)}%; shmem ${af.shmem} of the file pages)`],
  ];
  const timeRows = timeTable(data.time, data.backgroundCpuNs);
  const churnRows = Object.entries(data.churn).map(([k, v]): [string, string] => [CHURN_LABELS[k] ?? k, fmtChurn(k, v)]);
  const failRows = Object.entries(data.failures).sort((a, b) => b[1] - a[1]).map(([k, n]): [string, string] => [k, String(n)]);
  const vmRows = Object.entries(data.vmstat).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, n]): [string, string] => [k, String(n)]);
  const title = `foliox report: ${data.scenario || "run"} / ${data.stack || "stack"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
td { font-variant-numeric: tabular-nums; } .chart { margin: 8px 0 16px; } .notes li { color: #555; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${table(summary, "summary")}
${data.notes.length ? `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : ""}
${timeRows.length ? `<h2>Where the time went: the application's time, and kernel threads' CPU beside it</h2>${table(timeRows, "time")}` : ""}
${churnRows.length ? `<h2>Churn</h2>${table(churnRows, "churn")}` : ""}
<h2>Fast-tier hit ratio per epoch</h2><div class="chart" id="chart-hit"></div>
<h2>Moves per epoch (base pages promoted and demoted; exchanges)</h2><div class="chart" id="chart-moves"></div>
<h2>Failed moves per epoch, by reason</h2><div class="chart" id="chart-fail"></div>
${failRows.length ? table(failRows, "failures") : "<p>No move failed.</p>"}
<h2>Anon : file of the folios promoted or exchanged (base pages; shmem counted as file and shown apart)</h2><div class="chart" id="chart-anonfile"></div>
<h2>Counters</h2>
${vmRows.length ? table(vmRows, "vmstat") : "<p>No counters in the result.</p>"}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${assets.uplotJs.replace(/<\/script/gi, "<\\/script")}</script>
<script>
(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (e) { body.dataset.error = String(e.message); });
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var W = 860, H = 260, charts = [];
  var x = D.epochs.map(function (_, i) { return i + 1; });
  function col(key) { return D.epochs.map(function (e) { return e[key]; }); }
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  function line(id, title, yLabel, names, ys, yRange) {
    var series = [{ label: "epoch" }];
    names.forEach(function (n, i) { series.push({ label: n, stroke: palette[i % palette.length], width: 2, points: { show: x.length <= 60 } }); });
    var opts = {
      title: title, width: W, height: H,
      scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
      series: series,
      axes: [{ label: "epoch" }, { label: yLabel }]
    };
    charts.push(new uPlot(opts, [x].concat(ys), document.getElementById(id)));
  }
  function bars(id, title, yLabel, names, values) {
    var xs = names.map(function (_, i) { return i; });
    var opts = {
      title: title, width: W, height: H,
      scales: { x: { time: false, range: [-0.5, names.length - 0.5] }, y: { range: [0, Math.max(1, Math.max.apply(null, values)) * 1.1] } },
      series: [{ label: "" }, { label: yLabel, stroke: palette[0], fill: "rgba(31,119,180,0.5)", width: 1, paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
      axes: [{ splits: function () { return xs; }, values: function (u, splits) { return splits.map(function (i) { return names[i] || ""; }); } }, { label: yLabel }]
    };
    charts.push(new uPlot(opts, [xs, values], document.getElementById(id)));
  }
  line("chart-hit", "hit ratio = fast-tier accesses / all accesses", "hit ratio", ["hit ratio"], [col("hitRatio")], [0, 1]);
  line("chart-moves", "moves per epoch", "count", ["pgpromote (pages)", "pgdemote (pages)", "exchanges"], [col("promotions"), col("demotions"), col("exchanges")]);
  var reasons = Object.keys(D.failures);
  if (reasons.length === 0) reasons = ["(none)"];
  line("chart-fail", "failed moves per epoch", "failures", reasons,
    reasons.map(function (r) { return D.epochs.map(function (e) { return e.failures[r] || 0; }); }));
  var af = D.anonFile;
  bars("chart-anonfile", "pages promoted or exchanged up, by kind", "base pages",
    ["anon", "file (excl. shmem)", "shmem"], [af.anon, af.file - af.shmem, af.shmem]);

  function nonBlank(c) {
    if (!c.width || !c.height) return false;
    var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
    return false;
  }
  var tries = 0;
  (function check() {
    var canvases = Array.prototype.slice.call(document.querySelectorAll(".uplot canvas"));
    if (canvases.length === charts.length && canvases.every(nonBlank)) { body.dataset.rendered = "1"; return; }
    if (++tries > 100) { body.dataset.rendered = "failed"; return; }
    setTimeout(check, 50);
  })();
})();
</script>
</body>
</html>
`;
}
