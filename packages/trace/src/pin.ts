/**
 * Intel Pin `pinatrace` importer (pin -t obj-intel64/pinatrace.so -- PROGRAM, writes pinatrace.out).
 *
 * Format: the ManualExamples tool prints `fprintf(trace, "%p: %c %p\n", ip, 'R'|'W', addr)` per
 * memory operand and `#eof` at the end; some variants append the access size:
 *
 *     0x7f3a1c2d4e10: W 0x7ffd5c3a1b28
 *     0x7f3a1c2d4e14: R 0x7f3a1c4e5f60 8
 *     #eof
 *
 * - `<ip>: <R|W> <addr> [<size>]`: hex with or without 0x, either case; r/w accepted; blanks free.
 * - `#eof` ends the trace: any non-blank line after it is an error (the file was appended to).
 *   Other `#` lines and blank lines are skipped. The ip is checked, not kept.
 * - size: the 4th field when present, else 0 (unknown; it touches the page of addr only).
 * - Time: none in the format. Entry n (0-based) gets t = n * nsPerAccess (default 1 ns).
 * - pid 0, weight 1. Addresses of 2^53 or more are rejected.
 */
import type { TraceBatch } from "./batch.js";
import { CH_COLON, CH_HASH, CH_X, CH_ZERO, HEX, isBlank, MAX_TRACE_ADDR } from "./bytes.js";
import { quoteTraceBytes, TraceParseError } from "./errors.js";
import type { TraceLineParser, TraceReadStats } from "./types.js";

const EXPECTED = 'a pinatrace line "<ip>: R|W <addr> [size]" (e.g. "0x7f3a1c2d4e10: W 0x7ffd5c3a1b28") or "#eof"';

export class PinParser implements TraceLineParser {
  readonly maxPerLine = 1;
  private tick = 0;
  private eofLine = 0;
  /** where the last hex number ended, and its value */
  private p = 0;
  private v = 0;

  constructor(
    private readonly file: string,
    private readonly stats: TraceReadStats,
    private readonly ns = 1,
  ) {
    stats.weightMeaning = "1 per access";
    stats.timeMeaning = `synthesized: ${ns} ns per access (pinatrace has no time)`;
  }

  line(b: Uint8Array, s: number, e: number, lineNo: number, batch: TraceBatch): void {
    while (e > s && b[e - 1]! <= 32) e--;
    let p = s;
    while (p < e && b[p]! <= 32) p++;
    if (p === e) {
      this.stats.skipped++;
      return;
    }
    if (this.eofLine > 0) {
      throw new TraceParseError(this.file, lineNo, `nothing after "#eof" (line ${this.eofLine})`, quoteTraceBytes(b, s, e));
    }
    if (b[p] === CH_HASH) {
      if (e - p === 4 && b[p + 1] === 101 && b[p + 2] === 111 && b[p + 3] === 102) this.eofLine = lineNo;
      this.stats.skipped++;
      return;
    }
    if (!this.hex(b, p, e)) this.fail(b, s, e, lineNo);
    p = this.p;
    if (b[p] !== CH_COLON) this.fail(b, s, e, lineNo);
    p++;
    const p0 = p;
    while (p < e && isBlank(b[p]!)) p++;
    if (p === p0 || p >= e) this.fail(b, s, e, lineNo);
    const op = b[p]! | 0x20; // lower case
    if (op !== 114 && op !== 119) this.fail(b, s, e, lineNo);
    p++;
    const p1 = p;
    while (p < e && isBlank(b[p]!)) p++;
    if (p === p1 || !this.hex(b, p, e)) this.fail(b, s, e, lineNo);
    const addr = this.v;
    p = this.p;
    if (addr > MAX_TRACE_ADDR) {
      throw new TraceParseError(this.file, lineNo, "an address below 2^53 (a double would round it)", quoteTraceBytes(b, s, e));
    }
    let size = 0;
    if (p < e) {
      const p2 = p;
      while (p < e && isBlank(b[p]!)) p++;
      if (p === p2) this.fail(b, s, e, lineNo);
      const z0 = p;
      for (; p < e; p++) {
        const d = b[p]! - CH_ZERO;
        if (d < 0 || d > 9) break;
        size = size * 10 + d;
      }
      if (p === z0 || p !== e || size > 0x7fffffff) this.fail(b, s, e, lineNo);
    }
    const write = op === 119 ? 1 : 0;
    batch.push(this.tick++ * this.ns, 0, addr, write, size, 1);
    this.stats.stores += write;
  }

  /** Parse a hex number (optional 0x) at p; false if there is no digit. Sets this.p and this.v. */
  private hex(b: Uint8Array, p: number, e: number): boolean {
    if (p + 1 < e && b[p] === CH_ZERO && (b[p + 1]! | 0x20) === CH_X) p += 2;
    let v = 0;
    const p0 = p;
    for (; p < e; p++) {
      const d = HEX[b[p]!]!;
      if (d < 0) break;
      v = v * 16 + d;
    }
    this.p = p;
    this.v = v;
    return p > p0;
  }

  private fail(b: Uint8Array, s: number, e: number, lineNo: number): never {
    throw new TraceParseError(this.file, lineNo, EXPECTED, quoteTraceBytes(b, s, e));
  }

  finish(): void {}
}
