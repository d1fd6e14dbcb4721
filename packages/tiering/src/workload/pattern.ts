/**
 * Access patterns over one process's page space [0, pages): each returns the page index of the
 * next access. Phase changes (the hot set moving, a stair step) happen at epoch boundaries, and
 * where a phase puts its hot data is drawn from a PRNG of its own, seeded by (seed, phase), so
 * it does not depend on how many accesses came before.
 */
import { Prng } from "@foliox/core";
import type { PatternSpec } from "./spec.js";
import { ZipfSampler } from "./zipf.js";

export interface PagePattern {
  /** the page of the next access, in epoch `epoch` */
  next(epoch: number): number;
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

/** Where phase `phase` puts the start of its hot data: uniform in [0, n), from its own stream. */
function phaseOffset(seed: number, phase: number, n: number): number {
  return new Prng(mixSeed(seed, 0x0ff5e7 + phase)).below(n);
}

class UniformPattern implements PagePattern {
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
  ) {}
  next(): number {
    return this.rng.below(this.n);
  }
}

class ZipfPattern implements PagePattern {
  private readonly zipf: ZipfSampler;
  private readonly stride: number;
  private phase = -1;
  private offset = 0;
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
    s: number,
    scatter: boolean,
    private readonly moveEvery: number,
    private readonly seed: number,
  ) {
    this.zipf = new ZipfSampler(n, s);
    this.stride = scatter ? scatterStride(n) : 1;
  }
  next(epoch: number): number {
    const phase = this.moveEvery > 0 ? Math.floor(epoch / this.moveEvery) : 0;
    if (phase !== this.phase) {
      this.phase = phase;
      this.offset = phaseOffset(this.seed, phase, this.n);
    }
    const r = this.zipf.sample(this.rng) - 1;
    return (((r * this.stride) % this.n) + this.offset) % this.n;
  }
}

class HotSetPattern implements PagePattern {
  private readonly hot: number;
  private phase = -1;
  private offset = 0;
  constructor(
    private readonly rng: Prng,
    private readonly n: number,
    hotFraction: number,
    private readonly hotShare: number,
    private readonly moveEvery: number,
    private readonly seed: number,
  ) {
    this.hot = Math.max(1, Math.round(n * hotFraction));
  }
  next(epoch: number): number {
    const phase = this.moveEvery > 0 ? Math.floor(epoch / this.moveEvery) : 0;
    if (phase !== this.phase) {
      this.phase = phase;
      this.offset = phaseOffset(this.seed, phase, this.n);
    }
    if (this.rng.float() < this.hotShare) return (this.offset + this.rng.below(this.hot)) % this.n;
    return this.rng.below(this.n);
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
  next(epoch: number): number {
    const start = this.range(epoch) * this.size;
    const len = Math.min(this.size, this.n - start);
    return start + this.rng.below(len);
  }
}

class SeqScanPattern implements PagePattern {
  private cursor = 0;
  constructor(private readonly n: number) {}
  next(): number {
    const p = this.cursor;
    this.cursor = p + 1 === this.n ? 0 : p + 1;
    return p;
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
