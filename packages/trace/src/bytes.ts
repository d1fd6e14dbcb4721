/**
 * Byte-level helpers shared by the importers, which parse raw bytes (no string per line) and
 * read hex digits through a lookup table.
 */

/** HEX[byte] is the value of a hex digit, or -1. */
export const HEX: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/**
 * The value of the hex digits buf[start, end), at most 13 of them (so below 2^52): added up as
 * two int32 halves, not as a chain of double multiply-adds (each waits for the one before).
 */
export function hexValue(buf: Uint8Array, start: number, end: number): number {
  const mid = end - 7 > start ? end - 7 : start;
  let hi = 0;
  for (let i = start; i < mid; i++) hi = (hi << 4) | HEX[buf[i]!]!;
  let lo = 0;
  for (let i = mid; i < end; i++) lo = (lo << 4) | HEX[buf[i]!]!;
  return hi * 0x10000000 + lo;
}

/**
 * 4 bytes at once, as a little-endian int32 w (the first byte lowest; DataView.getInt32(i, true)):
 * hexBits(w) is HEX_BITS_ALL exactly when all 4 are hex digits. A loop over the digits costs a
 * mispredicted exit per field; this is a few int32 operations and one branch. Each byte's verdict
 * is its top bit, from range tests on bytes below 0x80 (x + (0x80 - lo) has its top bit set iff
 * x >= lo, with no carry into the next byte); a byte of 0x80 or more (~w) clears the whole.
 */
export function hexBits(w: number): number {
  const l = w | 0x20202020; // A-F to a-f (and nothing else into a-f)
  const digit = ((w + 0x50505050) | 0) & ~((w + 0x46464646) | 0); // >= '0' and not > '9'
  const letter = ((l + 0x1f1f1f1f) | 0) & ~((l + 0x19191919) | 0); // >= 'a' and not > 'f'
  return (digit | letter) & ~w & 0x80808080;
}

export const HEX_BITS_ALL = 0x80808080 | 0;

/** The value of the 4 hex digits in w (as for hexBits, which has said they are): nibbles, then packed pairwise. */
export function hex4Value(w: number): number {
  const n = (w & 0x0f0f0f0f) + 9 * ((w >> 6) & 0x01010101); // a letter (bit 6 set) is its low nibble + 9
  const t = ((n << 4) | (n >>> 8)) & 0x00ff00ff; // digits 0,1 in bits 0-7 and 2,3 in bits 16-23
  return ((t & 0xff) << 8) | (t >>> 16);
}

/** Largest address an importer accepts: a double is exact below 2^53. */
export const MAX_TRACE_ADDR = Number.MAX_SAFE_INTEGER;

export const CH_TAB = 9;
export const CH_LF = 10;
export const CH_CR = 13;
export const CH_SPACE = 32;
export const CH_HASH = 35;
export const CH_COMMA = 44;
export const CH_DOT = 46;
export const CH_ZERO = 48;
export const CH_COLON = 58;
export const CH_EQUALS = 61;
export const CH_MINUS = 45;
export const CH_X = 120;

/** A blank between fields: space or tab. */
export function isBlank(c: number): boolean {
  return c === CH_SPACE || c === CH_TAB;
}

/** The text of bytes [start, end), Latin-1 (trace lines are ASCII). */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

/** Where a parser taking runs of lines stands: the offset in the chunk, and the last line's number. */
export interface TraceLineCursor {
  pos: number;
  lineNo: number;
}
