/**
 * Access counts per page key (pid * 2^36 + vpn) for one epoch: what the epoch-oracle ranks.
 *
 * The epoch's keys are appended as they come, and counted once, at the end, by sorting them. A
 * table probed per access would be cheaper in operations but not in time: an epoch of a large
 * footprint touches tens of thousands of pages, the table outgrows the host's L2, and nearly
 * every probe waits on memory; appending is a store in order. The sort is an LSD radix sort on
 * 11-bit digits of the key's two integer halves (a digit every key shares is skipped, so a
 * single process's keys take two or three passes). It is stable, so the weights of a key add up
 * in the order they came, as a running sum's would. One pass over the sorted keys then sums
 * runs of equal keys.
 *
 * The distinct keys are then ordered by count, most first, the smaller key first among equal
 * counts: by a counting sort on the count when every count is a whole multiple of the smallest
 * and they span few multiples (a sampled workload's counts are multiples of its weight), else
 * by a comparison sort.
 *
 * Memory: four typed arrays of the epoch's keys (the keys and weights, and their copies the sort
 * moves them to), grown by doubling: at most twice what the largest epoch appended.
 */
import type { HotKeys } from "./types.js";

/** Keys are split at 2^22 into int32 halves: lo (22 bits) and hi (key / 2^22, below 2^31). */
const LO_SPAN = 2 ** 22;
const DIGIT_BITS = 11;
const DIGIT_MASK = (1 << DIGIT_BITS) - 1;
const RADIX = 1 << DIGIT_BITS;
/** digits 0-1 are lo's, 2-4 hi's (the last has 9 bits) */
const NR_DIGITS = 5;

export class PageCounts {
  private hi: Int32Array;
  private lo: Int32Array;
  private w: Float64Array;
  /** where a radix pass moves the keys to, then the next reads from */
  private hi2: Int32Array;
  private lo2: Int32Array;
  private w2: Float64Array;
  private readonly hist = new Int32Array(NR_DIGITS * RADIX);
  /** keys appended this epoch */
  size = 0;

  constructor(initialKeys = 1 << 16) {
    const n = Math.max(16, initialKeys);
    this.hi = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.w = new Float64Array(n);
    this.hi2 = new Int32Array(n);
    this.lo2 = new Int32Array(n);
    this.w2 = new Float64Array(n);
  }

  /** counts[key] += w */
  add(key: number, w: number): void {
    if (this.size === this.w.length) this.grow();
    const i = this.size++;
    const hi = Math.floor(key * (1 / LO_SPAN));
    this.hi[i] = hi;
    this.lo[i] = key - hi * LO_SPAN;
    this.w[i] = w;
  }

  /**
   * The most counted keys (ties: the smaller key first), at most `limit` of them, hottest first
   * and ascending; then the counts are emptied for the next epoch.
   */
  drainHottest(limit: number): HotKeys {
    const n = this.sortKeys();
    const { hi, lo, w } = this;
    // runs of equal keys: each distinct key, ascending, with its count
    const keys = new Float64Array(n);
    const counts = new Float64Array(n);
    let d = -1;
    for (let i = 0, pHi = -1, pLo = -1; i < n; i++) {
      if (hi[i] !== pHi || lo[i] !== pLo) {
        pHi = hi[i]!;
        pLo = lo[i]!;
        keys[++d] = pHi * LO_SPAN + pLo;
        counts[d] = 0;
      }
      counts[d]! += w[i]!;
    }
    this.size = 0;
    const distinct = d + 1;
    const m = Math.min(limit, distinct);
    const ranks = countedOrder(counts, distinct, m) ?? comparedOrder(counts, distinct, m);
    return hotViews(keys.subarray(0, distinct), ranks);
  }

  /** Sort the appended keys (with their weights) ascending, in place; their number. */
  private sortKeys(): number {
    const n = this.size;
    const hist = this.hist;
    hist.fill(0);
    const { hi: his, lo: los } = this;
    for (let i = 0; i < n; i++) {
      const h = his[i]!;
      const l = los[i]!;
      hist[l & DIGIT_MASK]!++;
      hist[RADIX + ((l >>> DIGIT_BITS) & DIGIT_MASK)]!++;
      hist[2 * RADIX + (h & DIGIT_MASK)]!++;
      hist[3 * RADIX + ((h >>> DIGIT_BITS) & DIGIT_MASK)]!++;
      hist[4 * RADIX + (h >>> (2 * DIGIT_BITS))]!++;
    }
    for (let d = 0; d < NR_DIGITS; d++) {
      const base = d * RADIX;
      const shift = (d < 2 ? d : d - 2) * DIGIT_BITS;
      if (n === 0 || hist[base + (((d < 2 ? this.lo : this.hi)[0]! >>> shift) & DIGIT_MASK)] === n) continue; // all keys share it
      // bucket starts
      for (let b = 0, at = 0; b < RADIX; b++) {
        const c = hist[base + b]!;
        hist[base + b] = at;
        at += c;
      }
      const { hi, lo, w, hi2, lo2, w2 } = this;
      const by = d < 2 ? lo : hi;
      for (let i = 0; i < n; i++) {
        const to = hist[base + ((by[i]! >>> shift) & DIGIT_MASK)]!++;
        hi2[to] = hi[i]!;
        lo2[to] = lo[i]!;
        w2[to] = w[i]!;
      }
      this.hi = hi2;
      this.lo = lo2;
      this.w = w2;
      this.hi2 = hi;
      this.lo2 = lo;
      this.w2 = w;
    }
    return n;
  }

  private grow(): void {
    const n = this.w.length * 2;
    const hi = new Int32Array(n);
    const lo = new Int32Array(n);
    const w = new Float64Array(n);
    hi.set(this.hi);
    lo.set(this.lo);
    w.set(this.w);
    this.hi = hi;
    this.lo = lo;
    this.w = w;
    this.hi2 = new Int32Array(n);
    this.lo2 = new Int32Array(n);
    this.w2 = new Float64Array(n);
  }
}

/**
 * The first m ranks (indices into the ascending keys) by count, most first, the smaller rank
 * first among equal counts: a stable counting sort on (max - count) / unit, where unit is the
 * smallest count if every count is a whole multiple of it, else 1. Null when a count is not an
 * integer or the counts span more buckets than max(4 n, 2^16).
 */
function countedOrder(counts: Float64Array, n: number, m: number): Int32Array | null {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let r = 0; r < n; r++) {
    const c = counts[r]!;
    if (c !== Math.floor(c)) return null;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  if (n === 0) return new Int32Array(0);
  let unit = min;
  for (let r = 0; r < n; r++) {
    const q = (counts[r]! - min) / unit;
    if (q !== Math.floor(q)) {
      unit = 1;
      break;
    }
  }
  const buckets = (max - min) / unit + 1;
  if (buckets > Math.max(4 * n, 1 << 16)) return null;
  const start = new Int32Array(buckets);
  for (let r = 0; r < n; r++) start[(max - counts[r]!) / unit]!++;
  for (let b = 0, at = 0; b < buckets; b++) {
    const c = start[b]!;
    start[b] = at;
    at += c;
  }
  const out = new Int32Array(m);
  for (let r = 0; r < n; r++) {
    const at = start[(max - counts[r]!) / unit]!++;
    if (at < m) out[at] = r;
  }
  return out;
}

/** countedOrder()'s answer through a comparison sort: any counts. */
function comparedOrder(counts: Float64Array, n: number, m: number): Int32Array {
  const ranks = new Int32Array(n);
  for (let r = 0; r < n; r++) ranks[r] = r;
  ranks.sort((a, b) => counts[b]! - counts[a]! || a - b);
  return ranks.slice(0, m);
}

/** The hot keys, hottest first and ascending, from the ascending keys and the hot ranks hottest first. */
export function hotViews(keys: Float64Array, ranks: Int32Array): HotKeys {
  const m = ranks.length;
  // index in hotSorted of each hot rank, -1 for the others: hotSorted keeps the keys' order
  const at = new Int32Array(keys.length).fill(-1);
  for (let i = 0; i < m; i++) at[ranks[i]!] = 0;
  const hotSorted = new Float64Array(m);
  for (let r = 0, j = 0; r < keys.length; r++) {
    if (at[r] === -1) continue;
    at[r] = j;
    hotSorted[j++] = keys[r]!;
  }
  const hotKeys = new Float64Array(m);
  const hotOrder = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    hotOrder[i] = at[ranks[i]!]!;
    hotKeys[i] = keys[ranks[i]!]!;
  }
  return { hotKeys, hotSorted, hotOrder };
}
