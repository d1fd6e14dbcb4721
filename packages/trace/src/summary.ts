/**
 * summarizeTrace(): one pass over a trace for `foliox trace inspect`: counts, distinct pages
 * (TracePageCounter, no JS Set), address range, pids, time span and the hottest pages.
 */
import { TRACE_PAGE_SIZE } from "./batch.js";
import { TracePageCounter } from "./pages.js";
import { readTrace } from "./read.js";
import type { TraceSource } from "./source.js";
import { createTraceReadStats, type TraceCompression, type TraceFormat, type TraceReadOptions } from "./types.js";

/** pids listed individually; beyond, only their number is known */
const MAX_PIDS = 4096;

export interface TraceSummary {
  file: string;
  /** a built-in format, or a plugin's */
  format: TraceFormat | (string & {});
  compression: TraceCompression;
  lines: number;
  /** entries read (an M line of lackey is two: a load and a store) */
  accesses: number;
  loads: number;
  stores: number;
  /** instruction fetches seen (lackey I lines, csv/jsonl op I); in `loads` only if they were emitted */
  instructions: number;
  instructionsIncluded: boolean;
  /** lackey M lines */
  modifies: number;
  /** blank, comment, banner and callchain lines */
  skippedLines: number;
  /** damo regions with nr_accesses 0 */
  idleRegions: number;
  /** sum of the weights, and what a weight means here */
  weight: number;
  weightMeaning: string;
  /** distinct 4 KiB pages touched (an access crossing a page boundary touches both) */
  distinctPages: number;
  /** lowest address and highest byte touched (addr + size - 1), or null when there is no access */
  addrMin: number | null;
  addrMax: number | null;
  /** distinct pids, ascending; only the first 4096 seen are listed (pidsTruncated) */
  pids: number[];
  pidsTruncated: boolean;
  tMin: number | null;
  tMax: number | null;
  timeMeaning: string;
  topPages: { page: number; addr: number; accesses: number; weight: number }[];
}

export interface TraceSummaryOptions extends TraceReadOptions {
  /** how many of the hottest pages to list (default 10) */
  top?: number;
}

export async function summarizeTrace(source: string | TraceSource, options: TraceSummaryOptions = {}): Promise<TraceSummary> {
  const name = typeof source === "string" ? source : source.name;
  const stats = options.stats ?? createTraceReadStats(name);
  const pages = new TracePageCounter();
  const pids = new Set<number>();
  let pidOverflow = false;
  let accesses = 0;
  let weight = 0;
  let addrMin = Infinity;
  let addrMax = -Infinity;
  let tMin = Infinity;
  let tMax = -Infinity;
  let lastPid = -1;
  for await (const b of readTrace(source, { ...options, stats })) {
    const n = b.length;
    accesses += n;
    for (let i = 0; i < n; i++) {
      const a = b.addr[i]!;
      const sz = b.size[i]!;
      const w = b.weight[i]!;
      const t = b.t[i]!;
      const pid = b.pid[i]!;
      weight += w;
      if (a < addrMin) addrMin = a;
      const last = a + (sz > 0 ? sz - 1 : 0);
      if (last > addrMax) addrMax = last;
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      if (pid !== lastPid) {
        lastPid = pid;
        if (pids.size < MAX_PIDS) pids.add(pid);
        else if (!pids.has(pid)) pidOverflow = true;
      }
      const p0 = Math.floor(a / TRACE_PAGE_SIZE);
      const p1 = Math.floor(last / TRACE_PAGE_SIZE);
      for (let p = p0; p <= p1; p++) pages.add(p, w);
    }
  }
  const top = pages.top(options.top ?? 10).map((p) => ({ ...p, addr: p.page * TRACE_PAGE_SIZE }));
  const none = accesses === 0;
  return {
    file: stats.file,
    format: stats.format!,
    compression: stats.compression,
    lines: stats.lines,
    accesses,
    loads: accesses - stats.stores,
    stores: stats.stores,
    instructions: stats.instructions,
    instructionsIncluded: stats.format === "lackey" ? (options.includeInstructions ?? false) : true,
    modifies: stats.modifies,
    skippedLines: stats.skipped,
    idleRegions: stats.idleRegions,
    weight,
    weightMeaning: stats.weightMeaning,
    distinctPages: pages.size,
    addrMin: none ? null : addrMin,
    addrMax: none ? null : addrMax,
    pids: [...pids].sort((x, y) => x - y),
    pidsTruncated: pidOverflow,
    tMin: none ? null : tMin,
    tMax: none ? null : tMax,
    timeMeaning: stats.timeMeaning,
    topPages: top,
  };
}
