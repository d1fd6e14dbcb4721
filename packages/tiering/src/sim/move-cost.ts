/**
 * The cost of one move, in simulated nanoseconds, from the cost table (sim/costs.ts, where
 * each constant's source is): a fixed part, plus the data over the copy bandwidth, plus one TLB
 * shootdown for each mapping beyond the first of each folio. Migration and exchange are costed
 * apart, each calibrated to the Nimble RFC's batched 4 KiB figures.
 *
 * The seed's data swap can split each page over 1, 2, 4 or 8 workers (swapWorkers). The
 * speed-up follows Amdahl's law with the parallel fraction fitted to Nimble's multi-threaded
 * THP copy, and every worker hand-off costs workerHandoffNs — an assumption: on a 4 KiB page
 * the hand-off outweighs the copy, which is why foliox parallelises per batch, if at all.
 */
import type { Costs } from "./costs.js";

/** The seed's worker counts (PARALLEL_SINGLE, _2THREAD, _4THREAD, _8THREAD). */
export type SwapWorkers = 1 | 2 | 4 | 8;

/** The part of the cost table a move needs. */
export type MoveCosts = Pick<
  Costs,
  | "migrateFixedNs"
  | "migrateFixedBatchedNs"
  | "exchangeFixedNs"
  | "exchangeFixedBatchedNs"
  | "migrateCopyGBps"
  | "exchangeSwapGBps"
  | "tlbShootdownNs"
  | "parallelFraction"
  | "workerHandoffNs"
>;

/** Amdahl speed-up of the copy for n workers. */
export function copySpeedup(c: MoveCosts, workers: number): number {
  const p = c.parallelFraction;
  return 1 / (1 - p + p / workers);
}

/** Time to copy or swap `bytes` at `gbps` with n workers, hand-offs included (ns). */
export function dataMoveNs(c: MoveCosts, bytes: number, gbps: number, workers: number, chunks: number): number {
  const copy = bytes / gbps / copySpeedup(c, workers);
  return copy + (workers > 1 ? workers * chunks * c.workerHandoffNs : 0);
}

/**
 * How work is split over workers: "per-page" hands every base page to the workers (the seed's
 * exchange_data_parallel()), "per-folio" hands each worker one share of the whole folio.
 */
export type WorkerSplit = "per-page" | "per-folio";

function chunks(nrPages: number, split: WorkerSplit): number {
  return split === "per-page" ? nrPages : 1;
}

/** One folio of nr base pages migrated, mapped `mappings` times. */
export function migrationCostNs(
  c: MoveCosts,
  nrPages: number,
  mappings: number,
  batched: boolean,
  workers: number = 1,
  split: WorkerSplit = "per-page",
): number {
  const fixed = batched ? c.migrateFixedBatchedNs : c.migrateFixedNs;
  return fixed + dataMoveNs(c, nrPages * 4096, c.migrateCopyGBps, workers, chunks(nrPages, split)) + Math.max(0, mappings - 1) * c.tlbShootdownNs;
}

/** One pair of folios of nr base pages each exchanged; `mappings` counts both folios' mappings. */
export function exchangeCostNs(
  c: MoveCosts,
  nrPages: number,
  mappings: number,
  batched: boolean,
  workers: number = 1,
  split: WorkerSplit = "per-page",
): number {
  const fixed = batched ? c.exchangeFixedBatchedNs : c.exchangeFixedNs;
  return fixed + dataMoveNs(c, nrPages * 4096, c.exchangeSwapGBps, workers, chunks(nrPages, split)) + Math.max(0, mappings - 2) * c.tlbShootdownNs;
}
