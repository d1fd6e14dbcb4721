/**
 * Run metrics, recorded per move and per epoch — never per access beyond a few counters the
 * engine keeps in locals:
 * - hit ratio: fast-tier accesses ÷ all accesses (weights counted), per epoch and overall;
 * - moves per epoch: promotions, demotions, exchanges, failures by reason;
 * - the anon : file ratio of the folios promoted or exchanged (the seed's TODO): pages of anon
 *   folios vs pages of file folios, shmem counted as file and also reported apart;
 * - ping-pong: a page (its data, followed across moves) moved up, then down, then up again,
 *   with the two up moves less than `pingPongWindowNs` apart;
 * - migration traffic in bytes (an exchange moves 2 × its bytes);
 * - convergence after a phase change: see convergence().
 *
 * Per-page history is kept in typed arrays indexed by pfn and carried with the data when it
 * moves (src → dst) or swapped when two folios exchange, so no Map is keyed by page.
 */
import type { Kernel } from "@foliox/core";
import { PG_swapbacked } from "@foliox/core";

export interface EpochRecord {
  /** simulated time at the end of the epoch, ns */
  t: number;
  /** accesses (weights) in the epoch */
  accesses: number;
  hitRatio: number;
  promotions: number;
  demotions: number;
  exchanges: number;
  failures: Record<string, number>;
}

export interface AnonFileRatio {
  /** base pages of anon folios promoted or exchanged */
  anon: number;
  /** base pages of file folios, shmem included */
  file: number;
  /** of which shmem (swap-backed file folios) */
  shmem: number;
  /** anon ÷ (anon + file), or null with no move */
  anonShare: number | null;
}

export class SimMetrics {
  readonly perEpoch: EpochRecord[] = [];
  // current epoch
  promotions = 0;
  demotions = 0;
  exchanges = 0;
  failures: Record<string, number> = {};
  // whole run
  totalPromotions = 0;
  totalDemotions = 0;
  totalExchanges = 0;
  readonly totalFailures: Record<string, number> = {};
  anonPages = 0;
  filePages = 0;
  shmemPages = 0;
  pingPong = 0;
  migrationBytes = 0;
  /** per pfn: time of the data's last up move and last down move (-1 = none) */
  private readonly lastUp: Float64Array;
  private readonly lastDown: Float64Array;

  constructor(
    private readonly k: Kernel,
    readonly pingPongWindowNs: number,
  ) {
    this.lastUp = new Float64Array(k.mem.nrPages).fill(-1);
    this.lastDown = new Float64Array(k.mem.nrPages).fill(-1);
  }

  private classify(head: number, nr: number): void {
    const mem = this.k.mem;
    if (mem.folioTestAnon(head)) this.anonPages += nr;
    else {
      this.filePages += nr;
      if (mem.testFlag(head, PG_swapbacked)) this.shmemPages += nr;
    }
  }

  /** Up (toward the top tier) or down, at time now, of the data now at `dst`. */
  private direction(dst: number, nr: number, up: boolean, now: number): void {
    if (up) {
      const lu = this.lastUp[dst]!;
      if (lu >= 0 && this.lastDown[dst]! > lu && now - lu <= this.pingPongWindowNs) this.pingPong += nr;
      this.lastUp[dst] = now;
    } else {
      this.lastDown[dst] = now;
    }
  }

  /** A folio moved from src to dst (after the move: dst holds the data). */
  moved(src: number, dst: number, nr: number, now: number): void {
    const tiers = this.k.tiers;
    const up = !tiers.nodeIsToptier(this.k.folioNid(src)) && tiers.nodeIsToptier(this.k.folioNid(dst));
    const down = tiers.nodeIsToptier(this.k.folioNid(src)) && !tiers.nodeIsToptier(this.k.folioNid(dst));
    this.lastUp[dst] = this.lastUp[src]!;
    this.lastDown[dst] = this.lastDown[src]!;
    this.lastUp[src] = -1;
    this.lastDown[src] = -1;
    this.migrationBytes += nr * 4096;
    if (up) {
      this.promotions += nr;
      this.totalPromotions += nr;
      this.classify(dst, nr);
      this.direction(dst, nr, true, now);
    } else if (down) {
      this.demotions += nr;
      this.totalDemotions += nr;
      this.direction(dst, nr, false, now);
    }
  }

  /**
   * Two folios exchanged data: `a` held the data now at `b` and vice versa. Called after the
   * exchange, so a and b name frames, and the data moved between them.
   */
  exchanged(a: number, b: number, nr: number, now: number): void {
    const tiers = this.k.tiers;
    const swap = (arr: Float64Array) => {
      const t = arr[a]!;
      arr[a] = arr[b]!;
      arr[b] = t;
    };
    swap(this.lastUp);
    swap(this.lastDown);
    this.exchanges += 1;
    this.totalExchanges += 1;
    this.migrationBytes += 2 * nr * 4096;
    const aTop = tiers.nodeIsToptier(this.k.folioNid(a));
    const bTop = tiers.nodeIsToptier(this.k.folioNid(b));
    if (aTop === bTop) return;
    // the data now on the top-tier frame went up; the other went down
    const upFrame = aTop ? a : b;
    const downFrame = aTop ? b : a;
    this.classify(upFrame, nr);
    this.direction(upFrame, nr, true, now);
    this.direction(downFrame, nr, false, now);
  }

  fail(reason: string, n = 1): void {
    this.failures[reason] = (this.failures[reason] ?? 0) + n;
    this.totalFailures[reason] = (this.totalFailures[reason] ?? 0) + n;
  }

  /** Close the epoch. */
  endEpoch(t: number, accesses: number, hits: number): EpochRecord {
    const rec: EpochRecord = {
      t,
      accesses,
      hitRatio: accesses > 0 ? hits / accesses : 0,
      promotions: this.promotions,
      demotions: this.demotions,
      exchanges: this.exchanges,
      failures: this.failures,
    };
    this.perEpoch.push(rec);
    this.promotions = 0;
    this.demotions = 0;
    this.exchanges = 0;
    this.failures = {};
    return rec;
  }

  anonFileRatio(): AnonFileRatio {
    const total = this.anonPages + this.filePages;
    return { anon: this.anonPages, file: this.filePages, shmem: this.shmemPages, anonShare: total > 0 ? this.anonPages / total : null };
  }
}

/**
 * Convergence after phase changes. `changes` are the indexes of the first epoch of each new
 * phase. For each, the phase's steady state is the mean hit ratio of its last quarter of
 * epochs (at least one); the phase has converged at the first epoch whose hit ratio comes
 * within `tolerance` (absolute) of it. Convergence time = that epoch's end time minus the
 * previous epoch's end time (the phase's start). Returns the mean over phase changes, or null
 * with none.
 */
export function convergence(perEpoch: readonly EpochRecord[], changes: readonly number[], tolerance = 0.05): { meanNs: number | null; perPhase: number[] } {
  const perPhase: number[] = [];
  const starts = [...changes].filter((e) => e > 0 && e < perEpoch.length).sort((a, b) => a - b);
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i]!;
    const e = i + 1 < starts.length ? starts[i + 1]! : perEpoch.length;
    if (e <= s) continue;
    const q = Math.max(1, Math.floor((e - s) / 4));
    let mean = 0;
    for (let j = e - q; j < e; j++) mean += perEpoch[j]!.hitRatio;
    mean /= q;
    const t0 = perEpoch[s - 1]!.t;
    let conv = perEpoch[e - 1]!.t - t0;
    for (let j = s; j < e; j++) {
      if (perEpoch[j]!.hitRatio >= mean - tolerance) {
        conv = perEpoch[j]!.t - t0;
        break;
      }
    }
    perPhase.push(conv);
  }
  return { meanNs: perPhase.length ? perPhase.reduce((a, b) => a + b, 0) / perPhase.length : null, perPhase };
}
