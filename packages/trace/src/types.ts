import type { TraceBatch } from "./batch.js";

/** The trace formats foliox imports (`foliox trace inspect --format F`). */
export type TraceFormat = "lackey" | "pin" | "perf" | "damo" | "csv" | "jsonl" | "bin";

/** Every TraceFormat, with a one-line description for help texts. */
export const TRACE_FORMATS: Readonly<Record<TraceFormat, string>> = {
  lackey: "valgrind --tool=lackey --trace-mem=yes output (plain or gzip)",
  pin: "Intel Pin pinatrace.out: <ip>: R|W <addr> [size]",
  perf: "perf script output of perf mem record (weighted samples)",
  damo: "damo record JSON (json or json_compressed): region snapshots",
  csv: "canonical CSV: header t,pid,addr,op,size[,weight]",
  jsonl: 'canonical JSON lines: {"t":…,"pid":…,"addr":…,"op":…,"size":…}',
  bin: "canonical binary: 32-byte records after a 16-byte header (fastest to replay)",
};

export const TRACE_FORMAT_NAMES = Object.keys(TRACE_FORMATS) as TraceFormat[];

export type TraceCompression = "none" | "gzip" | "zlib";

/** What `weight` means in a perf import: the sample period (default), perf's weight field
 *  (latency in cycles on Intel), or 1 per sample. */
export type TracePerfWeight = "period" | "weight" | "one";

export interface TraceReadOptions {
  /** the format (built in, or one of `formats`), or "auto" (default) to detect it from the first bytes */
  format?: TraceFormat | "auto" | (string & {});
  /** formats plugins add (format-plugin.ts): parsed by name, detected after the built-in ones */
  formats?: readonly import("./format-plugin.js").TraceFormatDefinition[];
  /** lackey: emit instruction fetches (I lines) as loads; by default they are only counted */
  includeInstructions?: boolean;
  /** lackey and pin have no time: entry n gets t = n * nsPerAccess (default 1 ns) */
  nsPerAccess?: number;
  /** perf: what the weight of a sample is (default "period", and 1 when no period is printed) */
  perfWeight?: TracePerfWeight;
  /** entries per batch (default 65536) */
  batchSize?: number;
  /** filled while reading (format, lines, counts): read it after the loop */
  stats?: TraceReadStats;
}

export interface TraceReadStats {
  /** the name errors use */
  file: string;
  /** a built-in format, or a plugin's by name */
  format: TraceFormat | (string & {}) | undefined;
  compression: TraceCompression;
  /** lines read (of the decompressed text) */
  lines: number;
  /** entries emitted */
  records: number;
  /** entries with write = 1 */
  stores: number;
  /** lackey: instruction fetch lines (emitted as loads only with includeInstructions) */
  instructions: number;
  /** lackey: M lines, each emitted as a load and a store */
  modifies: number;
  /** blank, comment, banner and callchain lines */
  skipped: number;
  /** damo: regions with nr_accesses 0 (not emitted) */
  idleRegions: number;
  /** true when weights other than 1 can appear (perf, damo, csv with a weight column) */
  weighted: boolean;
  /** what an entry's weight means for this file */
  weightMeaning: string;
  /** how t was obtained */
  timeMeaning: string;
}

export function createTraceReadStats(file: string): TraceReadStats {
  return {
    file,
    format: undefined,
    compression: "none",
    lines: 0,
    records: 0,
    stores: 0,
    instructions: 0,
    modifies: 0,
    skipped: 0,
    idleRegions: 0,
    weighted: false,
    weightMeaning: "1 per access",
    timeMeaning: "",
  };
}

/**
 * A line-oriented importer: the reader splits the (decompressed) bytes into lines and hands
 * each one over without copying. It must not keep `buf`.
 */
export interface TraceLineParser {
  /** the most entries one line can add; the reader flushes the batch before it could overflow */
  readonly maxPerLine: number;
  line(buf: Uint8Array, start: number, end: number, lineNo: number, batch: TraceBatch): void;
  /** end of input after `lines` lines */
  finish(lines: number): void;
}
