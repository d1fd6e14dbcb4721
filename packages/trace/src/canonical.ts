/**
 * The canonical trace formats, what `foliox trace convert` writes and every importer can be
 * converted to. One access per line, t in ns.
 *
 * CSV: a header line naming the columns (any order), then one row per access:
 *
 *     t,pid,addr,op,size
 *     0,4242,0x7ffd5c3a1b28,R,8
 *     1,4242,0x55d2c1a4f010,W,4
 *
 * - t: ns, a non-negative decimal (fractions allowed). pid: integer 0..2^31-1.
 * - addr: 0x-hex (as written) or a decimal integer, below 2^53.
 * - op: R or L (load), W or S (store), either case; I (instruction fetch) is read as a load and
 *   counted in stats.instructions.
 * - size: bytes, integer 0..2^31-1 (0: unknown).
 * - weight (optional column): how many accesses the row stands for, a non-negative decimal; 1
 *   when the column is absent.
 * - Blank lines and lines starting with '#' are skipped (also before the header).
 *
 * JSONL: one JSON object per line with the same fields; addr may be a number or a string
 * ("0x7ffd5c3a1b28" or decimal: JSON numbers above 2^53 lose bits, strings do not):
 *
 *     {"t":0,"pid":4242,"addr":"0x7ffd5c3a1b28","op":"R","size":8}
 *     {"t":1,"pid":4242,"addr":"0x55d2c1a4f010","op":"W","size":4,"weight":2}
 */
import type { TraceBatch } from "./batch.js";
import { CH_COMMA, CH_DOT, CH_HASH, CH_X, CH_ZERO, HEX, MAX_TRACE_ADDR } from "./bytes.js";
import { quoteTraceBytes, quoteTraceText, TraceParseError } from "./errors.js";
import type { TraceLineParser, TraceReadStats } from "./types.js";

export const TRACE_CSV_COLUMNS = ["t", "pid", "addr", "op", "size", "weight"] as const;
type Column = (typeof TRACE_CSV_COLUMNS)[number];
const REQUIRED: readonly Column[] = ["t", "pid", "addr", "op", "size"];
const HEADER_EXPECTED = "a CSV header naming the columns t,pid,addr,op,size and optionally weight (any order)";

const COL_T = 0;
const COL_PID = 1;
const COL_ADDR = 2;
const COL_OP = 3;
const COL_SIZE = 4;
const COL_WEIGHT = 5;

const FIELD_EXPECTED: readonly string[] = [
  "t as a non-negative decimal number of ns",
  "pid as an integer 0..2147483647",
  "addr as 0x-hex or a decimal integer below 2^53",
  "op as one of R, W, L, S, I (either case)",
  "size as an integer 0..2147483647",
  "weight as a non-negative decimal number",
];

/** Non-negative decimal ("12", "12.5") in bytes [s, e); NaN if it is not one. */
function decimal(b: Uint8Array, s: number, e: number): number {
  let v = 0;
  let p = s;
  for (; p < e; p++) {
    const d = b[p]! - CH_ZERO;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (p === s) return NaN;
  if (p === e) return v;
  if (b[p] !== CH_DOT) return NaN;
  // a fraction: let the engine round it exactly
  const str = (b as Buffer).toString("latin1", s, e);
  return /^\d+\.\d+$/.test(str) ? Number(str) : NaN;
}

/** 0x-hex or decimal integer in bytes [s, e); NaN if neither. */
function address(b: Uint8Array, s: number, e: number): number {
  if (e - s > 2 && b[s] === CH_ZERO && (b[s + 1]! | 0x20) === CH_X) {
    let v = 0;
    for (let p = s + 2; p < e; p++) {
      const d = HEX[b[p]!]!;
      if (d < 0) return NaN;
      v = v * 16 + d;
    }
    return v;
  }
  let v = 0;
  if (s === e) return NaN;
  for (let p = s; p < e; p++) {
    const d = b[p]! - CH_ZERO;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** Write flag of an op letter: 0 load, 1 store, 2 instruction fetch (a load), -1 invalid. */
function opCode(c: number): number {
  switch (c | 0x20) {
    case 114: // r
    case 108: // l
      return 0;
    case 119: // w
    case 115: // s
      return 1;
    case 105: // i
      return 2;
    default:
      return -1;
  }
}

export class CanonicalCsvParser implements TraceLineParser {
  readonly maxPerLine = 1;
  /** column index (in the file) -> COL_* */
  private cols: number[] | undefined;
  private readonly starts = new Int32Array(64);
  private readonly ends = new Int32Array(64);

  constructor(
    private readonly file: string,
    private readonly stats: TraceReadStats,
  ) {
    stats.timeMeaning = "t column (ns)";
  }

  line(b: Uint8Array, s: number, e: number, lineNo: number, batch: TraceBatch): void {
    while (e > s && b[e - 1]! <= 32) e--;
    let p = s;
    while (p < e && b[p]! <= 32) p++;
    if (p === e || b[p] === CH_HASH) {
      this.stats.skipped++;
      return;
    }
    if (this.cols === undefined) {
      this.header(b, p, e, lineNo);
      return;
    }
    const cols = this.cols;
    const n = cols.length;
    // split on commas, trimming blanks
    let k = 0;
    let f = p;
    for (let q = p; q <= e; q++) {
      if (q === e || b[q] === CH_COMMA) {
        if (k >= n) {
          throw new TraceParseError(this.file, lineNo, `${n} comma-separated fields (${this.names()})`, `more: ${quoteTraceBytes(b, s, e)}`);
        }
        let fs = f;
        let fe = q;
        while (fs < fe && b[fs]! <= 32) fs++;
        while (fe > fs && b[fe - 1]! <= 32) fe--;
        this.starts[k] = fs;
        this.ends[k] = fe;
        k++;
        f = q + 1;
      }
    }
    if (k !== n) {
      throw new TraceParseError(this.file, lineNo, `${n} comma-separated fields (${this.names()})`, `${k}: ${quoteTraceBytes(b, s, e)}`);
    }
    let t = 0;
    let pid = 0;
    let addr = 0;
    let op = 0;
    let size = 0;
    let weight = 1;
    for (let i = 0; i < n; i++) {
      const c = cols[i]!;
      const fs = this.starts[i]!;
      const fe = this.ends[i]!;
      let ok: boolean;
      switch (c) {
        case COL_T:
          t = decimal(b, fs, fe);
          ok = !Number.isNaN(t);
          break;
        case COL_PID:
          pid = decimal(b, fs, fe);
          ok = Number.isInteger(pid) && pid <= 0x7fffffff;
          break;
        case COL_ADDR:
          addr = address(b, fs, fe);
          ok = addr <= MAX_TRACE_ADDR; // false for NaN
          break;
        case COL_OP:
          op = fe - fs === 1 ? opCode(b[fs]!) : -1;
          ok = op >= 0;
          break;
        case COL_SIZE:
          size = decimal(b, fs, fe);
          ok = Number.isInteger(size) && size <= 0x7fffffff;
          break;
        default:
          weight = decimal(b, fs, fe);
          ok = !Number.isNaN(weight);
      }
      if (!ok) {
        throw new TraceParseError(this.file, lineNo, `${FIELD_EXPECTED[c]} (column ${i + 1})`, `${quoteTraceBytes(b, fs, fe)} in ${quoteTraceBytes(b, s, e)}`);
      }
    }
    if (op === 2) {
      this.stats.instructions++;
      op = 0;
    }
    batch.push(t, pid, addr, op, size, weight);
    this.stats.stores += op;
  }

  private header(b: Uint8Array, s: number, e: number, lineNo: number): void {
    const names = (b as Buffer)
      .toString("latin1", s, e)
      .split(",")
      .map((x) => x.trim().toLowerCase());
    const cols: number[] = [];
    for (const name of names) {
      const c = TRACE_CSV_COLUMNS.indexOf(name as Column);
      if (c < 0 || cols.includes(c)) {
        throw new TraceParseError(
          this.file,
          lineNo,
          HEADER_EXPECTED,
          `${c < 0 ? "column" : "a second column"} ${quoteTraceText(name)} in ${quoteTraceBytes(b, s, e)}`,
        );
      }
      cols.push(c);
    }
    const missing = REQUIRED.filter((r) => !cols.includes(TRACE_CSV_COLUMNS.indexOf(r)));
    if (missing.length > 0) {
      throw new TraceParseError(this.file, lineNo, HEADER_EXPECTED, `no ${missing.join(", ")} column in ${quoteTraceBytes(b, s, e)}`);
    }
    this.cols = cols;
    this.stats.skipped++;
    if (cols.includes(COL_WEIGHT)) {
      this.stats.weighted = true;
      this.stats.weightMeaning = "weight column";
    }
  }

  private names(): string {
    return this.cols!.map((c) => TRACE_CSV_COLUMNS[c]).join(",");
  }

  finish(lines: number): void {
    if (this.cols === undefined) throw new TraceParseError(this.file, Math.max(lines, 1), HEADER_EXPECTED, "the end of the file");
  }
}

const JSONL_EXPECTED = 'a JSON object {"t":…,"pid":…,"addr":…,"op":…,"size":…[,"weight":…]}';

export class CanonicalJsonlParser implements TraceLineParser {
  readonly maxPerLine = 1;

  constructor(
    private readonly file: string,
    private readonly stats: TraceReadStats,
  ) {
    stats.timeMeaning = "t field (ns)";
    stats.weighted = true;
    stats.weightMeaning = "weight field (1 when absent)";
  }

  line(b: Uint8Array, s: number, e: number, lineNo: number, batch: TraceBatch): void {
    while (e > s && b[e - 1]! <= 32) e--;
    while (s < e && b[s]! <= 32) s++;
    if (s === e || b[s] === CH_HASH) {
      this.stats.skipped++;
      return;
    }
    const text = (b as Buffer).toString("utf8", s, e);
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (err) {
      throw new TraceParseError(this.file, lineNo, JSONL_EXPECTED, `${quoteTraceText(text)} (${(err as Error).message})`);
    }
    if (typeof o !== "object" || o === null || Array.isArray(o)) throw new TraceParseError(this.file, lineNo, JSONL_EXPECTED, quoteTraceText(text));
    const r = o as Record<string, unknown>;
    const bad = (field: string, what: string): never => {
      throw new TraceParseError(
        this.file,
        lineNo,
        `"${field}" as ${what}`,
        `${r[field] === undefined ? "no such field" : JSON.stringify(r[field])} in ${quoteTraceText(text)}`,
      );
    };
    const t = r.t;
    if (typeof t !== "number" || !(t >= 0)) bad("t", "a non-negative number of ns");
    const pid = r.pid;
    if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 0 || pid > 0x7fffffff) bad("pid", "an integer 0..2147483647");
    let addr = NaN;
    const a = r.addr;
    if (typeof a === "number") addr = Number.isInteger(a) && a >= 0 ? a : NaN;
    else if (typeof a === "string") addr = /^0[xX][0-9a-fA-F]+$/.test(a) || /^\d+$/.test(a) ? Number(a) : NaN;
    if (!(addr <= MAX_TRACE_ADDR)) bad("addr", 'a non-negative integer below 2^53, or a string "0x…"');
    const op = typeof r.op === "string" && r.op.length === 1 ? opCode(r.op.charCodeAt(0)) : -1;
    if (op < 0) bad("op", '"R", "W", "L", "S" or "I"');
    const size = r.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 0 || size > 0x7fffffff) bad("size", "an integer 0..2147483647");
    let weight = 1;
    if (r.weight !== undefined) {
      if (typeof r.weight !== "number" || !(r.weight >= 0)) bad("weight", "a non-negative number");
      weight = r.weight as number;
    }
    if (op === 2) this.stats.instructions++;
    const write = op === 1 ? 1 : 0;
    batch.push(t as number, pid as number, addr, write, size as number, weight);
    this.stats.stores += write;
  }

  finish(): void {}
}

/** The CSV header `foliox trace convert --to csv` writes. */
export function formatTraceCsvHeader(weighted: boolean): string {
  return weighted ? "t,pid,addr,op,size,weight\n" : "t,pid,addr,op,size\n";
}
