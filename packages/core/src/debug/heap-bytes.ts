/**
 * Bytes allocated per operation, from V8's heap space statistics: what the allocation tests of
 * core and tiering and the benchmark (bench/alloc.mjs) hold the hot paths to (0 in steady
 * state). Not a model of anything in the kernel: a measuring tool for the model itself.
 */
import { getHeapSpaceStatistics } from "node:v8";

/** Bytes in the spaces objects are allocated in (not code space: a late optimization's code is not the operation's), and in the young generation. */
export function heapSpaceUsed(): { used: number; young: number } {
  let used = 0;
  let young = 0;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name.startsWith("code")) continue;
    used += s.space_used_size;
    if (s.space_name === "new_space") young = s.space_used_size;
  }
  return { used, young };
}

export interface BytesPerOp {
  /** the smallest of the runs */
  bytesPerOp: number;
  /** each run's bytes per operation */
  runs: number[];
  /** operations per run */
  ops: number;
}

/**
 * Bytes per operation over `n` operations after `warm` of them, with a full GC (`gc`) before
 * each run: the smallest of `tries` runs (one that meets a late compilation or deoptimization
 * shows its cost once; an allocation per operation shows in every run). A run during which a
 * GC collected the young generation allocated at least its size: Infinity.
 */
export function measureBytesPerOp(op: (i: number) => void, gc: () => void, { warm = 20_000, n = 100_000, tries = 3 } = {}): BytesPerOp {
  let i = 0;
  for (; i < warm; i++) op(i);
  const runs: number[] = [];
  for (let t = 0; t < tries; t++) {
    gc();
    const before = heapSpaceUsed();
    for (const end = i + n; i < end; i++) op(i);
    const after = heapSpaceUsed();
    runs.push(after.young < before.young ? Infinity : (after.used - before.used) / n);
  }
  return { bytesPerOp: Math.min(...runs), runs, ops: n };
}
