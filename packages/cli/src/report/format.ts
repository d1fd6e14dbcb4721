/**
 * How the report pages write values and name things: times, ratios, counts, the application
 * time's parts and the churn figures, shared by the run, compare and sweep pages so one figure
 * reads the same on each.
 */

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON safe inside <script>: no "</script>", no "<!--". */
export const scriptJson = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");

export function fmtNs(ns: number | null): string {
  if (ns === null) return "n/a";
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${Math.round(ns)} ns`;
}

/** What a chart's values are; the tables and the axes format them by it. */
export type ValueKind = "ns" | "ratio" | "count" | "share" | "number";

export function fmtValue(kind: ValueKind, v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  switch (kind) {
    case "ns":
      return fmtNs(v);
    case "ratio":
      return v.toFixed(4);
    case "share":
      return `${(100 * v).toFixed(1)}%`;
    case "count":
      return Number.isInteger(v) ? String(v) : v.toFixed(1);
    case "number":
      return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
}

/** The application-time parts the engine reports (SimResult.time), in the order shown. */
export const TIME_LABELS: Record<string, string> = {
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

export const CHURN_LABELS: Record<string, string> = {
  movesPerPage: "moves per page moved",
  maxMovesPerPage: "most moves of one page",
  rePromotedAfterDemote: "pages re-promoted after a demotion",
  pingPong: "ping-pong (up, down, up within the window)",
  pingPongEpochs: "ping-pong window (epochs)",
  promotedUntouchedNextEpoch: "promoted pages untouched the next epoch",
};

export function fmtChurn(key: string, v: number | null): string {
  if (v === null) return "–";
  if (key === "promotedUntouchedNextEpoch") return `${(100 * v).toFixed(1)}%`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** The time parts in TIME_LABELS' order, then any the engine added later. */
export function timeParts(times: Record<string, number>[]): string[] {
  const seen = new Set(times.flatMap((t) => Object.keys(t)));
  return [...Object.keys(TIME_LABELS).filter((k) => seen.has(k)), ...[...seen].filter((k) => !(k in TIME_LABELS))];
}

export const sum = (o: Record<string, number>) => Object.values(o).reduce((a, n) => a + n, 0);
