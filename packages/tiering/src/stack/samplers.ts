/**
 * Samplers: where access information comes from.
 * - `none`: nothing (linux-default; numab2 and tpp promote in the kernel's own fault path).
 * - `hint-faults`: NUMA hint faults (task_numa_work + do_numa_page) feed the hotness model.
 * - `abit-scan`: every epoch, walk each process's page tables, test and clear the accessed bit
 *   (as kstaled / idle-page tracking / MGLRU walks do); a kernel thread's work: scanNsPerPte
 *   per PTE, as background CPU (`sampler`).
 * - `pebs`: one memory access (an LLC miss) in `period` is sampled with its physical page
 *   (PEBS/IBS-like: the counter overflows every `period` events; its phase comes from the run's
 *   seed). An entry of weight w stands for w accesses, so it may carry several samples; the
 *   sampling thread spends pebsSampleNs on each (background CPU, `sampler`).
 * - `damon`: DAMON-like regions of each process's address space: every `period` memory
 *   accesses one random page per region has its accessed bit checked and cleared
 *   (nr_accesses); at each aggregation (epoch) the region's nr_accesses is given to every folio
 *   in it, then adjacent regions with close counts merge and regions split in two while under
 *   maxRegions. kdamond's checks cost scanNsPerPte each (background CPU, `sampler`).
 */
import type { Kernel } from "@foliox/core";
import type { MmStruct } from "@foliox/core";
import { _PAGE_ACCESSED, ptePresent, pteSpecial, vpnPteIndex } from "@foliox/core";
import { enableNumaBalancing } from "@foliox/core";
import type { HotnessModel, Sampler, TieringContext } from "./types.js";

export class NoSampler implements Sampler {
  readonly name = "none";
  readonly period = 0;
  setup(): void {}
  sample(): void {}
  epoch(): void {}
}

export class HintFaultSampler implements Sampler {
  readonly name = "hint-faults";
  readonly period = 0;
  setup(ctx: TieringContext, hot: HotnessModel): void {
    const nb = ctx.k.numab ?? enableNumaBalancing(ctx.k, { promote: false });
    nb.onHintFault = (head: number) => hot.record(head, 1);
  }
  sample(): void {}
  epoch(): void {}
}

export class AbitScanSampler implements Sampler {
  readonly name = "abit-scan";
  readonly period = 0;
  private hot!: HotnessModel;
  setup(_ctx: TieringContext, hot: HotnessModel): void {
    this.hot = hot;
  }
  sample(): void {}
  epoch(ctx: TieringContext): void {
    const k = ctx.k;
    let visited = 0;
    for (const mm of k.mms) visited += scanYoung(k, mm, 0, Infinity, (head) => this.hot.record(head, 1));
    ctx.background("sampler", visited * ctx.costs.scanNsPerPte);
  }
}

/** Test and clear the accessed bit of every present PTE of mm in [startVpn, endVpn). */
function scanYoung(k: Kernel, mm: MmStruct, startVpn: number, endVpn: number, young: (head: number) => void): number {
  const pt = k.pgtables;
  const mem = k.mem;
  let visited = 0;
  for (const vma of mm.vmas) {
    const s = Math.max(vma.vmStart / 4096, startVpn);
    const e = Math.min(vma.vmEnd / 4096, endVpn);
    for (let vpn = s; vpn < e; vpn++) {
      if (!pt.walk(mm.pgd, vpn, false)) {
        vpn = vpn - vpnPteIndex(vpn) + 511;
        continue;
      }
      const pte = pt.leaf[pt.off]!;
      if (!ptePresent(pte) || pteSpecial(pte)) continue;
      visited++;
      if (pte & _PAGE_ACCESSED) {
        pt.leaf[pt.off] = pte & ~_PAGE_ACCESSED;
        young(mem.pageFolio(pt.frame[pt.off]!));
      }
    }
  }
  return visited;
}

export interface PebsOptions {
  /** one sample every `period` accesses; default 101 */
  period?: number;
}

export class PebsSampler implements Sampler {
  readonly name = "pebs";
  readonly period: number;
  private hot!: HotnessModel;
  private ctx!: TieringContext;
  constructor(o: PebsOptions = {}) {
    this.period = o.period ?? 101;
  }
  setup(ctx: TieringContext, hot: HotnessModel): void {
    this.hot = hot;
    this.ctx = ctx;
  }
  sample(pfn: number, _write: boolean, samples: number): void {
    this.hot.record(this.ctx.k.mem.pageFolio(pfn), samples);
    this.ctx.background("sampler", samples * this.ctx.costs.pebsSampleNs);
  }
  epoch(): void {}
}

export interface DamonOptions {
  /** accesses between two sampling checks; default 500 */
  period?: number;
  minRegions?: number;
  maxRegions?: number;
}

/** DAMON regions of one mm, struct-of-arrays (the region count is bounded by maxRegions). */
interface DamonTarget {
  mm: MmStruct;
  start: number[];
  end: number[];
  nrAccesses: number[];
  sampleVpn: number[];
}

export class DamonSampler implements Sampler {
  readonly name = "damon";
  readonly period: number;
  readonly minRegions: number;
  readonly maxRegions: number;
  private hot!: HotnessModel;
  private ctx!: TieringContext;
  private targets: DamonTarget[] = [];
  constructor(o: DamonOptions = {}) {
    this.period = o.period ?? 500;
    this.minRegions = o.minRegions ?? 10;
    this.maxRegions = o.maxRegions ?? 1000;
  }
  setup(ctx: TieringContext, hot: HotnessModel): void {
    this.hot = hot;
    this.ctx = ctx;
  }

  /** damon_va_init(): split each mm's vmas into at least minRegions regions. */
  private refreshTargets(): void {
    const k = this.ctx.k;
    for (const mm of k.mms) {
      if (this.targets.some((t) => t.mm === mm) || mm.vmas.length === 0) continue;
      const t: DamonTarget = { mm, start: [], end: [], nrAccesses: [], sampleVpn: [] };
      let total = 0;
      for (const v of mm.vmas) total += v.nrPages;
      const per = Math.max(1, Math.ceil(total / this.minRegions));
      for (const v of mm.vmas) {
        for (let s = v.vmStart / 4096; s < v.vmEnd / 4096; s += per) {
          t.start.push(s);
          t.end.push(Math.min(s + per, v.vmEnd / 4096));
          t.nrAccesses.push(0);
          t.sampleVpn.push(s);
        }
      }
      this.targets.push(t);
    }
  }

  /** damon_va_check_accesses() then damon_va_prepare_access_checks(). */
  sample(): void {
    const k = this.ctx.k;
    const pt = k.pgtables;
    const rng = this.ctx.rng;
    if (this.targets.length < k.mms.length) this.refreshTargets();
    let checks = 0;
    for (const t of this.targets) {
      checks += t.start.length;
      for (let r = 0; r < t.start.length; r++) {
        const vpn = t.sampleVpn[r]!;
        if (pt.walk(t.mm.pgd, vpn, false)) {
          const pte = pt.leaf[pt.off]!;
          if (ptePresent(pte) && !pteSpecial(pte) && pte & _PAGE_ACCESSED) t.nrAccesses[r]!++;
        }
        const next = t.start[r]! + rng.below(t.end[r]! - t.start[r]!);
        t.sampleVpn[r] = next;
        if (pt.walk(t.mm.pgd, next, false)) {
          const pte = pt.leaf[pt.off]!;
          if (ptePresent(pte)) pt.leaf[pt.off] = pte & ~_PAGE_ACCESSED;
        }
      }
    }
    // several samples at once (a heavy entry) are one check: the accessed bit cannot count
    this.ctx.background("sampler", checks * this.ctx.costs.scanNsPerPte);
  }

  /** kdamond_merge_regions() + kdamond_split_regions() at each aggregation interval. */
  epoch(ctx: TieringContext): void {
    const k = ctx.k;
    const pt = k.pgtables;
    const mem = k.mem;
    for (const t of this.targets) {
      // give each region's heat to its folios
      for (let r = 0; r < t.start.length; r++) {
        const heat = t.nrAccesses[r]!;
        if (heat === 0) continue;
        for (let vpn = t.start[r]!; vpn < t.end[r]!; vpn++) {
          if (!pt.walk(t.mm.pgd, vpn, false)) continue;
          const pte = pt.leaf[pt.off]!;
          if (ptePresent(pte) && !pteSpecial(pte)) this.hot.record(mem.pageFolio(pt.frame[pt.off]!), heat);
        }
      }
      // merge adjacent regions whose counts differ by at most 10 % of the max
      let max = 1;
      for (const n of t.nrAccesses) max = Math.max(max, n);
      const thres = Math.max(1, Math.floor(max / 10));
      const s: number[] = [],
        e: number[] = [],
        n: number[] = [];
      for (let r = 0; r < t.start.length; r++) {
        const last = s.length - 1;
        if (last >= 0 && e[last] === t.start[r] && Math.abs(n[last]! - t.nrAccesses[r]!) <= thres && s.length > this.minRegions) {
          e[last] = t.end[r]!;
          n[last] = Math.max(n[last]!, t.nrAccesses[r]!);
        } else {
          s.push(t.start[r]!);
          e.push(t.end[r]!);
          n.push(t.nrAccesses[r]!);
        }
      }
      // split each region in two at a random point while under maxRegions / 2
      const s2: number[] = [],
        e2: number[] = [];
      for (let r = 0; r < s.length; r++) {
        const len = e[r]! - s[r]!;
        if (s.length + s2.length / 2 < this.maxRegions / 2 && len >= 2) {
          const at = s[r]! + 1 + ctx.rng.below(len - 1);
          s2.push(s[r]!, at);
          e2.push(at, e[r]!);
        } else {
          s2.push(s[r]!);
          e2.push(e[r]!);
        }
      }
      t.start = s2;
      t.end = e2;
      t.nrAccesses = s2.map(() => 0);
      t.sampleVpn = s2.slice();
    }
  }
}
