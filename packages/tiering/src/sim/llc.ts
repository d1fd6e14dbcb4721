/**
 * A set-associative last-level cache in front of memory, so that a trace of every load and
 * store (lackey, Pin) reaches the tiers as the memory traffic a real machine would send them:
 * only the accesses that miss the LLC. A hit costs llcHitNs and never reaches a tier (no
 * tier latency, no hit-ratio count, no load on the node); the access still goes through the
 * page tables, as on hardware, where the TLB knows nothing of the cache: a NUMA hint PTE
 * faults and the accessed bit is set whether or not the line is cached.
 *
 * Geometry: size, ways and line size, each a power of two; sets = size ÷ (ways × line). The
 * default is a 32 MiB, 16-way LLC with 64 B lines (a large server part). Lines are indexed by
 * (pid, virtual line address): the replay knows no physical address before the access, and a
 * moved page keeps its cached lines (the model does not flush caches on migration). The set
 * is a hash of the line, as server LLCs spread lines over slices and sets with a hash. LRU
 * replacement (each set a recency list), write-allocate; the write-back of an evicted dirty
 * line happens off the critical path and is not charged.
 *
 * Small footprints: a 32 MiB LLC would hold a whole small trace, and no access would reach
 * memory. So the default is scaled to the workload: the largest power of two at most
 * footprint ÷ 32 (3 % of it, well below a 20 % fast tier), capped at 32 MiB, and at least one
 * set (ways × line). A footprint of 1 GiB or more gets the full 32 MiB.
 *
 * Typed arrays only; access() allocates nothing.
 */
export interface LlcGeometry {
  sizeBytes: number;
  ways: number;
  lineBytes: number;
}

export const DEFAULT_LLC: Readonly<LlcGeometry> = { sizeBytes: 32 * 1024 * 1024, ways: 16, lineBytes: 64 };

/** The scaling rule's divisor: the default LLC is at most footprint ÷ LLC_FOOTPRINT_SHARE. */
export const LLC_FOOTPRINT_SHARE = 32;

/** A geometry that cannot be built: names the field. */
export class LlcGeometryError extends RangeError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "LlcGeometryError";
  }
}

const isPow2 = (n: number) => Number.isSafeInteger(n) && n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/** Check a geometry; `field` prefixes the names in errors ("llc", "--llc"). */
export function checkLlcGeometry(g: LlcGeometry, field = "llc"): LlcGeometry {
  for (const k of ["sizeBytes", "ways", "lineBytes"] as const) {
    if (!isPow2(g[k]))
      throw new LlcGeometryError(
        `${field}.${k}`,
        `${g[k]} is not a power of two; the LLC's size, ways and line size must each be a power of two (e.g. 32MiB, 16 ways, 64 B lines)`,
      );
  }
  if (g.sizeBytes < g.ways * g.lineBytes) {
    throw new LlcGeometryError(
      `${field}.sizeBytes`,
      `${g.sizeBytes} B is less than one set (${g.ways} ways × ${g.lineBytes} B); give a larger size or fewer ways`,
    );
  }
  return g;
}

/** The default LLC, scaled to a footprint of `footprintBytes` (see the module comment). */
export function scaledLlc(footprintBytes: number, base: LlcGeometry = DEFAULT_LLC): LlcGeometry {
  const oneSet = base.ways * base.lineBytes;
  let size = base.sizeBytes;
  while (size > oneSet && size > footprintBytes / LLC_FOOTPRINT_SHARE) size /= 2;
  return { ...base, sizeBytes: size };
}

export class LlcFilter {
  readonly sets: number;
  readonly ways: number;
  /** 1 / lineBytes: a power of two, so the multiply is exact */
  private readonly perLine: number;
  private readonly setMask: number;
  private readonly wayShift: number;
  /**
   * Each set's lines in recency order, most recent first (slot 0): a hit moves its line to
   * the front, a miss drops the last line (the least recent, or an empty slot: -1) and puts
   * the new one in front. Exact LRU with no time stamps, and a hit on a recent line is found
   * after a slot or two.
   */
  private readonly tagLine: Float64Array;
  private readonly tagPid: Int32Array;
  /** the line of the last access and its pid: slot 0 of its set */
  private lastLine = -1;
  private lastPid = -1;
  hits = 0;
  misses = 0;

  constructor(readonly geometry: LlcGeometry) {
    checkLlcGeometry(geometry);
    this.ways = geometry.ways;
    this.sets = geometry.sizeBytes / (geometry.ways * geometry.lineBytes);
    this.perLine = 1 / geometry.lineBytes;
    this.setMask = this.sets - 1;
    this.wayShift = Math.round(Math.log2(geometry.ways));
    const n = this.sets * this.ways;
    this.tagLine = new Float64Array(n).fill(-1);
    this.tagPid = new Int32Array(n);
  }

  /** One access of `pid` at `addr`; true when the line was cached (it is afterwards). */
  access(pid: number, addr: number): boolean {
    const line = Math.floor(addr * this.perLine);
    // the last access's line is in front of its set already: traces of every load and store
    // touch the same line many times in a row
    if (line === this.lastLine && pid === this.lastPid) {
      this.hits++;
      return true;
    }
    this.lastLine = line;
    this.lastPid = pid;
    const lo = line >>> 0;
    const hi = (line / 4294967296) | 0;
    let h = Math.imul(lo ^ Math.imul(hi ^ pid, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const base = (h & this.setMask) << this.wayShift;
    const tags = this.tagLine;
    const pids = this.tagPid;
    let at = base + this.ways - 1;
    let hit = false;
    for (let i = base; i < base + this.ways; i++) {
      if (tags[i] === line && pids[i] === pid) {
        at = i;
        hit = true;
        break;
      }
    }
    // move the line to the front; on a miss the last slot is the one dropped
    for (let i = at; i > base; i--) {
      tags[i] = tags[i - 1]!;
      pids[i] = pids[i - 1]!;
    }
    tags[base] = line;
    pids[base] = pid;
    if (hit) this.hits++;
    else this.misses++;
    return hit;
  }
}
