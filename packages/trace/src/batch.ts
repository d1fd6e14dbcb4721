/**
 * TraceBatch: what every trace importer fills. A struct of typed arrays, so that reading a
 * trace allocates nothing per access. It has the same fields and array types as the engine's
 * streaming input (`AccessBatch` in sim/access-batch.ts: t, pid, addr, write, size, weight,
 * length), so a batch from readTrace() can be replayed as it is.
 *
 * Entry i (0 <= i < length):
 * - t[i]      timestamp in ns (synthesized for lackey and pin, which have none: see each importer);
 * - pid[i]    process id (0 when the source has none);
 * - addr[i]   virtual address, a double: exact below 2^53, and importers reject anything larger.
 *             Page of an access: Math.floor(addr / 4096) (never `addr >>> 12`: that truncates to 32 bits);
 * - write[i]  1 for a store, 0 for a load (and for an instruction fetch, when included);
 * - size[i]   bytes accessed; an access that crosses a page boundary touches the next page too;
 *             0 when the source does not say (pinatrace); damo regions above 1 GiB are split;
 * - weight[i] how many real accesses the entry stands for: 1 for full traces (lackey, pin),
 *             the sample period for `perf mem` samples, nr_accesses for damo regions.
 *
 * The arrays are `capacity` long; only [0, length) is valid. readTrace() reuses one batch:
 * copy what you need before asking for the next one.
 */
export class TraceBatch {
  readonly t: Float64Array;
  readonly pid: Int32Array;
  readonly addr: Float64Array;
  readonly write: Uint8Array;
  readonly size: Int32Array;
  readonly weight: Float64Array;
  length = 0;

  constructor(readonly capacity = 65536) {
    if (!Number.isInteger(capacity) || capacity < 4) {
      throw new RangeError(`TraceBatch capacity must be an integer >= 4, got ${capacity}`);
    }
    this.t = new Float64Array(capacity);
    this.pid = new Int32Array(capacity);
    this.addr = new Float64Array(capacity);
    this.write = new Uint8Array(capacity);
    this.size = new Int32Array(capacity);
    this.weight = new Float64Array(capacity);
  }

  /** Append one entry (the caller checks room: importers flush before the batch is full). */
  push(t: number, pid: number, addr: number, write: number, size: number, weight: number): void {
    const i = this.length;
    this.t[i] = t;
    this.pid[i] = pid;
    this.addr[i] = addr;
    this.write[i] = write;
    this.size[i] = size;
    this.weight[i] = weight;
    this.length = i + 1;
  }

  clear(): void {
    this.length = 0;
  }
}

/** 4 KiB base pages: the page number of an address is Math.floor(addr / TRACE_PAGE_SIZE). */
export const TRACE_PAGE_SIZE = 4096;
