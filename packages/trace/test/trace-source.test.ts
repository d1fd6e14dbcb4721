/**
 * Files read from disk: in 1 MiB chunks, an uncompressed one into a single buffer refilled for
 * every chunk (bin and the text formats), except for damo, which keeps every chunk. Whatever
 * the path, a file larger than several chunks reads the same as its bytes handed over in memory.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGunzip, deflateSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { convertTrace, createTraceReadStats, fileTraceSource, TraceBatch, TraceBinaryEncoder } from "../src/index.js";
import { decompressedChunks, inflateStream } from "../src/source.js";
import { collect } from "./trace-helpers.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "foliox-trace-source-"));
const MiB = 1 << 20;

afterAll(async () => {
  const { rmSync } = await import("node:fs");
  rmSync(dir, { recursive: true, force: true });
});

/** A bin trace of n records with varied fields (stores, sizes, 47-bit addresses, weights). */
function binTrace(n: number): Buffer {
  const enc = new TraceBinaryEncoder();
  const parts = [enc.header(true)];
  const b = new TraceBatch(4096);
  for (let i = 0; i < n; ) {
    b.length = 0;
    for (; b.length < b.capacity && i < n; i++) b.push(i * 3, i & 7, (i * 0x9e3779b1) % 2 ** 47, i & 1, i % 64, 1 + (i % 5) / 2);
    parts.push(enc.records(b));
  }
  return Buffer.concat(parts);
}

describe("trace files on disk", () => {
  it("a bin file of several chunks (records cut between them) reads as its bytes do, plain or gzipped", async () => {
    const bin = binTrace(100_000); // 3.2 MB: four reads, a record cut at each boundary
    expect(bin.length).toBeGreaterThan(3 * MiB);
    const file = join(dir, "t.bin");
    writeFileSync(file, bin);
    writeFileSync(`${file}.gz`, gzipSync(bin));
    const want = await collect({ name: "mem", chunks: [bin] });
    expect(want.length).toBe(100_000);
    expect(want[99_999]).toEqual({ t: 299_997, pid: 7, addr: (99_999 * 0x9e3779b1) % 2 ** 47, write: 1, size: 99_999 % 64, weight: 1 + (99_999 % 5) / 2 });
    const stats = createTraceReadStats(file);
    expect(await collect(file, { stats })).toEqual(want);
    expect([stats.format, stats.compression, stats.records, stats.stores]).toEqual(["bin", "none", 100_000, 50_000]);
    expect(await collect(file, { format: "bin", batchSize: 1000 })).toEqual(want);
    expect(await collect(`${file}.gz`)).toEqual(want);
  });

  it("a lackey text file of several chunks (lines cut between them) reads as its bytes do", async () => {
    const once = gunzipSync(readFileSync(fixture("lackey-true.txt.gz")));
    const plain = Buffer.concat([once, once]); // 4.8 MB: five reads, the carry of each cut line copied before the next
    expect(plain.length).toBeGreaterThan(4 * MiB);
    const file = join(dir, "t.lackey");
    writeFileSync(file, plain);
    const want = await collect({ name: "mem", chunks: [plain] }, { includeInstructions: true });
    expect(want.length).toBe(2 * (127743 + 27889 + 10266 + 2 * 1504));
    expect(await collect(file, { includeInstructions: true })).toEqual(want);
    expect(await collect(file, { format: "lackey", includeInstructions: true, batchSize: 7 })).toEqual(want);
  });

  it("a canonical CSV file of several chunks reads as its bytes do", async () => {
    const parts: Buffer[] = [];
    const write = (c: string | Buffer) => void parts.push(typeof c === "string" ? Buffer.from(c) : c);
    await convertTrace(fixture("lackey-true.txt.gz"), { to: "csv", includeInstructions: true, write });
    const csv = Buffer.concat(parts);
    expect(csv.length).toBeGreaterThan(3 * MiB);
    const file = join(dir, "t.csv");
    writeFileSync(file, csv);
    expect(await collect(file)).toEqual(await collect({ name: "mem", chunks: [csv] }));
  });

  it("a damo JSON file of several chunks is kept whole, not read into a refilled buffer", async () => {
    const json = Buffer.concat([Buffer.alloc(2 * MiB + 5, " "), readFileSync(fixture("damo-record.json"))]);
    const file = join(dir, "damo.json");
    writeFileSync(file, json);
    expect(await collect(file, { format: "damo" })).toEqual(await collect(fixture("damo-record.json")));
  });

  it("a zlib-compressed damo JSON of several inflate chunks is kept whole too (each chunk a copy)", async () => {
    const json = Buffer.concat([Buffer.alloc(2 * MiB + 5, " "), readFileSync(fixture("damo-record.json"))]);
    const file = join(dir, "damo.json.z");
    writeFileSync(file, deflateSync(json));
    const stats = createTraceReadStats(file);
    expect(await collect(file, { stats })).toEqual(await collect(fixture("damo-record.json")));
    expect([stats.format, stats.compression]).toEqual(["damo", "zlib"]);
  });

  it("a gzip file inflates to its bytes: into one refilled buffer for a consumer that copies, else into fresh ones", async () => {
    const once = gunzipSync(readFileSync(fixture("lackey-true.txt.gz")));
    const plain = Buffer.concat([once, once, once]); // 7 MB: many inflate chunks, from several reads of the file
    const file = join(dir, "inflate.txt.gz");
    writeFileSync(file, gzipSync(plain));
    for (const reuse of [true, false]) {
      const kept: Uint8Array[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const c of decompressedChunks(fileTraceSource(file), createTraceReadStats(file), { reuse })) {
        buffers.add(c.buffer);
        kept.push(reuse ? Uint8Array.from(c) : c);
      }
      expect(kept.length).toBeGreaterThan(20);
      expect(Buffer.concat(kept).equals(plain), `reuse ${reuse}`).toBe(true);
      expect(buffers.size === 1).toBe(reuse);
    }
  });

  it("zlib's stream, the path for a Node without the synchronous inflate step, gives the same bytes and fails on a truncated file", async () => {
    const once = gunzipSync(readFileSync(fixture("lackey-true.txt.gz")));
    const plain = Buffer.concat([once, once]);
    const gz = gzipSync(plain);
    async function* pieces(b: Buffer) {
      for (let at = 0; at < b.length; at += 65536) yield b.subarray(at, at + 65536);
    }
    const out: Uint8Array[] = [];
    for await (const c of inflateStream(createGunzip(), pieces(gz))) out.push(c);
    expect(Buffer.concat(out).equals(plain)).toBe(true);
    const cut = async () => {
      for await (const _ of inflateStream(createGunzip(), pieces(gz.subarray(0, gz.length - 100)))) {
        // drained
      }
    };
    await expect(cut()).rejects.toThrow(/unexpected end of file/);
  });

  it("fileTraceSource's chunks, iterated by anyone, are the file's bytes in fresh buffers", async () => {
    const bin = binTrace(50_000);
    const file = join(dir, "chunks.bin");
    writeFileSync(file, bin);
    const chunks: Uint8Array[] = [];
    for await (const c of fileTraceSource(file).chunks) chunks.push(c);
    expect(chunks.length).toBe(2);
    expect(Buffer.concat(chunks).equals(bin)).toBe(true);
  });

  it("a file that cannot be opened throws the fs error", async () => {
    await expect(collect(join(dir, "missing.bin"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
