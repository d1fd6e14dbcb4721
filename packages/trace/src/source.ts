/**
 * Where trace bytes come from: a file (read in 1 MiB chunks) or any iterable of chunks,
 * decompressed on the fly when the first bytes are a gzip or zlib header.
 *
 * A file is read through a FileHandle. Its chunks are fresh Buffers, except where the reader
 * knows nobody keeps one: an uncompressed file whose consumer says it copies what it keeps
 * (TraceChunkReuse) is read into one buffer, refilled for every chunk, so that replaying a
 * large binary trace allocates (and page-faults) nothing per chunk. Compressed data is inflated
 * the same way, on this thread into one refilled buffer (inflateInPlace: zlib's stream would
 * hand out a fresh one per chunk), its file read into one buffer too; on a Node whose zlib
 * stream lacks the synchronous step that needs, through zlib's stream, with fresh chunks.
 */
import { type FileHandle, open } from "node:fs/promises";
import { pipeline, Readable } from "node:stream";
import { createGunzip, createInflate, type Gunzip, type Inflate, constants as zlibConstants } from "node:zlib";
import { TraceParseError } from "./errors.js";
import type { TraceCompression, TraceReadStats } from "./types.js";

/** A named stream of bytes: what readTrace() reads when it is not given a path. */
export interface TraceSource {
  /** the name errors use, e.g. the file name */
  name: string;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/**
 * Compression from the magic bytes: gzip is 1f 8b; zlib (damo's json_compressed) is 78 then a
 * byte that makes the 16-bit header a multiple of 31 (RFC 1950).
 */
export function detectTraceCompression(firstBytes: Uint8Array): TraceCompression {
  if (firstBytes.length >= 2 && firstBytes[0] === 0x1f && firstBytes[1] === 0x8b) return "gzip";
  if (firstBytes.length >= 2 && firstBytes[0] === 0x78 && ((0x78 << 8) | firstBytes[1]!) % 31 === 0) return "zlib";
  return "none";
}

/** Bytes per read of a file: large enough that per-chunk costs vanish, small enough to stay in cache. */
const FILE_CHUNK_BYTES = 1 << 20;
/** zlib's output chunks: few enough round trips through the stream, and still in L2 cache when parsed. */
const INFLATE_CHUNK_BYTES = 1 << 18;

/**
 * Whether a consumer lets the reader refill one buffer: it copies whatever it keeps of a chunk
 * before it asks for the next one. May change while reading (readTrace sets it once the format
 * is known).
 */
export interface TraceChunkReuse {
  reuse: boolean;
}

export interface FileTraceSourceOptions {
  /** called with the bytes of each read from the file (compressed bytes for a .gz): a progress bar */
  onRead?: (bytes: number) => void;
}

/** A file's chunks; decompressedChunks() recognises it and may have it reuse one buffer. */
class TraceFileChunks implements AsyncIterable<Uint8Array> {
  constructor(
    readonly path: string,
    readonly onRead: ((bytes: number) => void) | undefined,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return readFileChunks(this, { reuse: false });
  }
}

export function fileTraceSource(path: string, name = path, options: FileTraceSourceOptions = {}): TraceSource {
  return { name, chunks: new TraceFileChunks(path, options.onRead) };
}

/** The file's bytes in chunks of FILE_CHUNK_BYTES (the last one shorter); fs errors (ENOENT, …) as they are. */
async function* readFileChunks(file: TraceFileChunks, lend: TraceChunkReuse): AsyncGenerator<Uint8Array> {
  const fh = await open(file.path, "r");
  try {
    let shared: Buffer | undefined;
    for (;;) {
      const buf = lend.reuse ? (shared ??= Buffer.allocUnsafeSlow(FILE_CHUNK_BYTES)) : Buffer.allocUnsafe(FILE_CHUNK_BYTES);
      const n = await fill(fh, buf);
      if (n > 0) file.onRead?.(n);
      if (n > 0) yield n === buf.length ? buf : buf.subarray(0, n);
      if (n < buf.length) return;
    }
  } finally {
    await fh.close();
  }
}

/** Read into all of buf, or up to the end of the file: the bytes read. */
async function fill(fh: FileHandle, buf: Buffer): Promise<number> {
  let n = 0;
  while (n < buf.length) {
    const { bytesRead } = await fh.read(buf, n, buf.length - n, null);
    if (bytesRead === 0) break;
    n += bytesRead;
  }
  return n;
}

/**
 * The decompressed chunks of a source; sets stats.compression from the first chunk.
 * Decompression errors become TraceParseErrors at the line being read (stats.lines + 1).
 * With `consumer.reuse` set, a chunk is valid only until the next one is asked for.
 */
export async function* decompressedChunks(src: TraceSource, stats: TraceReadStats, consumer: TraceChunkReuse = { reuse: false }): AsyncGenerator<Uint8Array> {
  const lend: TraceChunkReuse = { reuse: false };
  const it = (
    src.chunks instanceof TraceFileChunks
      ? readFileChunks(src.chunks, lend)
      : Symbol.asyncIterator in src.chunks
        ? (src.chunks as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
        : (src.chunks as Iterable<Uint8Array>)[Symbol.iterator]()
  ) as AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  let first: IteratorResult<Uint8Array>;
  // the first chunk must hold the 2 magic bytes: gather until it does
  let head: Uint8Array = new Uint8Array(0);
  for (;;) {
    first = await it.next();
    if (first.done) break;
    head = head.length === 0 ? first.value : Buffer.concat([head, first.value]);
    if (head.length >= 2) break;
  }
  const compression = detectTraceCompression(head);
  stats.compression = compression;
  let inPlace = false;
  /** The raw chunks, the gathered head first; closes the source when done or abandoned. */
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      for (;;) {
        // the consumer of uncompressed chunks may let go of the last one; inflating in place
        // always has, zlib's stream may still be inflating it
        lend.reuse = compression === "none" ? consumer.reuse : inPlace;
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  if (compression === "none") {
    yield* rest();
    return;
  }
  const z = compression === "gzip" ? createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }) : createInflate({ chunkSize: INFLATE_CHUNK_BYTES });
  inPlace = zlibStep(z) !== undefined;
  try {
    yield* inPlace ? inflateInPlace(z, rest(), consumer) : inflateStream(z, rest());
  } catch (err) {
    if (err instanceof TraceParseError) throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw new TraceParseError(
      src.name,
      stats.lines + 1,
      `${compression} data that decompresses to the end`,
      `a decompression error (${why}; is the file truncated?)`,
    );
  } finally {
    z.destroy();
  }
}

/**
 * What zlib.inflateSync() runs on inside Node (lib/zlib.js): the stream's native handle, whose
 * writeSync() inflates into a buffer the caller gives, and the Uint32Array where it leaves
 * [output bytes left, input bytes left]. Undocumented, so looked for before use.
 */
interface ZlibStep {
  _handle: { writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void };
  _writeState: Uint32Array;
}

function zlibStep(z: Gunzip | Inflate): ZlibStep | undefined {
  const s = z as unknown as Partial<ZlibStep>;
  return typeof s._handle?.writeSync === "function" && s._writeState instanceof Uint32Array && s._writeState.length >= 2 ? (s as ZlibStep) : undefined;
}

/**
 * Inflate on this thread into one buffer, refilled for every chunk yielded (copied while the
 * consumer keeps chunks). zlib's stream hands out a fresh buffer per chunk instead: ~100 MB of
 * ArrayBuffers per 100 MB of text, which no young-generation GC frees in a replay that
 * allocates little else, and so a full GC every few megabytes (a third of a replay's time).
 */
async function* inflateInPlace(z: Gunzip | Inflate, input: AsyncIterable<Uint8Array>, consumer: TraceChunkReuse): AsyncGenerator<Uint8Array> {
  const { _handle: handle, _writeState: state } = zlibStep(z)!;
  z.on("error", () => {}); // zlib reports an error by destroying the stream: read from z.errored below
  const out = Buffer.allocUnsafeSlow(INFLATE_CHUNK_BYTES);
  /** Inflate all of `chunk` (Z_FINISH: and end the stream), yielding each filled part of out. */
  function* step(chunk: Uint8Array, flush: number): Generator<Uint8Array> {
    let off = 0;
    let left = chunk.length;
    for (;;) {
      handle.writeSync(flush, chunk, off, left, out, 0, out.length);
      if (z.errored) throw z.errored;
      const outLeft = state[0]!;
      off += left - state[1]!;
      left = state[1]!;
      const have = out.length - outLeft;
      if (have > 0) yield consumer.reuse ? out.subarray(0, have) : Buffer.from(out.subarray(0, have));
      // out not filled: zlib took all it wanted of the input (bytes after the stream's end are ignored, as zlib's stream does)
      if (outLeft !== 0) return;
    }
  }
  for await (const chunk of input) yield* step(chunk, zlibConstants.Z_NO_FLUSH);
  yield* step(new Uint8Array(0), zlibConstants.Z_FINISH); // a truncated stream fails here: "unexpected end of file"
}

/** zlib's stream, where zlibStep() finds nothing to use: every chunk a fresh buffer (exported for its test). */
export async function* inflateStream(z: Gunzip | Inflate, input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  pipeline(Readable.from(input, { objectMode: false }), z, () => {});
  for await (const chunk of z as AsyncIterable<Buffer>) yield chunk;
}
