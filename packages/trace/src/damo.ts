/**
 * DAMON importer: the JSON that `damo record` writes (`--output_type json`, or the default
 * `json_compressed`, which is the same JSON zlib-compressed; both are detected), i.e. what
 * damo's DamonRecord.to_kvpairs() produces:
 *
 *     [ { "kdamond_idx": 0, "context_idx": 0, "scheme_idx": null, "target_id": 0,
 *         "intervals": { "sample": "5000", "aggr": "100000", "ops_update": "1000000" },
 *         "snapshots": [
 *           { "start_time": "8598000000", "end_time": "8698000000", "total_bytes": "…",
 *             "regions": [
 *               { "start": "94520000000000", "end": "94520000409600",
 *                 "nr_accesses": { "samples": 12, "percent": 60 },
 *                 "age": { "usec": "300000", "aggr_intervals": 3 } } ] } ] } ]
 *
 * - Numbers may be JSON numbers or strings: digits (commas allowed), and times with a unit
 *   ("8.598 s", "100 ms", "5000 us", "12 ns"). Addresses must be below 2^53.
 * - Older damo writes nr_accesses and age as plain numbers: accepted. nr_accesses given only
 *   as percent is converted with the record's intervals (samples = percent/100 * aggr/sample).
 * - Each region with nr_accesses > 0 becomes one entry: t = the snapshot's end_time (ns),
 *   addr = start, size = end - start (regions above 1 GiB are split into 1 GiB entries),
 *   write 0 (DAMON does not tell loads from stores), weight = nr_accesses in samples: DAMON
 *   assumes every page of a region is accessed alike, and an entry touches every page it
 *   covers. Regions with nr_accesses 0 are counted in stats.idleRegions, not emitted. age is
 *   not carried.
 * - pid: target_id when it is an integer below 2^31, else the target's ordinal (0, 1, …).
 * - Entries come in end_time order across targets. Unlike the line formats, the file is read
 *   whole before the first batch (damo records are snapshots of at most a few thousand
 *   regions each).
 */
import type { TraceBatch } from "./batch.js";
import { MAX_TRACE_ADDR } from "./bytes.js";
import { quoteTraceText, TraceParseError } from "./errors.js";
import type { TraceReadStats } from "./types.js";

const GiB = 1 << 30;

type Json = null | boolean | number | bigint | string | Json[] | { [k: string]: Json };

/** A JSON parser that remembers the line each object and array starts on, for error messages. */
class LinedJson {
  private pos = 0;
  private line = 1;
  readonly lines = new WeakMap<object, number>();
  /** per object: the line of each key */
  readonly keyLines = new WeakMap<object, Record<string, number>>();

  constructor(
    private readonly s: string,
    private readonly file: string,
  ) {}

  parse(): Json {
    this.ws();
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) this.fail("the end of the JSON text");
    return v;
  }

  private fail(expected: string): never {
    const got = this.pos >= this.s.length ? "the end of the file" : quoteTraceText(this.s.slice(this.pos, this.pos + 30));
    throw new TraceParseError(this.file, this.line, expected, got);
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 10) this.line++;
      else if (c !== 32 && c !== 9 && c !== 13) return;
      this.pos++;
    }
  }

  private value(): Json {
    const c = this.s[this.pos];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail("a JSON value");
  }

  private object(): Json {
    const o: { [k: string]: Json } = {};
    const kl: Record<string, number> = {};
    this.lines.set(o, this.line);
    this.keyLines.set(o, kl);
    this.pos++;
    this.ws();
    if (this.s[this.pos] === "}") {
      this.pos++;
      return o;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('a "key" in a JSON object');
      const k = this.string();
      kl[k] = this.line;
      this.ws();
      if (this.s[this.pos] !== ":") this.fail('":" after a JSON object key');
      this.pos++;
      this.ws();
      o[k] = this.value();
      this.ws();
      const c = this.s[this.pos++];
      if (c === "}") return o;
      if (c !== ",") {
        this.pos--;
        this.fail('"," or "}" in a JSON object');
      }
    }
  }

  private array(): Json {
    const a: Json[] = [];
    this.lines.set(a, this.line);
    this.pos++;
    this.ws();
    if (this.s[this.pos] === "]") {
      this.pos++;
      return a;
    }
    for (;;) {
      this.ws();
      a.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === "]") return a;
      if (c !== ",") {
        this.pos--;
        this.fail('"," or "]" in a JSON array');
      }
    }
  }

  private string(): string {
    const s = this.s;
    const start = this.pos;
    let p = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(p);
      if (Number.isNaN(c) || c === 10) this.fail('a closing " of a JSON string');
      if (c === 92) {
        escaped = true;
        p += 2;
        continue;
      }
      if (c === 34) break;
      p++;
    }
    this.pos = p + 1;
    if (!escaped) return s.slice(start + 1, p);
    try {
      return JSON.parse(s.slice(start, p + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail("a valid JSON string");
    }
  }

  private number(): number | bigint {
    const re = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m) return this.fail("a JSON number");
    this.pos = re.lastIndex;
    const text = m[0];
    if (m[1] === undefined && m[2] === undefined && text.replace("-", "").length > 15) return BigInt(text);
    return Number(text);
  }
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

class DamoWalker {
  constructor(
    private readonly file: string,
    private readonly json: LinedJson,
  ) {}

  /** the line of `key` in object `o`, else of `o` itself */
  lineOf(o: object, key?: string): number {
    return (key !== undefined ? this.json.keyLines.get(o)?.[key] : undefined) ?? this.json.lines.get(o) ?? 1;
  }

  fail(at: object, expected: string, got: unknown, key?: string): never {
    throw new TraceParseError(this.file, this.lineOf(at, key), expected, got === undefined ? "nothing" : quoteTraceText(stringify(got)));
  }

  /** A non-negative integer (number, bigint or digit string with commas) below 2^53. */
  integer(at: object, key: string, v: unknown, what: string): number {
    let n = NaN;
    if (typeof v === "number") n = v;
    else if (typeof v === "bigint") n = v <= BigInt(MAX_TRACE_ADDR) ? Number(v) : Infinity;
    else if (typeof v === "string" && /^\d[\d,]*$/.test(v.trim())) n = Number(v.trim().replaceAll(",", ""));
    if (!(Number.isInteger(n) && n >= 0 && n <= MAX_TRACE_ADDR)) this.fail(at, `"${key}" as ${what}`, v, key);
    return n;
  }

  /** A time in ns: a number (ns), digits (ns) or "<number> <ns|us|ms|s>". */
  timeNs(at: object, key: string, v: unknown, unitNs = 1): number {
    if (typeof v === "number" && v >= 0) return v * unitNs;
    if (typeof v === "bigint" && v >= 0n) return Number(v) * unitNs;
    if (typeof v === "string") {
      const m = /^\s*(\d[\d,]*(?:\.\d+)?)\s*(ns|us|ms|s)?\s*$/.exec(v);
      if (m) return Number(m[1]!.replaceAll(",", "")) * (m[2] ? UNIT_NS[m[2]]! : unitNs);
    }
    return this.fail(at, `"${key}" as a time (ns, or a string like "100 ms")`, v, key);
  }
}

function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);
}

function isObject(v: unknown): v is { [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface Snap {
  t: number;
  pid: number;
  regions: Json[];
  record: { [k: string]: Json };
  samplesPerAggr: number;
}

/** Read a whole damo JSON record file and yield its accessed regions as entries. */
export async function* readDamo(file: string, chunks: AsyncIterable<Uint8Array>, stats: TraceReadStats, batch: TraceBatch): AsyncGenerator<TraceBatch> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  const text = Buffer.concat(parts).toString("utf8");
  stats.lines = text.length === 0 ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  stats.weighted = true;
  stats.weightMeaning = "DAMON nr_accesses (samples per aggregation interval), for every page of the region";
  stats.timeMeaning = "snapshot end_time (ns)";
  const json = new LinedJson(text, file);
  const root = json.parse();
  const w: DamoWalker = new DamoWalker(file, json);
  if (!Array.isArray(root)) {
    throw new TraceParseError(
      file,
      1,
      "a damo record file: a JSON array of records with snapshots (damo record --output_type json)",
      quoteTraceText(text.slice(0, 40)),
    );
  }

  const snaps: Snap[] = [];
  const ordinals = new Map<string, number>();
  for (const rec of root) {
    if (!isObject(rec) || !Array.isArray(rec.snapshots)) w.fail(isObject(rec) ? rec : root, 'a damo record {"target_id": …, "snapshots": [ … ]}', rec);
    // pid from target_id
    const tid = rec.target_id;
    const key = tid === undefined || tid === null ? "null" : String(tid);
    let pid: number;
    if (typeof tid === "number" && Number.isInteger(tid) && tid >= 0 && tid <= 0x7fffffff) pid = tid;
    else {
      if (!ordinals.has(key)) ordinals.set(key, ordinals.size);
      pid = ordinals.get(key)!;
    }
    // samples per aggregation interval, for nr_accesses given as percent
    let samplesPerAggr = NaN;
    const iv = rec.intervals;
    if (isObject(iv) && iv.sample !== undefined && iv.aggr !== undefined && iv.sample !== null && iv.aggr !== null) {
      const sample = w.timeNs(iv, "sample", iv.sample, 1e3);
      const aggr = w.timeNs(iv, "aggr", iv.aggr, 1e3);
      if (sample > 0) samplesPerAggr = aggr / sample;
    }
    for (const snap of rec.snapshots) {
      if (!isObject(snap) || !Array.isArray(snap.regions))
        w.fail(isObject(snap) ? snap : rec, 'a snapshot {"start_time": …, "end_time": …, "regions": [ … ]}', snap);
      const tv = snap.end_time ?? snap.start_time;
      const t = w.timeNs(snap, snap.end_time !== undefined ? "end_time" : "start_time", tv);
      snaps.push({ t, pid, regions: snap.regions, record: rec, samplesPerAggr });
    }
  }
  snaps.sort((a, b) => a.t - b.t); // stable: ties keep file order

  const limit = batch.capacity - 1;
  for (const snap of snaps) {
    for (const r of snap.regions) {
      if (!isObject(r)) w.fail(snap.regions, 'a region {"start": …, "end": …, "nr_accesses": …}', r);
      const start = w.integer(r, "start", r.start, "an address below 2^53");
      const end = w.integer(r, "end", r.end, "an address below 2^53");
      if (end < start) w.fail(r, `"end" >= "start" (${start})`, r.end, "end");
      const na = r.nr_accesses;
      let samples: number;
      if (isObject(na)) {
        if (na.samples !== undefined && na.samples !== null) samples = w.integer(na, "samples", na.samples, "a count of samples");
        else if (typeof na.percent === "number" && na.percent >= 0) {
          if (Number.isNaN(snap.samplesPerAggr)) w.fail(na, 'nr_accesses "samples", or "percent" with the record\'s intervals {"sample", "aggr"}', na);
          samples = (na.percent / 100) * snap.samplesPerAggr;
        } else samples = w.fail(na, 'nr_accesses {"samples": n} or {"percent": p}', na);
      } else samples = w.integer(r, "nr_accesses", na, 'a count of samples, or {"samples": n}');
      if (samples === 0 || start === end) {
        stats.idleRegions++;
        continue;
      }
      for (let a = start; a < end; a += GiB) {
        batch.push(snap.t, snap.pid, a, 0, Math.min(GiB, end - a), samples);
        if (batch.length > limit) {
          stats.records += batch.length;
          yield batch;
          batch.length = 0;
        }
      }
    }
  }
  if (batch.length > 0) {
    stats.records += batch.length;
    yield batch;
    batch.length = 0;
  }
}
