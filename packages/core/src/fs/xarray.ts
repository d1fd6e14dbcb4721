/**
 * An xarray-like sparse index -> value store (include/linux/xarray.h, lib/xarray.c), reduced to
 * what the page cache and a filesystem's block map need. It is a two-level radix of Int32Array
 * leaves of 512 slots (XA_CHUNK_SIZE is 64 upstream; 512 keeps the tree at two levels for any
 * 2^31 index), allocated on demand: no Map keyed by index (V8 caps a Map at 2^24 entries).
 *
 * Values are nonzero int32s; 0 is an empty slot. The page cache stores head pfn + 1. A
 * multi-index entry (xas_store() of an order-N entry, how a large folio sits in the page cache)
 * is modelled by storeRange(): every index it covers names the same value.
 *
 * Value entries (xa_mk_value(): shmem keeps a swapped-out page's swap entry in its slot) are
 * negative numbers, xaMkValue(v) = -v for v > 0, so they never collide with a head pfn + 1.
 *
 * Left out: marks (PAGECACHE_TAG_DIRTY/WRITEBACK: writeback tests PG_dirty itself), shadow
 * entries of evicted file pages, RCU, and freeing empty leaves.
 */
const XA_SHIFT = 9;
const XA_SIZE = 1 << XA_SHIFT;
const XA_MASK = XA_SIZE - 1;
/** indexes covered by one directory: 512 leaves of 512 slots */
const DIR_SPAN = XA_SIZE * XA_SIZE;
export const XA_MAX_INDEX = 2 ** 31 - 1;

/** xa_mk_value() */
export function xaMkValue(v: number): number {
  return -v;
}
/** xa_is_value() */
export function xaIsValue(entry: number): boolean {
  return entry < 0;
}
/** xa_to_value() */
export function xaToValue(entry: number): number {
  return -entry;
}

export class XArray {
  /** dirs[index / 2^18][(index >> 9) & 511] is the leaf holding index */
  private readonly dirs: (Int32Array | undefined)[][] = [];
  /** occupied slots */
  count = 0;

  private leafFor(index: number, alloc: boolean): Int32Array | undefined {
    if (!Number.isInteger(index) || index < 0 || index > XA_MAX_INDEX) throw new RangeError(`xarray: index ${index} is outside 0..2^31-1`);
    const d = Math.floor(index / DIR_SPAN);
    let dir = this.dirs[d];
    if (!dir) {
      if (!alloc) return undefined;
      while (this.dirs.length <= d) this.dirs.push([]);
      dir = this.dirs[d]!;
    }
    const l = (index >>> XA_SHIFT) & XA_MASK;
    let leaf = dir[l];
    if (!leaf && alloc) {
      leaf = new Int32Array(XA_SIZE);
      dir[l] = leaf;
    }
    return leaf;
  }

  /** xa_load(): the value at index, or 0 */
  load(index: number): number {
    const leaf = this.leafFor(index, false);
    return leaf ? leaf[index & XA_MASK]! : 0;
  }

  /** xa_store(): returns the old value (0 if the slot was empty); storing 0 erases. */
  store(index: number, value: number): number {
    const leaf = this.leafFor(index, value !== 0);
    if (!leaf) return 0;
    const at = index & XA_MASK;
    const old = leaf[at]!;
    leaf[at] = value;
    if (old === 0 && value !== 0) this.count++;
    else if (old !== 0 && value === 0) this.count--;
    return old;
  }

  /** xa_erase() */
  erase(index: number): number {
    return this.store(index, 0);
  }

  /** xas_store() of a multi-index entry over [index, index + nr) */
  storeRange(index: number, nr: number, value: number): void {
    for (let i = 0; i < nr; i++) this.store(index + i, value);
  }

  /**
   * xa_find(): the first occupied index in [start, last], or -1. Skips missing leaves and
   * directories whole.
   */
  findNext(start: number, last: number = XA_MAX_INDEX): number {
    let index = Math.max(0, start);
    while (index <= last) {
      const d = Math.floor(index / DIR_SPAN);
      if (d >= this.dirs.length) return -1;
      const dir = this.dirs[d]!;
      const leaf = dir[(index >>> XA_SHIFT) & XA_MASK];
      if (!leaf) {
        index = (Math.floor(index / XA_SIZE) + 1) * XA_SIZE;
        continue;
      }
      const end = Math.min(last, Math.floor(index / XA_SIZE) * XA_SIZE + XA_MASK);
      for (; index <= end; index++) if (leaf[index & XA_MASK] !== 0) return index;
    }
    return -1;
  }
}
