/**
 * struct buffer_head (include/linux/buffer_head.h, v6.12) as a compact table: one slot per
 * buffer head in typed arrays (the bh slab cache), one table per simulated system, held by the
 * system's ext4 backends (registerExt4 injects the same table into each flavour). A folio's
 * buffers form a ring through b_this_page, and the folio's ->private (mem.private, with
 * PG_private and its reference) holds the id of the ring's head buffer. Id 0 is never used, so
 * that ->private 0 means "no buffers".
 *
 * Fields kept: b_state (BH_* bits), b_this_page, b_folio (the frame's head pfn, b_page's
 * folio), the b_data offset inside the folio (bh_offset), b_size, b_blocknr and b_count.
 * Left out: b_bdev (one device per super_block), b_end_io/b_private (I/O completes inline),
 * b_assoc_map/b_assoc_buffers (metadata buffers of the bdev mapping).
 */
import { KernelBug, PG_dirty, PG_private, PG_uptodate, folioAttachPrivate, folioDetachPrivate, type Kernel } from "@foliox/core";

/** enum bh_state_bits (include/linux/buffer_head.h, v6.12) */
export const BH_Uptodate = 0;
export const BH_Dirty = 1;
export const BH_Lock = 2;
export const BH_Req = 3;
export const BH_Mapped = 4;
export const BH_New = 5;
export const BH_Async_Read = 6;
export const BH_Async_Write = 7;
export const BH_Delay = 8;
export const BH_Boundary = 9;
export const BH_Write_EIO = 10;
export const BH_Unwritten = 11;
export const BH_Quiet = 12;
export const BH_Meta = 13;
export const BH_Prio = 14;
export const BH_Defer_Completion = 15;
/** BH_PrivateStart: the first bit other code may use */
export const BH_PrivateStart = 16;
/** foliox's own (a BH_PrivateStart bit): the conformance fixture's "other I/O" holds the lock */
export const BH_FixtureHeld = BH_PrivateStart;

/** ext4's invalid_block (~0): what a delayed buffer is map_bh()'d to (fs/ext4/inode.c) */
export const INVALID_BLOCK = -1;

export const BH_NAMES = [
  "Uptodate",
  "Dirty",
  "Lock",
  "Req",
  "Mapped",
  "New",
  "Async_Read",
  "Async_Write",
  "Delay",
  "Boundary",
  "Write_EIO",
  "Unwritten",
  "Quiet",
  "Meta",
  "Prio",
  "Defer_Completion",
] as const;

export class BufferHeads {
  state = new Int32Array(64);
  count = new Int32Array(64);
  blocknr = new Int32Array(64);
  folio = new Int32Array(64);
  offset = new Int32Array(64);
  size = new Int32Array(64);
  thisPage = new Int32Array(64);
  /** free slots (a stack); slot 0 is reserved */
  private free = new Int32Array(64);
  private nrFree = 0;
  /** slots ever handed out (1..hwm-1) */
  private hwm = 1;
  /** buffer heads in use (nr_buffer_heads in /proc/slabinfo terms) */
  inUse = 0;

  private grow(): void {
    const n = this.state.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.state = g(this.state);
    this.count = g(this.count);
    this.blocknr = g(this.blocknr);
    this.folio = g(this.folio);
    this.offset = g(this.offset);
    this.size = g(this.size);
    this.thisPage = g(this.thisPage);
    this.free = g(this.free);
  }

  /** alloc_buffer_head() (fs/buffer.c): a zeroed buffer head. */
  alloc(): number {
    let bh: number;
    if (this.nrFree > 0) bh = this.free[--this.nrFree]!;
    else {
      if (this.hwm >= this.state.length) this.grow();
      bh = this.hwm++;
    }
    this.state[bh] = 0;
    this.count[bh] = 0;
    this.blocknr[bh] = INVALID_BLOCK;
    this.folio[bh] = -1;
    this.offset[bh] = 0;
    this.size[bh] = 0;
    this.thisPage[bh] = 0;
    this.inUse++;
    return bh;
  }

  /** free_buffer_head(): BUG if someone still holds it (b_count) or it sits on a list. */
  release(bh: number): void {
    if (this.count[bh] !== 0) throw new KernelBug(`free_buffer_head: bh ${bh} has b_count ${this.count[bh]}`);
    if (this.state[bh]! & (1 << BH_Lock)) throw new KernelBug(`free_buffer_head: bh ${bh} is locked`);
    this.state[bh] = 0;
    this.folio[bh] = -1;
    this.thisPage[bh] = 0;
    if (this.nrFree >= this.free.length) this.grow();
    this.free[this.nrFree++] = bh;
    this.inUse--;
  }

  test(bh: number, bit: number): boolean {
    return (this.state[bh]! & (1 << bit)) !== 0;
  }
  set(bh: number, bit: number): void {
    this.state[bh]! |= 1 << bit;
  }
  clear(bh: number, bit: number): void {
    this.state[bh]! &= ~(1 << bit);
  }
  testSet(bh: number, bit: number): boolean {
    const was = this.test(bh, bit);
    this.state[bh]! |= 1 << bit;
    return was;
  }
  testClear(bh: number, bit: number): boolean {
    const was = this.test(bh, bit);
    this.state[bh]! &= ~(1 << bit);
    return was;
  }

  /** trylock_buffer(): true if we took BH_Lock. */
  trylock(bh: number): boolean {
    return !this.testSet(bh, BH_Lock);
  }
  /** unlock_buffer(): BUG if not locked (waiters would be woken here). */
  unlock(bh: number): void {
    if (!this.testClear(bh, BH_Lock)) throw new KernelBug(`unlock_buffer: bh ${bh} is not locked`);
  }
  /** get_bh() */
  get(bh: number): void {
    this.count[bh]!++;
  }
  /** put_bh() / __brelse(): BUG on a b_count underflow ("VFS: brelse: Trying to free free buffer") */
  put(bh: number): void {
    if (this.count[bh]! <= 0) throw new KernelBug(`brelse: bh ${bh}: trying to free a free buffer`);
    this.count[bh]!--;
  }

  /** folio_set_bh(bh, folio, offset) (fs/buffer.c): b_folio and b_data. */
  setBh(bh: number, folio: number, offset: number): void {
    this.folio[bh] = folio;
    this.offset[bh] = offset;
  }

  /** map_bh() (buffer_head.h): BH_Mapped and b_blocknr. */
  map(bh: number, blocknr: number): void {
    this.set(bh, BH_Mapped);
    this.blocknr[bh] = blocknr;
  }

  /** The ring of head as an array, head first (for tests and checkers; allocates). */
  ring(head: number): number[] {
    const out: number[] = [];
    let bh = head;
    do {
      out.push(bh);
      bh = this.thisPage[bh]!;
    } while (bh !== head && out.length <= 64);
    return out;
  }

  /** The BH_* names set on bh (for messages; allocates). */
  describe(bh: number): string {
    return BH_NAMES.filter((_, i) => this.test(bh, i)).join("|") || "-";
  }
}

/**
 * The buffer-head table of system k: the one its ext4 backends hold (Ext4Backend.bufferHeads),
 * found among the system's few backends (a short loop, no container lookup). The backend's own
 * hooks use their field directly.
 */
export function bufferHeads(k: Kernel): BufferHeads {
  for (const b of k.backends.all) {
    const t = (b as { bufferHeads?: unknown }).bufferHeads;
    if (t instanceof BufferHeads) return t;
  }
  throw new Error("buffer heads live in @foliox/fs-ext4's backends, which this system does not have: createSystem({ backends: [registerAnon, registerExt4] })");
}

/** folio_buffers(): the head buffer of the folio's ring, or 0. */
export function folioBuffers(k: Kernel, head: number): number {
  return k.mem.testFlag(head, PG_private) ? k.mem.private[head]! : 0;
}

/**
 * folio_create_empty_buffers(folio, blocksize, b_state) (fs/buffer.c): folio_alloc_buffers()
 * (offsets from the end of the folio down, each folio_set_bh()'d), b_state on each, the ring
 * closed, BH_Uptodate / BH_Dirty from the folio, then folio_attach_private(folio, head).
 * Returns the head buffer (offset 0).
 */
export function folioCreateEmptyBuffers(k: Kernel, folio: number, blocksize: number, bState: number): number {
  const t = bufferHeads(k);
  const mem = k.mem;
  let head = 0;
  for (let offset = mem.folioNrPages(folio) * 4096 - blocksize; offset >= 0; offset -= blocksize) {
    const bh = t.alloc();
    t.thisPage[bh] = head;
    t.size[bh] = blocksize;
    t.setBh(bh, folio, offset);
    head = bh;
  }
  let bh = head;
  let tail = head;
  while (bh !== 0) {
    t.state[bh]! |= bState;
    tail = bh;
    bh = t.thisPage[bh]!;
  }
  t.thisPage[tail] = head;
  const dirty = mem.testFlag(folio, PG_dirty);
  const uptodate = mem.testFlag(folio, PG_uptodate);
  bh = head;
  do {
    if (dirty) t.set(bh, BH_Dirty);
    if (uptodate) t.set(bh, BH_Uptodate);
    bh = t.thisPage[bh]!;
  } while (bh !== head);
  folioAttachPrivate(k, folio, head);
  return head;
}

/** buffer_busy() (fs/buffer.c): b_count, or dirty or locked. */
export function bufferBusy(t: BufferHeads, bh: number): boolean {
  return t.count[bh] !== 0 || (t.state[bh]! & ((1 << BH_Dirty) | (1 << BH_Lock))) !== 0;
}

/**
 * drop_buffers() + the free loop of try_to_free_buffers() (fs/buffer.c): if no buffer of the
 * ring is busy, detach the ring from the folio and free every buffer head. False if busy.
 */
export function tryToFreeBuffers(k: Kernel, folio: number): boolean {
  const t = bufferHeads(k);
  const head = folioBuffers(k, folio);
  if (!head) return true;
  let bh = head;
  do {
    if (bufferBusy(t, bh)) return false;
    bh = t.thisPage[bh]!;
  } while (bh !== head);
  folioDetachPrivate(k, folio);
  bh = head;
  do {
    const next = t.thisPage[bh]!;
    t.release(bh);
    bh = next;
  } while (bh !== head);
  return true;
}
