/**
 * AccessBatch: the streaming input of the simulation engine. One batch is a struct of typed
 * arrays (no per-access object), filled by trace importers (core/src/trace) and synthetic
 * workload generators (core/src/workload) alike, and replayed by the engine (sim/engine.ts).
 *
 * Entry i (0 <= i < length):
 * - t[i]      timestamp in ns from the source (informational: the engine keeps its own
 *             simulated clock; a trace's gaps are not replayed as idle time);
 * - pid[i]    the process (foliox pid; the engine maps it to an mm);
 * - addr[i]   the virtual address (a double: exact for addresses < 2^53);
 * - write[i]  1 for a store, 0 for a load;
 * - size[i]   access size in bytes (an access crossing a page boundary touches the next page
 *             too; most sources give 1..64);
 * - weight[i] how many real accesses this entry stands for (1 for a full trace; the sampling
 *             period for `perf mem` samples). The engine costs and counts weight accesses.
 *
 * The arrays may be longer than `length` (a reused buffer); only [0, length) is valid.
 */
export interface AccessBatch {
  t: Float64Array;
  pid: Int32Array;
  addr: Float64Array;
  write: Uint8Array;
  size: Int32Array;
  weight: Float64Array;
  length: number;
}

/** An empty batch with room for `capacity` entries. */
export function createAccessBatch(capacity: number): AccessBatch {
  return {
    t: new Float64Array(capacity),
    pid: new Int32Array(capacity),
    addr: new Float64Array(capacity),
    write: new Uint8Array(capacity),
    size: new Int32Array(capacity),
    weight: new Float64Array(capacity),
    length: 0,
  };
}

/** Append one entry; returns false when the batch is full. */
export function pushAccess(b: AccessBatch, t: number, pid: number, addr: number, write: boolean, size = 8, weight = 1): boolean {
  const i = b.length;
  if (i >= b.t.length) return false;
  b.t[i] = t;
  b.pid[i] = pid;
  b.addr[i] = addr;
  b.write[i] = write ? 1 : 0;
  b.size[i] = size;
  b.weight[i] = weight;
  b.length = i + 1;
  return true;
}

/** Append entries [from, to) of src to dst (which has room for them). */
export function copyAccesses(dst: AccessBatch, src: AccessBatch, from: number, to: number): void {
  const at = dst.length;
  dst.t.set(src.t.subarray(from, to), at);
  dst.pid.set(src.pid.subarray(from, to), at);
  dst.addr.set(src.addr.subarray(from, to), at);
  dst.write.set(src.write.subarray(from, to), at);
  dst.size.set(src.size.subarray(from, to), at);
  dst.weight.set(src.weight.subarray(from, to), at);
  dst.length = at + to - from;
}

/** A source of batches: any (async) iterable; a batch may be reused once the next is asked for. */
export type AccessSource = Iterable<AccessBatch> | AsyncIterable<AccessBatch>;
