/**
 * The canonical binary format: converting any trace to it and reading it back gives the same
 * entries, whatever the chunking; it is detected by its magic (also gzipped); a damaged file
 * (truncated, another version, a bad field) is an error naming the record.
 */
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  convertTrace,
  createTraceReadStats,
  detectTraceFormat,
  TRACE_BIN_HEADER_BYTES,
  TRACE_BIN_RECORD_BYTES,
  TraceParseError,
  type TraceSource,
} from "../src/index.js";
import { collect } from "./trace-helpers.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

async function toBin(src: string | TraceSource, opts: { format?: string; batchSize?: number } = {}): Promise<Buffer> {
  const parts: Buffer[] = [];
  await convertTrace(src, { to: "bin", write: (c) => void parts.push(typeof c === "string" ? Buffer.from(c) : c), ...opts });
  return Buffer.concat(parts);
}

/** the bytes in chunks of `n` (a record split across chunks, the header too) */
function chunked(name: string, bytes: Uint8Array, n: number): TraceSource {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += n) chunks.push(bytes.subarray(i, i + n));
  return { name, chunks };
}

async function errorOf(src: TraceSource): Promise<string> {
  try {
    await collect(src);
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    return (err as Error).message;
  }
  throw new Error("expected a TraceParseError");
}

describe("canonical binary traces", () => {
  it.each(["canonical.csv", "canonical.jsonl", "perf-mem-fields.txt", "lackey-true.txt.gz"])("%s round-trips through bin", async (name) => {
    const want = await collect(fixture(name));
    const bin = await toBin(fixture(name));
    expect(bin.length).toBe(TRACE_BIN_HEADER_BYTES + want.length * TRACE_BIN_RECORD_BYTES);
    expect(detectTraceFormat(bin)).toBe("bin");
    const stats = createTraceReadStats(name);
    expect(await collect({ name: "t.bin", chunks: [bin] }, { stats })).toEqual(want);
    expect(stats.format).toBe("bin");
    expect(stats.records).toBe(want.length);
    // odd chunk sizes split the header and records; small batches fill and flush many times
    for (const n of [1, 7, 33, 1000]) expect(await collect(chunked("t.bin", bin, n), { batchSize: 5 })).toEqual(want);
    // gzipped: decompressed, then detected by the magic
    expect(await collect({ name: "t.bin.gz", chunks: [gzipSync(bin)] })).toEqual(want);
  });

  it("a record cut between two chunks at any byte reads the same, whatever each chunk's alignment in memory", async () => {
    const bin = await toBin(fixture("canonical.csv"));
    const want = await collect({ name: "t.bin", chunks: [bin] });
    expect(want.length).toBe(5);
    /** a copy of `bytes` starting `shift` bytes into a fresh ArrayBuffer (0: 8-aligned, else not) */
    const at = (bytes: Uint8Array, shift: number) => {
      const out = new Uint8Array(new ArrayBuffer(bytes.length + 8), shift, bytes.length);
      out.set(bytes);
      return out;
    };
    for (let cut = 1; cut < bin.length; cut++) {
      for (const shift of [0, 3, 4]) {
        const stats = createTraceReadStats("t.bin");
        const got = await collect({ name: "t.bin", chunks: [at(bin.subarray(0, cut), shift), at(bin.subarray(cut), 7 - shift)] }, { stats, batchSize: 4 });
        expect(got, `cut at ${cut}, shift ${shift}`).toEqual(want);
        expect([stats.records, stats.lines, stats.stores]).toEqual([5, 5, want.filter((e) => e.write === 1).length]);
      }
    }
  });

  it("a gzipped bin larger than zlib's output chunks reads as the plain one (records cut between them)", async () => {
    const bin = await toBin(fixture("lackey-true.txt.gz"), { format: "lackey" });
    expect(bin.length).toBeGreaterThan(1 << 20); // zlib hands out 256 KiB chunks: records are cut between them
    const want = await collect({ name: "t.bin", chunks: [bin] });
    expect(await collect({ name: "t.bin.gz", chunks: [gzipSync(bin)] })).toEqual(want);
  });

  it("keeps weights, stores, sizes and the weighted flag", async () => {
    const csv = "t,pid,addr,op,size,weight\n0,7,0x1000,W,8,2.5\n3,7,0x1fffffffffffff,R,0,1\n";
    const bin = await toBin({ name: "w.csv", chunks: [Buffer.from(csv)] });
    const stats = createTraceReadStats("w.bin");
    const got = await collect({ name: "w.bin", chunks: [bin] }, { stats });
    expect(got).toEqual([
      { t: 0, pid: 7, addr: 0x1000, write: 1, size: 8, weight: 2.5 },
      { t: 3, pid: 7, addr: 2 ** 53 - 1, write: 0, size: 0, weight: 1 },
    ]);
    expect(stats.weighted).toBe(true);
    expect(stats.stores).toBe(1);
  });

  it("an empty trace is a header alone", async () => {
    const bin = await toBin({ name: "e.csv", chunks: [Buffer.from("t,pid,addr,op,size\n")] });
    expect(bin.length).toBe(TRACE_BIN_HEADER_BYTES);
    expect(await collect({ name: "e.bin", chunks: [bin] })).toEqual([]);
  });

  it("damaged files are errors naming the record", async () => {
    const bin = await toBin(fixture("canonical.csv"));
    expect(await errorOf({ name: "cut.bin", chunks: [bin.subarray(0, bin.length - 5)] })).toMatch(/cut\.bin.*record.*truncated/s);
    expect(await errorOf({ name: "head.bin", chunks: [bin.subarray(0, 12)] })).toMatch(/header.*truncated/s);
    const v2 = Buffer.from(bin);
    v2.writeUInt16LE(2, 8);
    expect(await errorOf({ name: "v2.bin", chunks: [v2] })).toMatch(/version 2/);
    const neg = Buffer.from(bin);
    neg.writeDoubleLE(-1, TRACE_BIN_HEADER_BYTES + TRACE_BIN_RECORD_BYTES + 16); // record 2's weight
    expect(await errorOf({ name: "neg.bin", chunks: [neg] })).toMatch(/neg\.bin:2\b.*weight=-1/s);
  });
});
