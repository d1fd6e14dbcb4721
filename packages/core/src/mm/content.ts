/**
 * Page contents. Every base page carries a content token (mem_map.content) standing for its
 * 4 KiB of data: writes set a fresh token, and every mover must carry it. In bytes mode the
 * frames also hold real bytes, expanded from the token by a fixed generator, so that a data
 * swap moves 4 KiB per page for real and a check can compare every byte.
 *
 * Bytes live in one Uint8Array with 64 KiB spare at the end used as the swap scratch, so a
 * swap is three memmoves (copyWithin) per 64 KiB and allocates nothing. The scratch stays in
 * the CPU's cache while the frames stream through it: on data larger than the cache a 2 MiB
 * swap moves each byte of both folios once in and once out, where a swap through a 4 KiB
 * scratch (1,536 memmoves per 2 MiB) or through a folio-sized temporary does worse. Bytes
 * never pass through a Float32Array/Float64Array: NaN payloads could change.
 */
import { PAGE_SIZE, type MemMap } from "./mem-map.js";

/** Pages of swap scratch: 64 KiB, swapped through in one memmove each way. */
export const SWAP_SCRATCH_PAGES = 16;

export class Content {
  readonly bytes: Uint8Array | null;
  /** Int32 view of `bytes`, used only to generate patterns. */
  private readonly words: Int32Array | null;
  private readonly scratchOff: number;
  /** tokens handed out so far; token 0 is the zero page's content */
  private seq = 0;

  constructor(
    private readonly mem: MemMap,
    bytesMode: boolean,
  ) {
    if (bytesMode) {
      const size = (mem.nrPages + SWAP_SCRATCH_PAGES) * PAGE_SIZE;
      if (size > 2 ** 31) throw new RangeError("bytes mode keeps every frame in memory: use at most 2 GiB of simulated memory");
      this.bytes = new Uint8Array(size);
      this.words = new Int32Array(this.bytes.buffer);
    } else {
      this.bytes = null;
      this.words = null;
    }
    this.scratchOff = mem.nrPages * PAGE_SIZE;
  }

  get bytesMode(): boolean {
    return this.bytes !== null;
  }

  /** A new token for a write. */
  nextToken(): number {
    this.seq = (this.seq + 1) | 0;
    if (this.seq === 0) this.seq = 1;
    return this.seq;
  }

  /** A CPU store that replaces the page's data with `token`'s. */
  writePage(pfn: number, token: number): void {
    this.mem.content[pfn] = token;
    if (this.words) fillPattern(this.words, (pfn * PAGE_SIZE) >> 2, token);
  }

  /** clear_highpage() over nr pages */
  zeroRange(pfn: number, nr: number): void {
    this.mem.content.fill(0, pfn, pfn + nr);
    if (this.bytes) this.bytes.fill(0, pfn * PAGE_SIZE, (pfn + nr) * PAGE_SIZE);
  }

  /** folio_copy(): nr pages from src to dst. */
  copyPages(dst: number, src: number, nr: number): void {
    this.mem.content.copyWithin(dst, src, src + nr);
    if (this.bytes) this.bytes.copyWithin(dst * PAGE_SIZE, src * PAGE_SIZE, (src + nr) * PAGE_SIZE);
  }

  /** Swap nr pages between two frames, 64 KiB at a time through the scratch. */
  swapPages(a: number, b: number, nr: number): void {
    const tokens = this.mem.content;
    for (let i = 0; i < nr; i++) {
      const t = tokens[a + i]!;
      tokens[a + i] = tokens[b + i]!;
      tokens[b + i] = t;
    }
    const bytes = this.bytes;
    if (!bytes) return;
    const s = this.scratchOff;
    for (let i = 0; i < nr; i += SWAP_SCRATCH_PAGES) {
      const len = (nr - i < SWAP_SCRATCH_PAGES ? nr - i : SWAP_SCRATCH_PAGES) * PAGE_SIZE;
      const ao = (a + i) * PAGE_SIZE;
      const bo = (b + i) * PAGE_SIZE;
      bytes.copyWithin(s, ao, ao + len);
      bytes.copyWithin(ao, bo, bo + len);
      bytes.copyWithin(bo, s, s + len);
    }
  }

  /** Does the frame hold exactly `token`'s data (every byte, in bytes mode)? */
  holds(pfn: number, token: number): boolean {
    if (this.mem.content[pfn] !== token) return false;
    const words = this.words;
    if (!words) return true;
    let x = seedOf(token);
    const base = (pfn * PAGE_SIZE) >> 2;
    for (let i = 0; i < PAGE_SIZE >> 2; i++) {
      if (token === 0) {
        if (words[base + i] !== 0) return false;
        continue;
      }
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      if (words[base + i] !== (x | 0)) return false;
    }
    return true;
  }
}

function seedOf(token: number): number {
  return (Math.imul(token, 0x9e3779b1) ^ 0x5bd1e995) | 1;
}

/** xorshift32 stream seeded by the token: every 32-bit pattern can appear, NaN payloads included. */
export function fillPattern(words: Int32Array, base: number, token: number): void {
  if (token === 0) {
    words.fill(0, base, base + (PAGE_SIZE >> 2));
    return;
  }
  let x = seedOf(token);
  for (let i = 0; i < PAGE_SIZE >> 2; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[base + i] = x;
  }
}
