/**
 * Access counts per page key (pid * 2^36 + vpn), for one epoch: an open-addressing hash table
 * on typed arrays, reused from epoch to epoch. A Map keyed by doubles above 2^31 boxes every
 * key and hashes it through the runtime; this table is a multiply, a mask and a probe or two,
 * and allocates only when it grows (it doubles at half load, so it holds what the largest
 * epoch touched, never more than twice that).
 */
const EMPTY = -1;

/** The first slot to probe for a key: an integer below 2^53, its two halves mixed. */
function hashSlot(key: number, mask: number): number {
  const hi = Math.floor(key * (1 / 2 ** 26));
  return Math.imul((key - hi * 2 ** 26) ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) & mask;
}

export class PageCounts {
  private keys: Float64Array;
  private counts: Float64Array;
  /** the slots in use, in the order their keys were first counted */
  private used: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialSlots = 1 << 16) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.keys = new Float64Array(slots).fill(EMPTY);
    this.counts = new Float64Array(slots);
    this.used = new Int32Array(slots >>> 1);
    this.mask = slots - 1;
  }

  /** counts[key] += w */
  add(key: number, w: number): void {
    const keys = this.keys;
    const mask = this.mask;
    let s = hashSlot(key, mask);
    for (;;) {
      const k = keys[s]!;
      if (k === key) {
        this.counts[s]! += w;
        return;
      }
      if (k === EMPTY) break;
      s = (s + 1) & mask;
    }
    keys[s] = key;
    this.counts[s] = w;
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
    const keys = this.keys;
    for (let i = 0; i < n; i++) keys[order[i]!] = EMPTY;
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
    const keys = this.keys;
    const counts = this.counts;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const c = counts[order[i]!]!;
      if (c !== Math.floor(c)) return null;
      if (c > max) max = c;
    }
    const span = 2 ** Math.ceil(Math.log2(n + 1));
    if ((max + 1) * span > Number.MAX_SAFE_INTEGER) return null;
    const sorted = new Float64Array(n);
    for (let i = 0; i < n; i++) sorted[i] = keys[order[i]!]!;
    sorted.sort();
    const packed = new Float64Array(n);
    for (let r = 0; r < n; r++) packed[r] = (max - counts[this.slotOf(sorted[r]!)]!) * span + r;
    packed.sort();
    for (let i = 0; i < n; i++) {
      const p = packed[i]!;
      packed[i] = sorted[p - Math.floor(p / span) * span]!;
    }
    return packed;
  }

  private comparedOrder(order: Int32Array): Float64Array {
    const keys = this.keys;
    const counts = this.counts;
    order.sort((a, b) => counts[b]! - counts[a]! || keys[a]! - keys[b]!);
    return Float64Array.from(order, (s) => keys[s]!);
  }

  /** The slot holding key (which is in the table). */
  private slotOf(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let s = hashSlot(key, mask);
    while (keys[s] !== key) s = (s + 1) & mask;
    return s;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const oldUsed = this.used.subarray(0, this.size);
    const slots = oldKeys.length * 2;
    this.keys = new Float64Array(slots).fill(EMPTY);
    this.counts = new Float64Array(slots);
    this.used = new Int32Array(slots >>> 1);
    this.mask = slots - 1;
    this.size = 0;
    for (let i = 0; i < oldUsed.length; i++) this.add(oldKeys[oldUsed[i]!]!, oldCounts[oldUsed[i]!]!);
  }
}
