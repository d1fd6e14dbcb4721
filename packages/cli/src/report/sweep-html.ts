/**
 * renderSweepHtml(): the page of a sweep. For each group of runs (a scenario or trace with one
 * cost variant, sweep-data.ts), figures against the fast tier's size, one line per stack at the
 * mean over the seeds with whiskers from their min to their max: the hit ratio, the
 * application's time, the kernel threads' CPU beside it, and churn (moves per page moved); then
 * the application's time by cause at every (stack, size), stacked. Every chart has its values
 * in a table under it: mean, and (min – max) where the seeds differ.
 */
import type { ReportAssets } from "./assets.js";
import type { ReportData } from "./data.js";
import { esc, sum, TIME_LABELS, timeParts, type ValueKind } from "./format.js";
import { chartBlock, keyValueTable, renderPage, type ChartSpec } from "./page.js";
import { spreadOf, type SweepGroup, type SweepReportData } from "./sweep-data.js";

/** At most this many (stack, size) bars in one breakdown chart; more are left to the tables. */
const MAX_BREAKDOWN_BARS = 48;

interface Metric {
  key: string;
  title: string;
  y: string;
  kind: ValueKind;
  of: (r: ReportData) => number | null;
}

const METRICS: Metric[] = [
  { key: "hit", title: "Fast-tier hit ratio", y: "hit ratio", kind: "ratio", of: (r) => r.hitRatio },
  { key: "runtime", title: "Application time", y: "simulated time", kind: "ns", of: (r) => r.runtimeNs },
  { key: "background", title: "Kernel threads' CPU (beside the application's time, not in it)", y: "CPU time", kind: "ns", of: (r) => sum(r.backgroundCpuNs) },
  { key: "churn", title: "Churn: moves per page moved", y: "moves per page", kind: "number", of: (r) => r.churn.movesPerPage ?? null },
];

const fastLabel = (g: SweepGroup) => (g.fastKind === "share" ? "fast tier (% of the footprint)" : "fast tier (MiB)");
const fastName = (g: SweepGroup, x: number) => (g.fastKind === "share" ? `${x}%` : `${x} MiB`);

function metricChart(g: SweepGroup, gi: number, m: Metric): ChartSpec | null {
  const series = g.stacks.map((stack) => {
    const cells = g.runs.get(stack) ?? [];
    const spreads = g.fast.map((_, i) => spreadOf((cells[i] ?? []).map((r) => m.of(r.run)).filter((v): v is number => v !== null)));
    return { label: stack, values: spreads.map((s) => s?.mean ?? null), lo: spreads.map((s) => s?.min ?? null), hi: spreads.map((s) => s?.max ?? null) };
  });
  if (series.every((s) => s.values.every((v) => v === null))) return null;
  return {
    id: `chart-g${gi}-${m.key}`,
    title: `${m.title} against the fast tier's size`,
    kind: "line",
    x: { label: fastLabel(g), values: g.fast, names: g.fast.map((x) => fastName(g, x)) },
    y: { label: m.y, kind: m.kind },
    series,
  };
}

function breakdownChart(g: SweepGroup, gi: number): ChartSpec | null {
  const cats: { name: string; runs: ReportData[] }[] = [];
  for (const stack of g.stacks)
    g.fast.forEach((x, i) => cats.push({ name: `${stack} · ${fastName(g, x)}`, runs: (g.runs.get(stack)?.[i] ?? []).map((r) => r.run) }));
  const filled = cats.filter((c) => c.runs.length > 0);
  if (filled.length === 0 || filled.length > MAX_BREAKDOWN_BARS) return null;
  const parts = timeParts(filled.flatMap((c) => c.runs.map((r) => r.time))).filter((p) => filled.some((c) => c.runs.some((r) => (r.time[p] ?? 0) > 0)));
  if (parts.length === 0) return null;
  return {
    id: `chart-g${gi}-time`,
    title: "The application's time by cause, at every stack and size (means over the seeds)",
    kind: "stacked",
    x: { label: "stack · fast tier", values: filled.map((_, i) => i), names: filled.map((c) => c.name) },
    y: { label: "simulated time", kind: "ns" },
    series: parts.map((p) => ({ label: TIME_LABELS[p] ?? p, values: filled.map((c) => spreadOf(c.runs.map((r) => r.time[p] ?? 0))!.mean) })),
  };
}

export function renderSweepHtml(data: SweepReportData, assets: ReportAssets): string {
  const oom = data.runs.filter((r) => r.run.oomDropped > 0);
  const summary: [string, string][] = [
    ["results", data.file],
    ["runs", String(data.runs.length)],
    ["groups (scenario or trace × cost variant)", String(data.groups.length)],
    ["stacks", data.stacks.join(", ")],
    ["seeds", data.seeds.join(", ")],
    ...(data.versions.length ? ([["foliox", data.versions.join(", ")]] as [string, string][]) : []),
    ...(oom.length
      ? ([["runs that dropped accesses for want of memory", `${oom.length} (their hit ratios and times leave those accesses out)`]] as [string, string][])
      : []),
  ];
  const charts: ChartSpec[] = [];
  const sections = data.groups.map((g, gi) => {
    const mine = [...METRICS.map((m) => metricChart(g, gi, m)), breakdownChart(g, gi)].filter((c): c is ChartSpec => c !== null);
    charts.push(...mine);
    const seeds = [...new Set([...g.runs.values()].flat(2).map((r) => r.seed))].sort((a, b) => a - b);
    return [
      `<h2>${esc(g.title)}</h2>`,
      `<p>${esc(`${g.stacks.length} stack${g.stacks.length === 1 ? "" : "s"} × ${g.fast.length} fast-tier size${g.fast.length === 1 ? "" : "s"} (${g.fast.map((x) => fastName(g, x)).join(", ")}) × seeds ${seeds.join(", ")}${g.epochs !== null ? `; ${g.epochs} epochs each` : ""}. Lines: the mean over the seeds; whiskers: their min and max.`)}</p>`,
      ...mine.map((c) => chartBlock(c)),
    ].join("\n");
  });
  const body = [
    keyValueTable(summary, "summary"),
    `<p class="hint">Figures of the model: simulated time on a simulated machine. Every chart's values are in the table under it.</p>`,
    ...sections,
  ].join("\n");
  return renderPage(`foliox sweep: ${data.runs.length} runs`, body, charts, assets);
}
