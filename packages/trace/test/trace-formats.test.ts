/**
 * The other importers (pin, perf, damo, csv, jsonl) from hand-written fixtures in their real
 * layouts (fixtures/README.md), format detection, and their error messages.
 */
import { readFileSync } from "node:fs";
import { deflateSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { createTraceReadStats, detectTraceFormat, TraceParseError, type TraceFormat, type TraceReadOptions, type TraceSource } from "../src/index.js";
import { collect } from "./trace-helpers.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

function textSource(name: string, text: string | Uint8Array): TraceSource {
  return { name, chunks: [typeof text === "string" ? Buffer.from(text) : text] };
}

async function errorOf(src: TraceSource, opts: TraceReadOptions = {}): Promise<string> {
  try {
    await collect(src, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    return (err as Error).message;
  }
  throw new Error("expected a TraceParseError");
}

describe("format detection", () => {
  const cases: [string, TraceFormat][] = [
    ["pinatrace.out", "pin"],
    ["pinatrace-size.out", "pin"],
    ["perf-mem-fields.txt", "perf"],
    ["perf-mem-default.txt", "perf"],
    ["damo-record.json", "damo"],
    ["canonical.csv", "csv"],
    ["canonical.jsonl", "jsonl"],
  ];
  it.each(cases)("%s is %s", async (name, format) => {
    expect(detectTraceFormat(readFileSync(fixture(name)))).toBe(format);
    const stats = createTraceReadStats(name);
    await collect(fixture(name), { stats });
    expect(stats.format).toBe(format);
  });

  it("zlib (damo's json_compressed) is damo; gzip of any format is detected after decompressing", async () => {
    const json = readFileSync(fixture("damo-record.json"));
    expect(detectTraceFormat(deflateSync(json))).toBe("damo");
    const stats = createTraceReadStats("d");
    expect(await collect(textSource("d", deflateSync(json)), { stats })).toEqual(await collect(fixture("damo-record.json")));
    expect(stats.compression).toBe("zlib");
    const s2 = createTraceReadStats("p.gz");
    expect(await collect(textSource("p.gz", gzipSync(readFileSync(fixture("pinatrace.out")))), { stats: s2 })).toHaveLength(8);
    expect([s2.format, s2.compression]).toEqual(["pin", "gzip"]);
  });
});

describe("pin (pinatrace)", () => {
  it("ip: R|W addr; t synthesized 1 ns per access; size 0 when absent; #eof ends it", async () => {
    const got = await collect(fixture("pinatrace.out"));
    expect(got).toHaveLength(8);
    expect(got[0]).toEqual({ t: 0, pid: 0, addr: 0x7ffe6f1c2a88, write: 1, size: 0, weight: 1 });
    expect(got[7]).toEqual({ t: 7, pid: 0, addr: 0x7ffe6f1c3000, write: 0, size: 0, weight: 1 });
    expect(got.filter((e) => e.write).length).toBe(3);
    const sized = await collect(fixture("pinatrace-size.out"), { nsPerAccess: 10 });
    expect(sized.map((e) => [e.t, e.addr, e.write, e.size])).toEqual([
      [0, 0x7ffd5c3a1ffc, 0, 8],
      [10, 0x404028, 1, 4],
      [20, 0x404028, 0, 4],
    ]);
  });

  it("errors", async () => {
    const pin = { format: "pin" } as const;
    expect(await errorOf(textSource("p.out", "0x1: R 0x2\n0x3 R 0x4\n"), pin)).toBe(
      'p.out:2: expected a pinatrace line "<ip>: R|W <addr> [size]" (e.g. "0x7f3a1c2d4e10: W 0x7ffd5c3a1b28") or "#eof", got "0x3 R 0x4"',
    );
    expect(await errorOf(textSource("p.out", "0x1: X 0x2\n"), pin)).toMatch(/^p\.out:1: expected a pinatrace line/);
    expect(await errorOf(textSource("p.out", "0x1: R 0x2 4k\n"), pin)).toMatch(/^p\.out:1: /);
    expect(await errorOf(textSource("p.out", "0x1: R 0x2\n#eof\n0x1: W 0x2\n"), pin)).toBe('p.out:3: expected nothing after "#eof" (line 2), got "0x1: W 0x2"');
  });
});

describe("perf (perf script of perf mem record)", () => {
  it("-F pid,tid,time,period,event,addr,weight: pid, t in ns, load/store from the event, weight = period", async () => {
    const stats = createTraceReadStats("f");
    const got = await collect(fixture("perf-mem-fields.txt"), { stats });
    expect(got).toEqual([
      { t: 3193464301000, pid: 4242, addr: 0x7ffd5c3a1b28, write: 0, size: 0, weight: 5003 },
      { t: 3193464322000, pid: 4242, addr: 0x55d2c1a4f010, write: 1, size: 0, weight: 20011 },
      { t: 3193464334000, pid: 4242, addr: 0x55d2c1a4f018, write: 0, size: 0, weight: 5003 },
      { t: 3193464345000, pid: 4242, addr: 0x7f9e83279b70, write: 0, size: 0, weight: 5003 },
      { t: 3193465001000, pid: 4300, addr: 0x7ffd5c3a1b20, write: 1, size: 0, weight: 20011 },
      { t: 3193465002000, pid: 4300, addr: 0x7f9e83279b78, write: 0, size: 0, weight: 5003 },
    ]);
    expect(stats.weightMeaning).toBe("perf sample period");
    expect(stats.timeMeaning).toBe("perf time field (ns)");
  });

  it("perfWeight: weight (the latency field) or one", async () => {
    expect((await collect(fixture("perf-mem-fields.txt"), { perfWeight: "weight" })).map((e) => e.weight)).toEqual([57, 0, 212, 31, 0, 480]);
    expect((await collect(fixture("perf-mem-fields.txt"), { perfWeight: "one" })).map((e) => e.weight)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("plain perf script output: skips # header and callchain lines, reads data_src |OP, sym (dso), weight", async () => {
    const stats = createTraceReadStats("d");
    const got = await collect(fixture("perf-mem-default.txt"), { stats });
    expect(got.map((e) => [e.pid, e.addr, e.write, e.weight])).toEqual([
      [4242, 0x7ffd5c3a1b28, 0, 5003],
      [4242, 0x55d2c1a4f010, 1, 20011],
      [4243, 0x55d2c1a4f018, 0, 5003],
      [4243, 0x7f9e83279b70, 0, 5003],
    ]);
    expect(stats.skipped).toBe(5 + 3);
    const lat = await collect(fixture("perf-mem-default.txt"), { perfWeight: "weight" });
    expect(lat.map((e) => e.weight)).toEqual([57, 0, 212, 31]);
  });

  it("fewer fields: no period means weight 1 per sample; no time means t from the sample index", async () => {
    const stats = createTraceReadStats("x");
    const got = await collect(textSource("x", " 4242  cpu/mem-loads,ldlat=30/P:  7ffd5c3a1b28\n 4242  cpu/mem-stores/P:  7ffd5c3a1b30\n"), {
      stats,
      format: "perf",
    });
    expect(got.map((e) => [e.t, e.pid, e.write, e.weight])).toEqual([
      [0, 4242, 0, 1],
      [1, 4242, 1, 1],
    ]);
    expect(stats.weightMeaning).toBe("1 per sample (no period printed)");
    // the data_src op wins over the event name (AMD IBS: one event for both)
    const ibs = await collect(textSource("i", "a 7 1.5: 1 ibs_op//: 1000 1 |OP STORE|LVL L1 hit|SNP N/A|TLB N/A|LCK N/A|BLK  N/A 0\n"), { format: "perf" });
    expect(ibs.map((e) => [e.t, e.pid, e.addr, e.write])).toEqual([[1.5e9, 7, 0x1000, 1]]);
  });

  it("errors", async () => {
    const perf = { format: "perf" } as const;
    expect(await errorOf(textSource("p.txt", " 4242/4242 1.0: 1 page-faults: 7f00\n"), perf)).toBe(
      'p.txt:1: expected a load or store sample: an event named like mem-loads or mem-stores, or a data_src of "|OP LOAD" or "|OP STORE", got event "page-faults"',
    );
    expect(await errorOf(textSource("p.txt", "\n 4242/4242 1.0: 1 cpu/mem-loads/P: zz 5\n"), perf)).toBe(
      'p.txt:2: expected the sample\'s data address (hex) after the event "cpu/mem-loads/P:" (print it with perf script -F …,event,addr,…), got "zz" in " 4242/4242 1.0: 1 cpu/mem-loads/P: zz 5"',
    );
    expect(await errorOf(textSource("p.txt", "garbage here\n"), perf)).toMatch(/^p\.txt:1: expected a perf script sample/);
    expect(await errorOf(textSource("p.txt", "4242 1.0: 1 cpu/mem-loads/P: ffffffff81752b6a 5\n"), perf)).toMatch(
      /^p\.txt:1: expected a user-space data address below 2\^53 \(record with perf mem record -U/,
    );
    expect(await errorOf(textSource("p.txt", "4242 1.0: 1 cpu/mem-loads/P: 7f00\n"), { ...perf, perfWeight: "weight" })).toMatch(
      /^p\.txt:1: expected a weight field after the address \(print it with perf script -F …,addr,weight\)/,
    );
  });
});

describe("damo (damo record JSON)", () => {
  it("accessed regions become entries weighted by nr_accesses, in end_time order; idle regions counted", async () => {
    const stats = createTraceReadStats("d");
    const got = await collect(fixture("damo-record.json"), { stats });
    const GiB = 2 ** 30;
    expect(got).toEqual([
      { t: 8698000000, pid: 0, addr: 94520000000000, write: 0, size: 409600, weight: 12 },
      { t: 8700000000, pid: 1, addr: 4096, write: 0, size: 4096, weight: 3 },
      { t: 8798000000, pid: 0, addr: 94520000000000, write: 0, size: 409600, weight: 20 },
      // 3 GiB region, 5 % of 20 samples: 1 sample, split into 1 GiB entries
      { t: 8798000000, pid: 0, addr: 140000000000000, write: 0, size: GiB, weight: 1 },
      { t: 8798000000, pid: 0, addr: 140000000000000 + GiB, write: 0, size: GiB, weight: 1 },
      { t: 8798000000, pid: 0, addr: 140000000000000 + 2 * GiB, write: 0, size: GiB, weight: 1 },
    ]);
    expect(stats.idleRegions).toBe(1);
    expect(stats.lines).toBe(74);
  });

  it("errors name the line of the object at fault", async () => {
    const text = readFileSync(fixture("damo-record.json"), "utf8");
    expect(await errorOf(textSource("d.json", text.replace('"end": "94520002506752"', '"end": "lots"')))).toBe(
      'd.json:26: expected "end" as an address below 2^53, got "\\"lots\\""',
    );
    expect(await errorOf(textSource("d.json", text.replace('"end_time": "8798000000"', '"end_time": "soon"')))).toBe(
      'd.json:36: expected "end_time" as a time (ns, or a string like "100 ms"), got "\\"soon\\""',
    );
    expect(await errorOf(textSource("d.json", text.replace('"target_id": 1,', '"target_id": 1')))).toMatch(
      /^d\.json:63: expected "," or "}" in a JSON object, got/,
    );
    expect(await errorOf(textSource("d.json", "[{}]"))).toBe('d.json:1: expected a damo record {"target_id": …, "snapshots": [ … ]}, got "{}"');
    expect(await errorOf(textSource("d.json", '{"snapshots":[]'), { format: "damo" })).toBe(
      'd.json:1: expected "," or "}" in a JSON object, got the end of the file',
    );
  });
});

describe("canonical CSV and JSONL", () => {
  const expected = [
    { t: 0, pid: 4242, addr: 0x7ffd5c3a1b28, write: 0, size: 8, weight: 1 },
    { t: 1, pid: 4242, addr: 0x55d2c1a4f010, write: 1, size: 4, weight: 1 },
    { t: 2, pid: 4242, addr: 0x55d2c1a4f014, write: 1, size: 4, weight: 1 },
    { t: 3, pid: 4243, addr: 0x7ffd5c3a1b28, write: 0, size: 8, weight: 1 },
    { t: 5, pid: 4243, addr: 0x7ffd5c3a1ffc, write: 1, size: 8, weight: 1 },
  ];

  it("CSV: header, hex or decimal addr, R/W/L/S in either case", async () => {
    expect(await collect(fixture("canonical.csv"))).toEqual(expected);
  });

  it("CSV: columns in any order, a weight column, blanks around fields", async () => {
    const got = await collect(textSource("c.csv", "op, addr ,t,size,pid,weight\nW , 0x10, 7.5, 4, 1, 2.5\n"));
    expect(got).toEqual([{ t: 7.5, pid: 1, addr: 16, write: 1, size: 4, weight: 2.5 }]);
  });

  it("JSONL: the same accesses, weight when given", async () => {
    const got = await collect(fixture("canonical.jsonl"));
    expect(got).toEqual(expected.map((e, i) => (i === 2 ? { ...e, weight: 2 } : e)));
  });

  it("CSV errors", async () => {
    const csv = { format: "csv" } as const;
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op\n"), csv)).toBe(
      'c.csv:1: expected a CSV header naming the columns t,pid,addr,op,size and optionally weight (any order), got no size column in "t,pid,addr,op"',
    );
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op,size,color\n"), csv)).toMatch(/^c\.csv:1: expected a CSV header .*, got column "color"/);
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op,size\n0,1,0x10,R,4\n1,1,0x1g,R,4\n"), csv)).toBe(
      'c.csv:3: expected addr as 0x-hex or a decimal integer below 2^53 (column 3), got "0x1g" in "1,1,0x1g,R,4"',
    );
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op,size\n0,1,0x10,X,4\n"), csv)).toMatch(
      /^c\.csv:2: expected op as one of R, W, L, S, I \(either case\) \(column 4\), got "X"/,
    );
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op,size\n0,1,0x10,R\n"), csv)).toBe(
      'c.csv:2: expected 5 comma-separated fields (t,pid,addr,op,size), got 4: "0,1,0x10,R"',
    );
    expect(await errorOf(textSource("c.csv", "t,pid,addr,op,size\n-1,1,0x10,R,4\n"), csv)).toMatch(
      /^c\.csv:2: expected t as a non-negative decimal number of ns \(column 1\)/,
    );
    expect(await errorOf(textSource("c.csv", "# only a comment\n"), csv)).toMatch(/^c\.csv:1: expected a CSV header .*, got the end of the file$/);
  });

  it("JSONL errors", async () => {
    const jsonl = { format: "jsonl" } as const;
    expect(await errorOf(textSource("j.jsonl", '{"t":0,"pid":1,"addr":"0x10","op":"R","size":4}\n{"t":1,"pid":1,"addr":"0x10","op":"R"}\n'), jsonl)).toBe(
      'j.jsonl:2: expected "size" as an integer 0..2147483647, got no such field in "{\\"t\\":1,\\"pid\\":1,\\"addr\\":\\"0x10\\",\\"op\\":\\"R\\"}"',
    );
    expect(await errorOf(textSource("j.jsonl", "{nope\n"), jsonl)).toMatch(
      /^j\.jsonl:1: expected a JSON object \{"t":…,"pid":…,"addr":…,"op":…,"size":…\[,"weight":…\]\}, got "\{nope" \(/,
    );
    expect(await errorOf(textSource("j.jsonl", '{"t":0,"pid":1,"addr":18446744073709551615,"op":"R","size":4}\n'), jsonl)).toMatch(
      /^j\.jsonl:1: expected "addr" as a non-negative integer below 2\^53/,
    );
  });
});
