/**
 * The page every report shares: one self-contained HTML file — uPlot (IIFE + CSS) and the data
 * inlined, a Content-Security-Policy that forbids every network fetch — and its charts.
 *
 * A chart is a ChartSpec: its x values, its series, what kind of values they are. The page
 * draws each with uPlot at the width of the page (and again when the window is resized), with a
 * static legend (series names, never the "--" a live legend shows when nothing is hovered), and
 * writes the same values as an HTML table under it, so every figure can be read without hovering
 * or running a script. Kinds: "line" (x is numeric, one line per series; a series with lo/hi
 * gets whiskers from lo to hi at each point: the spread over seeds), "bars" (one series over
 * named categories) and "stacked" (named categories, the series stacked; the table adds the
 * total). The table has a row per x and a column per series, or the other way round when there
 * are more series than x values (a breakdown into many parts of two bars reads down, not across).
 *
 * The page sets `document.body.dataset.rendered = "1"` only once every chart's canvas has a
 * non-transparent pixel ("failed" after ~5 s without; `data-error` holds a script error), so a
 * headless browser test can tell a drawn page from a blank one.
 */
import type { ReportAssets } from "./assets.js";
import { esc, fmtValue, scriptJson, type ValueKind } from "./format.js";

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** the spread at each x (e.g. the min and max over seeds), drawn as whiskers */
  lo?: (number | null)[];
  hi?: (number | null)[];
}

export interface ChartSpec {
  /** the element id, unique in the page */
  id: string;
  title: string;
  kind: "line" | "bars" | "stacked";
  /**
   * x values (numbers) and what to call them: the categories of bars and stacks (which sit at
   * 0, 1, 2, …), the labels of a line chart's values ("20%"); by default the numbers.
   */
  x: { label: string; values: number[]; names?: string[] };
  y: { label: string; kind: ValueKind };
  series: ChartSeries[];
}

/** A table of two columns: name, value. */
export function keyValueTable(rows: [string, string][], cls = ""): string {
  return `<table class="${cls}">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>`;
}

/** A table with a header row; `first` marks the header column (row names). */
export function gridTable(head: string[], rows: string[][], cls = ""): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function cellOf(kind: ValueKind, s: ChartSeries, i: number): string {
  const v = fmtValue(kind, s.values[i] ?? null);
  const lo = s.lo?.[i];
  const hi = s.hi?.[i];
  if (lo === undefined || hi === undefined || lo === null || hi === null || lo === hi) return v;
  return `${v} (${fmtValue(kind, lo)} – ${fmtValue(kind, hi)})`;
}

/** The chart's values as a table: a row per x and a column per series, or transposed (see above); a stack's total. */
export function chartTable(c: ChartSpec): string {
  const stacked = c.kind === "stacked";
  const names = c.x.values.map((x, i) => c.x.names?.[i] ?? String(x));
  const total = (i: number) =>
    fmtValue(
      c.y.kind,
      c.series.reduce((a, s) => a + (s.values[i] ?? 0), 0),
    );
  const transposed = c.series.length > c.x.values.length;
  const head = transposed ? [c.y.label, ...names] : [c.x.label, ...c.series.map((s) => s.label), ...(stacked ? ["total"] : [])];
  const rows = transposed
    ? [...c.series.map((s) => [s.label, ...names.map((_, i) => cellOf(c.y.kind, s, i))]), ...(stacked ? [["total", ...names.map((_, i) => total(i))]] : [])]
    : names.map((name, i) => [name, ...c.series.map((s) => cellOf(c.y.kind, s, i)), ...(stacked ? [total(i)] : [])]);
  const spread = c.series.some((s) => s.lo && s.hi) ? `<p class="hint">Each cell: the mean, and (min – max) where the runs differ.</p>` : "";
  return `<details open class="values"><summary>the values (${rows.length} row${rows.length === 1 ? "" : "s"})</summary>${gridTable(head, rows, "values")}${spread}</details>`;
}

/** A chart's place in the page: its heading, the element uPlot draws into, its table. */
export function chartBlock(c: ChartSpec, intro = ""): string {
  return `<section class="chart-block"><h3>${esc(c.title)}</h3>${intro ? `<p>${esc(intro)}</p>` : ""}<div class="chart" id="${esc(c.id)}"></div>${chartTable(c)}</section>`;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; padding: 0 24px; max-width: 1400px; color: #222; }
h1 { font-size: 21px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ccc; } h3 { font-size: 15px; margin: 22px 0 4px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { padding: 2px 10px; border-bottom: 1px solid #e2e2e2; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; } thead th { border-bottom: 2px solid #bbb; }
.chart { width: 100%; min-height: 300px; margin: 6px 0; } .notes li, .hint { color: #555; } details.values summary { cursor: pointer; color: #555; }
.wide { overflow-x: auto; } tr.part th { padding-left: 28px; font-weight: normal; } tr.total th, tr.total td { font-weight: 600; }
`;

/** The script that draws every ChartSpec of the page, sized to it. */
const CHART_SCRIPT = `
(function () {
  "use strict";
  var body = document.body;
  window.addEventListener("error", function (e) { body.dataset.error = String(e.message); });
  var specs = JSON.parse(document.getElementById("report-charts").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var H = 300, charts = [];
  function fmtNs(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toPrecision(3) + " s";
    if (a >= 1e6) return +(v / 1e6).toPrecision(3) + " ms";
    if (a >= 1e3) return +(v / 1e3).toPrecision(3) + " µs";
    return +v.toPrecision(3) + " ns";
  }
  function fmt(kind, v) {
    if (v == null) return "";
    if (kind === "ns") return fmtNs(v);
    if (kind === "share") return +(100 * v).toPrecision(3) + "%";
    if (kind === "ratio") return v.toFixed(2);
    return String(+v.toPrecision(4));
  }
  function hexA(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }
  function widthOf(el) { return Math.max(320, Math.floor(el.clientWidth || el.getBoundingClientRect().width || 800)); }
  // whiskers from lo to hi at every point of each series that has them
  function whiskers(spec, order) {
    return function (u) {
      var ctx = u.ctx;
      ctx.save();
      order.forEach(function (si, k) {
        var s = spec.series[si];
        if (!s.lo || !s.hi) return;
        ctx.strokeStyle = palette[si % palette.length];
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (var i = 0; i < spec.x.values.length; i++) {
          if (s.lo[i] == null || s.hi[i] == null) continue;
          var x = u.valToPos(spec.x.values[i], "x", true), y0 = u.valToPos(s.lo[i], "y", true), y1 = u.valToPos(s.hi[i], "y", true);
          var w = 5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, y0); ctx.lineTo(x, y1);
          ctx.moveTo(x - w, y0); ctx.lineTo(x + w, y0);
          ctx.moveTo(x - w, y1); ctx.lineTo(x + w, y1);
          ctx.stroke();
        }
      });
      ctx.restore();
    };
  }
  function build(spec) {
    var el = document.getElementById(spec.id);
    var xs = spec.x.values, names = spec.x.names, cat = spec.kind !== "line";
    var n = spec.series.length, data = [xs], series = [{ label: spec.x.label }], order = [];
    var maxY = 0;
    if (spec.kind === "stacked") {
      // cumulative sums, the tallest first, so each part shows above the ones below it
      var cum = [];
      spec.series.forEach(function (s, i) { cum[i] = s.values.map(function (v, j) { return (v || 0) + (i ? cum[i - 1][j] : 0); }); });
      for (var i = n - 1; i >= 0; i--) {
        data.push(cum[i]);
        series.push({ label: spec.series[i].label, stroke: palette[i % palette.length], fill: hexA(palette[i % palette.length], 0.75), width: 1,
          paths: uPlot.paths.bars({ size: [0.6, 120] }), points: { show: false } });
      }
      if (n) cum[n - 1].forEach(function (v) { if (v > maxY) maxY = v; });
    } else {
      spec.series.forEach(function (s, i) {
        order.push(i);
        data.push(s.values);
        var bars = spec.kind === "bars";
        series.push({ label: s.label, stroke: palette[i % palette.length], width: bars ? 1 : 2,
          fill: bars ? hexA(palette[i % palette.length], 0.6) : undefined,
          paths: bars ? uPlot.paths.bars({ size: [0.6, 120] }) : undefined,
          points: { show: !bars && xs.length <= 60 } });
        (s.hi || s.values).forEach(function (v) { if (v != null && v > maxY) maxY = v; });
      });
    }
    var yRange = spec.y.kind === "ratio" ? [0, 1] : [0, maxY > 0 ? maxY * 1.08 : 1];
    var xAxis = { label: spec.x.label };
    if (cat || xs.length <= 12) {
      // ticks at the values themselves, named as the table names them
      xAxis.splits = function () { return xs; };
      xAxis.values = function (u, splits) { return splits.map(function (v, i) { return names && names[i] != null ? names[i] : String(v); }); };
    } else if (xs.every(function (v) { return v === Math.round(v); })) {
      xAxis.incrs = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
    }
    var opts = {
      width: widthOf(el), height: H,
      legend: { show: true, live: false },
      cursor: { show: true },
      scales: { x: cat ? { time: false, range: [-0.5, xs.length - 0.5] } : { time: false }, y: { range: yRange } },
      series: series,
      axes: [xAxis, { label: spec.y.label, size: 80, values: function (u, splits) { return splits.map(function (v) { return fmt(spec.y.kind, v); }); } }],
      hooks: { draw: [whiskers(spec, order)] }
    };
    if (!cat && xs.length === 1) opts.scales.x.range = [xs[0] - 1, xs[0] + 1];
    var u = new uPlot(opts, data, el);
    charts.push({ u: u, el: el });
  }
  specs.forEach(build);
  var pending = 0;
  function resize() {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.u.setSize({ width: widthOf(c.el), height: H }); }); }, 60);
  }
  window.addEventListener("resize", resize);
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
`;

/** The whole page: title, body HTML, and the charts it places (drawn by the inlined uPlot). */
export function renderPage(title: string, bodyHtml: string, charts: ChartSpec[], assets: ReportAssets, embedded: unknown = null): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>${STYLE}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${bodyHtml}
${embedded === null ? "" : `<script type="application/json" id="report-data">${scriptJson(embedded)}</script>`}
<script type="application/json" id="report-charts">${scriptJson(charts)}</script>
<script>${assets.uplotJs.replace(/<\/script/gi, "<\\/script")}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}
