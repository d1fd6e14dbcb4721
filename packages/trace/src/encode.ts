/**
 * Byte-level writers for the canonical formats: rows go straight into a reused Buffer (ASCII),
 * no string per row. Integers up to 2^53 are written exactly; non-integers through String().
 */
import type { TraceBatch } from "./batch.js";

const HEXCH = Buffer.from("0123456789abcdef", "latin1");

function reverse(b: Buffer, i: number, j: number): void {
  for (j--; i < j; i++, j--) {
    const c = b[i]!;
    b[i] = b[j]!;
    b[j] = c;
  }
}

class AsciiWriter {
  buf = Buffer.allocUnsafe(1 << 20);
  n = 0;

  reset(): void {
    this.n = 0;
  }

  room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(next, 0, 0, this.n);
    this.buf = next;
  }

  ascii(s: string): void {
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.n++] = s.charCodeAt(i);
  }

  /** a non-negative number: digits for integers below 2^53, String() otherwise */
  num(v: number): void {
    if (!(Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER)) {
      this.ascii(String(v));
      return;
    }
    this.room(16);
    if (v < 10) {
      this.buf[this.n++] = 48 + v;
      return;
    }
    const start = this.n;
    while (v > 0) {
      const q = Math.floor(v / 10);
      this.buf[this.n++] = 48 + (v - q * 10);
      v = q;
    }
    reverse(this.buf, start, this.n);
  }

  /** "0x" and lower-case hex of an integer below 2^53 */
  hex(v: number): void {
    this.room(18);
    const b = this.buf;
    b[this.n++] = 48;
    b[this.n++] = 120;
    const hi = Math.floor(v / 4294967296);
    let lo = v >>> 0;
    const start = this.n;
    if (hi === 0) {
      do {
        b[this.n++] = HEXCH[lo & 15]!;
        lo >>>= 4;
      } while (lo !== 0);
    } else {
      for (let i = 0; i < 8; i++) {
        b[this.n++] = HEXCH[lo & 15]!;
        lo >>>= 4;
      }
      let h = hi;
      while (h !== 0) {
        b[this.n++] = HEXCH[h & 15]!;
        h >>>= 4;
      }
    }
    reverse(b, start, this.n);
  }

  byte(c: number): void {
    this.room(1);
    this.buf[this.n++] = c;
  }

  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.n));
  }
}

/** Encodes batches as canonical CSV rows or JSON lines; reuse one per output. */
export class TraceCanonicalEncoder {
  private readonly w = new AsciiWriter();

  /** CSV rows `t,pid,addr,op,size[,weight]` of entries [0, length). */
  csvRows(b: TraceBatch, weighted: boolean): Buffer {
    const w = this.w;
    w.reset();
    for (let i = 0; i < b.length; i++) {
      w.num(b.t[i]!);
      w.byte(44);
      w.num(b.pid[i]!);
      w.byte(44);
      w.hex(b.addr[i]!);
      w.byte(44);
      w.byte(b.write[i] ? 87 : 82);
      w.byte(44);
      w.num(b.size[i]!);
      if (weighted) {
        w.byte(44);
        w.num(b.weight[i]!);
      }
      w.byte(10);
    }
    return w.take();
  }

  /** JSON lines of entries [0, length); weight only when it is not 1. */
  jsonl(b: TraceBatch): Buffer {
    const w = this.w;
    w.reset();
    for (let i = 0; i < b.length; i++) {
      w.ascii('{"t":');
      w.num(b.t[i]!);
      w.ascii(',"pid":');
      w.num(b.pid[i]!);
      w.ascii(',"addr":"');
      w.hex(b.addr[i]!);
      w.ascii(b.write[i] ? '","op":"W","size":' : '","op":"R","size":');
      w.num(b.size[i]!);
      if (b.weight[i] !== 1) {
        w.ascii(',"weight":');
        w.num(b.weight[i]!);
      }
      w.ascii("}\n");
    }
    return w.take();
  }
}
