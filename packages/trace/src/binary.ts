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
 * records are read straight from each chunk into the reused TraceBatch, through Float64Array and
 * Int32Array views (after the 16-byte header every field sits at a multiple of its own size, so
 * a chunk that starts 8-aligned in memory is read in place: a DataView call per field costs
 * several times as much); only a record split between two chunks is gathered in a 32-byte carry.
 */
import { endianness } from "node:os";
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
/** a record's fields, in bytes: t, addr, weight, pid, size | write */
const FIELD_BYTES: readonly number[] = [8, 8, 8, 4, 4];

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

/** Typed views read the records in place only on a little-endian host (the file's byte order). */
const HOST_LE = endianness() === "LE";

/**
 * Decodes records from 8-aligned little-endian bytes into a TraceBatch, through Float64Array and
 * Int32Array views (a record is 4 doubles' or 8 int32s' worth): typed loads and stores, nothing
 * allocated per record. Bytes that are not 8-aligned (a gunzip chunk may start anywhere), and
 * any bytes on a big-endian host, are first copied into a reused aligned scratch buffer.
 */
class BinaryRecordDecoder {
  private f64: Float64Array = new Float64Array(0);
  private i32: Int32Array = new Int32Array(0);
  private scratch = new Uint8Array(TRACE_BIN_RECORD_BYTES);

  constructor(
    private readonly batch: TraceBatch,
    private readonly stats: TraceReadStats,
  ) {}

  /** Point the views at `count` records from byte `pos` of `bytes`. */
  view(bytes: Uint8Array, pos: number, count: number): void {
    const n = count * TRACE_BIN_RECORD_BYTES;
    let src = bytes;
    let at = bytes.byteOffset + pos;
    if (!HOST_LE || (at & 7) !== 0) {
      if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
      src = this.scratch;
      src.set(bytes.subarray(pos, pos + n));
      if (!HOST_LE) toHostOrder(src, n);
      at = 0;
    }
    this.f64 = new Float64Array(src.buffer, at, n >>> 3);
    this.i32 = new Int32Array(src.buffer, at, n >>> 2);
  }

  /**
   * Records [first, first + count) of the view into the batch (which has room for them).
   * Returns how many were taken: fewer than count when one has a field out of range.
   */
  take(first: number, count: number): number {
    const { f64, i32, batch } = this;
    const { t, addr, weight, pid, size, write } = batch;
    let i = batch.length;
    let stores = 0;
    let k = 0;
    for (let q = first * 4, w = first * 8; k < count; k++, q += 4, w += 8, i++) {
      const tt = f64[q]!;
      const a = f64[q + 1]!;
      const wt = f64[q + 2]!;
      const p = i32[w + 6]!;
      const sw = i32[w + 7]!;
      if (!(tt >= 0 && a >= 0 && a <= MAX_TRACE_ADDR && wt >= 0 && p >= 0)) break;
      t[i] = tt;
      addr[i] = a;
      weight[i] = wt;
      pid[i] = p;
      size[i] = sw & 0x7fffffff;
      write[i] = sw >>> 31;
      stores += sw >>> 31;
    }
    batch.length = i;
    this.stats.stores += stores;
    return k;
  }

  /** The fields of record `r` of the view, for an error message. */
  describe(r: number): string {
    return `t=${this.f64[r * 4]} addr=${this.f64[r * 4 + 1]} weight=${this.f64[r * 4 + 2]} pid=${this.i32[r * 8 + 6]}`;
  }
}

/** Big-endian host: reverse each field's bytes (3 f64 then 2 u32 per record) in place. */
function toHostOrder(b: Uint8Array, n: number): void {
  for (let o = 0; o < n; ) {
    for (const width of FIELD_BYTES) {
      for (let i = o, j = o + width - 1; i < j; i++, j--) {
        const c = b[i]!;
        b[i] = b[j]!;
        b[j] = c;
      }
      o += width;
    }
  }
}

/**
 * Decode a binary trace from its (decompressed) chunks into `batch`, yielding it whenever it is
 * full. stats.lines counts records (an error's "line" is the record's number, from 1). A chunk
 * is read in place (it need not outlive the next one); a record split between two chunks is
 * gathered in the carry.
 */
export async function* readTraceBinary(file: string, chunks: AsyncIterable<Uint8Array>, stats: TraceReadStats, batch: TraceBatch): AsyncGenerator<TraceBatch> {
  stats.timeMeaning = "t field (ns)";
  stats.weightMeaning = "weight field";
  const carry = new Uint8Array(TRACE_BIN_RECORD_BYTES);
  const dec = new BinaryRecordDecoder(batch, stats);
  let carried = 0;
  let header = true;
  let records = 0;
  const cap = batch.capacity;
  /** records [first, first + count) of the decoder's view into the batch, or the error of the bad one */
  const take = (first: number, count: number): void => {
    const n = dec.take(first, count);
    records += n;
    if (n < count)
      throw new TraceParseError(file, records + 1, "a record with t >= 0, 0 <= addr < 2^53 (an integer), weight >= 0 and pid >= 0", dec.describe(first + n));
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
      dec.view(carry, 0, 1);
      take(0, 1);
      if (batch.length === cap) {
        stats.lines = records;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    const whole = Math.floor((n - pos) / TRACE_BIN_RECORD_BYTES);
    dec.view(chunk, pos, whole);
    for (let r = 0; r < whole; ) {
      const room = Math.min(cap - batch.length, whole - r);
      take(r, room);
      r += room;
      if (batch.length === cap) {
        stats.lines = records;
        stats.records += batch.length;
        yield batch;
        batch.length = 0;
      }
    }
    pos += whole * TRACE_BIN_RECORD_BYTES;
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
