/**
 * Run metrics, recorded per move and per epoch — never per access beyond one typed-array read
 * the engine does for promotedUntouchedNextEpoch:
 * - hit ratio: fast-tier accesses ÷ memory accesses (weights counted), per epoch and overall;
 * - moves per epoch: promotions, demotions, exchanges, failures by reason;
 * - the anon : file ratio of the folios promoted or exchanged (pages of anon folios vs pages of
 *   file folios, shmem counted as file and also reported apart);
 * - churn, per base page of data (followed across moves):
 *   - movesPerPage: page moves ÷ pages that moved at least once; maxMovesPerPage;
 *   - rePromotedAfterDemote: promotions of data that had been demoted before;
 *   - pingPong: promotions of data that went up, then down, then up again within
 *     `pingPongEpochs` epochs of the first up move;
 *   - promotedUntouchedNextEpoch: of the pages promoted in an epoch (in a hint fault, or by the
 *     mover at its end), the share that no access touched in the next epoch (the last epoch's
 *     promotions have no next epoch and are not counted);
 * - migration traffic in bytes (an exchange moves 2 × its bytes);
 * - convergence after a phase change: see convergence().
 *
 * Per-page history is kept in typed arrays indexed by pfn and carried with the data when it
 * moves (src → dst) or swapped when two folios exchange, so no Map is keyed by page.
 */
import type { Kernel } from "@foliox/core";
import { PG_swapbacked } from "@foliox/core";

export interface EpochRecord {
  /** simulated (application) time at the end of the epoch, ns */
  t: number;
  /** memory accesses (weights) in the epoch: LLC misses, zero-page reads excluded */
  accesses: number;
  /** entries replayed in the epoch (each stands for its weight) */
  entries: number;
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

export interface Churn {
  /** page moves (promotions, demotions, both sides of an exchange) ÷ pages moved at least once; 0 with none */
  movesPerPage: number;
  /** the most moves of one page of data */
  maxMovesPerPage: number;
  /** promotions (base pages) of data that had been demoted earlier in the run */
  rePromotedAfterDemote: number;
  /** promotions (base pages) of data that went up, down and up again within pingPongEpochs epochs */
  pingPong: number;
  /** the window of pingPong, in epochs */
  pingPongEpochs: number;
  /** share of the pages promoted in an epoch that the next epoch did not touch; null with none evaluated */
  promotedUntouchedNextEpoch: number | null;
}

// Epochs are stored as epoch + 1, so that NONE is 0 and the per-frame arrays need no fill: a
// zeroed typed array is what the system hands out, and its pages cost RSS only once written
// (a 64 GiB machine has 16 M frames, most of which no run ever moves).
const NONE = 0;
/** SimMetrics.hist's fields (a frame's are at pfn × H_FIELDS; no shift: a 4 TiB machine has 2^30 frames) */
const H_LAST_UP = 0;
const H_LAST_DOWN = 1;
const H_MOVES = 2;
const H_DOWN_SINCE_UP = 3;
const H_FIELDS = 4;

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
  migrationBytes = 0;
  pingPong = 0;
  rePromoted = 0;
  private pageMoves = 0;
  private pagesMoved = 0;
  private maxMoves = 0;
  /** the epoch the engine is in (set by the engine as epochs close) */
  epoch = 0;
  /**
   * Per pfn, of the data in that frame, four int32s side by side (H_* below), so that a move
   * reads and writes one cache line per frame rather than one per field: epoch + 1 of its last
   * up move and of its last down move, its moves (capped at 65535), and 1 when a down move
   * followed the last up move.
   */
  private readonly hist: Int32Array;
  /**
   * One bit per pfn, set while the frame's data was promoted in the previous epoch and no access
   * of this epoch has found it yet: what the engine tests per access (touch()). A bitmap of the
   * machine's frames stays in the host's L2 cache, where a per-access load from an int32 per
   * frame missed it on a footprint of gigabytes. `promotedNow` marks this epoch's promotions;
   * it becomes `watch` when the epoch ends.
   */
  readonly watch: Uint32Array;
  private readonly promotedNow: Uint32Array;
  /** pages promoted in the previous and in the current epoch; of the previous, touched now */
  private promotedPrev = 0;
  private promotedCur = 0;
  private touchedPrev = 0;
  private evaluated = 0;
  private untouched = 0;

  constructor(
    private readonly k: Kernel,
    readonly pingPongEpochs: number,
  ) {
    const n = k.mem.nrPages;
    this.hist = new Int32Array(n * H_FIELDS);
    this.watch = new Uint32Array((n + 31) >>> 5);
    this.promotedNow = new Uint32Array((n + 31) >>> 5);
  }

  /** An access of the current epoch to frame pfn whose data was promoted in the previous one (its watch bit is set). */
  touch(pfn: number): void {
    this.watch[pfn >>> 5]! &= ~(1 << (pfn & 31));
    this.touchedPrev++;
  }

  private classify(head: number, nr: number): void {
    const mem = this.k.mem;
    if (mem.folioTestAnon(head)) this.anonPages += nr;
    else {
      this.filePages += nr;
      if (mem.testFlag(head, PG_swapbacked)) this.shmemPages += nr;
    }
  }

  /** Carry page i's history from frame s to frame d (d now holds the data). */
  private carry(s: number, d: number): void {
    const h = this.hist;
    const hs = s * H_FIELDS;
    const hd = d * H_FIELDS;
    for (let f = 0; f < H_FIELDS; f++) {
      h[hd + f] = h[hs + f]!;
      h[hs + f] = NONE;
    }
    carryBit(this.watch, s, d);
    carryBit(this.promotedNow, s, d);
  }

  private swapFrames(a: number, b: number): void {
    const h = this.hist;
    const ha = a * H_FIELDS;
    const hb = b * H_FIELDS;
    for (let f = 0; f < H_FIELDS; f++) {
      const t = h[ha + f]!;
      h[ha + f] = h[hb + f]!;
      h[hb + f] = t;
    }
    swapBits(this.watch, a, b);
    swapBits(this.promotedNow, a, b);
  }

  /** One more move of the data now in frame d. */
  private counted(d: number): void {
    const at = d * H_FIELDS + H_MOVES;
    const m = this.hist[at]!;
    if (m === 0) this.pagesMoved++;
    if (m < 65535) this.hist[at] = m + 1;
    if (m + 1 > this.maxMoves) this.maxMoves = m + 1;
    this.pageMoves++;
  }

  /** The data now in frame d went up (toward the top tier) or down, in the current epoch. */
  private direction(d: number, up: boolean): void {
    const e = this.epoch + 1;
    const h = this.hist;
    const hd = d * H_FIELDS;
    if (up) {
      if (h[hd + H_LAST_DOWN]! !== NONE) this.rePromoted++;
      if (h[hd + H_DOWN_SINCE_UP] === 1 && e - h[hd + H_LAST_UP]! <= this.pingPongEpochs) this.pingPong++;
      h[hd + H_LAST_UP] = e;
      h[hd + H_DOWN_SINCE_UP] = 0;
      this.watch[d >>> 5]! &= ~(1 << (d & 31));
      this.promotedNow[d >>> 5]! |= 1 << (d & 31);
      this.promotedCur++;
    } else {
      h[hd + H_LAST_DOWN] = e;
      if (h[hd + H_LAST_UP] !== NONE) h[hd + H_DOWN_SINCE_UP] = 1;
    }
  }

  /** A folio moved from src to dst (after the move: dst holds the data). */
  moved(src: number, dst: number, nr: number): void {
    const k = this.k;
    const tiers = k.tiers;
    const srcTop = tiers.nodeIsToptier(k.folioNid(src));
    const dstTop = tiers.nodeIsToptier(k.folioNid(dst));
    for (let i = 0; i < nr; i++) {
      this.carry(src + i, dst + i);
      this.counted(dst + i);
      if (srcTop !== dstTop) this.direction(dst + i, dstTop);
    }
    this.migrationBytes += nr * 4096;
    if (!srcTop && dstTop) {
      this.promotions += nr;
      this.totalPromotions += nr;
      this.classify(dst, nr);
    } else if (srcTop && !dstTop) {
      this.demotions += nr;
      this.totalDemotions += nr;
    }
  }

  /**
   * Two folios exchanged data: `a` held the data now at `b` and vice versa. Called after the
   * exchange, so a and b name frames, and the data moved between them.
   */
  exchanged(a: number, b: number, nr: number): void {
    const k = this.k;
    const tiers = k.tiers;
    const aTop = tiers.nodeIsToptier(k.folioNid(a));
    const bTop = tiers.nodeIsToptier(k.folioNid(b));
    for (let i = 0; i < nr; i++) {
      this.swapFrames(a + i, b + i);
      this.counted(a + i);
      this.counted(b + i);
      if (aTop !== bTop) {
        this.direction(aTop ? a + i : b + i, true);
        this.direction(aTop ? b + i : a + i, false);
      }
    }
    this.exchanges += 1;
    this.totalExchanges += 1;
    this.migrationBytes += 2 * nr * 4096;
    if (aTop !== bTop) this.classify(aTop ? a : b, nr);
  }

  fail(reason: string, n = 1): void {
    this.failures[reason] = (this.failures[reason] ?? 0) + n;
    this.totalFailures[reason] = (this.totalFailures[reason] ?? 0) + n;
  }

  /** Close the current epoch (after its mover ran) and start the next. */
  endEpoch(t: number, accesses: number, hits: number, entries: number): EpochRecord {
    const rec: EpochRecord = {
      t,
      accesses,
      entries,
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
    // the previous epoch's promotions have had this whole epoch to be touched
    this.evaluated += this.promotedPrev;
    this.untouched += Math.max(0, this.promotedPrev - this.touchedPrev);
    this.promotedPrev = this.promotedCur;
    this.promotedCur = 0;
    this.touchedPrev = 0;
    this.epoch++;
    // this epoch's promotions are the next one's to watch
    this.watch.set(this.promotedNow);
    this.promotedNow.fill(0);
    return rec;
  }

  anonFileRatio(): AnonFileRatio {
    const total = this.anonPages + this.filePages;
    return { anon: this.anonPages, file: this.filePages, shmem: this.shmemPages, anonShare: total > 0 ? this.anonPages / total : null };
  }

  churn(): Churn {
    return {
      movesPerPage: this.pagesMoved > 0 ? this.pageMoves / this.pagesMoved : 0,
      maxMovesPerPage: this.maxMoves,
      rePromotedAfterDemote: this.rePromoted,
      pingPong: this.pingPong,
      pingPongEpochs: this.pingPongEpochs,
      promotedUntouchedNextEpoch: this.evaluated > 0 ? this.untouched / this.evaluated : null,
    };
  }
}

/** Move bit s of a bitmap to bit d (d takes s's value, s is cleared). */
function carryBit(bits: Uint32Array, s: number, d: number): void {
  const set = (bits[s >>> 5]! >>> (s & 31)) & 1;
  bits[s >>> 5]! &= ~(1 << (s & 31));
  if (set) bits[d >>> 5]! |= 1 << (d & 31);
  else bits[d >>> 5]! &= ~(1 << (d & 31));
}

/** Swap bits a and b of a bitmap. */
function swapBits(bits: Uint32Array, a: number, b: number): void {
  const x = (bits[a >>> 5]! >>> (a & 31)) & 1;
  const y = (bits[b >>> 5]! >>> (b & 31)) & 1;
  if (x !== y) {
    bits[a >>> 5]! ^= 1 << (a & 31);
    bits[b >>> 5]! ^= 1 << (b & 31);
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
