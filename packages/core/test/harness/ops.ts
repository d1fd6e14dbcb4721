/**
 * The operation-sequence property harness: fast-check commands over a small system, checked
 * after every command against the model's invariants, the integrity shadow, and a model of
 * processes, their mapped ranges and the token last written at each page.
 *
 * To add an operation, write a Command class and add one entry to COMMAND_SPECS (a weight and
 * an arbitrary that builds it). Commands pick processes, vmas and pages by index modulo what
 * exists when they run, so any sequence stays applicable while fast-check shrinks it.
 */
import fc from "fast-check";
import { expect } from "vitest";
import { folioExchange } from "../../src/exchange/folio-exchange.js";
import { EACCES, EAGAIN, EBUSY, EFAULT, EINVAL, ENOENT, ENOMEM } from "../../src/kernel/errno.js";
import { copyProcess, createProcess, exitMmap } from "../../src/syscalls/fork.js";
import type { Kernel } from "../../src/kernel/kernel.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, MIGRATE_SYNC_LIGHT, MR_SYSCALL, type MigrateMode } from "../../src/migrate/migrate-mode.js";
import { migratePages } from "../../src/migrate/migrate-pages.js";
import { allocMigrationTargetCb, type MigrationTargetControl } from "../../src/migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../../src/migrate/unmap-and-move.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../../src/mm/gfp.js";
import { checkIntegrity } from "../../src/debug/integrity.js";
import { checkInvariants } from "../../src/debug/invariants.js";
import { ACCESS_OK, ACCESS_OOM, accessVirtual } from "../../src/mm/memory.js";
import type { MmStruct, Task } from "../../src/mm/mm-types.js";
import { doMmap, doMunmap } from "../../src/mm/mmap.js";
import { WMARK_MIN } from "../../src/mm/page-alloc.js";
import { isMigrationEntry, ptePresent, pteSpecial } from "../../src/mm/pgtable.js";
import { syscalls } from "../../src/syscalls/index.js";
import { MPOL_MF_MOVE, userNodemask } from "../../src/syscalls/mempolicy-uapi.js";
import { MiB, PAGE, frameAt, makeSystem, pteAt, shadowAt, totalFreePages } from "../helpers.js";

export const HPAGE = 512 * PAGE;
export const MAX_PROCS = 5;

// ---------------------------------------------------------------------------------------------
// Model and real system
// ---------------------------------------------------------------------------------------------

export interface VmaModel {
  start: number;
  end: number;
}

export interface ProcModel {
  pid: number;
  /** sorted, disjoint; adjacent ranges are kept apart (a munmap may split one) */
  vmas: VmaModel[];
  /** vpn -> token last written there; a mapped page not in here reads as 0 */
  tokens: Map<number, number>;
}

export interface Model {
  procs: ProcModel[];
  /** the highest token handed out so far: every write must get a fresh, larger one */
  lastToken: number;
}

export interface Stats {
  reads: number;
  writes: number;
  ooms: number;
  forks: number;
  munmaps: number;
  exits: number;
  thpMmaps: number;
  exchanges: number;
  exchangeFails: number;
  /** migrate commands, folios they asked to move, and folios that did not move */
  migrates: number;
  migrateFolios: number;
  migrateFailed: number;
  /** syscalls made, and pages/pairs they reported as moved or exchanged */
  sysCalls: number;
  sysMoved: number;
  /** sequences that drove the system to an allocation failure */
  oomRuns: number;
  /** sequences that used more than 3/4 of memory at some point */
  fullRuns: number;
}

export interface Real {
  k: Kernel;
  tasks: Map<number, Task>;
  free0: number;
  stats: Stats;
  /** lowest free page count seen after a command */
  minFree: number;
  oomSeen: boolean;
}

export interface SystemShape {
  memory: [number, number];
  bytes: boolean;
  seed: number;
}

export const systemShape: fc.Arbitrary<SystemShape> = fc.oneof(
  {
    weight: 63,
    arbitrary: fc.record({
      memory: fc.constantFrom<[number, number]>([4 * MiB, 4 * MiB], [4 * MiB, 4 * MiB], [8 * MiB, 4 * MiB], [8 * MiB, 8 * MiB]),
      bytes: fc.constant(false),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    }),
  },
  {
    // bytes mode checks every byte of every page after every command: rare, and small
    weight: 1,
    arbitrary: fc.record({
      memory: fc.constant<[number, number]>([4 * MiB, 4 * MiB]),
      bytes: fc.constant(true),
      seed: fc.integer({ min: 1, max: 1 << 30 }),
    }),
  },
);

export function newStats(): Stats {
  return {
    reads: 0,
    writes: 0,
    ooms: 0,
    forks: 0,
    munmaps: 0,
    exits: 0,
    thpMmaps: 0,
    exchanges: 0,
    exchangeFails: 0,
    migrates: 0,
    migrateFolios: 0,
    migrateFailed: 0,
    sysCalls: 0,
    sysMoved: 0,
    oomRuns: 0,
    fullRuns: 0,
  };
}

export function setupSystem(shape: SystemShape, stats: Stats): { model: Model; real: Real } {
  const k = makeSystem({ memory: shape.memory, bytes: shape.bytes, seed: shape.seed });
  const model: Model = { procs: [], lastToken: 0 };
  const real: Real = { k, tasks: new Map(), free0: totalFreePages(k), stats, minFree: Infinity, oomSeen: false };
  // every sequence starts with one process, so that few commands are no-ops
  new SpawnCmd(0).run(model, real);
  return { model, real };
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** A cheap assertion for hot loops (vitest's expect() costs microseconds per call). */
export function must(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`harness: ${what}`);
}

function merged(ranges: readonly VmaModel[]): VmaModel[] {
  const out: VmaModel[] = [];
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && last.end === r.start) last.end = r.end;
    else out.push({ ...r });
  }
  return out;
}

/** After every command: the kernel's own invariants, integrity, rss, and the model. */
export function checkAll(m: Model, r: Real): void {
  const { k } = r;
  r.minFree = Math.min(r.minFree, totalFreePages(k));
  const violations = checkInvariants(k, { quiescent: true });
  if (violations.length > 0) expect(violations).toEqual([]);
  const integrity = checkIntegrity(k);
  if (!integrity.ok) expect(integrity.violations).toEqual([]);
  must(integrity.ok, "checkIntegrity() is not ok");
  // plain comparisons, one expect at the end: expect() per page is far too slow
  const bad: string[] = [];
  if (k.tasks.size !== m.procs.length) bad.push(`${k.tasks.size} tasks, model has ${m.procs.length}`);
  const pt = k.pgtables;
  for (const p of m.procs) {
    const task = r.tasks.get(p.pid)!;
    const mm = task.mm!;
    const real = JSON.stringify(merged(mm.vmas.map((v) => ({ start: v.vmStart, end: v.vmEnd }))));
    const want = JSON.stringify(merged(p.vmas));
    if (real !== want) bad.push(`pid ${p.pid}: vmas ${real}, model ${want}`);
    // one pass over every page of every vma: the shadow holds the model's last write, and
    // rss counts present PTEs of real pages plus migration entries
    let inside = 0;
    let rss = 0;
    for (const v of p.vmas) {
      const end = v.end / PAGE;
      for (let vpn = v.start / PAGE; vpn < end; ) {
        const leafEnd = Math.min(end, (Math.floor(vpn / 512) + 1) * 512);
        if (!pt.walk(mm.pgd, vpn, false)) {
          for (; vpn < leafEnd; vpn++) {
            const exp = p.tokens.get(vpn);
            if (exp !== undefined) {
              inside++;
              bad.push(`pid ${p.pid} 0x${(vpn * PAGE).toString(16)}: no page table, model wrote ${exp}`);
            }
          }
          continue;
        }
        const leaf = pt.leaf;
        const shadow = pt.shadow;
        for (let off = pt.off; vpn < leafEnd; vpn++, off++) {
          const pte = leaf[off]!;
          if (pte !== 0 && (ptePresent(pte) ? !pteSpecial(pte) : isMigrationEntry(pte))) rss++;
          const got = shadow[off]!;
          const exp = p.tokens.get(vpn);
          if (exp !== undefined) inside++;
          if (got !== (exp ?? 0)) bad.push(`pid ${p.pid} 0x${(vpn * PAGE).toString(16)}: last write ${got}, model ${exp ?? 0}`);
        }
      }
    }
    if (inside !== p.tokens.size) bad.push(`pid ${p.pid}: the model holds tokens outside its vmas`);
    if (mm.rssAnon !== rss) bad.push(`pid ${p.pid}: rss ${mm.rssAnon}, page tables map ${rss}`);
  }
  if (bad.length > 0) expect(bad).toEqual([]);
}

/** After the last command: exiting every process gives back every page and table. */
export function teardown(m: Model, r: Real): void {
  const { k } = r;
  if (r.oomSeen) r.stats.oomRuns++;
  if (r.minFree < r.free0 / 4) r.stats.fullRuns++;
  for (const p of m.procs) exitMmap(k, r.tasks.get(p.pid)!);
  m.procs = [];
  r.tasks.clear();
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(totalFreePages(k)).toBe(r.free0);
  expect(k.pgtables.nrTables).toBe(0);
  expect(k.mms.length).toBe(0);
  expect(k.anonVmas.filter((a) => a !== undefined).map((a) => a!.id)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Picking things by index
// ---------------------------------------------------------------------------------------------

function pickProc(m: Model, i: number): ProcModel {
  return m.procs[i % m.procs.length]!;
}

/** A page of a vma of p: its address, or -1 if p maps nothing. */
function pickPage(p: ProcModel, vmaIdx: number, pageIdx: number): number {
  if (p.vmas.length === 0) return -1;
  const v = p.vmas[vmaIdx % p.vmas.length]!;
  return v.start + (pageIdx % ((v.end - v.start) / PAGE)) * PAGE;
}

/** The address of the i-th written page of p (in order of first write), or -1 if none. */
function pickWritten(p: ProcModel, i: number): number {
  if (p.tokens.size === 0) return -1;
  const target = i % p.tokens.size;
  let n = 0;
  for (const vpn of p.tokens.keys()) if (n++ === target) return vpn * PAGE;
  return -1;
}

function removeRange(p: ProcModel, start: number, end: number): void {
  const out: VmaModel[] = [];
  for (const v of p.vmas) {
    if (v.end <= start || v.start >= end) out.push(v);
    else {
      if (v.start < start) out.push({ start: v.start, end: start });
      if (v.end > end) out.push({ start: end, end: v.end });
    }
  }
  p.vmas = out;
  for (const vpn of [...p.tokens.keys()]) if (vpn * PAGE >= start && vpn * PAGE < end) p.tokens.delete(vpn);
}

/** An honest OOM: an order-0 GFP_HIGHUSER_MOVABLE request fails only when every zone is at or below min. */
function expectHonestOom(k: Kernel): void {
  for (const z of k.topo.zones) {
    const free = k.alloc.zoneFreePages(z);
    must(free <= z.watermark[WMARK_MIN]!, `OOM with zone ${z.idx} at ${free} free pages, above its min watermark ${z.watermark[WMARK_MIN]}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

type Cmd = fc.Command<Model, Real>;

export class SpawnCmd implements Cmd {
  constructor(readonly nid: number) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length < MAX_PROCS;
  }
  run(m: Model, r: Real): void {
    const task = createProcess(r.k, { nid: this.nid });
    r.tasks.set(task.pid, task);
    m.procs.push({ pid: task.pid, vmas: [], tokens: new Map() });
  }
  toString(): string {
    return `spawn(nid ${this.nid})`;
  }
}

export class MmapCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly pages: number,
    readonly hugePages: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const mm = r.tasks.get(p.pid)!.mm!;
    // an mTHP vma only while an order-9 block could still be found
    const thp = this.hugePages > 0 && totalFreePages(r.k) > 512;
    const len = thp ? this.hugePages * HPAGE : this.pages * PAGE;
    const addr = doMmap(r.k, mm, len, thp ? { thpOrder: 9 } : {});
    must(addr > 0, `mmap returned ${addr}`);
    if (thp) {
      must(addr % HPAGE === 0, `thp vma at 0x${addr.toString(16)} is not 2 MiB aligned`);
      r.stats.thpMmaps++;
    }
    p.vmas.push({ start: addr, end: addr + len });
    p.vmas.sort((a, b) => a.start - b.start);
  }
  toString(): string {
    return `mmap(proc ${this.proc}, ${this.hugePages > 0 ? `${this.hugePages} x 2M thp` : `${this.pages} pages`})`;
  }
}

export class ReadCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
    readonly page: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const addr = pickPage(p, this.vma, this.page);
    if (addr < 0) return;
    const mm = r.tasks.get(p.pid)!.mm!;
    const calls = r.k.alloc.nrAllocCalls;
    r.k.faultState.lastToken = -1;
    const rc = accessVirtual(r.k, mm, addr, false);
    must(rc === ACCESS_OK, `read at 0x${addr.toString(16)} returned ${rc}`);
    const want = p.tokens.get(addr / PAGE) ?? 0;
    must(r.k.faultState.lastToken === want, `read at 0x${addr.toString(16)} saw token ${r.k.faultState.lastToken}, last written ${want}`);
    must(r.k.alloc.nrAllocCalls === calls, "a load allocated");
    r.stats.reads++;
  }
  toString(): string {
    return `read(proc ${this.proc}, vma ${this.vma}, page ${this.page})`;
  }
}

export class WriteCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
    readonly page: number,
    readonly count: number,
    /** pages between two writes: 1 writes a run, 512 touches one page per 2 MiB */
    readonly stride: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const mm = r.tasks.get(p.pid)!.mm!;
    for (let i = 0; i < this.count; i++) {
      const addr = pickPage(p, this.vma, this.page + i * this.stride);
      if (addr < 0) return;
      const rc = accessVirtual(r.k, mm, addr, true);
      if (rc === ACCESS_OOM) {
        expectHonestOom(r.k);
        r.stats.ooms++;
        r.oomSeen = true;
        return;
      }
      must(rc === ACCESS_OK, `write at 0x${addr.toString(16)} returned ${rc}`);
      const pte = pteAt(r.k, mm, addr);
      must(ptePresent(pte) && !pteSpecial(pte), `after a write the PTE is ${pte}`);
      const token = shadowAt(r.k, mm, addr);
      must(r.k.mem.content[frameAt(r.k, mm, addr)] === token, "the frame does not hold the token just written");
      must(token > m.lastToken, `write token ${token} is not fresh (last ${m.lastToken})`);
      m.lastToken = token;
      p.tokens.set(addr / PAGE, token);
      r.stats.writes++;
    }
  }
  toString(): string {
    return `write(proc ${this.proc}, vma ${this.vma}, page ${this.page}, x${this.count}, stride ${this.stride})`;
  }
}

/** Write every page of one vma, in order (MAP_POPULATE-like pressure); stops at an OOM. */
export class PopulateCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    if (p.vmas.length === 0) return;
    const v = p.vmas[this.vma % p.vmas.length]!;
    new WriteCmd(m.procs.indexOf(p), this.vma % p.vmas.length, 0, (v.end - v.start) / PAGE, 1).run(m, r);
  }
  toString(): string {
    return `populate(proc ${this.proc}, vma ${this.vma})`;
  }
}

export class ForkCmd implements Cmd {
  constructor(readonly proc: number) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0 && m.procs.length < MAX_PROCS;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const child = copyProcess(r.k, r.tasks.get(p.pid)!);
    // nothing is pinned, so fork copies no page and cannot fail
    must(typeof child === "object", `fork returned ${String(child)}`);
    const c = child as Task;
    r.tasks.set(c.pid, c);
    m.procs.push({ pid: c.pid, vmas: p.vmas.map((v) => ({ ...v })), tokens: new Map(p.tokens) });
    r.stats.forks++;
  }
  toString(): string {
    return `fork(proc ${this.proc})`;
  }
}

export class MunmapCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
    readonly offset: number,
    readonly pages: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const start = pickPage(p, this.vma, this.offset);
    if (start < 0) return;
    // the range may run past the vma, over holes and into the next vmas
    const end = start + this.pages * PAGE;
    const rc = doMunmap(r.k, r.tasks.get(p.pid)!.mm!, start, end - start);
    must(rc === 0, `munmap returned ${rc}`);
    removeRange(p, start, end);
    r.stats.munmaps++;
  }
  toString(): string {
    return `munmap(proc ${this.proc}, vma ${this.vma}, from page ${this.offset}, ${this.pages} pages)`;
  }
}

export class ExitCmd implements Cmd {
  constructor(readonly proc: number) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    exitMmap(r.k, r.tasks.get(p.pid)!);
    r.tasks.delete(p.pid);
    m.procs.splice(m.procs.indexOf(p), 1);
    r.stats.exits++;
  }
  toString(): string {
    return `exit(proc ${this.proc})`;
  }
}

/** The folio behind a user page (a real one, not the zero page), as [head, pfn], or null. */
function folioAt(k: Kernel, mm: MmStruct, addr: number): [number, number] | null {
  const pte = pteAt(k, mm, addr);
  if (!ptePresent(pte) || pteSpecial(pte)) return null;
  const pfn = frameAt(k, mm, addr);
  return [k.mem.pageFolio(pfn), pfn];
}

/**
 * move_pages()-style: isolate the folios behind a run of pages and migrate_pages() them to a
 * node with alloc_migration_target() and GFP_HIGHUSER_MOVABLE | __GFP_THISNODE. Whatever did
 * not move is put back. Data must be unchanged (checkAll); a folio reported as migrated must
 * be on the target node.
 */
export class MigrateCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
    readonly page: number,
    readonly count: number,
    readonly nid: number,
    readonly mode: MigrateMode,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const { k } = r;
    const p = pickProc(m, this.proc);
    const mm = r.tasks.get(p.pid)!.mm!;
    const list = k.lists.alloc();
    const addrs: number[] = [];
    let nrFolios = 0;
    for (let i = 0; i < this.count; i++) {
      const addr = pickPage(p, this.vma, this.page + i);
      if (addr < 0) break;
      const f = folioAt(k, mm, addr);
      if (!f) continue;
      addrs.push(addr);
      // a folio already isolated (by an earlier page of the run) is skipped, as move_pages does
      if (isolateFolioForMigration(k, f[0], list)) nrFolios++;
    }
    const rc = migratePages(
      k,
      list,
      allocMigrationTargetCb,
      null,
      { nid: this.nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE } satisfies MigrationTargetControl,
      this.mode,
      MR_SYSCALL,
    );
    must(rc >= 0 || rc === -ENOMEM || rc === -EAGAIN, `migrate_pages returned ${rc}`);
    const left = list.count();
    if (rc !== 0) putbackMovablePages(k, list);
    list.release();
    must(rc !== 0 || left === 0, `migrate_pages returned 0 but left ${left} folios on the list`);
    if (rc === 0) {
      for (const addr of addrs) {
        const f = folioAt(k, mm, addr);
        // a THP split (v6.12) maps never-written subpages to the shared zero page
        if (f === null && !p.tokens.has(addr / PAGE) && pteSpecial(pteAt(k, mm, addr))) continue;
        must(f !== null && k.folioNid(f[0]) === this.nid, `0x${addr.toString(16)} is not on node ${this.nid} after migrate_pages returned 0`);
      }
    }
    r.stats.migrates++;
    r.stats.migrateFolios += nrFolios;
    r.stats.migrateFailed += left;
  }
  toString(): string {
    return `migrate(proc ${this.proc}, vma ${this.vma}, page ${this.page}, x${this.count}, to node ${this.nid}, mode ${this.mode})`;
  }
}

/**
 * folio_exchange() of the folios behind two user pages (of any processes). With nothing pinned
 * or locked, two distinct anon folios of one order must exchange; after it each address maps
 * the other frame and reads what it read before.
 */
export class ExchangeCmd implements Cmd {
  constructor(
    readonly a: readonly [number, number, number],
    readonly b: readonly [number, number, number],
    readonly mode: MigrateMode,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const { k } = r;
    const pa = pickProc(m, this.a[0]);
    const pb = pickProc(m, this.b[0]);
    // mostly pages that were written (real folios), sometimes any page (zero page, none)
    const addrA = this.a[1] % 4 === 0 ? pickPage(pa, this.a[1], this.a[2]) : pickWritten(pa, this.a[2]);
    const addrB = this.b[1] % 4 === 0 ? pickPage(pb, this.b[1], this.b[2]) : pickWritten(pb, this.b[2]);
    if (addrA < 0 || addrB < 0) return;
    const mmA = r.tasks.get(pa.pid)!.mm!;
    const mmB = r.tasks.get(pb.pid)!.mm!;
    const fa = folioAt(k, mmA, addrA);
    const fb = folioAt(k, mmB, addrB);
    if (!fa || !fb) return;
    const [ha, pfnA] = fa;
    const [hb, pfnB] = fb;
    const calls = k.alloc.nrAllocCalls;
    const free = totalFreePages(k);
    const rc = folioExchange(k, ha, hb, this.mode);
    must(k.alloc.nrAllocCalls === calls && totalFreePages(k) === free, "folio_exchange allocated or freed memory");
    r.stats.exchanges++;
    if (ha === hb || k.mem.order[ha] !== k.mem.order[hb]) {
      must(rc === -EINVAL, `exchange of ${ha} and ${hb} (orders ${k.mem.order[ha]}, ${k.mem.order[hb]}) returned ${rc}, not -EINVAL`);
      r.stats.exchangeFails++;
      return;
    }
    must(rc === 0, `exchange of ${ha} and ${hb} (order ${k.mem.order[ha]}) returned ${rc}`);
    const na = folioAt(k, mmA, addrA);
    const nb = folioAt(k, mmB, addrB);
    must(na !== null && na[1] === hb + (pfnA - ha), `after exchange 0x${addrA.toString(16)} maps ${na?.[1]}, not ${hb + (pfnA - ha)}`);
    must(nb !== null && nb[1] === ha + (pfnB - hb), `after exchange 0x${addrB.toString(16)} maps ${nb?.[1]}, not ${ha + (pfnB - hb)}`);
  }
  toString(): string {
    const side = (x: readonly [number, number, number]) => (x[1] % 4 === 0 ? `proc ${x[0]} vma ${x[1]} page ${x[2]}` : `proc ${x[0]} written page #${x[2]}`);
    return `exchange(${side(this.a)} <-> ${side(this.b)}, mode ${this.mode})`;
  }
}

/**
 * sys.movePages(0, n, pages, nodes, status, MPOL_MF_MOVE) over a run of pages, or the query
 * mode (nodes === null). Query: every status is the node of the page's folio, -EFAULT for the
 * zero page, -ENOENT for nothing mapped. Move: a page whose status is the target node is on it.
 */
export class SysMovePagesCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly vma: number,
    readonly page: number,
    readonly count: number,
    /** -1: query mode */
    readonly nid: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const { k } = r;
    const p = pickProc(m, this.proc);
    const task = r.tasks.get(p.pid)!;
    const mm = task.mm!;
    const pages: number[] = [];
    for (let i = 0; i < this.count; i++) {
      const addr = pickPage(p, this.vma, this.page + i);
      if (addr < 0) return;
      pages.push(addr);
    }
    const status = new Int32Array(pages.length).fill(12345);
    const nodes = this.nid < 0 ? null : pages.map(() => this.nid);
    const rc = syscalls(k, task).movePages(0, pages.length, pages, nodes, status, MPOL_MF_MOVE);
    r.stats.sysCalls++;
    if (nodes === null) {
      must(rc === 0, `move_pages query returned ${rc}`);
      pages.forEach((addr, i) => {
        const pte = pteAt(k, mm, addr);
        const want = pte === 0 ? -ENOENT : pteSpecial(pte) ? -EFAULT : k.folioNid(k.mem.pageFolio(frameAt(k, mm, addr)));
        must(status[i] === want, `move_pages query: status[${i}] for 0x${addr.toString(16)} is ${status[i]}, want ${want}`);
      });
      return;
    }
    must(rc >= 0 || rc === -ENOMEM, `move_pages returned ${rc}`);
    if (rc < 0) return;
    pages.forEach((addr, i) => {
      const st = status[i]!;
      must(st === this.nid || [-EFAULT, -ENOENT, -EACCES, -EBUSY, -ENOMEM, 12345].includes(st) || st >= 0, `move_pages: status[${i}] is ${st}`);
      if (st === this.nid) {
        const f = folioAt(k, mm, addr);
        // a THP split (v6.12) may have mapped a never-written sub-page to the zero page
        if (f === null && !p.tokens.has(addr / PAGE)) return;
        must(f !== null && k.folioNid(f[0]) === this.nid, `move_pages: status[${i}] says node ${this.nid} but 0x${addr.toString(16)} is elsewhere`);
        r.stats.sysMoved++;
      }
    });
  }
  toString(): string {
    return `sys.movePages(proc ${this.proc}, vma ${this.vma}, page ${this.page}, x${this.count}, ${this.nid < 0 ? "query" : `to node ${this.nid}`})`;
  }
}

/** sys.migratePages(0, maxnode, {from}, {to}): a whole process moves between nodes. */
export class SysMigratePagesCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly from: number,
    readonly to: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const p = pickProc(m, this.proc);
    const task = r.tasks.get(p.pid)!;
    const maxnode = 65;
    const rc = syscalls(r.k, task).migratePages(0, maxnode, userNodemask([this.from], maxnode), userNodemask([this.to], maxnode));
    r.stats.sysCalls++;
    must(rc >= 0 || rc === -ENOMEM, `migrate_pages(2) returned ${rc}`);
  }
  toString(): string {
    return `sys.migratePages(proc ${this.proc}, ${this.from} -> ${this.to})`;
  }
}

/**
 * sys.exchangeFolios(0, n, src, dst, err) on written pages of one process: the result counts
 * the pairs whose err is not 0, and each exchanged pair's addresses now map each other's frame.
 */
export class SysExchangeFoliosCmd implements Cmd {
  constructor(
    readonly proc: number,
    readonly pairs: readonly (readonly [number, number])[],
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.procs.length > 0;
  }
  run(m: Model, r: Real): void {
    const { k } = r;
    const p = pickProc(m, this.proc);
    const task = r.tasks.get(p.pid)!;
    const mm = task.mm!;
    const src: number[] = [];
    const dst: number[] = [];
    for (const [a, b] of this.pairs) {
      const x = pickWritten(p, a);
      const y = pickWritten(p, b);
      if (x < 0 || y < 0) return;
      src.push(x);
      dst.push(y);
    }
    const before = src.map((a, i) => [folioAt(k, mm, a), folioAt(k, mm, dst[i]!)] as const);
    const err = new Int32Array(src.length).fill(12345);
    const calls = k.alloc.nrAllocCalls;
    const rc = syscalls(k, task).exchangeFolios(0, src.length, src, dst, err);
    r.stats.sysCalls++;
    must(k.alloc.nrAllocCalls === calls, "exchange_folios allocated");
    must(rc === Array.from(err).filter((e) => e !== 0).length, `exchange_folios returned ${rc}, err ${Array.from(err)}`);
    // a pair is checked only if its folios took part in no other pair of the call
    const heads = before.flatMap(([a, b]) => [a?.[0], b?.[0]]);
    err.forEach((e, i) => {
      if (e !== 0) return;
      r.stats.sysMoved++;
      const [a, b] = before[i]!;
      if (!a || !b || heads.filter((h) => h === a[0] || h === b[0]).length !== 2) return;
      const na = folioAt(k, mm, src[i]!);
      const nb = folioAt(k, mm, dst[i]!);
      must(na !== null && na[1] === b[0] + (a[1] - a[0]), `exchange_folios pair ${i}: src maps ${na?.[1]}, want ${b[0] + (a[1] - a[0])}`);
      must(nb !== null && nb[1] === a[0] + (b[1] - b[0]), `exchange_folios pair ${i}: dst maps ${nb?.[1]}, want ${a[0] + (b[1] - b[0])}`);
    });
  }
  toString(): string {
    return `sys.exchangeFolios(proc ${this.proc}, written pages ${this.pairs.map(([a, b]) => `#${a}<->#${b}`).join(", ")})`;
  }
}

// ---------------------------------------------------------------------------------------------
// The command registry: add new operations here.
// ---------------------------------------------------------------------------------------------

const idx = fc.nat({ max: 1 << 16 });

export interface CommandSpec {
  name: string;
  weight: number;
  arb: fc.Arbitrary<Cmd>;
}

export const COMMAND_SPECS: CommandSpec[] = [
  { name: "spawn", weight: 2, arb: fc.nat({ max: 1 }).map((nid) => new SpawnCmd(nid)) },
  {
    name: "mmap",
    weight: 4,
    arb: fc
      .tuple(
        idx,
        fc.integer({ min: 1, max: 256 }),
        fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }) }),
      )
      .map(([p, n, h]) => new MmapCmd(p, n, h)),
  },
  { name: "read", weight: 6, arb: fc.tuple(idx, idx, idx).map(([p, v, g]) => new ReadCmd(p, v, g)) },
  {
    name: "write",
    weight: 8,
    arb: fc.tuple(idx, idx, idx, fc.integer({ min: 1, max: 64 }), fc.constantFrom(1, 1, 1, 7, 512)).map(([p, v, g, n, s]) => new WriteCmd(p, v, g, n, s)),
  },
  { name: "populate", weight: 2, arb: fc.tuple(idx, idx).map(([p, v]) => new PopulateCmd(p, v)) },
  { name: "fork", weight: 2, arb: idx.map((p) => new ForkCmd(p)) },
  { name: "munmap", weight: 2, arb: fc.tuple(idx, idx, idx, fc.integer({ min: 1, max: 700 })).map(([p, v, o, n]) => new MunmapCmd(p, v, o, n)) },
  { name: "exit", weight: 1, arb: idx.map((p) => new ExitCmd(p)) },
  // the movers (src/migrate, src/exchange)
  {
    name: "migrate",
    weight: 3,
    arb: fc
      .tuple(idx, idx, idx, fc.integer({ min: 1, max: 600 }), fc.nat({ max: 1 }), fc.constantFrom<MigrateMode>(MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC))
      .map(([p, v, g, n, nid, mode]) => new MigrateCmd(p, v, g, n, nid, mode)),
  },
  {
    name: "exchange",
    weight: 5,
    arb: fc
      .tuple(fc.tuple(idx, idx, idx), fc.tuple(idx, idx, idx), fc.constantFrom<MigrateMode>(MIGRATE_ASYNC, MIGRATE_SYNC))
      .map(([a, b, mode]) => new ExchangeCmd(a, b, mode)),
  },
  // the syscall facade (src/syscalls)
  {
    name: "sys.movePages",
    weight: 2,
    arb: fc
      .tuple(idx, idx, idx, fc.integer({ min: 1, max: 40 }), fc.integer({ min: -1, max: 1 }))
      .map(([p, v, g, n, nid]) => new SysMovePagesCmd(p, v, g, n, nid)),
  },
  { name: "sys.migratePages", weight: 1, arb: fc.tuple(idx, fc.nat({ max: 1 }), fc.nat({ max: 1 })).map(([p, a, b]) => new SysMigratePagesCmd(p, a, b)) },
  {
    name: "sys.exchangeFolios",
    weight: 2,
    arb: fc.tuple(idx, fc.array(fc.tuple(idx, idx), { minLength: 1, maxLength: 4 })).map(([p, pairs]) => new SysExchangeFoliosCmd(p, pairs)),
  },
];

/** FOLIOX_PROPERTY_OPS="read,write,..." runs only the named operations (default: all). */
export function selectedSpecs(env: string | undefined = process.env.FOLIOX_PROPERTY_OPS): CommandSpec[] {
  if (!env) return COMMAND_SPECS;
  const names = env.split(",").map((n) => n.trim());
  for (const n of names) if (!COMMAND_SPECS.some((s) => s.name === n)) throw new Error(`FOLIOX_PROPERTY_OPS: unknown operation "${n}"`);
  return COMMAND_SPECS.filter((s) => names.includes(s.name));
}

export function commandArbitrary(specs: readonly CommandSpec[] = selectedSpecs()): fc.Arbitrary<Cmd> {
  return fc.oneof(...specs.map((s) => ({ weight: s.weight, arbitrary: s.arb })));
}

/** Wrap a command so that the full check runs after it. */
export class Checked implements Cmd {
  constructor(readonly inner: Cmd) {}
  check(m: Readonly<Model>): boolean {
    return this.inner.check(m);
  }
  run(m: Model, r: Real): void {
    this.inner.run(m, r);
    checkAll(m, r);
  }
  toString(): string {
    return this.inner.toString();
  }
}

export function commandsArbitrary(maxCommands: number, specs?: readonly CommandSpec[]): fc.Arbitrary<Iterable<Cmd>> {
  return fc.commands([commandArbitrary(specs).map((c): Cmd => new Checked(c))], { maxCommands, size: "max" });
}
