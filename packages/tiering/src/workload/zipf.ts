/**
 * A Zipf(s) sampler over ranks 1..n by rejection-inversion (W. Hörmann, G. Derflinger,
 * "Rejection-inversion to generate variates from monotone discrete distributions", ACM TOMACS
 * 6(3), 1996): O(1) time and memory per sample, for any n and s > 0, so a 16 M-page footprint
 * needs no CDF table. P(rank k) is proportional to k^-s.
 *
 * Drawing ranks is on the hot path of every synthetic zipf replay (one rank per generated
 * access), so sample() and fillRanks() inline H^-1 (hIntegralInverse and helper1) and keep 1 - s
 * and hX1 - hN precomputed. The floating-point operations are the same ones, on the same
 * operands, in the same order, as the method-per-step form: the same seed draws the same ranks,
 * bit for bit (test/workload-stream).
 * Per draw that is one uniform, one log1p and one exp; the exact test (hIntegral, h) runs only
 * for the ~1.5% of draws that land outside the squeeze.
 *
 * fillRanks() draws many ranks at once. Rejection-inversion turns each uniform draw into a
 * candidate rank, accepted or not, and the ranks are the accepted candidates in draw order; so
 * it works on up to CHUNK draws a pass at a time — H^-1's log1p for all of them, then the exp
 * for all of them, then the acceptance test — and the CPU overlaps the log1p and exp calls of
 * neighbouring draws instead of waiting for each draw's chain in turn. It draws exactly as many
 * uniforms, and gives exactly the ranks, that as many sample() calls would.
 */
import type { Prng } from "@foliox/core";

/** Draws per pass of fillRanks(): the length of its scratch arrays. */
const CHUNK = 256;

export class ZipfSampler {
  private readonly hX1: number;
  private readonly hN: number;
  private readonly sq: number;
  /** 1 - s, the exponent of the integral of h */
  private readonly oneMinusS: number;
  /** hX1 - hN: u = hN + uniform × span is uniform over (hX1, hN] */
  private readonly span: number;
  /** fillRanks()'s u and x of each draw of a pass (allocated on its first call) */
  private drawU: Float64Array | null = null;
  private drawX: Float64Array | null = null;

  constructor(
    readonly n: number,
    readonly s: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`ZipfSampler: n must be a positive integer, got ${n}`);
    if (!(s > 0)) throw new RangeError(`ZipfSampler: s must be > 0, got ${s}`);
    this.oneMinusS = 1 - s;
    this.hX1 = this.hIntegral(1.5) - 1;
    this.hN = this.hIntegral(n + 0.5);
    this.sq = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
    this.span = this.hX1 - this.hN;
  }

  /** A rank in 1..n. */
  sample(rng: Prng): number {
    const hN = this.hN;
    const span = this.span;
    const oneMinusS = this.oneMinusS;
    const n = this.n;
    const sq = this.sq;
    for (;;) {
      const u = hN + rng.float() * span;
      // x = hIntegralInverse(u), helper1 inlined
      let t = u * oneMinusS;
      if (t < -1) t = -1;
      const x = Math.exp((Math.abs(t) > 1e-8 ? Math.log1p(t) / t : 1 - t * (0.5 - t * (1 / 3 - 0.25 * t))) * u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > n) k = n;
      if (k - x <= sq || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  /** `count` ranks into out[0, count): what `count` calls of sample(rng) return, in order. */
  fillRanks(rng: Prng, out: Float64Array, count: number): void {
    const du = (this.drawU ??= new Float64Array(CHUNK));
    const dx = (this.drawX ??= new Float64Array(CHUNK));
    const hN = this.hN;
    const span = this.span;
    const oneMinusS = this.oneMinusS;
    const n = this.n;
    const sq = this.sq;
    let done = 0;
    while (done < count) {
      // one draw per rank still wanted: a pass never draws past the last rank's draw
      const m = Math.min(CHUNK, count - done);
      for (let c = 0; c < m; c++) {
        const u = hN + rng.float() * span;
        let t = u * oneMinusS;
        if (t < -1) t = -1;
        du[c] = u;
        dx[c] = (Math.abs(t) > 1e-8 ? Math.log1p(t) / t : 1 - t * (0.5 - t * (1 / 3 - 0.25 * t))) * u;
      }
      for (let c = 0; c < m; c++) dx[c] = Math.exp(dx[c]!);
      for (let c = 0; c < m; c++) {
        const x = dx[c]!;
        let k = Math.floor(x + 0.5);
        if (k < 1) k = 1;
        else if (k > n) k = n;
        if (k - x <= sq || du[c]! >= this.hIntegral(k + 0.5) - this.h(k)) out[done++] = k;
      }
    }
  }

  private h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2(this.oneMinusS * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * this.oneMinusS;
    if (t < -1) t = -1;
    return Math.exp(helper1(t) * x);
  }
}

/** log1p(x) / x, continuous at 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** expm1(x) / x, continuous at 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + (x / 3) * (1 + 0.25 * x));
}

/** The exact share of the top k ranks of Zipf(n, s): H(k, s) / H(n, s). For tests and docs. */
export function zipfTopShare(n: number, s: number, k: number): number {
  let top = 0;
  let all = 0;
  for (let r = 1; r <= n; r++) {
    const w = Math.pow(r, -s);
    all += w;
    if (r <= k) top += w;
  }
  return top / all;
}
