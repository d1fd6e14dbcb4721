/**
 * The canonical binary trace format ("bin"): what `foliox trace convert --to bin` writes, for
 * traces replayed many times. Fixed-size little-endian records, so reading one is a few typed
 * loads: no text to split, no number to parse, nothing allocated per record.
 *
 * A file is a 16-byte header, then records of 32 bytes each (docs/trace-formats.md):
 *
 *     offset size  header
 *     0      8     magic 89 46 58 54 0d 0a 1a 0a ("\x89FXT\r\n\x1a\n": a text-mode transfer or
 *                  a truncation to 7 bits breaks it, as PNG's does)
 *     8      2     version, u16 = 1
 *     10     2     record size, u16 = 32
 *     12     4     flags, u32: bit 0 = weighted (weights other than 1 may appear); others 0
 *
 *     offset size  record
 *     0      8     t, f64: ns, >= 0
 *     8      8     addr, f64: an integer below 2^53
 *     16     8     weight, f64: accesses the record stands for, >= 0
 *     24     4     pid, i32: 0..2^31-1
 *     28     4     size | write << 31, u32: size in bytes (0..2^31-1), bit 31 set for a store
 *
 * Detected by its magic bytes (after gunzip: a .bin.gz is read as well). The decoder streams:
 * records are read straight from each chunk into the reused TraceBatch; only a record split
 * between two chunks is gathered in a 32-byte carry.
 */
import type { TraceBatch } from "./batch.js";
import { MAX_TRACE_ADDR } from "./bytes.js";
import { TraceParseError } from "./errors.js";
import type { TraceReadStats } from "./types.js";

export const TRACE_BIN_MAGIC: readonly number[] = [0x89, 0x46, 0x58, 0x54, 0x0d, 0x0a, 0x1a, 0x0a];
export const TRACE_BIN_VERSION = 1;
export const TRACE_BIN_HEADER_BYTES = 16;
export const TRACE_BIN_RECORD_BYTES = 32;
const FLAG_WEIGHTED = 1;
const WRITE_BIT = 0x80000000;

/** Do these bytes start with the binary format's magic? */
export function isTraceBinary(b: Uint8Array): boolean {
  if (b.length < TRACE_BIN_MAGIC.length) return false;
  for (let i = 0; i < TRACE_BIN_MAGIC.length; i++) if (b[i] !== TRACE_BIN_MAGIC[i]) return false;
  return true;
}

/** Encodes batches as binary records; the header first (traceBinaryHeader). */
export class TraceBinaryEncoder {
  /** The 16-byte header. */
  header(weighted: boolean): Buffer {
    const h = Buffer.alloc(TRACE_BIN_HEADER_BYTES);
    for (let i = 0; i < TRACE_BIN_MAGIC.length; i++) h[i] = TRACE_BIN_MAGIC[i]!;
    h.writeUInt16LE(TRACE_BIN_VERSION, 8);
    h.writeUInt16LE(TRACE_BIN_RECORD_BYTES, 10);
    h.writeUInt32LE(weighted ? FLAG_WEIGHTED : 0, 12);
    return h;
  }

  /** Records of entries [0, length): one new Buffer (the writer may keep it). */
  records(b: TraceBatch): Buffer {
    const out = Buffer.allocUnsafe(b.length * TRACE_BIN_RECORD_BYTES);
    const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0, o = 0; i < b.length; i++, o += TRACE_BIN_RECORD_BYTES) {
      v.setFloat64(o, b.t[i]!, true);
      v.setFloat64(o + 8, b.addr[i]!, true);
      v.setFloat64(o + 16, b.weight[i]!, true);
      v.setInt32(o + 24, b.pid[i]!, true);
      v.setUint32(o + 28, ((b.size[i]! & 0x7fffffff) | (b.write[i] ? WRITE_BIT : 0)) >>> 0, true);
    }
    return out;
  }
}

/**
 * Decode a binary trace from its (decompressed) chunks into `batch`, yielding it whenever it is
 * full. stats.lines counts records (an error's "line" is the record's number, from 1).
 */
export async function* readTraceBinary(file: string, chunks: AsyncIterable<Uint8Array>, stats: TraceReadStats, batch: TraceBatch): AsyncGenerator<TraceBatch> {
  stats.timeMeaning = "t field (ns)";
  stats.weightMeaning = "weight field";
  const carry = new Uint8Array(TRACE_BIN_RECORD_BYTES);
  const carryView = new DataView(carry.buffer);
  let carried = 0;
  let header = true;
  let records = 0;
  const cap = batch.capacity;
  const t = batch.t;
  const addr = batch.addr;
  const weight = batch.weight;
  const pid = batch.pid;
  const size = batch.size;
  const write = batch.write;
  /** one record at byte o of v into the batch; false if a field is out of range */
  const take = (v: DataView, o: number): boolean => {
    const tt = v.getFloat64(o, true);
    const a = v.getFloat64(o + 8, true);
    const w = v.getFloat64(o + 16, true);
    const p = v.getInt32(o + 24, true);
    const sw = v.getUint32(o + 28, true);
    if (!(tt >= 0 && a >= 0 && a <= MAX_TRACE_ADDR && w >= 0 && p >= 0)) return false;
    const i = batch.length;
    t[i] = tt;
    addr[i] = a;
    weight[i] = w;
    pid[i] = p;
    size[i] = sw & 0x7fffffff;
    write[i] = sw >>> 31;
    stats.stores += sw >>> 31;
    batch.length = i + 1;
    return true;
  };
  const bad = (v: DataView, o: number): never => {
    const f = `t=${v.getFloat64(o, true)} addr=${v.getFloat64(o + 8, true)} weight=${v.getFloat64(o + 16, true)} pid=${v.getInt32(o + 24, true)}`;
    throw new TraceParseError(file, records + 1, "a record with t >= 0, 0 <= addr < 2^53 (an integer), weight >= 0 and pid >= 0", f);
  };
  for await (const chunk of chunks) {
    let pos = 0;
    const n = chunk.length;
    if (header) {
      // the header is tiny: gather it in the carry when the first chunk is shorter
      while (carried < TRACE_BIN_HEADER_BYTES && pos < n) carry[carried++] = chunk[pos++]!;
      if (carried < TRACE_BIN_HEADER_BYTES) continue;
      checkHeader(file, carry, stats);
      header = false;
      carried = 0;
    }
    if (carried > 0) {
      while (carried < TRACE_BIN_RECORD_BYTES && pos < n) carry[carried++] = chunk[pos++]!;
      if (carried < TRACE_BIN_RECORD_BYTES) continue;
      carried = 0;
      if (!take(carryView, 0)) bad(carryView, 0);
      records++;
      if (batch.length === cap) {
        stats.lines = records;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const whole = pos + Math.floor((n - pos) / TRACE_BIN_RECORD_BYTES) * TRACE_BIN_RECORD_BYTES;
    while (pos < whole) {
      const room = Math.min(cap - batch.length, (whole - pos) / TRACE_BIN_RECORD_BYTES);
      for (let k = 0; k < room; k++, pos += TRACE_BIN_RECORD_BYTES) {
        if (!take(v, pos)) bad(v, pos);
        records++;
      }
      if (batch.length === cap) {
        stats.lines = records;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    while (pos < n) carry[carried++] = chunk[pos++]!;
    stats.lines = records;
  }
  if (header) {
    throw new TraceParseError(file, 1, `the ${TRACE_BIN_HEADER_BYTES}-byte header of a binary trace`, `${carried} bytes: the file is truncated`);
  }
  if (carried > 0) {
    throw new TraceParseError(file, records + 1, `a ${TRACE_BIN_RECORD_BYTES}-byte record`, `${carried} bytes at the end: the file is truncated`);
  }
  stats.lines = records;
  if (batch.length > 0) {
    stats.records += batch.length;
    yield batch;
    batch.length = 0;
  }
}

function checkHeader(file: string, h: Uint8Array, stats: TraceReadStats): void {
  if (!isTraceBinary(h)) throw new TraceParseError(file, 1, "the binary trace magic 89 46 58 54 0d 0a 1a 0a", "other bytes (is this a binary trace?)");
  const v = new DataView(h.buffer, h.byteOffset, TRACE_BIN_HEADER_BYTES);
  const version = v.getUint16(8, true);
  const recordBytes = v.getUint16(10, true);
  const flags = v.getUint32(12, true);
  if (version !== TRACE_BIN_VERSION) {
    throw new TraceParseError(
      file,
      1,
      `binary trace version ${TRACE_BIN_VERSION}`,
      `version ${version} (written by a newer foliox? convert it again with this one)`,
    );
  }
  if (recordBytes !== TRACE_BIN_RECORD_BYTES) throw new TraceParseError(file, 1, `records of ${TRACE_BIN_RECORD_BYTES} bytes`, `${recordBytes}-byte records`);
  if ((flags & ~FLAG_WEIGHTED) !== 0) throw new TraceParseError(file, 1, "flags with only bit 0 (weighted) set", `flags 0x${flags.toString(16)}`);
  stats.weighted = (flags & FLAG_WEIGHTED) !== 0;
}
