/**
 * valgrind lackey importer: `valgrind --tool=lackey --trace-mem=yes [--log-file=F] PROGRAM`.
 *
 * Format (valgrind's lackey/lk_main.c prints "I  %08lx,%lu", " L %08lx,%lu", " S …", " M …"):
 *
 *     ==5941== Lackey, an example Valgrind tool
 *     ==5941== Command: /bin/true
 *     I  0401ab70,3          instruction fetch of 3 bytes at 0x401ab70
 *      S 1fff000768,8        store of 8 bytes
 *      L 04a2c1b0,8          load
 *      M 0421a5a8,4          modify: a load and a store of the same bytes
 *
 * - `==PID==` and `--PID--` lines are valgrind's banner and summary: skipped; the first one gives
 *   the pid of every entry (0 if there is none). Blank lines are skipped.
 * - Hex digits in either case; leading blanks and the blanks after the op letter are free.
 * - I: counted in stats.instructions; emitted as a load only with includeInstructions.
 * - L: one load. S: one store. M: a load then a store (two entries, same t).
 * - Time: lackey has none. Every access line (I included, emitted or not) advances a clock by
 *   nsPerAccess (default 1 ns): t of the n-th access line (0-based) is n * nsPerAccess.
 * - Weight 1. Addresses of 2^53 or more are rejected (a double would round them).
 *
 * Most of a lackey trace is I lines, skipped by default, so the reader hands over runs of whole
 * lines (lines()): the usual access line is read inline, with no call per line; any other line
 * goes through line(), which reads, counts and reports it the same way. lines() reads lackey's
 * own layout (the op at a fixed place, 8 or more address digits, a one-digit size) with as few
 * data-dependent branches as it can: the first 8 digits are tested (and valued) as two int32
 * words (bytes.ts hexBits), not digit by digit. Other blanks, shorter addresses and longer sizes
 * take the general loops; whatever those do not accept goes to line().
 */
import type { TraceBatch } from "./batch.js";
import {
  CH_COMMA,
  CH_CR,
  CH_EQUALS,
  CH_LF,
  CH_MINUS,
  CH_SPACE,
  CH_TAB,
  CH_ZERO,
  HEX,
  HEX_BITS_ALL,
  hex4Value,
  hexBits,
  hexValue,
  isBlank,
  MAX_TRACE_ADDR,
  type TraceLineCursor,
} from "./bytes.js";
import { quoteTraceBytes, TraceParseError } from "./errors.js";
import type { TraceLineParser, TraceReadStats } from "./types.js";

const EXPECTED = 'a lackey line "<op> <hex addr>,<size>" with op I, L, S or M (e.g. " L 04a2c1b0,8"), or a ==PID== line';

const OP_I = 73; // I
const OP_L = 76; // L
const OP_S = 83; // S
const OP_M = 77; // M

export class LackeyParser implements TraceLineParser {
  readonly maxPerLine = 2;
  private tick = 0;
  private pid = -1;
  private readonly ns: number;

  constructor(
    private readonly file: string,
    private readonly stats: TraceReadStats,
    private readonly includeInstructions = false,
    nsPerAccess = 1,
  ) {
    this.ns = nsPerAccess;
    stats.weightMeaning = "1 per access";
    stats.timeMeaning = `synthesized: ${nsPerAccess} ns per access line (lackey has no time)`;
  }

  line(b: Uint8Array, s: number, e: number, lineNo: number, batch: TraceBatch): void {
    while (e > s && b[e - 1]! <= 32) e--; // trailing blanks and \r
    let p = s;
    while (p < e && isBlank(b[p]!)) p++;
    if (p === e) {
      this.stats.skipped++;
      return;
    }
    const op = b[p]!;
    if (op === CH_EQUALS || op === CH_MINUS) {
      this.banner(b, p, e, lineNo);
      return;
    }
    if (op !== OP_I && op !== OP_L && op !== OP_S && op !== OP_M) this.fail(b, s, e, lineNo, EXPECTED);
    p++;
    const afterOp = p;
    while (p < e && isBlank(b[p]!)) p++;
    if (p === afterOp) this.fail(b, s, e, lineNo, EXPECTED);
    let addr = 0;
    const a0 = p;
    for (; p < e; p++) {
      const d = HEX[b[p]!]!;
      if (d < 0) break;
      addr = addr * 16 + d;
    }
    if (p === a0 || p >= e || b[p] !== CH_COMMA) this.fail(b, s, e, lineNo, EXPECTED);
    if (addr > MAX_TRACE_ADDR) this.fail(b, s, e, lineNo, "an address below 2^53 (a double would round it)");
    p++;
    let size = 0;
    const z0 = p;
    for (; p < e; p++) {
      const d = b[p]! - CH_ZERO;
      if (d < 0 || d > 9) break;
      size = size * 10 + d;
    }
    if (p === z0 || p !== e || size > 0x7fffffff) this.fail(b, s, e, lineNo, EXPECTED);

    const t = this.tick++ * this.ns;
    const pid = this.pid < 0 ? 0 : this.pid;
    if (op === OP_L) {
      batch.push(t, pid, addr, 0, size, 1);
    } else if (op === OP_S) {
      batch.push(t, pid, addr, 1, size, 1);
      this.stats.stores++;
    } else if (op === OP_M) {
      batch.push(t, pid, addr, 0, size, 1);
      batch.push(t, pid, addr, 1, size, 1);
      this.stats.modifies++;
      this.stats.stores++;
    } else {
      this.stats.instructions++;
      if (this.includeInstructions) batch.push(t, pid, addr, 0, size, 1);
    }
  }

  /**
   * The lines from at.pos up to `end` (an LF ends the last one), until the batch holds more than
   * `limit` entries. "[blanks]<op> <hex addr>,<size>[CR]" is read here; every other line (a
   * banner, a blank line, trailing blanks, an error) by line(). Counts live in locals meanwhile,
   * stored back before line() and at the end.
   */
  lines(b: Uint8Array, end: number, at: TraceLineCursor, batch: TraceBatch, limit: number): void {
    const { t, pid: pids, addr: addrs, write, size: sizes, weight } = batch;
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength); // b's bytes 4 at a time
    const stats = this.stats;
    const emitI = this.includeInstructions;
    const ns = this.ns;
    let pid = this.pid < 0 ? 0 : this.pid;
    let tick = this.tick;
    let n = batch.length;
    let instructions = 0;
    let stores = 0;
    let modifies = 0;
    let p = at.pos;
    let lineNo = at.lineNo;
    // every loop below stops at an LF, and b[end - 1] is one: no bounds to check
    while (p < end && n <= limit) {
      let q = p;
      let op = b[q]!;
      // lackey's own layout, "I  <addr>" or " L <addr>" (S, M): the address is at p + 3, found
      // with no blank-skipping loop whose exit (after 0, 1 or 2 blanks) the CPU would mispredict
      if (op === OP_I && b[q + 1] === CH_SPACE && b[q + 2] === CH_SPACE) {
        q += 3;
      } else if (op === CH_SPACE && ((op = b[q + 1]!) === OP_L || op === OP_S || op === OP_M) && b[q + 2] === CH_SPACE) {
        q += 3;
      } else {
        while (b[q] === CH_SPACE || b[q] === CH_TAB) q++;
        op = b[q]!;
        if (op === OP_I || op === OP_L || op === OP_S || op === OP_M) {
          const afterOp = ++q;
          while (b[q] === CH_SPACE || b[q] === CH_TAB) q++;
          if (q === afterOp) op = 0;
        } else {
          op = 0;
        }
      }
      access: if (op !== 0) {
        const a0 = q;
        // lackey prints at least 8 digits (%08lx): test 8 at once, as two int32 words, and keep
        // them for the value; the loop takes the rest (a 10-digit stack address), or a short one
        let w0 = 0;
        let w1 = 0;
        if (q + 8 < end && (hexBits((w0 = dv.getInt32(q, true))) & hexBits((w1 = dv.getInt32(q + 4, true)))) === HEX_BITS_ALL) q += 8;
        if (b[q] !== CH_COMMA) while (HEX[b[q]!]! >= 0) q++;
        const a1 = q;
        // up to 13 hex digits are below 2^53; more (or more than 9 size digits) are line()'s to judge
        if (a1 === a0 || a1 - a0 > 13 || b[q] !== CH_COMMA) break access;
        const z0 = ++q;
        let size = b[q]! - CH_ZERO;
        if (size < 0 || size > 9) break access;
        // one digit and the LF, the usual end, in one test; else the rest of the digits, a CR
        if (b[++q] !== CH_LF) {
          for (let d = b[q]! - CH_ZERO; d >= 0 && d <= 9; d = b[++q]! - CH_ZERO) size = size * 10 + d;
          if (q - z0 > 9) break access;
          if (b[q] === CH_CR) q++;
          if (b[q] !== CH_LF) break access;
        }
        const tt = tick++ * ns;
        lineNo++;
        p = q + 1;
        if (op === OP_I) {
          instructions++;
          if (!emitI) continue;
        }
        let addr: number;
        if (a1 - a0 >= 8) {
          // the first 8 digits were read as w0, w1
          addr = hex4Value(w0) * 0x10000 + hex4Value(w1);
          for (let i = a0 + 8; i < a1; i++) addr = addr * 16 + HEX[b[i]!]!;
        } else {
          addr = hexValue(b, a0, a1);
        }
        if (op === OP_S) {
          stores++;
        } else if (op === OP_M) {
          t[n] = tt;
          pids[n] = pid;
          addrs[n] = addr;
          write[n] = 0;
          sizes[n] = size;
          weight[n++] = 1;
          stores++;
          modifies++;
        }
        t[n] = tt;
        pids[n] = pid;
        addrs[n] = addr;
        write[n] = op === OP_S || op === OP_M ? 1 : 0;
        sizes[n] = size;
        weight[n++] = 1;
        continue;
      }
      let nl = q;
      while (b[nl] !== CH_LF) nl++;
      this.tick = tick;
      batch.length = n;
      stats.instructions += instructions;
      stats.stores += stores;
      stats.modifies += modifies;
      instructions = stores = modifies = 0;
      this.line(b, p, nl, ++lineNo, batch);
      tick = this.tick;
      pid = this.pid < 0 ? 0 : this.pid;
      n = batch.length;
      p = nl + 1;
    }
    this.tick = tick;
    batch.length = n;
    stats.instructions += instructions;
    stats.stores += stores;
    stats.modifies += modifies;
    at.pos = p;
    at.lineNo = lineNo;
  }

  /** `==5941== …` or `--5941-- …`: valgrind's own output. */
  private banner(b: Uint8Array, p: number, e: number, lineNo: number): void {
    const mark = b[p]!;
    if (p + 1 >= e || b[p + 1] !== mark) this.fail(b, p, e, lineNo, EXPECTED);
    let q = p + 2;
    let pid = 0;
    const d0 = q;
    for (; q < e; q++) {
      const d = b[q]! - CH_ZERO;
      if (d < 0 || d > 9) break;
      pid = pid * 10 + d;
    }
    if (q === d0 || q + 1 >= e + 1 || b[q] !== mark) this.fail(b, p, e, lineNo, EXPECTED);
    if (this.pid < 0 && pid <= 0x7fffffff) this.pid = pid;
    this.stats.skipped++;
  }

  private fail(b: Uint8Array, s: number, e: number, lineNo: number, expected: string): never {
    throw new TraceParseError(this.file, lineNo, expected, quoteTraceBytes(b, s, e));
  }

  finish(): void {}
}
