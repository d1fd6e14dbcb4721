/**
 * A filesystem's backing store: the blocks that writeout really writes (the block device under
 * a superblock), one 4 KiB block per page. Each block holds a content token and, in bytes mode,
 * the real 4 KiB, so that data survives eviction and is read back from here (mpage_read_folio,
 * block_write_full_folio). Blocks are allocated on first writeout and freed by truncate.
 * Bytes live in chunks of 64 blocks, never in a Float array.
 */
import type { Kernel } from "../kernel/kernel.js";
import { fillPattern } from "../mm/content.js";
import { PAGE_SIZE } from "../mm/mem-map.js";

const BLOCKS_PER_CHUNK = 64;

export class BackingStore {
  private tokens = new Int32Array(64);
  private readonly chunks: Uint8Array[] = [];
  private readonly freeBlocks: number[] = [];
  /** blocks ever allocated (ids 0..nrBlocks-1) */
  nrBlocks = 0;
  /** blocks in use */
  used = 0;
  /** I/O counters: blocks written by writeout, blocks read by read_folio */
  blocksWritten = 0;
  blocksRead = 0;
  /** sub-page writes (writeBlockRange: buffer heads smaller than a page) */
  rangesWritten = 0;
  private scratch: Int32Array | null = null;

  constructor(readonly bytesMode: boolean) {}

  allocBlock(): number {
    let b = this.freeBlocks.pop();
    if (b === undefined) {
      b = this.nrBlocks++;
      if (b >= this.tokens.length) {
        const t = new Int32Array(this.tokens.length * 2);
        t.set(this.tokens);
        this.tokens = t;
      }
      if (this.bytesMode && b / BLOCKS_PER_CHUNK >= this.chunks.length) this.chunks.push(new Uint8Array(BLOCKS_PER_CHUNK * PAGE_SIZE));
    }
    this.tokens[b] = 0;
    this.used++;
    return b;
  }

  freeBlock(b: number): void {
    this.tokens[b] = 0;
    if (this.bytesMode) this.chunkOf(b).fill(0, this.offOf(b), this.offOf(b) + PAGE_SIZE);
    this.freeBlocks.push(b);
    this.used--;
  }

  private chunkOf(b: number): Uint8Array {
    return this.chunks[Math.floor(b / BLOCKS_PER_CHUNK)]!;
  }
  private offOf(b: number): number {
    return (b % BLOCKS_PER_CHUNK) * PAGE_SIZE;
  }

  token(b: number): number {
    return this.tokens[b]!;
  }

  /** The device write of one page: frame pfn -> block b. */
  writeBlock(k: Kernel, b: number, pfn: number): void {
    this.tokens[b] = k.mem.content[pfn]!;
    const bytes = k.content.bytes;
    if (bytes && this.bytesMode) this.chunkOf(b).set(bytes.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE), this.offOf(b));
    this.blocksWritten++;
  }

  /**
   * A sub-page device write (a buffer head's submit_bh when the filesystem block is smaller
   * than a page): bytes [offset, offset + length) of frame pfn go to the same range of block b,
   * and the block takes the page's token. The token stands for the whole page, so a caller
   * writes every range of the page in one go (ext4 writes all dirty buffers of a folio).
   * Counted in rangesWritten, not blocksWritten.
   */
  writeBlockRange(k: Kernel, b: number, pfn: number, offset: number, length: number): void {
    this.tokens[b] = k.mem.content[pfn]!;
    const bytes = k.content.bytes;
    const from = pfn * PAGE_SIZE + offset;
    if (bytes && this.bytesMode) this.chunkOf(b).set(bytes.subarray(from, from + length), this.offOf(b) + offset);
    this.rangesWritten++;
  }

  /** The device read of one page: block b -> frame pfn (b < 0: a hole, zeroes). */
  readBlock(k: Kernel, b: number, pfn: number): void {
    if (b < 0) {
      k.content.zeroRange(pfn, 1);
      return;
    }
    k.mem.content[pfn] = this.tokens[b]!;
    const bytes = k.content.bytes;
    if (bytes && this.bytesMode) bytes.set(this.chunkOf(b).subarray(this.offOf(b), this.offOf(b) + PAGE_SIZE), pfn * PAGE_SIZE);
    this.blocksRead++;
  }

  /** Does block b hold exactly token's data (every byte, in bytes mode)? For the checkers. */
  holds(b: number, token: number): boolean {
    if (this.tokens[b] !== token) return false;
    if (!this.bytesMode) return true;
    const scratch = (this.scratch ??= new Int32Array(PAGE_SIZE >> 2));
    fillPattern(scratch, 0, token);
    const chunk = this.chunkOf(b);
    const words = new Int32Array(chunk.buffer, chunk.byteOffset + this.offOf(b), PAGE_SIZE >> 2);
    for (let i = 0; i < scratch.length; i++) if (words[i] !== scratch[i]) return false;
    return true;
  }
}
