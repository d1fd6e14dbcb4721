/**
 * convertTrace(): any importable trace to the canonical CSV or JSONL (canonical.ts) or the
 * canonical binary format (binary.ts), streamed: one chunk of bytes per batch goes to `write`
 * (the text formats' header as a string), which may return a promise (backpressure).
 *
 * The CSV gets a weight column when the source is weighted (perf, damo, csv with weights,
 * jsonl) or the first batch holds a weight other than 1, or when `weighted` is set. A weight
 * other than 1 showing up later without the column is an error, never silently dropped.
 */
import type { TraceBatch } from "./batch.js";
import { formatTraceCsvHeader } from "./canonical.js";
import { TraceBinaryEncoder } from "./binary.js";
import { TraceCanonicalEncoder } from "./encode.js";
import { readTrace } from "./read.js";
import type { TraceSource } from "./source.js";
import { createTraceReadStats, type TraceReadOptions, type TraceReadStats } from "./types.js";

export type TraceOutputFormat = "csv" | "jsonl" | "bin";
export const TRACE_OUTPUT_FORMATS: readonly TraceOutputFormat[] = ["csv", "jsonl", "bin"];

export interface TraceConvertOptions extends TraceReadOptions {
  to: TraceOutputFormat;
  write: (chunk: string | Buffer) => void | Promise<void>;
  /** force the CSV weight column */
  weighted?: boolean;
}

function hasWeights(b: TraceBatch): boolean {
  for (let i = 0; i < b.length; i++) if (b.weight[i] !== 1) return true;
  return false;
}

export async function convertTrace(source: string | TraceSource, options: TraceConvertOptions): Promise<TraceReadStats> {
  const name = typeof source === "string" ? source : source.name;
  const stats = options.stats ?? createTraceReadStats(name);
  const { to, write } = options;
  let weighted: boolean | undefined;
  const enc = new TraceCanonicalEncoder();
  const bin = new TraceBinaryEncoder();
  for await (const b of readTrace(source, { ...options, stats })) {
    if (to === "bin") {
      if (weighted === undefined) {
        // the flag says weights other than 1 may appear; every record carries its weight anyway
        weighted = options.weighted === true || stats.weighted || hasWeights(b);
        await write(bin.header(weighted));
      } else if (!weighted && hasWeights(b)) weighted = true; // informational only: nothing is lost
      await write(bin.records(b));
      continue;
    }
    if (to === "jsonl") {
      await write(enc.jsonl(b));
      continue;
    }
    if (weighted === undefined) {
      weighted = options.weighted === true || (stats.weighted && stats.format !== "jsonl") || hasWeights(b);
      await write(formatTraceCsvHeader(weighted));
    } else if (!weighted && hasWeights(b)) {
      throw new Error(
        `${name}: weights other than 1 appear after the first ${stats.records - b.length} entries, and the CSV has no weight column: convert again with the weight column forced (--weight)`,
      );
    }
    await write(enc.csvRows(b, weighted));
  }
  if (to === "csv" && weighted === undefined) await write(formatTraceCsvHeader(options.weighted === true || stats.weighted));
  if (to === "bin" && weighted === undefined) await write(bin.header(options.weighted === true || stats.weighted));
  return stats;
}
