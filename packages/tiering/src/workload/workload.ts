/**
 * createWorkload(): a seeded synthetic workload — its layout (processes and regions to set up)
 * and a stream of AccessBatches for the engine. The same (spec, seed, epochs) gives the same
 * stream, access for access; each call to batches() starts the stream over.
 *
 * Stream shape:
 * - epoch e holds accesses [e × accessesPerEpoch, (e + 1) × accessesPerEpoch); a batch never
 *   straddles an epoch boundary, so an engine may close an epoch after a batch;
 * - accesses interleave round-robin over the processes (access i belongs to process i mod P),
 *   each process drawing from its own pattern and PRNG stream;
 * - t[i] = i × nsPerAccess (informational: the engine keeps its own clock);
 * - weight[i] = spec.weight: each entry is a sample standing for that many accesses of the
 *   same page (the engine costs and counts it that many times);
 * - the address is the page's address plus a cache-line offset that walks the page, so
 *   accesses of `accessSize` bytes never cross a page boundary.
 *
 * generate() is on the hot path of every synthetic replay, so a batch is built in passes with
 * integer counters and no per-access division: per process, its pattern fills the process's
 * slots (j ≡ p − i mod P) of batch.addr with pages in one call, and the same pass turns them into
 * addresses with that process's region table and cache-line counter (which wraps instead of
 * being taken mod linesPerPage); then t and write are filled in stream order. Each process's
 * pattern and the write decisions draw from PRNG streams of their own, so the passes draw
 * exactly what the access-by-access loop drew (test/workload-stream pins the streams).
 */
import { createAccessBatch, type AccessBatch } from "../sim/access-batch.js";
import { Prng } from "@foliox/core";
import { PAGE_SIZE } from "@foliox/core";
import { createPattern, mixSeed, phaseLength, type PagePattern } from "./pattern.js";
import { backingNotes, buildLayout, CORE_BACKING_SUPPORT, type BackingSupport, type WorkloadLayout, type WorkloadRegion } from "./region.js";
import { workloadSchema, type WorkloadSpec, type WorkloadSpecInput } from "./spec.js";

export interface WorkloadOptions {
  seed: number;
  epochs: number;
  /** default: what core supports (file-backed memory: not yet) */
  support?: BackingSupport;
  /** simulated ns between two accesses in t[]; default 1 */
  nsPerAccess?: number;
}

export interface Workload {
  spec: WorkloadSpec;
  seed: number;
  epochs: number;
  accessesPerEpoch: number;
  totalAccesses: number;
  layout: WorkloadLayout;
  /** epochs between phase changes (the hot set moves, a stair steps); 0 = none */
  phaseEpochs: number;
  /** what differs from what the spec asked for (e.g. file regions mapped as anon) */
  notes: string[];
  /**
   * The access stream. pids[p] is the foliox pid of layout.processes[p]. The returned batch
   * object is reused: consume it before asking for the next.
   */
  batches(pids: ArrayLike<number>, batchSize?: number): Generator<AccessBatch, void, void>;
}

/** Validate (defaults applied) and build. Throws a zod error for a bad spec. */
export function createWorkload(input: WorkloadSpecInput | WorkloadSpec, opts: WorkloadOptions): Workload {
  const spec = workloadSchema.parse(input);
  if (!Number.isInteger(opts.epochs) || opts.epochs < 1) throw new RangeError(`epochs must be a positive integer, got ${opts.epochs}`);
  if (!Number.isInteger(opts.seed)) throw new RangeError(`seed must be an integer, got ${opts.seed}`);
  const layout = buildLayout(
    spec.regions.map((r) => ({ name: r.name, kind: r.kind, bytes: r.size, thpOrder: r.thpOrder })),
    spec.processes,
    spec.nid,
    opts.support ?? CORE_BACKING_SUPPORT,
  );
  const nsPerAccess = opts.nsPerAccess ?? 1;
  const seed = opts.seed;
  const epochs = opts.epochs;
  return {
    spec,
    seed,
    epochs,
    accessesPerEpoch: spec.accessesPerEpoch,
    totalAccesses: spec.accessesPerEpoch * epochs,
    layout,
    phaseEpochs: phaseLength(spec.pattern),
    notes: backingNotes(layout),
    batches: (pids, batchSize = 65536) => generate(spec, layout, seed, epochs, nsPerAccess, pids, batchSize),
  };
}

function* generate(
  spec: WorkloadSpec,
  layout: WorkloadLayout,
  seed: number,
  epochs: number,
  nsPerAccess: number,
  pids: ArrayLike<number>,
  batchSize: number,
): Generator<AccessBatch, void, void> {
  const procs = layout.processes;
  const P = procs.length;
  if (pids.length < P) throw new RangeError(`the workload has ${P} processes but ${pids.length} pids were given`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const patterns: PagePattern[] = [];
  // one region table per process: page index -> (start address, first page)
  const regionFirst: Float64Array[] = [];
  const regionStart: Float64Array[] = [];
  // per process: its accesses so far mod linesPerPage (the cache line its next access hits)
  const lines = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    const proc = procs[p]!;
    patterns.push(createPattern(spec.pattern, proc.pages, new Prng(mixSeed(seed, 1 + p)), mixSeed(seed, 1000 + p)));
    regionFirst.push(Float64Array.from(proc.regions, (r: WorkloadRegion) => r.firstPage));
    regionStart.push(Float64Array.from(proc.regions, (r: WorkloadRegion) => r.start));
  }
  const writeRng = new Prng(mixSeed(seed, 0));
  const writeRatio = spec.writeRatio;
  const size = spec.accessSize;
  const lineStep = Math.max(64, Math.ceil(size / 64) * 64);
  const linesPerPage = Math.max(1, Math.floor(PAGE_SIZE / lineStep));
  const perEpoch = spec.accessesPerEpoch;
  const weight = spec.weight;
  const batch = createAccessBatch(Math.min(batchSize, perEpoch));
  const { t, pid, addr, write } = batch;
  let i = 0;
  // i mod P: the process of the batch's first entry
  let first = 0;
  for (let e = 0; e < epochs; e++) {
    let left = perEpoch;
    while (left > 0) {
      const n = Math.min(left, t.length);
      for (let p = 0; p < P; p++) {
        const j0 = p >= first ? p - first : p - first + P;
        if (j0 >= n) continue;
        const count = Math.floor((n - 1 - j0) / P) + 1;
        patterns[p]!.fill(addr, j0, P, count, e);
        const regionFirstPage = regionFirst[p]!;
        const start = regionStart[p]!;
        const last = regionFirstPage.length - 1;
        const procPid = pids[p]!;
        let line = lines[p]!;
        for (let j = j0; j < n; j += P) {
          const page = addr[j]!;
          let r = last;
          while (regionFirstPage[r]! > page) r--;
          addr[j] = start[r]! + (page - regionFirstPage[r]!) * PAGE_SIZE + line * lineStep;
          pid[j] = procPid;
          line = line + 1 === linesPerPage ? 0 : line + 1;
        }
        lines[p] = line;
      }
      for (let j = 0; j < n; j++, i++) {
        t[j] = i * nsPerAccess;
        write[j] = writeRng.float() < writeRatio ? 1 : 0;
      }
      // the same for every entry; refilled per batch, as a consumer may have written to it
      batch.size.fill(size, 0, n);
      batch.weight.fill(weight, 0, n);
      first += n % P;
      if (first >= P) first -= P;
      batch.length = n;
      left -= n;
      yield batch;
    }
  }
}
