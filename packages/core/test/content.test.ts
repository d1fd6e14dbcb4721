import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { MiB, PAGE, makeSystem } from "./helpers.js";

function frame(bytes: Uint8Array, pfn: number): Uint8Array {
  return bytes.subarray(pfn * PAGE, (pfn + 1) * PAGE);
}

/** Every byte value 0..255, 16 times, rotated by `shift`. */
function fillAllBytes(f: Uint8Array, shift: number): void {
  for (let i = 0; i < PAGE; i++) f[i] = (i + shift) & 0xff;
}

/** Float64 NaN payloads (signalling, quiet, negative), infinities and -0, written bit-exactly. */
const F64_PATTERNS = [
  0x7ff4000000000001n,
  0x7ff0000000000001n,
  0x7ff8000000000000n,
  0xfff8000000000001n,
  0x7fffffffffffffffn,
  0xffffffffffffffffn,
  0xfff0000000000000n,
  0x7ff0000000000000n,
  0x8000000000000000n,
  0x7ff7ffffffffffffn,
  0xfff4dead0000beefn,
];

function fillNaNs(f: Uint8Array, shift: number): void {
  const dv = new DataView(f.buffer, f.byteOffset, f.byteLength);
  for (let i = 0; i < PAGE / 8; i++) dv.setBigUint64(i * 8, F64_PATTERNS[(i + shift) % F64_PATTERNS.length]!, i % 2 === 0);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("page contents (bytes mode)", () => {
  it("writePage fills a frame from its token; holds() checks every byte", () => {
    const k = makeSystem({ memory: [4 * MiB, 4 * MiB], bytes: true });
    const c = k.content;
    expect(c.bytesMode).toBe(true);
    const t = c.nextToken();
    const u = c.nextToken();
    expect(u).not.toBe(t);
    c.writePage(10, t);
    c.writePage(11, u);
    expect(k.mem.content[10]).toBe(t);
    expect(c.holds(10, t)).toBe(true);
    expect(c.holds(11, u)).toBe(true);
    expect(c.holds(10, u)).toBe(false);
    // distinct tokens give distinct data, and the data is not all zero
    expect(same(frame(c.bytes!, 10), frame(c.bytes!, 11))).toBe(false);
    expect(frame(c.bytes!, 10).some((b) => b !== 0)).toBe(true);
    // the token alone is not enough: one flipped bit in the frame is caught
    c.bytes![10 * PAGE + 4095]! ^= 1;
    expect(c.holds(10, t)).toBe(false);
    c.writePage(10, t);
    expect(c.holds(10, t)).toBe(true);
    // token 0 is the zero page's data: all zero bytes
    c.zeroRange(12, 2);
    expect(c.holds(12, 0) && c.holds(13, 0)).toBe(true);
    c.bytes![13 * PAGE + 7] = 1;
    expect(c.holds(13, 0)).toBe(false);
  });

  it("token mode keeps no bytes and compares tokens", () => {
    const k = makeSystem({ memory: [4 * MiB, 4 * MiB] });
    expect(k.content.bytesMode).toBe(false);
    expect(k.content.bytes).toBeNull();
    k.content.writePage(5, 77);
    expect(k.content.holds(5, 77)).toBe(true);
    expect(k.content.holds(5, 78)).toBe(false);
    k.content.swapPages(5, 6, 1);
    expect(k.mem.content[6]).toBe(77);
  });

  // 4 pages: one chunk of the 64 KiB scratch; 17: a chunk and a page; 512: a 2 MiB folio in 32 chunks
  it.each([4, 17, 512])("swapPages of %i pages preserves every byte value and every Float64 NaN payload, and twice is the identity", (nr) => {
    const k = makeSystem({ memory: [4 * MiB, 4 * MiB], bytes: true });
    const c = k.content;
    const bytes = c.bytes!;
    const a = 100;
    const b = 1500; // the other node
    for (let i = 0; i < nr; i++) {
      fillAllBytes(frame(bytes, a + i), i * 37);
      fillNaNs(frame(bytes, b + i), i);
      k.mem.content[a + i] = 1000 + i;
      k.mem.content[b + i] = 2000 + i;
    }
    // neighbours must not be touched by the scratch-page swap
    c.writePage(a - 1, 9);
    c.writePage(a + nr, 10);
    c.writePage(b + nr, 11);
    const origA = bytes.slice(a * PAGE, (a + nr) * PAGE);
    const origB = bytes.slice(b * PAGE, (b + nr) * PAGE);
    // the NaN patterns really are NaNs with payloads when read as doubles
    const dv = new DataView(origB.buffer);
    expect(Number.isNaN(dv.getFloat64(0, true))).toBe(true);
    expect(dv.getBigUint64(0, true)).toBe(0x7ff4000000000001n);

    c.swapPages(a, b, nr);
    expect(same(bytes.subarray(a * PAGE, (a + nr) * PAGE), origB)).toBe(true);
    expect(same(bytes.subarray(b * PAGE, (b + nr) * PAGE), origA)).toBe(true);
    for (let i = 0; i < nr; i++) {
      expect(k.mem.content[a + i]).toBe(2000 + i);
      expect(k.mem.content[b + i]).toBe(1000 + i);
    }
    expect(c.holds(a - 1, 9) && c.holds(a + nr, 10) && c.holds(b + nr, 11)).toBe(true);

    c.swapPages(a, b, nr);
    expect(same(bytes.subarray(a * PAGE, (a + nr) * PAGE), origA)).toBe(true);
    expect(same(bytes.subarray(b * PAGE, (b + nr) * PAGE), origB)).toBe(true);
    for (let i = 0; i < nr; i++) expect(k.mem.content[a + i]).toBe(1000 + i);
    expect(c.holds(a - 1, 9) && c.holds(a + nr, 10) && c.holds(b + nr, 11)).toBe(true);
  });

  it("swapPages of generated pages keeps holds() true on the other side; copyPages copies every byte", () => {
    const k = makeSystem({ memory: [4 * MiB, 4 * MiB], bytes: true });
    const c = k.content;
    const ts = [c.nextToken(), c.nextToken(), c.nextToken()];
    c.writePage(20, ts[0]!);
    c.writePage(21, ts[1]!);
    c.writePage(1030, ts[2]!);
    c.zeroRange(1031, 1);
    c.swapPages(20, 1030, 2);
    expect(c.holds(20, ts[2]!)).toBe(true);
    expect(c.holds(21, 0)).toBe(true);
    expect(c.holds(1030, ts[0]!)).toBe(true);
    expect(c.holds(1031, ts[1]!)).toBe(true);

    fillNaNs(frame(c.bytes!, 40), 3);
    const orig = c.bytes!.slice(40 * PAGE, 41 * PAGE);
    c.copyPages(2000, 40, 1);
    expect(same(frame(c.bytes!, 2000), orig)).toBe(true);
    expect(same(frame(c.bytes!, 40), orig)).toBe(true);
  });
});
