/**
 * TracePageCounter: distinct pages of a trace, with an access count and a weight per page, in an
 * open-addressing hash table of typed arrays (no JS Set or Map: those slow down and run out of
 * memory past ~16 M keys). Keys are page numbers (Math.floor(addr / 4096), exact below 2^41).
 *
 * Memory: 20 bytes per slot, at most half the slots used: 40 bytes per distinct page. The table
 * stops at TRACE_PAGE_COUNTER_MAX_PAGES distinct pages (2^25 = 33.5 M pages = 128 GiB touched,
 * a 1.25 GiB table) and throws a RangeError beyond.
 */
export const TRACE_PAGE_COUNTER_MAX_PAGES = 1 << 25;

const EMPTY = -1;

export class TracePageCounter {
  private keys: Float64Array;
  private counts: Uint32Array;
  private weights: Float64Array;
  private mask: number;
  /** distinct pages */
  size = 0;

  constructor(initialSlots = 1 << 16) {
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.counts = new Uint32Array(n);
    this.weights = new Float64Array(n);
    this.mask = n - 1;
  }

  private static slot(page: number, mask: number): number {
    const lo = page >>> 0; // low 32 bits (ToUint32 is modulo 2^32, exact for integers < 2^53)
    const hi = (page / 4294967296) | 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & mask;
  }

  /** Count one access of `weight` to `page`. */
  add(page: number, weight = 1): void {
    let i = TracePageCounter.slot(page, this.mask);
    const keys = this.keys;
    for (;;) {
      const k = keys[i]!;
      if (k === page) {
        this.counts[i]!++;
        this.weights[i]! += weight;
        return;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    keys[i] = page;
    this.counts[i] = 1;
    this.weights[i] = weight;
    if (++this.size * 2 > keys.length) this.grow();
  }

  /** Accesses counted for `page` (0 if none). */
  count(page: number): number {
    let i = TracePageCounter.slot(page, this.mask);
    for (;;) {
      const k = this.keys[i]!;
      if (k === page) return this.counts[i]!;
      if (k === EMPTY) return 0;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    if (this.size > TRACE_PAGE_COUNTER_MAX_PAGES) {
      throw new RangeError(
        `more than ${TRACE_PAGE_COUNTER_MAX_PAGES} distinct pages (${(TRACE_PAGE_COUNTER_MAX_PAGES / 262144).toFixed(0)} GiB): the page counter stops there`,
      );
    }
    const { keys, counts, weights } = this;
    const n = keys.length * 2;
    this.keys = new Float64Array(n).fill(EMPTY);
    this.counts = new Uint32Array(n);
    this.weights = new Float64Array(n);
    this.mask = n - 1;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (k === EMPTY) continue;
      let i = TracePageCounter.slot(k, this.mask);
      while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.counts[i] = counts[j]!;
      this.weights[i] = weights[j]!;
    }
  }

  /** The `n` pages with the most weight (ties: more accesses, then the lower page). */
  top(n: number): { page: number; accesses: number; weight: number }[] {
    const out: { page: number; accesses: number; weight: number }[] = [];
    const better = (a: { page: number; accesses: number; weight: number }, b: { page: number; accesses: number; weight: number }) =>
      a.weight !== b.weight ? a.weight > b.weight : a.accesses !== b.accesses ? a.accesses > b.accesses : a.page < b.page;
    if (n <= 0) return out;
    for (let i = 0; i < this.keys.length; i++) {
      const page = this.keys[i]!;
      if (page === EMPTY) continue;
      const e = { page, accesses: this.counts[i]!, weight: this.weights[i]! };
      if (out.length === n && !better(e, out[n - 1]!)) continue;
      let j = out.length < n ? out.length : n - 1;
      while (j > 0 && better(e, out[j - 1]!)) j--;
      out.splice(j, 0, e);
      if (out.length > n) out.pop();
    }
    return out;
  }
}
