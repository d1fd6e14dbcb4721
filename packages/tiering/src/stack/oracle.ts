/**
 * The epoch-oracle: a reference point, not a bound. It knows the future one epoch ahead: at
 * the start of each epoch it reads that epoch's entries (epochAccesses of them) from the
 * stream before the replay does, counts the accesses (weights) of every virtual page (pid, vpn)
 * that reach memory (with the LLC filter on, through the replay's LLC, whose answers the replay
 * then reads back), and takes the most-accessed pages up to the fast tier's capacity (managed
 * pages minus the PROMO watermark) as the epoch's hot set. It places that set in the fast tier — exchanging
 * with fast-tier folios outside it, or migrating into free room — and these moves cost no
 * simulated time. That is clairvoyant placement per epoch: the best static placement for each
 * epoch taken alone. It is not a bound on anything: a stack that moves pages within an epoch,
 * or keeps a page that the next epoch needs, can beat it (numab2 does, on `hotset`), and it
 * still pays for first touches, which follow the kernel's allocation
 * policy (the oracle cannot place a page before it exists). The bounds are allFast and
 * allSlow (sim/engine.ts).
 *
 * A fast-tier folio is kept when any page of it is in the hot set at any address that maps it
 * (found through the rmap, so file and shmem folios are recognised as well as anon ones).
 *
 * Memory: bounded by one epoch, whatever the trace's length: the stream is read once, one epoch
 * at a time, and the replay is served from a copy of that epoch's entries (two buffers of
 * epochAccesses entries, the one replayed and the one being read), with the keys of the pages
 * the epoch touches (PageCounts) and the hot set (at most the fast tier's capacity).
 */
import type { Kernel, MmStruct } from "@foliox/core";
import { WMARK_PROMO } from "@foliox/core";
import { addrPageOffset, ptePresent, pteSpecial } from "@foliox/core";
import { rmapWalk } from "@foliox/core";
import { type AccessBatch, type AccessSource, copyAccesses, createAccessBatch } from "../sim/access-batch.js";
import type { LlcFilter } from "../sim/llc.js";
import { replayableAddr } from "../sim/replay.js";
import { forEachLruFolio } from "./folios.js";
import { hotViews, PageCounts } from "./page-counts.js";
import type { HotnessModel, MovePlan, OracleKnowledge, PlacementPolicy, TieringContext } from "./types.js";

/** A key is process index * ORACLE_VPN_SPAN + vpn: a replayed address's vpn is below 2^35. */
export const ORACLE_VPN_SPAN = 2 ** 36;
/** Processes a key can name: their index × ORACLE_VPN_SPAN stays below 2^53. */
export const ORACLE_MAX_PROCESSES = 2 ** 17;

/** Fast-tier pages the oracle may fill. */
export function oracleCapacity(k: Kernel, fastNids: readonly number[]): number {
  let c = 0;
  for (const nid of fastNids) for (const z of k.topo.nodes[nid]!.zones) c += Math.max(0, z.managedPages - z.watermark[WMARK_PROMO]! - 1);
  return c;
}

async function* asyncBatches(src: AccessSource): AsyncGenerator<AccessBatch> {
  if (Symbol.asyncIterator in (src as object)) yield* src as AsyncIterable<AccessBatch>;
  else yield* src as Iterable<AccessBatch>;
}

/**
 * An epoch's entries as next() read them, with the LLC's answer for each: bit p of llcHits[i]
 * is set when page p of entry i (p = 1: the next page, for an access that crosses into it) hit.
 */
export interface HeldBatch extends AccessBatch {
  llcHits: Uint8Array;
}

function createHeldBatch(capacity: number): HeldBatch {
  return { ...createAccessBatch(capacity), llcHits: new Uint8Array(capacity) };
}

/**
 * The stream, read one epoch ahead of the replay: next() reads and counts an epoch's entries,
 * and replay() then serves those same entries to the engine. It counts the pages the replay
 * touches: an access crossing a page boundary touches the next page too, and an entry the
 * replay skips (an address outside replayableAddr(), a pid with no process) touches none.
 * With the LLC filter on, it runs the replay's LLC over the stream, in the replay's order and
 * on the entries the replay takes, and counts only the accesses that reach memory (an LLC hit
 * needs no tier); the replay reads each hit or miss from the held batch (llcHits) instead of
 * asking the LLC again.
 */
export class EpochOracleLookahead {
  private readonly it: AsyncIterator<AccessBatch>;
  private batch: AccessBatch | null = null;
  private pos = 0;
  private done = false;
  private readonly counts = new PageCounts();
  /** the processes met, by the index keys carry */
  private readonly pids: number[] = [];
  private readonly indexOfPid = new Map<number, number>();
  private lastPid = -1;
  private lastIndex = -1;
  /**
   * The entries next() read, by epoch, in two buffers taken in turn: the engine may still hold
   * the previous epoch's batch when next() reads the next one.
   */
  private readonly held: HeldBatch[];
  private epochsRead = 0;

  constructor(
    source: AccessSource,
    readonly epochAccesses: number,
    readonly capacity: number,
    /** the replay's LLC (the replay then leaves it to the lookahead), or null */
    private readonly llc: LlcFilter | null = null,
    /** whether the replay takes a pid's entries: it skips those of a pid with no process */
    private readonly replaysPid: (pid: number) => boolean = () => true,
  ) {
    this.it = asyncBatches(source)[Symbol.asyncIterator]();
    this.held = [createHeldBatch(Math.min(epochAccesses, 65536)), createHeldBatch(Math.min(epochAccesses, 65536))];
  }

  /**
   * The entries to replay: each epoch's, once next() has read it. Ends after an epoch that
   * next() did not follow with another (the stream's last, shorter one) or an empty one.
   */
  async *replay(): AsyncGenerator<HeldBatch> {
    for (;;) {
      const epoch = this.epochsRead;
      const b = this.held[epoch & 1]!;
      if (epoch === 0 || b.length === 0) return;
      yield b;
      if (this.epochsRead === epoch) return;
    }
  }

  /** The next epoch's hot pages, at most capacity. */
  async next(): Promise<OracleKnowledge> {
    this.epochsRead++;
    this.held[this.epochsRead & 1]!.length = 0;
    let n = 0;
    while (n < this.epochAccesses && !this.done) {
      const b = this.batch;
      if (b === null || this.pos >= b.length) {
        const r = await this.it.next();
        if (r.done) this.done = true;
        else {
          this.batch = r.value;
          this.pos = 0;
        }
        continue;
      }
      // the batch's entries up to the epoch's end, at most
      const from = this.pos;
      const to = Math.min(b.length, from + this.epochAccesses - n);
      const keep = this.hold(b, from, to);
      this.count(keep, keep.length - (to - from));
      this.pos = to;
      n += to - from;
    }
    return { pids: this.pids, ...this.counts.drainHottest(this.capacity) };
  }

  /** Count the held entries from `from` on, noting the LLC's answers. */
  private count(b: HeldBatch, from: number): void {
    const counts = this.counts;
    const llc = this.llc;
    const { pid: pids, addr: addrs, size: sizes, weight, llcHits: hits, length } = b;
    for (let i = from; i < length; i++) {
      const pid = pids[i]!;
      const addr = addrs[i]!;
      const size = sizes[i]!;
      hits[i] = 0;
      if (!replayableAddr(addr)) continue;
      const index = pid === this.lastPid ? this.lastIndex : this.indexOf(pid);
      if (index < 0) continue;
      const base = index * ORACLE_VPN_SPAN;
      const pages = size > 0 && addrPageOffset(addr) + size > 4096 ? 2 : 1;
      for (let p = 0; p < pages; p++) {
        const a = p === 0 ? addr : Math.floor(addr / 4096) * 4096 + 4096;
        if (llc !== null && llc.access(pid, a)) {
          hits[i] = hits[i]! | (1 << p);
          continue;
        }
        counts.add(base + Math.floor(a / 4096), weight[i]!);
      }
    }
  }

  /** The index keys carry for pid; -1 when the replay skips the pid's entries. */
  private indexOf(pid: number): number {
    let i = this.indexOfPid.get(pid);
    if (i === undefined) {
      if (!this.replaysPid(pid)) i = -1;
      else {
        i = this.pids.length;
        if (i === ORACLE_MAX_PROCESSES)
          throw new RangeError(
            `the epoch-oracle keys a page by its process's index × 2^36 + its vpn, exact below 2^53: it takes at most ${ORACLE_MAX_PROCESSES} processes, and pid ${pid} would be one more`,
          );
        this.pids.push(pid);
      }
      this.indexOfPid.set(pid, i);
    }
    this.lastPid = pid;
    this.lastIndex = i;
    return i;
  }

  /** Append entries [from, to) of b to the epoch's held buffer, grown as needed (doubling, up to epochAccesses). */
  private hold(b: AccessBatch, from: number, to: number): HeldBatch {
    const slot = this.epochsRead & 1;
    let keep = this.held[slot]!;
    const need = keep.length + to - from;
    if (need > keep.t.length) {
      let size = keep.t.length;
      while (size < need) size *= 2;
      const g = createHeldBatch(Math.min(this.epochAccesses, size));
      copyAccesses(g, keep, 0, keep.length);
      g.llcHits.set(keep.llcHits.subarray(0, keep.length));
      keep = this.held[slot] = g;
    }
    copyAccesses(keep, b, from, to);
    return keep;
  }
}

/** Is x in the ascending array a? */
function sortedHas(a: Float64Array, x: number): boolean {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length && a[lo] === x;
}

/** OracleKnowledge of pages given hottest first (for a placement tested apart from a lookahead). */
export function oracleKnowledge(pages: readonly { pid: number; vpn: number }[]): OracleKnowledge {
  const pids = [...new Set(pages.map((p) => p.pid))];
  const keys = Float64Array.from(pages, (p) => pids.indexOf(p.pid) * ORACLE_VPN_SPAN + p.vpn);
  const sorted = Float64Array.from(keys).sort();
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1]) throw new RangeError(`oracleKnowledge: a page is given twice (vpn ${sorted[i]! % ORACLE_VPN_SPAN}); give each page once`);
  }
  const ranks = Int32Array.from(keys, (key) => sorted.indexOf(key));
  return { pids, ...hotViews(sorted, ranks) };
}

export class OraclePlacement implements PlacementPolicy {
  readonly name = "epoch-oracle";
  plan(ctx: TieringContext, _hot: HotnessModel): MovePlan {
    const k = ctx.k;
    const o = ctx.oracle;
    if (!o || o.hotKeys.length === 0) return { promote: [], demote: [] };
    const { pids, hotSorted, hotOrder } = o;
    const m = hotSorted.length;
    const pt = k.pgtables;
    // each hot page's folio when it is outside the fast tier (else -1), looked up in key order:
    // neighbouring keys share page tables, which stay in the host's cache
    const slowHead = new Int32Array(m).fill(-1);
    let index = -1;
    let mm: MmStruct | null = null;
    for (let j = 0; j < m; j++) {
      const key = hotSorted[j]!;
      const p = Math.floor(key / ORACLE_VPN_SPAN);
      if (p !== index) {
        index = p;
        const pid = pids[p]!;
        mm = ctx.mmOfPid?.get(pid) ?? k.tasks.get(pid)?.mm ?? null;
      }
      if (!mm || !pt.walk(mm.pgd, key - p * ORACLE_VPN_SPAN, false)) continue;
      const pte = pt.leaf[pt.off]!;
      if (!ptePresent(pte) || pteSpecial(pte)) continue;
      // a folio's pages share its node: the frame's says whether the folio is outside the fast tier
      const pfn = pt.frame[pt.off]!;
      if (!k.tiers.nodeIsToptier(k.topo.pfnToNid(pfn))) slowHead[j] = k.mem.pageFolio(pfn);
    }
    // promoted hottest first
    const promote: number[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < m; i++) {
      const head = slowHead[hotOrder[i]!]!;
      if (head < 0 || seen.has(head)) continue;
      seen.add(head);
      promote.push(head);
    }
    if (promote.length === 0) return { promote, demote: [] };
    const pidOfMm = ctx.pidOfMm!;
    const indexOfPid = new Map(pids.map((pid, i) => [pid, i]));
    // is any page of the folio, at any address that maps it (anon or file), in the hot set?
    const inHotSet = (h: number): boolean => {
      let hit = false;
      rmapWalk(k, h, (vma, i, addr) => {
        const pte = pt.leaf[pt.off]!;
        if (!ptePresent(pte) || pt.frame[pt.off]! !== h + i) return true;
        const pid = pidOfMm.get(vma.mm.id);
        const p = pid === undefined ? undefined : indexOfPid.get(pid);
        if (p !== undefined && sortedHas(hotSorted, p * ORACLE_VPN_SPAN + Math.floor(addr / 4096))) {
          hit = true;
          return false;
        }
        return true;
      });
      return hit;
    };
    const demote: number[] = [];
    for (const nid of ctx.fastNids) {
      forEachLruFolio(k, nid, (h) => {
        if (demote.length >= promote.length) return false;
        if (inHotSet(h)) return;
        demote.push(h);
      });
    }
    return { promote, demote };
  }
}
