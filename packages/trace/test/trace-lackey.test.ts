/**
 * valgrind lackey importer, against a real trace (fixtures/lackey-true.txt.gz, made with
 * valgrind: see fixtures/README.md) and hand-made lines.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createTraceReadStats, detectTraceCompression, detectTraceFormat, TraceParseError, type TraceReadOptions, type TraceSource } from "../src/index.js";
import { collect, type Entry } from "./trace-helpers.js";

const FIXTURE = new URL("./fixtures/lackey-true.txt.gz", import.meta.url).pathname;

/** A source that hands `text` over in chunks of `chunk` bytes (to cut lines anywhere). */
function textSource(name: string, text: string | Uint8Array, chunk = 1 << 20): TraceSource {
  const bytes = typeof text === "string" ? Buffer.from(text, "latin1") : Buffer.from(text);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(new Uint8Array(bytes.subarray(i, i + chunk)));
  return { name, chunks: parts };
}

async function parseError(src: TraceSource, opts: TraceReadOptions = {}): Promise<TraceParseError> {
  try {
    await collect(src, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    return err as TraceParseError;
  }
  throw new Error("expected a TraceParseError");
}

describe("lackey: the real fixture (valgrind --tool=lackey --trace-mem=yes /bin/true)", () => {
  it("is gzip, detected by its magic bytes, and reads as lackey", () => {
    const head = readFileSync(FIXTURE).subarray(0, 16);
    expect(detectTraceCompression(head)).toBe("gzip");
    expect(detectTraceFormat(head)).toBeUndefined(); // compressed: decompress first
    expect(detectTraceFormat(gunzipSync(readFileSync(FIXTURE)).subarray(0, 4096))).toBe("lackey");
  });

  it("counts every line: 25 banner, 127 743 I, 27 889 L, 10 266 S, 1 504 M", async () => {
    const stats = createTraceReadStats(FIXTURE);
    const entries = await collect(FIXTURE, { stats });
    expect(stats.format).toBe("lackey");
    expect(stats.compression).toBe("gzip");
    expect(stats.lines).toBe(167427);
    expect(stats.skipped).toBe(25);
    expect(stats.instructions).toBe(127743);
    expect(stats.modifies).toBe(1504);
    expect(stats.stores).toBe(10266 + 1504);
    expect(stats.records).toBe(27889 + 10266 + 2 * 1504);
    expect(entries.length).toBe(stats.records);
    expect(entries.every((e) => e.pid === 5941 && e.weight === 1)).toBe(true);
  });

  it("matches a naive line-by-line parse of the same text, entry for entry", async () => {
    const text = gunzipSync(readFileSync(FIXTURE)).toString("latin1");
    const expected: Entry[] = [];
    let tick = 0;
    for (const line of text.split("\n")) {
      const m = /^(I| [LSM])\s+([0-9a-f]+),(\d+)$/.exec(line);
      if (!m) continue;
      const op = m[1]!.trim();
      const addr = parseInt(m[2]!, 16);
      const size = Number(m[3]);
      const t = tick++;
      if (op === "I") expected.push({ t, pid: 5941, addr, write: 0, size, weight: 1 });
      if (op === "L" || op === "M") expected.push({ t, pid: 5941, addr, write: 0, size, weight: 1 });
      if (op === "S" || op === "M") expected.push({ t, pid: 5941, addr, write: 1, size, weight: 1 });
    }
    const got = await collect(FIXTURE, { includeInstructions: true });
    expect(got.length).toBe(127743 + 27889 + 10266 + 2 * 1504);
    expect(got).toEqual(expected);
  });

  it("parses the same whatever the chunking (lines cut across chunks)", async () => {
    const all = gunzipSync(readFileSync(FIXTURE));
    const text = all.subarray(0, all.indexOf(10, 200_000) + 1);
    const whole = await collect(textSource("a", text));
    for (const chunk of [61, 4093]) {
      expect(await collect(textSource("b", text, chunk))).toEqual(whole);
    }
    const small = text.subarray(0, text.indexOf(10, 3000) + 1);
    expect(await collect(textSource("c", small, 1))).toEqual(await collect(textSource("d", small)));
  });

  it("also reads the plain text, and a gzip stream split into tiny chunks", async () => {
    const gz = readFileSync(FIXTURE);
    const plain = gunzipSync(gz);
    const a = await collect(textSource("plain", plain));
    const b = await collect(textSource("gz", gz, 997));
    expect(b).toEqual(a);
  });
});

describe("lackey: lines", () => {
  const src = (text: string) => textSource("t.lackey", text);

  it("L, S, M (a load then a store at the same t), I only counted, t = line index * nsPerAccess", async () => {
    const stats = createTraceReadStats("t.lackey");
    const got = await collect(src("==77== Lackey\nI  0023C790,2\n S BE80199C,4\n L be801950,8\n M 0421A5A8,4\n"), { stats, nsPerAccess: 2.5 });
    expect(got).toEqual([
      { t: 2.5, pid: 77, addr: 0xbe80199c, write: 1, size: 4, weight: 1 },
      { t: 5, pid: 77, addr: 0xbe801950, write: 0, size: 8, weight: 1 },
      { t: 7.5, pid: 77, addr: 0x0421a5a8, write: 0, size: 4, weight: 1 },
      { t: 7.5, pid: 77, addr: 0x0421a5a8, write: 1, size: 4, weight: 1 },
    ]);
    expect(stats.instructions).toBe(1);
    expect(stats.lines).toBe(5);
  });

  it("a 47-bit address stays exact (no 32-bit truncation); pid 0 without a banner; CRLF and no final newline", async () => {
    const got = await collect(src(" L 7fffffffe123,8\r\n S 1fff000768,8"));
    expect(got.map((e) => e.addr)).toEqual([0x7fffffffe123, 0x1fff000768]);
    expect(Math.floor(got[0]!.addr / 4096)).toBe(0x7fffffffe);
    expect(got[0]!.pid).toBe(0);
  });

  it("errors name the file and line and say what was expected", async () => {
    const lackey = { format: "lackey" } as const;
    const e1 = await parseError(src("==1== hi\n L 0400,4\n X 0400,4\n"));
    expect(e1.message).toBe(
      't.lackey:3: expected a lackey line "<op> <hex addr>,<size>" with op I, L, S or M (e.g. " L 04a2c1b0,8"), or a ==PID== line, got " X 0400,4"',
    );
    expect([e1.file, e1.line]).toEqual(["t.lackey", 3]);
    expect((await parseError(src(" L 0400\n"), lackey)).message).toMatch(/^t\.lackey:1: expected a lackey line .*, got " L 0400"$/);
    expect((await parseError(src(" L 0400,\n"), lackey)).line).toBe(1);
    expect((await parseError(src(" L 04g0,4\n"), lackey)).line).toBe(1);
    expect((await parseError(src(" L 0400,4x\n"), lackey)).line).toBe(1);
    expect((await parseError(src("\n\n L 0400,4 5\n"), lackey)).line).toBe(3);
    expect((await parseError(src("hello world\n"), { format: "lackey" })).message).toMatch(/^t\.lackey:1: expected a lackey line/);
    expect((await parseError(src(" L ffffffffff600000,8\n"), lackey)).message).toMatch(/^t\.lackey:1: expected an address below 2\^53/);
  });

  it("lines off the common shape (CR, blanks, tabs, long digits, banners midway) read as the common ones do", async () => {
    const stats = createTraceReadStats("t.lackey");
    const text =
      "I  0400,3\r\n" + // CRLF
      "\t L\t0401,4 \n" + // tabs, a trailing blank
      " S 000000000000000402,2147483647\n" + // 18 hex digits, 10 size digits: still exact and in range
      "--77-- later banner\n" +
      "\n" +
      " M 1fffffffffffff,1\n" + // 2^53 - 1
      "I 0403,0"; // no final LF
    const got = await collect(src(text), { stats, includeInstructions: true });
    expect(got).toEqual([
      { t: 0, pid: 0, addr: 0x400, write: 0, size: 3, weight: 1 },
      { t: 1, pid: 0, addr: 0x401, write: 0, size: 4, weight: 1 },
      { t: 2, pid: 0, addr: 0x402, write: 1, size: 2147483647, weight: 1 },
      { t: 3, pid: 77, addr: 2 ** 53 - 1, write: 0, size: 1, weight: 1 },
      { t: 3, pid: 77, addr: 2 ** 53 - 1, write: 1, size: 1, weight: 1 },
      { t: 4, pid: 77, addr: 0x403, write: 0, size: 0, weight: 1 },
    ]);
    expect([stats.lines, stats.skipped, stats.instructions, stats.stores, stats.modifies]).toEqual([7, 2, 2, 2, 1]);
    // the longest address of the common shape (13 hex digits), the shortest, either case
    expect((await collect(src(" L fffffffffffff,8\n L 0,1\n S ABCDEF0123456,2\n"))).map((e) => e.addr)).toEqual([2 ** 52 - 1, 0, 0xabcdef0123456]);
  });

  it("an error after a run of common lines names its line, with the counts up to it", async () => {
    const stats = createTraceReadStats("t.lackey");
    const text = "I  0400,3\n L 0400,4\n".repeat(500) + " L 0400,\r\n";
    const err = await parseError(src(text), { stats, format: "lackey" });
    expect(err.message).toMatch(/^t\.lackey:1001: expected a lackey line .*, got " L 0400,"$/);
    expect(stats.instructions).toBe(500);
    expect((await parseError(src("I  0400,3\n".repeat(99) + " S 0400,2147483648\n"), { format: "lackey" })).line).toBe(100);
    expect((await parseError(src("I  0400,3\n".repeat(99) + "I  20000000000000,1\n"), { format: "lackey" })).message).toMatch(
      /^t\.lackey:100: expected an address below 2\^53/,
    );
  });

  it("small batches fill and flush inside a run of lines", async () => {
    const whole = await collect(FIXTURE, { includeInstructions: true });
    expect(await collect(FIXTURE, { includeInstructions: true, batchSize: 5 })).toEqual(whole);
  });

  it("a truncated gzip file is an error at the line being read, not a silent short trace", async () => {
    const gz = readFileSync(FIXTURE);
    const err = await parseError(textSource("cut.gz", gz.subarray(0, gz.length >> 1)));
    expect(err.message).toMatch(
      /^cut\.gz:\d+: expected gzip data that decompresses to the end, got a decompression error \(unexpected end of file; is the file truncated\?\)$/,
    );
    expect(err.line).toBeGreaterThan(1000);
  });

  it("an unknown file is an error on line 1 that says which formats exist", async () => {
    const err = await parseError(textSource("x.bin", "hello\nworld\n"));
    expect(err.message).toBe(
      'x.bin:1: expected a trace in one of the formats lackey, pin, perf, damo, csv, jsonl, bin (or pass the format: --format F), got "hello"',
    );
    expect((await parseError(textSource("e.txt", ""))).message).toMatch(/^e\.txt:1: expected a trace .*, got an empty file$/);
  });
});

describe("lackey: lackey's own layout (read 8 digits at a time) reads as the general path does", () => {
  const lackey = { format: "lackey" } as const;
  const EXPECT = 'expected a lackey line "<op> <hex addr>,<size>" with op I, L, S or M (e.g. " L 04a2c1b0,8"), or a ==PID== line';

  /** Entries and counts, or the error's line and message. */
  async function outcome(src: TraceSource, opts: TraceReadOptions) {
    const stats = createTraceReadStats(src.name);
    try {
      const entries = await collect(src, { ...lackey, ...opts, stats });
      return { entries, counts: [stats.lines, stats.records, stats.instructions, stats.stores, stats.modifies, stats.skipped] };
    } catch (err) {
      if (!(err instanceof TraceParseError)) throw err;
      return { line: err.line, message: err.message };
    }
  }

  it("any byte anywhere in an I, L or S line: the same entries or the same error as line() alone", async () => {
    const before = "==7== x\nI  0401ab70,3\n L 04a2c1b0,8\n";
    const after = "\n S 1fff000658,8\nI  0401ab73,5\n";
    // every ASCII byte but LF, and a few above (0x80 or more carries in hexBits' additions)
    const BYTES = [...Array.from({ length: 128 }, (_, c) => c).filter((c) => c !== 10), 0x80, 0xb0, 0xe1, 0xff];
    let errors = 0;
    for (const line of ["I  0401ab70,3", " L 04a2c1b0,8", " S 1fff000658,16"]) {
      for (let pos = 0; pos < line.length; pos++) {
        for (const c of BYTES) {
          const text = before + line.slice(0, pos) + String.fromCharCode(c) + line.slice(pos + 1) + after;
          for (const includeInstructions of line[0] === "I" ? [false, true] : [false]) {
            // 1-byte chunks: every line is cut across chunks and read by line(), the reference
            const ref = await outcome(textSource("t.lackey", text, 1), { includeInstructions });
            expect(await outcome(textSource("t.lackey", text), { includeInstructions }), JSON.stringify(text)).toEqual(ref);
            if ("line" in ref) errors++;
          }
        }
      }
    }
    expect(errors).toBeGreaterThan(2000); // most bytes in most places are errors, on line 4
  }, 60_000);

  it("a bad hex digit in a skipped I line is an error there, quoting it", async () => {
    const text = "==7== x\n" + "I  0401ab70,3\n L 04a2c1b0,8\n".repeat(3) + "I  0401ag70,3\n L 04a2c1b0,8\n";
    for (const includeInstructions of [false, true]) {
      const err = await parseError(textSource("t.lackey", text), { ...lackey, includeInstructions });
      expect([err.line, err.message]).toEqual([8, `t.lackey:8: ${EXPECT}, got "I  0401ag70,3"`]);
    }
    const last = await parseError(textSource("t.lackey", "I  0401ab70,3\nI  0401ab7:,3\n"), lackey);
    expect([last.line, last.message]).toEqual([2, `t.lackey:2: ${EXPECT}, got "I  0401ab7:,3"`]);
  });

  it("uppercase, CR LF, tabs, long addresses and sizes, short addresses at a chunk's end", async () => {
    const stats = createTraceReadStats("t.lackey");
    const text =
      "I  0401AB70,3\r\n" + // uppercase, CR LF
      " L 04A2c1B0,8\r\n" +
      " S 1FFF000658,16\n" + // 10 digits: 8 at once, then 2
      "I\t0401ab73,15\n" + // tabs where lackey puts spaces
      "\tM\t0421a5a8,4\n" +
      "  L  04a2c1b0,2\n" + // more blanks than lackey's
      " L 0000000004a2c1b0ff,8\n" + // 18 digits: line()'s
      " S fffffffffffff,2147483647\n" + // 13 digits (2^52 - 1), 10 size digits
      " L 0401ab7,1\n" + // 7 digits
      " M 0,4\n"; // 1 digit, the chunk's last line
    const want = [
      { t: 0, pid: 0, addr: 0x0401ab70, write: 0, size: 3, weight: 1 },
      { t: 1, pid: 0, addr: 0x04a2c1b0, write: 0, size: 8, weight: 1 },
      { t: 2, pid: 0, addr: 0x1fff000658, write: 1, size: 16, weight: 1 },
      { t: 3, pid: 0, addr: 0x0401ab73, write: 0, size: 15, weight: 1 },
      { t: 4, pid: 0, addr: 0x0421a5a8, write: 0, size: 4, weight: 1 },
      { t: 4, pid: 0, addr: 0x0421a5a8, write: 1, size: 4, weight: 1 },
      { t: 5, pid: 0, addr: 0x04a2c1b0, write: 0, size: 2, weight: 1 },
      { t: 6, pid: 0, addr: 0x4a2c1b0ff, write: 0, size: 8, weight: 1 },
      { t: 7, pid: 0, addr: 2 ** 52 - 1, write: 1, size: 2147483647, weight: 1 },
      { t: 8, pid: 0, addr: 0x0401ab7, write: 0, size: 1, weight: 1 },
      { t: 9, pid: 0, addr: 0, write: 0, size: 4, weight: 1 },
      { t: 9, pid: 0, addr: 0, write: 1, size: 4, weight: 1 },
    ];
    expect(await collect(textSource("t.lackey", text), { ...lackey, stats, includeInstructions: true })).toEqual(want);
    expect([stats.lines, stats.instructions, stats.stores, stats.modifies]).toEqual([10, 2, 4, 2]);
    // cut anywhere across chunks, and in chunks that start at odd offsets of a larger buffer
    for (const chunk of [1, 2, 3, 5, 7, 8, 9, 13, 14, 16, 17, 31]) {
      expect(await collect(textSource("t.lackey", text, chunk), { ...lackey, includeInstructions: true }), `chunks of ${chunk}`).toEqual(want);
    }
    const bytes = Buffer.from(text, "latin1");
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const shifted = { name: "t.lackey", chunks: [big.subarray(3, 40), big.subarray(40)] };
    expect(await collect(shifted, { ...lackey, includeInstructions: true })).toEqual(want);
  });

  it("long fields are errors on their line, as before", async () => {
    const err = async (line: string) => {
      const e = await parseError(textSource("t.lackey", `I  0401ab70,3\n${line}\nI  0401ab70,3\n`), lackey);
      return [e.line, e.message];
    };
    expect(await err(" L 20000000000000,8")).toEqual([2, 't.lackey:2: expected an address below 2^53 (a double would round it), got " L 20000000000000,8"']);
    expect(await err("I  0401ab70,2147483648")).toEqual([2, `t.lackey:2: ${EXPECT}, got "I  0401ab70,2147483648"`]);
    expect(await err("I  0401ab70,")).toEqual([2, `t.lackey:2: ${EXPECT}, got "I  0401ab70,"`]);
    expect(await err("I  0401ab70")).toEqual([2, `t.lackey:2: ${EXPECT}, got "I  0401ab70"`]);
    expect(await err("I  ,3")).toEqual([2, `t.lackey:2: ${EXPECT}, got "I  ,3"`]);
    expect(await err("I0401ab70,3")).toEqual([2, `t.lackey:2: ${EXPECT}, got "I0401ab70,3"`]);
  });
});
