/**
 * The streaming batch API, the typed-array page counter, summarizeTrace() and convertTrace()
 * round trips through the canonical formats.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  convertTrace,
  readTrace,
  summarizeTrace,
  TraceBatch,
  TracePageCounter,
  type TraceOutputFormat,
  type TraceReadOptions,
  type TraceSource,
} from "../src/index.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const LACKEY = fixture("lackey-true.txt.gz");

async function convertToString(src: string, to: TraceOutputFormat, opts: TraceReadOptions = {}): Promise<string> {
  const parts: string[] = [];
  await convertTrace(src, { ...opts, to, write: (s) => void parts.push(s.toString()) });
  return parts.join("");
}

const textSource = (name: string, text: string): TraceSource => ({ name, chunks: [Buffer.from(text)] });

describe("TraceBatch and readTrace batches", () => {
  it("yields the same batch object, refilled, never past its capacity; small batches give the same entries", async () => {
    let big = 0;
    let sumBig = 0;
    for await (const b of readTrace(LACKEY)) {
      big += b.length;
      for (let i = 0; i < b.length; i++) sumBig += b.addr[i]! * (b.write[i]! + 1);
    }
    const seen = new Set<TraceBatch>();
    let small = 0;
    let sumSmall = 0;
    let yields = 0;
    for await (const b of readTrace(LACKEY, { batchSize: 16 })) {
      seen.add(b);
      yields++;
      expect(b.length).toBeGreaterThan(0);
      expect(b.length).toBeLessThanOrEqual(16);
      expect(b.capacity).toBe(16);
      small += b.length;
      for (let i = 0; i < b.length; i++) sumSmall += b.addr[i]! * (b.write[i]! + 1);
    }
    expect(seen.size).toBe(1);
    expect(yields).toBeGreaterThan(41163 / 16 - 1);
    expect(small).toBe(big);
    expect(sumSmall).toBe(sumBig);
  });

  it("has the fields and array types of the engine's access batch", () => {
    const b = new TraceBatch(8);
    b.push(1, 2, 0x7fffffffe000, 1, 8, 3);
    expect(b.t).toBeInstanceOf(Float64Array);
    expect(b.pid).toBeInstanceOf(Int32Array);
    expect(b.addr).toBeInstanceOf(Float64Array);
    expect(b.write).toBeInstanceOf(Uint8Array);
    expect(b.size).toBeInstanceOf(Int32Array);
    expect(b.weight).toBeInstanceOf(Float64Array);
    expect([b.length, b.addr[0], b.weight[0]]).toEqual([1, 0x7fffffffe000, 3]);
    expect(() => new TraceBatch(2)).toThrow(/capacity must be an integer >= 4/);
  });
});

describe("TracePageCounter", () => {
  it("counts like a Map, for pages above 2^32 too, while growing", () => {
    const pc = new TracePageCounter(16);
    const ref = new Map<number, number>();
    let x = 12345;
    for (let i = 0; i < 200_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const page = (x % 5000) + (i % 3 === 0 ? 2 ** 35 : 0) + (i % 7 === 0 ? 2 ** 40 : 0);
      pc.add(page, 2);
      ref.set(page, (ref.get(page) ?? 0) + 1);
    }
    expect(pc.size).toBe(ref.size);
    for (const [page, n] of ref) expect(pc.count(page)).toBe(n);
    expect(pc.count(2 ** 41)).toBe(0);
    const top = pc.top(3);
    const refTop = [...ref].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 3);
    expect(top.map((t) => [t.page, t.accesses, t.weight])).toEqual(refTop.map(([p, n]) => [p, n, 2 * n]));
  });
});

describe("summarizeTrace", () => {
  it("lackey fixture: counts, distinct pages, range, pid and time, checked against a naive pass", async () => {
    const s = await summarizeTrace(LACKEY);
    const pages = new Set<number>();
    let lo = Infinity;
    let hi = -Infinity;
    for (const line of gunzipSync(readFileSync(LACKEY)).toString("latin1").split("\n")) {
      const m = /^ [LSM] ([0-9a-f]+),(\d+)$/.exec(line);
      if (!m) continue;
      const a = parseInt(m[1]!, 16);
      const last = a + Number(m[2]) - 1;
      lo = Math.min(lo, a);
      hi = Math.max(hi, last);
      for (let p = Math.floor(a / 4096); p <= Math.floor(last / 4096); p++) pages.add(p);
    }
    expect(s).toMatchObject({
      format: "lackey",
      compression: "gzip",
      lines: 167427,
      accesses: 41163,
      loads: 27889 + 1504,
      stores: 10266 + 1504,
      instructions: 127743,
      instructionsIncluded: false,
      modifies: 1504,
      skippedLines: 25,
      weight: 41163,
      distinctPages: pages.size,
      addrMin: lo,
      addrMax: hi,
      pids: [5941],
      pidsTruncated: false,
      tMin: 2,
    });
    expect(s.tMax).toBeLessThan(167427 - 25);
    expect(s.topPages).toHaveLength(10);
    expect(s.topPages[0]!.accesses).toBeGreaterThanOrEqual(s.topPages[9]!.accesses);
    const withI = await summarizeTrace(LACKEY, { includeInstructions: true });
    expect(withI.accesses).toBe(41163 + 127743);
    expect(withI.distinctPages).toBeGreaterThan(s.distinctPages);
  });
});

describe("convertTrace round trips", () => {
  it("lackey -> CSV -> summary gives the same counts, pages, range, pids and times", async () => {
    const csv = await convertToString(LACKEY, "csv");
    expect(csv.startsWith("t,pid,addr,op,size\n2,5941,0x1fff000778,W,8\n")).toBe(true);
    const a = await summarizeTrace(LACKEY);
    const b = await summarizeTrace(textSource("x.csv", csv));
    for (const k of ["accesses", "loads", "stores", "weight", "distinctPages", "addrMin", "addrMax", "pids", "tMin", "tMax", "topPages"] as const) {
      expect([k, b[k]]).toEqual([k, a[k]]);
    }
    expect(b.format).toBe("csv");
  });

  it("lackey (with instructions) -> JSONL -> CSV keeps every entry", async () => {
    const jsonl = await convertToString(LACKEY, "jsonl", { includeInstructions: true });
    const src = { name: "x.jsonl", chunks: [Buffer.from(jsonl)] };
    const a = await summarizeTrace(LACKEY, { includeInstructions: true });
    const b = await summarizeTrace(src);
    expect([b.accesses, b.loads, b.stores, b.distinctPages, b.tMax]).toEqual([a.accesses, a.loads, a.stores, a.distinctPages, a.tMax]);
  });

  it("weighted sources get a weight column, and it survives the trip", async () => {
    const csv = await convertToString(fixture("perf-mem-fields.txt"), "csv");
    expect(csv.split("\n").slice(0, 3)).toEqual([
      "t,pid,addr,op,size,weight",
      "3193464301000,4242,0x7ffd5c3a1b28,R,0,5003",
      "3193464322000,4242,0x55d2c1a4f010,W,0,20011",
    ]);
    const a = await summarizeTrace(fixture("perf-mem-fields.txt"));
    const b = await summarizeTrace(textSource("p.csv", csv));
    expect([b.accesses, b.weight, b.tMin, b.tMax, b.pids]).toEqual([a.accesses, a.weight, a.tMin, a.tMax, a.pids]);
    const damo = await convertToString(fixture("damo-record.json"), "jsonl");
    expect(damo.split("\n")[0]).toBe('{"t":8698000000,"pid":0,"addr":"0x55f727063000","op":"R","size":409600,"weight":12}');
  });

  it("a CSV without a weight column refuses weights that show up after the first batch", async () => {
    const text = "t,pid,addr,op,size,weight\n" + Array.from({ length: 40 }, (_, i) => `${i},1,0x1000,R,4,${i === 30 ? 2 : 1}`).join("\n");
    const out: string[] = [];
    const src = textSource("w.csv", text);
    // a jsonl source (not declared weighted up front) with a late weight
    const jsonl = Array.from({ length: 40 }, (_, i) => JSON.stringify({ t: i, pid: 1, addr: 4096, op: "R", size: 4, ...(i === 30 ? { weight: 2 } : {}) })).join(
      "\n",
    );
    await expect(
      convertTrace({ name: "late.jsonl", chunks: [Buffer.from(jsonl)] }, { to: "csv", batchSize: 8, write: (s) => void out.push(s.toString()) }),
    ).rejects.toThrow(
      /^late\.jsonl: weights other than 1 appear after the first 24 entries, and the CSV has no weight column: convert again with the weight column forced \(--weight\)$/,
    );
    const forced: string[] = [];
    await convertTrace(
      { name: "late.jsonl", chunks: [Buffer.from(jsonl)] },
      { to: "csv", batchSize: 8, weighted: true, write: (s) => void forced.push(s.toString()) },
    );
    expect(forced.join("").split("\n")[31]).toBe("30,1,0x1000,R,4,2");
    // a csv with a weight column keeps it
    const kept: string[] = [];
    await convertTrace(src, { to: "csv", write: (s) => void kept.push(s.toString()) });
    expect(kept.join("").split("\n")[0]).toBe("t,pid,addr,op,size,weight");
  });
});
