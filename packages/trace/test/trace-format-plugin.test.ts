/**
 * Trace formats from plugins (src/format-plugin.ts): read by name, detected after the built-in
 * formats, listed where an unknown format is, and checked before use.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { TraceParseError, traceFormatProblems, type TraceFormatDefinition, type TraceLineParser } from "../src/index.js";
import { collect } from "./trace-helpers.js";

/** "addrs": one hex address a line, "W" after it for a store; "# addrs" as the first line. */
const ADDRS: TraceFormatDefinition = {
  name: "addrs",
  description: "one hex address a line",
  detect: (head) => head.startsWith("# addrs"),
  createParser(file, stats): TraceLineParser {
    let n = 0;
    return {
      maxPerLine: 1,
      line(buf, start, end, lineNo, batch) {
        const text = Buffer.from(buf.subarray(start, end)).toString("latin1").trim();
        if (text === "" || text.startsWith("#")) return void stats.skipped++;
        const [hex, op] = text.split(/\s+/);
        const addr = Number.parseInt(hex!, 16);
        if (!Number.isFinite(addr)) throw new TraceParseError(file, lineNo, "a hex address", text);
        batch.push(n++, 1, addr, op === "W" ? 1 : 0, 8, 1);
      },
      finish() {},
    };
  },
};

const dir = mkdtempSync(join(tmpdir(), "foliox-trace-plugin-"));
const file = join(dir, "t.addrs");
writeFileSync(file, "# addrs\n7f0000001000\n7f0000002008 W\n\n7f0000003010\n");

describe("a plugin's trace format", () => {
  it("is read by name, and detected from its head after the built-in formats (gzip too)", async () => {
    const want = [
      { t: 0, pid: 1, addr: 0x7f0000001000, write: 0, size: 8, weight: 1 },
      { t: 1, pid: 1, addr: 0x7f0000002008, write: 1, size: 8, weight: 1 },
      { t: 2, pid: 1, addr: 0x7f0000003010, write: 0, size: 8, weight: 1 },
    ];
    expect(await collect(file, { format: "addrs", formats: [ADDRS] })).toEqual(want);
    expect(await collect(file, { formats: [ADDRS] })).toEqual(want);
    const gz = join(dir, "t.addrs.gz");
    writeFileSync(gz, gzipSync(Buffer.from("# addrs\n7f0000001000\n")));
    expect(await collect(gz, { formats: [ADDRS] })).toHaveLength(1);
  });

  it("without it, the file is not detected and the name is unknown; both messages list the plugin's when given", async () => {
    await expect(collect(file)).rejects.toThrow(/a trace in one of the formats lackey, pin, perf, damo, csv, jsonl, bin \(or pass the format/);
    await expect(collect(file, { format: "addrz", formats: [ADDRS] })).rejects.toThrow(
      /unknown trace format "addrz": pass one of lackey, .*, jsonl, bin, addrs/,
    );
  });

  it("its parse errors name the file and the line", async () => {
    const bad = join(dir, "bad.addrs");
    writeFileSync(bad, "# addrs\n7f0000001000\nzzz\n");
    await expect(collect(bad, { formats: [ADDRS] })).rejects.toThrow(/bad\.addrs:3/);
  });

  it("is checked: a lower-case name not taken, a description, a parser", () => {
    expect(traceFormatProblems(ADDRS)).toEqual([]);
    expect(traceFormatProblems({ ...ADDRS, name: "lackey" })).toEqual(['"lackey" is a trace format already; give it another name']);
    expect(traceFormatProblems({ name: "Bad Name", createParser: 1, detect: "x" })).toEqual([
      'name must be a lower-case word (what --format takes), got "Bad Name"',
      "description must be a string (one line for help texts)",
      "createParser(file, stats, options) must be a function returning a line parser",
      "detect, if given, must be a function (head: string) => boolean",
    ]);
  });
});
