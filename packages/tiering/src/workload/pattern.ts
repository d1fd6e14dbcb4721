/**
 * Access patterns over one process's page space [0, pages): each returns the page index of the
 * next access. Phase changes (the hot set moving, a stair step) happen at epoch boundaries, and
 * where a phase puts its hot data is drawn from a PRNG of its own, seeded by (seed, phase), so
 * it does not depend on how many accesses came before.
 *
 * The generator asks for a batch's pages with one fill() per process, not one call per access:
 * the per-access loop then runs inside each pattern's own class (a monomorphic call to its Prng,
 * the phase looked up once per batch, not per access). A pattern's stream does not depend on
 * how fill() calls cut it (test/workload-stream pins every pattern's stream).
 */
import { Prng } from "@foliox/core";
import type { PatternSpec } from "./spec.js";
import { ZipfSampler } from "./zipf.js";

export interface PagePattern {
  /**
   * The pages of the next `count` accesses, all in epoch `epoch`, into out[from],
   * out[from + step], …; the stream does not depend on how it is cut into calls.
   */
  fill(out: Float64Array, from: number, step: number, count: number, epoch: number): void;
}

/** Mix a seed with a stream number (for independent, reproducible PRNG streams). */
export function mixSeed(seed: number, stream: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(stream + 0x7f4a7c15, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return (h ^ (h >>> 13)) | 0;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A stride coprime with n near n × 0.618: (r × stride) mod n is a permutation of 0..n-1. */
function scatterStride(n: number): number {
  let s = Math.max(1, Math.floor(n * 0.6180339887));
  while (gcd(s, n) !== 1) s++;
  return s;
}

/**
 * Where a moving pattern's hot data starts, phase by phase (a phase is moveEvery epochs; 0: one
 * phase): uniform in [0, n), from a stream of the phase's own.
 */
class PhaseOffset {
  private phase = -1;
  private offset = 0;
  constructor(
    private readonly n: number,
    private readonly moveEvery: number,
    private readonly seed: number,
  ) {}
  /** The offset in epoch `epoch`. */
  at(epoch: number): number {
    const phase = this.moveEvery > 0 ? Math.floor(epoch / this.moveEvery) : 0;
    if (phase !== this.phase) {
      this.phase = phase;
      this.offset = new Prng(mixSeed(this.seed, 0x0ff5e7 + phase)).below(this.n);
    }
    return this.offset;
  }
}

class UniformPattern implements PagePattern {
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
  ) {}
  fill(out: Float64Array, from: number, step: number, count: number): void {
    const rng = this.rng;
    const n = this.n;
    for (let c = 0, j = from; c < count; c++, j += step) out[j] = rng.below(n);
  }
}

/** Ranks ZipfPattern.fill() draws per ZipfSampler.fillRanks() call. */
const RANKS_PER_PASS = 1024;

/**
 * The scatter permutation, page = ((rank × stride) mod n + offset) mod n. rank × stride is a
 * double (past 2^31 once n is over ~59 K pages), and `%` on a double is an fmod call, a slow
 * bit-by-bit loop; so while every product and q × n stays an exact integer (below 2^53) the
 * remainder is taken as product − q × n with q from a multiplication by 1/n, off by at most one
 * and corrected: the exact remainder, the value fmod gives. Past that (n over ~120 M pages, a
 * 460 GiB process) products are rounded and `%` is kept, as before.
 */
class ZipfPattern implements PagePattern {
  private readonly zipf: ZipfSampler;
  private readonly stride: number;
  private readonly invN: number;
  /** (n - 1) × stride + n < 2^53: the remainder by multiplication is exact */
  private readonly exact: boolean;
  private readonly phases: PhaseOffset;
  /** fill()'s ranks of one pass (allocated on its first call) */
  private ranks: Float64Array | null = null;
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
    s: number,
    scatter: boolean,
    moveEvery: number,
    seed: number,
  ) {
    this.phases = new PhaseOffset(n, moveEvery, seed);
    this.zipf = new ZipfSampler(n, s);
    this.stride = scatter ? scatterStride(n) : 1;
    this.invN = 1 / n;
    this.exact = (n - 1) * this.stride + n <= Number.MAX_SAFE_INTEGER;
  }
  /** The page of 0-based rank r, in a phase whose hot data starts at `offset`. */
  private place(r: number, offset: number): number {
    const n = this.n;
    const x = r * this.stride;
    let m: number;
    if (this.exact) {
      m = x - Math.floor(x * this.invN) * n;
      if (m < 0) m += n;
      else if (m >= n) m -= n;
    } else m = x % n;
    // m + offset < 2n: its remainder is one subtraction
    m += offset;
    return m >= n ? m - n : m;
  }
  fill(out: Float64Array, from: number, step: number, count: number, epoch: number): void {
    const offset = this.phases.at(epoch);
    const ranks = (this.ranks ??= new Float64Array(RANKS_PER_PASS));
    let j = from;
    for (let c = 0; c < count; ) {
      const m = Math.min(RANKS_PER_PASS, count - c);
      this.zipf.fillRanks(this.rng, ranks, m);
      for (let q = 0; q < m; q++, j += step) out[j] = this.place(ranks[q]! - 1, offset);
      c += m;
    }
  }
}

class HotSetPattern implements PagePattern {
  private readonly hot: number;
  private readonly phases: PhaseOffset;
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
    hotFraction: number,
    private readonly hotShare: number,
    moveEvery: number,
    seed: number,
  ) {
    this.hot = Math.max(1, Math.round(n * hotFraction));
    this.phases = new PhaseOffset(n, moveEvery, seed);
  }
  fill(out: Float64Array, from: number, step: number, count: number, epoch: number): void {
    const offset = this.phases.at(epoch);
    const rng = this.rng;
    const n = this.n;
    const hot = this.hot;
    const hotShare = this.hotShare;
    for (let c = 0, j = from; c < count; c++, j += step) {
      if (rng.float() < hotShare) {
        // offset + a hot page < 2n: (offset + h) mod n without a division
        const v = offset + rng.below(hot);
        out[j] = v >= n ? v - n : v;
      } else out[j] = rng.below(n);
    }
  }
}

/** masim stairs / zigzag: step i of the walk accesses range steps[i] uniformly. */
class StepPattern implements PagePattern {
  private readonly size: number;
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
    private readonly steps: number,
    private readonly stepEvery: number,
    private readonly zigzag: boolean,
  ) {
    this.size = Math.max(1, Math.floor(n / steps));
  }
  /** The range accessed in epoch `epoch` (0..steps-1). */
  range(epoch: number): number {
    const step = Math.floor(epoch / this.stepEvery);
    if (!this.zigzag) return step % this.steps;
    const period = 2 * (this.steps - 1);
    const p = step % period;
    return p < this.steps ? p : period - p;
  }
  fill(out: Float64Array, from: number, step: number, count: number, epoch: number): void {
    const rng = this.rng;
    const start = this.range(epoch) * this.size;
    const len = Math.min(this.size, this.n - start);
    for (let c = 0, j = from; c < count; c++, j += step) out[j] = start + rng.below(len);
  }
}

class SeqScanPattern implements PagePattern {
  private cursor = 0;
  constructor(private readonly n: number) {}
  fill(out: Float64Array, from: number, step: number, count: number): void {
    const n = this.n;
    let p = this.cursor;
    for (let c = 0, j = from; c < count; c++, j += step) {
      out[j] = p;
      p = p + 1 === n ? 0 : p + 1;
    }
    this.cursor = p;
  }
}

/** A fresh pattern instance over `pages` pages; `rng` drives the per-access draws. */
export function createPattern(spec: PatternSpec, pages: number, rng: Prng, seed: number): PagePattern {
  switch (spec.type) {
    case "uniform":
      return new UniformPattern(rng, pages);
    case "zipf":
      return new ZipfPattern(rng, pages, spec.s, spec.scatter, spec.moveEvery, seed);
    case "hotset":
      return new HotSetPattern(rng, pages, spec.hotFraction, spec.hotShare, spec.moveEvery, seed);
    case "stairs":
      return new StepPattern(rng, pages, spec.steps, spec.stepEvery, false);
    case "zigzag":
      return new StepPattern(rng, pages, spec.steps, spec.stepEvery, true);
    case "seqscan":
      return new SeqScanPattern(pages);
  }
}

/** Epochs between phase changes of a pattern (0: none). */
export function phaseLength(spec: PatternSpec): number {
  switch (spec.type) {
    case "zipf":
    case "hotset":
      return spec.moveEvery;
    case "stairs":
    case "zigzag":
      return spec.stepEvery;
    default:
      return 0;
  }
}
