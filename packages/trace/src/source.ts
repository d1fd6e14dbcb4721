/**
 * Where trace bytes come from: a file (streamed in 1 MiB chunks) or any iterable of chunks,
 * decompressed on the fly when the first bytes are a gzip or zlib header.
 */
import { createReadStream } from "node:fs";
import { pipeline, Readable } from "node:stream";
import { createGunzip, createInflate } from "node:zlib";
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

export function fileTraceSource(path: string, name = path): TraceSource {
  return { name, chunks: createReadStream(path, { highWaterMark: 1 << 20 }) };
}

/**
 * The decompressed chunks of a source; sets stats.compression from the first chunk.
 * Decompression errors become TraceParseErrors at the line being read (stats.lines + 1).
 */
export async function* decompressedChunks(src: TraceSource, stats: TraceReadStats): AsyncGenerator<Uint8Array> {
  const it = (
    Symbol.asyncIterator in src.chunks
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
  /** The raw chunks, the gathered head first; closes the source when done or abandoned. */
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      for (;;) {
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
  const z = compression === "gzip" ? createGunzip({ chunkSize: 1 << 18 }) : createInflate({ chunkSize: 1 << 18 });
  pipeline(Readable.from(rest(), { objectMode: false }), z, () => {});
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) yield chunk;
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
