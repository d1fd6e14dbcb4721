/**
 * Access counts per page key (pid * 2^36 + vpn), for one epoch: an open-addressing hash table
 * on typed arrays, reused from epoch to epoch. A Map keyed by doubles above 2^31 boxes every
 * key and hashes it through the runtime; this table is a multiply, a mask and a probe or two,
 * and allocates only when it grows (it doubles at half load, so it holds what the largest
 * epoch touched, never more than twice that). A slot's key and count sit side by side (one
 * cache line per probe: an epoch's table outgrows the host's L2).
 */
const EMPTY = -1;

/** The first slot to probe for a key: an integer below 2^53, its two halves mixed. */
function hashSlot(key: number, mask: number): number {
  const hi = Math.floor(key * (1 / 2 ** 26));
  return Math.imul((key - hi * 2 ** 26) ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) & mask;
}

/** A table of `slots` free slots. */
function emptyTable(slots: number): Float64Array {
  const t = new Float64Array(2 * slots);
  for (let s = 0; s < slots; s++) t[2 * s] = EMPTY;
  return t;
}

export class PageCounts {
  /** slot s: its key at 2s (EMPTY when free), its count at 2s + 1 */
  private table: Float64Array;
  /** the slots in use, in the order their keys were first counted */
  private used: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialSlots = 1 << 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.table = emptyTable(slots);
    this.used = new Int32Array(slots >>> 1);
    this.mask = slots - 1;
  }

  /** counts[key] += w */
  add(key: number, w: number): void {
    const t = this.table;
    const mask = this.mask;
    let s = hashSlot(key, mask);
    for (;;) {
      const k = t[2 * s]!;
      if (k === key) {
        t[2 * s + 1]! += w;
        return;
      }
      if (k === EMPTY) break;
      s = (s + 1) & mask;
    }
    t[2 * s] = key;
    t[2 * s + 1] = w;
    this.used[this.size++] = s;
    if (this.size > this.used.length - 1) this.grow();
  }

  /**
   * The keys, most counted first (ties: the smaller key first), at most `limit` of them; then
   * the table is emptied for the next epoch.
   */
  drainHottest(limit: number): Float64Array {
    const n = this.size;
    const order = this.used.subarray(0, n);
    const out = this.packedOrder(order) ?? this.comparedOrder(order);
    const t = this.table;
    for (let i = 0; i < n; i++) t[2 * order[i]!] = EMPTY;
    this.size = 0;
    return out.subarray(0, Math.min(limit, n));
  }

  /**
   * The order through two native numeric sorts, no comparator: the keys sorted give each its
   * rank, and (max - count) × 2^b + rank sorts by count, then key. Exact while every count is
   * an integer and the packed values stay below 2^53; null otherwise.
   */
  private packedOrder(order: Int32Array): Float64Array | null {
    const n = order.length;
    const t = this.table;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = t[2 * order[i]! + 1]!;
      if (c !== Math.floor(c)) return null;
      if (c > max) max = c;
    }
    const span = 2 ** Math.ceil(Math.log2(n + 1));
    if ((max + 1) * span > Number.MAX_SAFE_INTEGER) return null;
    const sorted = new Float64Array(n);
    for (let i = 0; i < n; i++) sorted[i] = t[2 * order[i]!]!;
    sorted.sort();
    const packed = new Float64Array(n);
    for (let r = 0; r < n; r++) packed[r] = (max - t[2 * this.slotOf(sorted[r]!) + 1]!) * span + r;
    packed.sort();
    for (let i = 0; i < n; i++) {
      const p = packed[i]!;
      packed[i] = sorted[p - Math.floor(p / span) * span]!;
    }
    return packed;
  }

  private comparedOrder(order: Int32Array): Float64Array {
    const t = this.table;
    order.sort((a, b) => t[2 * b + 1]! - t[2 * a + 1]! || t[2 * a]! - t[2 * b]!);
    return Float64Array.from(order, (s) => t[2 * s]!);
  }

  /** The slot holding key (which is in the table). */
  private slotOf(key: number): number {
    const t = this.table;
    const mask = this.mask;
    let s = hashSlot(key, mask);
    while (t[2 * s] !== key) s = (s + 1) & mask;
    return s;
  }

  private grow(): void {
    const old = this.table;
    const oldUsed = this.used.subarray(0, this.size);
    const slots = old.length; // twice as many slots: the old table had old.length / 2
    this.table = emptyTable(slots);
    this.used = new Int32Array(slots >>> 1);
    this.mask = slots - 1;
    this.size = 0;
    for (let i = 0; i < oldUsed.length; i++) this.add(old[2 * oldUsed[i]!]!, old[2 * oldUsed[i]! + 1]!);
  }
}
