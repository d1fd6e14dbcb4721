/** The byte-level helpers: the SWAR hex test and value (hexBits, hex4Value) against the HEX table. */
import { describe, expect, it } from "vitest";
import { HEX, HEX_BITS_ALL, hex4Value, hexBits, hexValue } from "../src/bytes.js";

/** The 4 bytes as DataView.getInt32(0, true) reads them. */
const word = (b: number[]) => new DataView(Uint8Array.from(b).buffer).getInt32(0, true);

describe("hexBits / hex4Value: 4 hex digits at once", () => {
  it("says all 4 are hex digits exactly when each is, whatever byte (0-255) stands where", () => {
    const fill = [0x30, 0x61, 0x46, 0x39]; // "0aF9"
    for (let pos = 0; pos < 4; pos++) {
      for (let c = 0; c < 256; c++) {
        const b = [...fill];
        b[pos] = c;
        expect(hexBits(word(b)) === HEX_BITS_ALL, `byte ${c} at ${pos}`).toBe(HEX[c]! >= 0);
      }
    }
    // a byte of 0x80 or more carries into the next one, which may then look like a digit ("/", "`")
    for (const c of [0x80, 0xb0, 0xe1, 0xff]) {
      for (const next of [0x2f, 0x60, 0x30]) {
        expect(hexBits(word([c, next, 0x30, 0x30])) === HEX_BITS_ALL).toBe(false);
        expect(hexBits(word([0x30, 0x30, c, next])) === HEX_BITS_ALL).toBe(false);
      }
    }
  });

  it("values every digit in every place, either case, as hexValue does", () => {
    const digits = "0123456789abcdefABCDEF";
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      const b: number[] = [];
      for (let k = 0; k < 4; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        b.push(digits.charCodeAt((seed >>> 8) % digits.length));
      }
      const text = String.fromCharCode(...b);
      expect(hex4Value(word(b)), text).toBe(Number.parseInt(text, 16));
      expect(hexValue(Uint8Array.from(b), 0, 4)).toBe(Number.parseInt(text, 16));
    }
    expect(hex4Value(word([0x66, 0x46, 0x66, 0x46]))).toBe(0xffff);
    expect(hex4Value(word([0x30, 0x30, 0x30, 0x30]))).toBe(0);
  });
});
