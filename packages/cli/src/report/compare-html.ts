/**
 * renderCompareHtml(): the page of a compare — the stacks side by side. A table of every
 * figure per stack (the first stack is the baseline; each other's runtime against it as a
 * factor and a change in runtime, "2.93× faster, −65.9% runtime"), then charts with their
 * tables: the hit ratio, the application's time by cause, the kernel threads' CPU by actor
 * (beside the application's time, not in it), moves and churn per stack, and — when the
 * compare's directory holds each stack's result — the hit ratio per epoch of every stack.
 */
import { formatSpeedup } from "../render/speedup.js";
import type { ReportAssets } from "./assets.js";
import type { CompareReportData, CompareReportStack } from "./compare-data.js";
import { CHURN_LABELS, esc, fmtChurn, fmtNs, sum, TIME_LABELS, timeParts } from "./format.js";
import { chartBlock, renderPage, type ChartSpec } from "./page.js";

/** The side-by-side table: a column per stack. */
function compareTable(s: CompareReportStack[]): string {
  const parts = timeParts(s.map((x) => x.time));
  const actors = [...new Set(s.flatMap((x) => Object.keys(x.backgroundCpuNs)))].sort();
  const churn = [...new Set(s.flatMap((x) => Object.keys(x.churn)))];
  const reasons = [...new Set(s.flatMap((x) => Object.keys(x.failures)))].sort();
  const first = s[0]!;
  // a label that starts with two spaces is a part of the row above it
  const row = (label: string, f: (x: CompareReportStack, i: number) => string, cls = "") => {
    const part = label.startsWith("  ");
    const c = [cls, part ? "part" : ""].filter(Boolean).join(" ");
    return `<tr${c ? ` class="${c}"` : ""}><th>${esc(label.trim())}</th>${s.map((x, i) => `<td>${esc(f(x, i))}</td>`).join("")}</tr>`;
  };
  const rows = [
    `<thead><tr><th></th>${s.map((x, i) => `<th>${esc(x.name)}${i === 0 ? " (baseline)" : ""}</th>`).join("")}</tr></thead><tbody>`,
    row(
      "hit ratio",
      (x, i) => `${x.hitRatio.toFixed(4)}${i ? ` (${x.hitRatio >= first.hitRatio ? "+" : "−"}${Math.abs(x.hitRatio - first.hitRatio).toFixed(4)})` : ""}`,
    ),
    row("application time", (x) => fmtNs(x.runtimeNs), "total"),
    row("  against the baseline", (x, i) => (i === 0 ? "baseline" : formatSpeedup(first.runtimeNs, x.runtimeNs))),
    row("  × the all-fast bound", (x) => (x.allFastRuntime ? `${(x.runtimeNs / x.allFastRuntime).toFixed(2)}×` : "n/a")),
    ...parts.map((p) => row(`  ${TIME_LABELS[p] ?? p}`, (x) => fmtNs(x.time[p] ?? 0))),
    row("background CPU (not in the application's time)", (x) => fmtNs(sum(x.backgroundCpuNs)), "total"),
    ...actors.map((a) => row(`  ${a}`, (x) => fmtNs(x.backgroundCpuNs[a] ?? 0))),
    row("promotions (pages)", (x) => String(x.promotions)),
    row("demotions (pages)", (x) => String(x.demotions)),
    row("exchanges", (x) => String(x.exchanges)),
    ...churn.map((c) => row(CHURN_LABELS[c] ?? c, (x) => fmtChurn(c, x.churn[c] ?? null))),
    ...(s.some((x) => x.oomDropped > 0) ? [row("accesses dropped for want of memory", (x) => String(x.oomDropped))] : []),
    ...reasons.map((r) => row(`failures: ${r}`, (x) => String(x.failures[r] ?? 0))),
    "</tbody>",
  ];
  return `<div class="wide"><table class="compare">${rows.join("\n")}</table></div>`;
}

function stackCharts(s: CompareReportStack[]): ChartSpec[] {
  const x = { label: "stack", values: s.map((_, i) => i), names: s.map((st) => st.name) };
  const parts = timeParts(s.map((st) => st.time)).filter((p) => s.some((st) => (st.time[p] ?? 0) > 0));
  const actors = [...new Set(s.flatMap((st) => Object.keys(st.backgroundCpuNs)))].sort();
  const charts: ChartSpec[] = [
    {
      id: "chart-hit",
      title: "Fast-tier hit ratio per stack",
      kind: "bars",
      x,
      y: { label: "hit ratio", kind: "ratio" },
      series: [{ label: "hit ratio", values: s.map((st) => st.hitRatio) }],
    },
    {
      id: "chart-time",
      title: "The application's time per stack, by cause",
      kind: "stacked",
      x,
      y: { label: "simulated time", kind: "ns" },
      series: parts.map((p) => ({ label: TIME_LABELS[p] ?? p, values: s.map((st) => st.time[p] ?? 0) })),
    },
  ];
  if (actors.length > 0) {
    charts.push({
      id: "chart-background",
      title: "Kernel threads' CPU per stack, by actor (beside the application's time, not in it)",
      kind: "stacked",
      x,
      y: { label: "CPU time", kind: "ns" },
      series: actors.map((a) => ({ label: a, values: s.map((st) => st.backgroundCpuNs[a] ?? 0) })),
    });
  }
  charts.push({
    id: "chart-moves",
    title: "Moves per stack (base pages promoted and demoted; exchanges)",
    kind: "stacked",
    x,
    y: { label: "count", kind: "count" },
    series: [
      { label: "pgpromote (pages)", values: s.map((st) => st.promotions) },
      { label: "pgdemote (pages)", values: s.map((st) => st.demotions) },
      { label: "exchanges", values: s.map((st) => st.exchanges) },
    ],
  });
  if (s.some((st) => typeof st.churn.movesPerPage === "number")) {
    charts.push({
      id: "chart-churn",
      title: "Churn per stack: moves per page moved",
      kind: "bars",
      x,
      y: { label: "moves per page", kind: "number" },
      series: [{ label: CHURN_LABELS.movesPerPage!, values: s.map((st) => st.churn.movesPerPage ?? null) }],
    });
  }
  // every stack's epochs, when their results were read with the compare
  const runs = s.map((st) => st.run);
  if (runs.every((r) => r !== null && r.epochs.length > 0)) {
    const n = Math.max(...runs.map((r) => r!.epochs.length));
    charts.push({
      id: "chart-epochs",
      title: "Fast-tier hit ratio per epoch, every stack",
      kind: "line",
      x: { label: "epoch", values: Array.from({ length: n }, (_, i) => i + 1) },
      y: { label: "hit ratio", kind: "ratio" },
      series: s.map((st) => ({ label: st.name, values: Array.from({ length: n }, (_, i) => st.run!.epochs[i]?.hitRatio ?? null) })),
    });
  }
  return charts;
}

export function renderCompareHtml(data: CompareReportData, assets: ReportAssets): string {
  const charts = stackCharts(data.stacks);
  const perEpoch = charts.some((c) => c.id === "chart-epochs");
  const body = [
    `<p>Figures of the model: simulated time on a simulated machine, the same workload and seed for every stack. The application's time holds what runs in its context; kernel threads' CPU is shown beside it, not added to it. Every chart's values are in the table under it.</p>`,
    compareTable(data.stacks),
    data.notes.length ? `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "",
    `<h2>Side by side</h2>`,
    ...charts.map((c) => chartBlock(c)),
    perEpoch
      ? ""
      : `<p class="hint">Per-epoch charts need each stack's result: pass the directory \`foliox compare --out DIR\` wrote instead of its compare.json.</p>`,
  ].join("\n");
  const title = `foliox compare: ${data.scenario || "scenario"}${data.trace ? ` (trace ${data.trace})` : ""}`;
  return renderPage(title, body, charts, assets);
}
