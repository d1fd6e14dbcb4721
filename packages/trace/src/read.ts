/**
 * readTrace(): the one entry point. Streams a trace file (plain, gzip, or zlib), detects or
 * takes its format, and yields TraceBatches: typed arrays, no object per access.
 *
 *     const stats = createTraceReadStats("t.gz");
 *     for await (const b of readTrace("t.gz", { stats })) {
 *       for (let i = 0; i < b.length; i++) touch(b.pid[i], Math.floor(b.addr[i] / 4096), b.write[i]);
 *     }
 *
 * The same TraceBatch object is yielded every time (refilled): copy what you keep.
 * `options.formats` adds plugins' formats (format-plugin.ts), detected after the built-in ones.
 * Errors are TraceParseErrors naming the file and line; a file that cannot be opened throws
 * the fs error (ENOENT, …).
 */
import { TraceBatch } from "./batch.js";
import { readTraceBinary } from "./binary.js";
import { latin1, type TraceLineCursor } from "./bytes.js";
import { CanonicalCsvParser, CanonicalJsonlParser } from "./canonical.js";
import { readDamo } from "./damo.js";
import { detectTraceFormat } from "./detect.js";
import { TraceParseError, quoteTraceText } from "./errors.js";
import { LackeyParser } from "./lackey.js";
import { PerfScriptParser } from "./perf.js";
import { PinParser } from "./pin.js";
import { decompressedChunks, fileTraceSource, type TraceChunkReuse, type TraceSource } from "./source.js";
import { createTraceReadStats, TRACE_FORMAT_NAMES, type TraceFormat, type TraceLineParser, type TraceReadOptions, type TraceReadStats } from "./types.js";

/** Bytes examined to detect the format. */
const DETECT_BYTES = 64 * 1024;
/** A line longer than this is an error (it is not a trace line, and it would grow without bound). */
const MAX_LINE = 1 << 20;

/**
 * A built-in line parser that also takes a run of whole lines in one call: for a format whose
 * lines are short and mostly skipped (lackey's I lines), finding each line and calling the
 * parser for it would cost more than the line itself. (Plugins' parsers are read line by line.)
 */
interface TraceRunParser extends TraceLineParser {
  /**
   * Parse the lines from at.pos up to `end` (buf[end - 1] is an LF, ending the last of them),
   * numbered from at.lineNo + 1, stopping after a line that leaves more than `limit` entries in
   * the batch. Leaves at.pos after the last line parsed and at.lineNo its number.
   */
  lines(buf: Uint8Array, end: number, at: TraceLineCursor, batch: TraceBatch, limit: number): void;
}

function takesRuns(p: TraceLineParser): p is TraceRunParser {
  return typeof (p as Partial<TraceRunParser>).lines === "function";
}

export function createTraceLineParser(format: Exclude<TraceFormat, "damo" | "bin">, file: string, stats: TraceReadStats, o: TraceReadOptions): TraceLineParser {
  const ns = o.nsPerAccess ?? 1;
  switch (format) {
    case "lackey":
      return new LackeyParser(file, stats, o.includeInstructions ?? false, ns);
    case "pin":
      return new PinParser(file, stats, ns);
    case "perf":
      return new PerfScriptParser(file, stats, o.perfWeight ?? "period", ns);
    case "csv":
      return new CanonicalCsvParser(file, stats);
    case "jsonl":
      return new CanonicalJsonlParser(file, stats);
  }
}

export async function* readTrace(source: string | TraceSource, options: TraceReadOptions = {}): AsyncGenerator<TraceBatch, TraceReadStats> {
  const src = typeof source === "string" ? fileTraceSource(source) : source;
  const stats = options.stats ?? createTraceReadStats(src.name);
  stats.file = src.name;
  const ns = options.nsPerAccess ?? 1;
  if (!(ns >= 0 && Number.isFinite(ns))) throw new RangeError(`nsPerAccess must be a finite number >= 0, got ${ns}`);
  const batch = new TraceBatch(options.batchSize ?? 65536);
  const extra = options.formats ?? [];
  const names = [...TRACE_FORMAT_NAMES, ...extra.map((f) => f.name)];
  // every reader but damo's (which keeps the whole file) copies what it keeps of a chunk
  const consumer: TraceChunkReuse = { reuse: false };
  const chunks = decompressedChunks(src, stats, consumer);
  try {
    // Gather the head: to detect the format, and it is parsed like any chunk afterwards.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = false;
    let format = options.format ?? "auto";
    if (format === "auto") {
      while (headBytes < DETECT_BYTES) {
        const r = await chunks.next();
        if (r.done) {
          ended = true;
          break;
        }
        head.push(r.value);
        headBytes += r.value.length;
      }
      const bytes = head.length === 1 ? head[0]! : Buffer.concat(head);
      const found =
        stats.compression === "zlib"
          ? "damo"
          : (detectTraceFormat(bytes) ?? extra.find((f) => f.detect?.(latin1(bytes, 0, Math.min(bytes.length, DETECT_BYTES))))?.name);
      if (found === undefined) {
        const firstLine =
          latin1(bytes, 0, Math.min(bytes.length, 200))
            .split("\n")
            .find((l) => l.trim() !== "") ?? "";
        throw new TraceParseError(
          src.name,
          1,
          `a trace in one of the formats ${names.join(", ")} (or pass the format: --format F)`,
          bytes.length === 0 ? "an empty file" : quoteTraceText(firstLine),
        );
      }
      format = found;
    }
    const plugin = (TRACE_FORMAT_NAMES as string[]).includes(format) ? undefined : extra.find((f) => f.name === format);
    if (!(TRACE_FORMAT_NAMES as string[]).includes(format) && !plugin) {
      throw new RangeError(`unknown trace format "${format}": pass one of ${names.join(", ")}`);
    }
    stats.format = format;
    consumer.reuse = format !== "damo";
    async function* all(): AsyncGenerator<Uint8Array> {
      for (const c of head) yield c;
      if (!ended) yield* chunks;
    }
    if (format === "damo") {
      yield* readDamo(src.name, all(), stats, batch);
      return stats;
    }
    if (format === "bin") {
      yield* readTraceBinary(src.name, all(), stats, batch);
      return stats;
    }
    const parser = plugin
      ? plugin.createParser(src.name, stats, options)
      : createTraceLineParser(format as Exclude<TraceFormat, "damo" | "bin">, src.name, stats, options);
    yield* readLines(all(), parser, batch, stats, plugin === undefined && takesRuns(parser) ? parser : undefined);
    return stats;
  } finally {
    await chunks.return(undefined);
  }
}

/**
 * Split chunks into lines (LF; a CR before it is the parser's to drop) and parse them in batches,
 * a run of whole lines at a time when the parser takes runs (`runs`: the same parser).
 * A chunk need not outlive the next one: a line cut across chunks is copied into the carry.
 */
async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  parser: TraceLineParser,
  batch: TraceBatch,
  stats: TraceReadStats,
  runs: TraceRunParser | undefined,
): AsyncGenerator<TraceBatch> {
  const limit = batch.capacity - parser.maxPerLine;
  const at: TraceLineCursor = { pos: 0, lineNo: 0 };
  let lineNo = 0;
  let carry: Uint8Array | undefined;
  for await (const chunk of chunks) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (carry !== undefined) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        carry = Buffer.concat([carry, buf]);
        if (carry.length > MAX_LINE) tooLong(stats, lineNo + 1, carry);
        continue;
      }
      const line = Buffer.concat([carry, buf.subarray(0, nl)]);
      carry = undefined;
      parser.line(line, 0, line.length, ++lineNo, batch);
      pos = nl + 1;
      if (batch.length > limit) {
        stats.lines = lineNo;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    if (runs !== undefined) {
      const end = buf.lastIndexOf(10) + 1;
      at.pos = pos;
      at.lineNo = lineNo;
      while (at.pos < end) {
        runs.lines(buf, end, at, batch, limit);
        lineNo = at.lineNo;
        if (batch.length > limit) {
          stats.lines = lineNo;
          stats.records += batch.length;
          yield batch;
          batch.length = 0;
        }
      }
      pos = at.pos;
    }
    for (;;) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      parser.line(buf, pos, nl, ++lineNo, batch);
      pos = nl + 1;
      if (batch.length > limit) {
        stats.lines = lineNo;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    if (pos < buf.length) {
      carry = Buffer.from(buf.subarray(pos));
      if (carry.length > MAX_LINE) tooLong(stats, lineNo + 1, carry);
    }
    stats.lines = lineNo;
  }
  if (carry !== undefined && carry.length > 0) parser.line(carry, 0, carry.length, ++lineNo, batch);
  stats.lines = lineNo;
  parser.finish(lineNo);
  if (batch.length > 0) {
    stats.records += batch.length;
    yield batch;
    batch.length = 0;
  }
}

function tooLong(stats: TraceReadStats, lineNo: number, bytes: Uint8Array): never {
  throw new TraceParseError(stats.file, lineNo, `a line shorter than ${MAX_LINE} bytes (is this a text trace?)`, quoteTraceText(latin1(bytes, 0, 100)));
}
