/**
 * The cost model of one move, in simulated nanoseconds: a fixed part, plus bytes over the copy
 * bandwidth, plus one TLB shootdown per mapping. Migration and exchange are costed apart.
 *
 * Defaults (tiering-prior-art.md §3, from the Nimble RFC's table on its Haswell box):
 * - native 4 KiB migration: ~13 µs per page single, ~4.8 µs batched;
 * - THP (2 MiB): ~0.9 ms single, ~0.2 ms batched with 8-16 copy threads;
 * - batched 4 KiB exchange: ~3.2 µs per pair.
 * From those: single-thread copy bandwidth 2 MiB / 0.9 ms ≈ 2.33 GB/s; the migration's fixed
 * parts are what is left of the 4 KiB figures once the copy is paid (13 µs − 1.76 µs, 4.8 µs −
 * 1.76 µs). The exchange swaps two folios, so its data part moves 2 × bytes. Its fixed parts
 * are set equal to the migration's — an assumption: it unmaps and remaps two folios but
 * allocates nothing. Nimble's 3.2 µs per batched 4 KiB pair was measured with its own copy
 * engine and is not reproducible from the single-thread bandwidth, so it is not used.
 *
 * The seed's data swap can split each page over 1, 2, 4 or 8 workers. The speed-up follows
 * Amdahl's law with the parallel fraction fitted to Nimble's THP figures (0.9 ms single, 0.2 ms
 * with 8+ threads: 4.5×, so p ≈ 0.889), and every worker hand-off costs `workerHandoffNs` — an
 * assumption, not a measurement: on a 4 KiB page the hand-off outweighs the copy, which is why
 * foliox parallelises per batch, if at all (DESIGN.md).
 */
export interface MoveCostModel {
  /** per-folio fixed cost of migrate_pages, unbatched / batched (ns) */
  migrateFixedNs: number;
  migrateFixedBatchedNs: number;
  /** per-pair fixed cost of folio_exchange, unbatched / batched (ns) */
  exchangeFixedNs: number;
  exchangeFixedBatchedNs: number;
  /** one TLB shootdown (IPI round) per mapping changed (ns) */
  tlbShootdownNs: number;
  /** single-thread copy bandwidth, bytes per ns (= GB/s) */
  copyBandwidthGBps: number;
  /** fraction of the copy that parallelises (Amdahl) */
  parallelFraction: number;
  /** cost of handing a chunk to one worker and waiting for it (ns) */
  workerHandoffNs: number;
}

export const NIMBLE_COST_MODEL: MoveCostModel = {
  migrateFixedNs: 11_240,
  migrateFixedBatchedNs: 3_040,
  exchangeFixedNs: 11_240,
  exchangeFixedBatchedNs: 3_040,
  tlbShootdownNs: 1_000,
  copyBandwidthGBps: 2.33,
  parallelFraction: 0.889,
  workerHandoffNs: 1_000,
};

/** The seed's worker counts (PARALLEL_SINGLE, _2THREAD, _4THREAD, _8THREAD). */
export type SwapWorkers = 1 | 2 | 4 | 8;

/** Amdahl speed-up of the copy for n workers. */
export function copySpeedup(model: MoveCostModel, workers: SwapWorkers): number {
  const p = model.parallelFraction;
  return 1 / (1 - p + p / workers);
}

/** Time to copy or swap `bytes` with n workers, hand-offs included (ns). */
export function dataMoveNs(model: MoveCostModel, bytes: number, workers: SwapWorkers, chunks: number): number {
  const copy = bytes / model.copyBandwidthGBps / copySpeedup(model, workers);
  return copy + (workers > 1 ? workers * chunks * model.workerHandoffNs : 0);
}

/**
 * How work is split over workers: "per-page" hands every base page to the workers (the seed's
 * exchange_data_parallel()), "per-folio" hands each worker one share of the whole folio.
 */
export type WorkerSplit = "per-page" | "per-folio";

function chunks(nrPages: number, split: WorkerSplit): number {
  return split === "per-page" ? nrPages : 1;
}

/** One folio migrated: fixed + copy of nr pages + a shootdown per mapping. */
export function migrationCostNs(model: MoveCostModel, nrPages: number, mappings: number, batched: boolean, workers: SwapWorkers = 1, split: WorkerSplit = "per-page"): number {
  const fixed = batched ? model.migrateFixedBatchedNs : model.migrateFixedNs;
  return fixed + dataMoveNs(model, nrPages * 4096, workers, chunks(nrPages, split)) + mappings * model.tlbShootdownNs;
}

/** One pair exchanged: fixed + a swap of both folios (2 × bytes) + a shootdown per mapping. */
export function exchangeCostNs(model: MoveCostModel, nrPages: number, mappings: number, batched: boolean, workers: SwapWorkers = 1, split: WorkerSplit = "per-page"): number {
  const fixed = batched ? model.exchangeFixedBatchedNs : model.exchangeFixedNs;
  return fixed + dataMoveNs(model, 2 * nrPages * 4096, workers, chunks(nrPages, split)) + mappings * model.tlbShootdownNs;
}
