/**
 * Hotness models.
 * - `decay`: a decayed access counter per frame (Float32Array by pfn), carried with the data
 *   when it moves; hot when >= threshold. The frames with a counter are kept in a list, so an
 *   epoch's decay costs the frames sampled, not the machine's size; a counter that decays below
 *   1/1024 is dropped (it is 0 from then on: colder than anything sampled since).
 * - `histogram` (Memtis): counters by pfn, binned by log2; each epoch the hot threshold is the
 *   lowest bin such that the folios at or above it fit in `capacityShare` of the fast tier's
 *   capacity; counters halve every `coolEpochs` epochs (Memtis' cooling).
 * - `ranges` (Demeter): heat kept per virtual range (rangePages pages of one anon_vma, keyed by
 *   the folio's mapping and index, so nothing needs carrying on a move); a folio's hotness is
 *   its range's heat per page. Demeter's ranges adapt (split/merge); here they are fixed.
 */
import { WMARK_HIGH } from "@foliox/core";
import type { HotnessModel, TieringContext } from "./types.js";

export interface DecayOptions {
  /** multiply by this each epoch; default 0.5 */
  decay?: number;
  /** hot at or above; default 1 */
  threshold?: number;
}

/** Below this a decayed counter is dropped to 0. */
const HEAT_FLOOR = 1 / 1024;

export class DecayHotness implements HotnessModel {
  readonly name: string = "decay";
  protected heat = new Float32Array(0);
  /** frames whose counter may be non-zero (each at most once: `listed`) */
  protected active = new Int32Array(1024);
  protected nrActive = 0;
  protected listed = new Uint8Array(0);
  readonly decay: number;
  threshold: number;
  constructor(o: DecayOptions = {}) {
    this.decay = o.decay ?? 0.5;
    this.threshold = o.threshold ?? 1;
  }
  setup(ctx: TieringContext): void {
    this.heat = new Float32Array(ctx.k.mem.nrPages);
    this.listed = new Uint8Array(ctx.k.mem.nrPages);
    this.nrActive = 0;
  }
  protected list(frame: number): void {
    if (this.listed[frame]) return;
    this.listed[frame] = 1;
    if (this.nrActive === this.active.length) {
      const a = new Int32Array(this.active.length * 2);
      a.set(this.active);
      this.active = a;
    }
    this.active[this.nrActive++] = frame;
  }
  /** Apply f to every listed frame's counter; drop the frames whose counter ends below the floor. */
  protected forEachActive(f: (heat: number) => number): void {
    const h = this.heat;
    const a = this.active;
    let n = 0;
    for (let i = 0; i < this.nrActive; i++) {
      const frame = a[i]!;
      const v = f(h[frame]!);
      if (v >= HEAT_FLOOR) {
        h[frame] = v;
        a[n++] = frame;
      } else {
        h[frame] = 0;
        this.listed[frame] = 0;
      }
    }
    this.nrActive = n;
  }
  record(head: number, weight: number): void {
    this.heat[head]! += weight;
    this.list(head);
  }
  epoch(_ctx: TieringContext): void {
    const d = this.decay;
    this.forEachActive((v) => v * d);
  }
  hotness(head: number): number {
    return this.heat[head]!;
  }
  isHot(head: number): boolean {
    return this.heat[head]! >= this.threshold;
  }
  forEachHot(visit: (frame: number) => void): void {
    const h = this.heat;
    for (let i = 0; i < this.nrActive; i++) {
      const f = this.active[i]!;
      if (h[f]! >= this.threshold) visit(f);
    }
  }
  onMove(src: number, dst: number): void {
    this.heat[dst] = this.heat[src]!;
    this.heat[src] = 0;
    if (this.heat[dst] !== 0) this.list(dst);
  }
  onExchange(a: number, b: number): void {
    const t = this.heat[a]!;
    this.heat[a] = this.heat[b]!;
    this.heat[b] = t;
    if (this.heat[a] !== 0) this.list(a);
    if (this.heat[b] !== 0) this.list(b);
  }
}

export interface HistogramOptions {
  /** share of the fast tier's capacity the hot set may fill; default 0.9 */
  capacityShare?: number;
  /** halve every counter every this many epochs; default 2 */
  coolEpochs?: number;
}

export class HistogramHotness extends DecayHotness {
  override readonly name = "histogram";
  readonly capacityShare: number;
  readonly coolEpochs: number;
  private readonly bins = new Float64Array(32);
  constructor(o: HistogramOptions = {}) {
    super({ decay: 1, threshold: 1 });
    this.capacityShare = o.capacityShare ?? 0.9;
    this.coolEpochs = o.coolEpochs ?? 2;
  }
  override epoch(ctx: TieringContext): void {
    const h = this.heat;
    const k = ctx.k;
    const bins = this.bins.fill(0);
    // the sampled frames only: the histogram costs what was sampled, not the machine's size
    for (let j = 0; j < this.nrActive; j++) {
      const i = this.active[j]!;
      const v = h[i]!;
      if (v >= 1) bins[Math.min(31, Math.floor(Math.log2(v)) + 1)]! += k.mem.folioNrPages(i);
    }
    let capacity = 0;
    for (const nid of ctx.fastNids) for (const z of k.topo.nodes[nid]!.zones) capacity += z.managedPages - z.watermark[WMARK_HIGH]!;
    capacity *= this.capacityShare;
    let acc = 0;
    let bin = 31;
    for (; bin >= 1; bin--) {
      if (acc + bins[bin]! > capacity) break;
      acc += bins[bin]!;
    }
    // hot = bins above `bin`: hotness >= 2^bin
    this.threshold = 2 ** bin;
    if (this.coolEpochs > 0 && (ctx.epoch + 1) % this.coolEpochs === 0) this.forEachActive((v) => v * 0.5);
  }
}

export interface RangeOptions {
  /** pages per virtual range; default 512 (2 MiB) */
  rangePages?: number;
  decay?: number;
  /** hot when the range's heat per page is at or above; default 0.05 */
  threshold?: number;
}

export class RangeHotness implements HotnessModel {
  readonly name = "ranges";
  readonly rangePages: number;
  readonly decay: number;
  readonly threshold: number;
  /** range key → slot; the number of ranges is pages / rangePages, not pages */
  private readonly slots = new Map<number, number>();
  private heat = new Float64Array(1024);
  private ctx!: TieringContext;
  constructor(o: RangeOptions = {}) {
    this.rangePages = o.rangePages ?? 512;
    this.decay = o.decay ?? 0.5;
    this.threshold = o.threshold ?? 0.05;
  }
  setup(ctx: TieringContext): void {
    this.ctx = ctx;
  }
  private slot(head: number, create: boolean): number {
    const mem = this.ctx.k.mem;
    const key = (mem.mapping[head]! >> 2) * 2 ** 28 + Math.floor(mem.index[head]! / this.rangePages);
    let s = this.slots.get(key);
    if (s === undefined) {
      if (!create) return -1;
      s = this.slots.size;
      this.slots.set(key, s);
      if (s >= this.heat.length) {
        const n = new Float64Array(this.heat.length * 2);
        n.set(this.heat);
        this.heat = n;
      }
    }
    return s;
  }
  record(head: number, weight: number): void {
    this.heat[this.slot(head, true)]! += weight;
  }
  epoch(): void {
    const h = this.heat;
    for (let i = 0; i < this.slots.size; i++) h[i]! *= this.decay;
  }
  hotness(head: number): number {
    const s = this.slot(head, false);
    return s < 0 ? 0 : this.heat[s]! / this.rangePages;
  }
  isHot(head: number): boolean {
    return this.hotness(head) >= this.threshold;
  }
  onMove(): void {}
  onExchange(): void {}
}

/** No model: nothing is ever hot (stacks whose kernel path decides by itself). */
export class NoHotness implements HotnessModel {
  readonly name = "none";
  setup(): void {}
  record(): void {}
  epoch(): void {}
  hotness(): number {
    return 0;
  }
  isHot(): boolean {
    return false;
  }
  onMove(): void {}
  onExchange(): void {}
}
