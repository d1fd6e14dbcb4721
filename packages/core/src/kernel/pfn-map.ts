/**
 * A map from a pfn (a non-negative int32) to a value that allocates nothing once it has grown
 * to the number of keys it holds at a time: open addressing with linear probing and
 * backward-shift deletion (no tombstones). A JS Map reallocates its table as it grows and
 * shrinks, which a hot path that sets and deletes a key per operation (a folio lock's holder,
 * set at lock and deleted at unlock) pays on every few operations.
 *
 * The API is the subset of Map the model uses: get, set, delete, has, size, clear.
 */
const EMPTY = -1;

export class PfnMap<T> {
  private keys: Int32Array;
  private vals: (T | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = 16) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.vals = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private slot(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
  }

  /** The slot holding key, or -1. */
  private find(key: number): number {
    const keys = this.keys;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  has(key: number): boolean {
    return this.find(key) >= 0;
  }

  get(key: number): T | undefined {
    const i = this.find(key);
    return i < 0 ? undefined : this.vals[i];
  }

  set(key: number, value: T): this {
    if (!(key >= 0 && key <= 0x7fffffff && Number.isInteger(key))) throw new RangeError(`PfnMap: key ${key} is not a pfn`);
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const keys = this.keys;
    for (let i = this.slot(key); ; i = (i + 1) & this.mask) {
      const k = keys[i]!;
      if (k === key) {
        this.vals[i] = value;
        return this;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.vals[i] = value;
        this.count++;
        return this;
      }
    }
  }

  delete(key: number): boolean {
    let i = this.find(key);
    if (i < 0) return false;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    // backward-shift: move later entries of the probe run into the hole
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.slot(keys[j]!);
      // entry j may move to i if its home is not in (i, j] (cyclically)
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        keys[i] = keys[j]!;
        vals[i] = vals[j];
        i = j;
      }
    }
    keys[i] = EMPTY;
    vals[i] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.vals.fill(undefined);
    this.count = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap).fill(EMPTY);
    this.vals = new Array<T | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.set(oldKeys[i]!, oldVals[i] as T);
  }
}
