/**
 * renderReportHtml(): the page of one run. The header says what ran (scenario, stack, seed,
 * source, trace) and what came out (hit ratio, the application's time against the all-fast
 * bound, accesses dropped for want of memory). Charts, each with its values in a table under
 * it: the fast-tier hit ratio per epoch; moves per epoch (pgpromote/pgdemote/exchange); failed
 * moves per epoch by reason; where the time went — the application's time by cause beside the
 * kernel threads' CPU by actor, which is not part of it; the anon : file split of the folios
 * promoted or exchanged. Then churn and the counters, as tables.
 */
import type { ReportAssets } from "./assets.js";
import type { ReportData } from "./data.js";
import { esc, fmtChurn, fmtNs, sum, TIME_LABELS, timeParts, CHURN_LABELS } from "./format.js";
import { chartBlock, gridTable, keyValueTable, renderPage, type ChartSeries, type ChartSpec } from "./page.js";

function epochCharts(d: ReportData, prefix: string): ChartSpec[] {
  const x = { label: "epoch", values: d.epochs.map((_, i) => i + 1) };
  const col = (f: (e: ReportData["epochs"][number]) => number) => d.epochs.map(f);
  const reasons = Object.keys(d.failures).sort();
  const charts: ChartSpec[] = [
    {
      id: `${prefix}hit`,
      title: "Fast-tier hit ratio per epoch",
      kind: "line",
      x,
      y: { label: "hit ratio", kind: "ratio" },
      series: [{ label: "hit ratio", values: col((e) => e.hitRatio) }],
    },
    {
      id: `${prefix}moves`,
      title: "Moves per epoch (base pages promoted and demoted; exchanges)",
      kind: "line",
      x,
      y: { label: "count", kind: "count" },
      series: [
        { label: "pgpromote (pages)", values: col((e) => e.promotions) },
        { label: "pgdemote (pages)", values: col((e) => e.demotions) },
        { label: "exchanges", values: col((e) => e.exchanges) },
      ],
    },
  ];
  if (reasons.length > 0) {
    charts.push({
      id: `${prefix}fail`,
      title: "Failed moves per epoch, by reason",
      kind: "line",
      x,
      y: { label: "failures", kind: "count" },
      series: reasons.map((r) => ({ label: r, values: col((e) => e.failures[r] ?? 0) })),
    });
  }
  return charts;
}

/**
 * The application's time by cause and the kernel threads' CPU by actor, as two stacked bars
 * side by side: the first is the run's runtime, the second runs beside it on other CPUs.
 */
export function timeChart(id: string, time: Record<string, number>, background: Record<string, number>): ChartSpec | null {
  const parts = timeParts([time]).filter((k) => (time[k] ?? 0) > 0);
  const actors = Object.keys(background).sort();
  if (parts.length === 0 && actors.length === 0) return null;
  const series: ChartSeries[] = [
    ...parts.map((k) => ({ label: `application: ${TIME_LABELS[k] ?? k}`, values: [time[k] ?? 0, 0] })),
    ...actors.map((a) => ({ label: `background CPU: ${a}`, values: [0, background[a] ?? 0] })),
  ];
  return {
    id,
    title: "Where the time went: the application's time, and kernel threads' CPU beside it",
    kind: "stacked",
    x: { label: "", values: [0, 1], names: ["application time", "background CPU (not in it)"] },
    y: { label: "simulated time", kind: "ns" },
    series,
  };
}

export function renderReportHtml(data: ReportData, assets: ReportAssets): string {
  const af = data.anonFile;
  const moved = af.anon + af.file;
  const summary: [string, string][] = [
    ["scenario", `${data.scenario || "(unnamed)"}${data.source ? ` (${data.source})` : ""}`],
    ...(data.trace ? ([["trace", data.trace]] as [string, string][]) : []),
    ["stack", data.stack || "(unnamed)"],
    ["seed", data.seed === null ? "not in the result" : String(data.seed)],
    ["epochs", String(data.epochs.length)],
    ["hit ratio (overall)", data.hitRatio.toFixed(4)],
    [
      "application time (simulated)",
      `${fmtNs(data.runtimeNs)}${data.runtimeNs !== null && data.allFastRuntimeNs ? ` (${(data.runtimeNs / data.allFastRuntimeNs).toFixed(2)}× the all-fast bound, ${fmtNs(data.allFastRuntimeNs)})` : ""}`,
    ],
    ["background CPU (kernel threads, not in the application's time)", Object.keys(data.backgroundCpuNs).length ? fmtNs(sum(data.backgroundCpuNs)) : "none"],
    ...(data.oomDropped > 0
      ? ([["accesses dropped for want of memory", `${data.oomDropped} (counters.oom: their faults found no free page)`]] as [string, string][])
      : []),
    [
      "anon : file (pages promoted or exchanged up)",
      moved === 0 ? "no moves" : `${af.anon} : ${af.file} (anon ${((100 * af.anon) / moved).toFixed(1)}%; shmem ${af.shmem} of the file pages)`,
    ],
  ];
  const charts = epochCharts(data, "chart-");
  const time = timeChart("chart-time", data.time, data.backgroundCpuNs);
  const anonFile: ChartSpec = {
    id: "chart-anonfile",
    title: "Anon : file of the folios promoted or exchanged (base pages; shmem counted as file and shown apart)",
    kind: "bars",
    x: { label: "kind", values: [0, 1, 2], names: ["anon", "file (excl. shmem)", "shmem"] },
    y: { label: "base pages", kind: "count" },
    series: [{ label: "base pages", values: [af.anon, af.file - af.shmem, af.shmem] }],
  };
  const churnRows = Object.entries(data.churn).map(([k, v]) => [CHURN_LABELS[k] ?? k, fmtChurn(k, v)]);
  const failRows = Object.entries(data.failures)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => [k, String(n)]);
  const vmRows = Object.entries(data.vmstat)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]): [string, string] => [k, String(n)]);
  const byId = new Map(charts.map((c) => [c.id, c]));
  const body = [
    keyValueTable(summary, "summary"),
    data.notes.length ? `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : "",
    `<p class="hint">Figures of the model: simulated time on a simulated machine. Every chart's values are in the table under it.</p>`,
    time
      ? chartBlock(
          time,
          "The application's time holds what runs in its context (accesses, faults, scans, moves in the task); kernel threads' CPU runs beside it on other CPUs and is not added to it.",
        )
      : "",
    churnRows.length ? `<h2>Churn</h2>${gridTable(["figure", "value"], churnRows, "churn")}` : "",
    `<h2>Over the run</h2>`,
    chartBlock(byId.get("chart-hit")!),
    chartBlock(byId.get("chart-moves")!),
    byId.has("chart-fail") ? chartBlock(byId.get("chart-fail")!) : "<h3>Failed moves</h3><p>No move failed.</p>",
    failRows.length ? gridTable(["reason", "failed moves (whole run)"], failRows, "failures") : "",
    chartBlock(anonFile),
    `<h2>Counters</h2>`,
    vmRows.length ? keyValueTable(vmRows, "vmstat") : "<p>No counters in the result.</p>",
  ].join("\n");
  const all = [...(time ? [time] : []), ...charts, anonFile];
  return renderPage(`foliox report: ${data.scenario || "run"} / ${data.stack || "stack"}`, body, all, assets, data);
}
