/**
 * The wide operation-sequence harness: fast-check commands over a small system with every
 * built-in backend — anonymous memory with its swap cache and KSM (@foliox/anon), ext4 with
 * 1 KiB and 4 KiB blocks, tmpfs — and a swap device. Processes map anonymous memory and files
 * (MAP_SHARED and MAP_PRIVATE), store and load through them, read(2), write(2), truncate and
 * write back files, fork, munmap and exit; reclaim swaps folios out; ksmd merges twin pages;
 * migrate_pages() and folio_exchange() move whatever the pages are backed by, with failure
 * injection at every exchange failure point; and exchanges run as ExchangeOps whose phases are
 * stepped one command at a time, so that any other command lands between two of them.
 *
 * After every command: checkInvariants() (quiescent when no ExchangeOp is in flight) and
 * checkIntegrity() (both skipped only while an op is between its data swap and its remap,
 * whose migration entries still name the frames the data left), lockdep (an inversion throws)
 * and the wait model's deadlock count. Loads and read(2) are checked against the harness's own
 * model of what each process and each file last wrote. Core's harness (core/test/harness)
 * checks anonymous memory alone in more depth; this one is about everything meeting.
 *
 * Commands pick processes, regions, files and pages by index modulo what exists when they run,
 * so a sequence stays applicable while fast-check shrinks it.
 */
import "reflect-metadata";
import fc from "fast-check";
import { ksmMadviseMergeable, ksmStats, ksmdScan, registerAnon } from "@foliox/anon";
import {
  ACCESS_BLOCKED,
  ACCESS_OK,
  ACCESS_SEGV,
  EAGAIN,
  EINVAL,
  EIO,
  ENOMEM,
  EXCHANGE_FAILURE_POINTS,
  EXCHANGE_WOULD_BLOCK,
  ExchangeOp,
  FOLIO_EXCHANGE,
  GFP_HIGHUSER_MOVABLE,
  MAP_PRIVATE,
  MAP_SHARED,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MIGRATE_SYNC_LIGHT,
  MR_SYSCALL,
  PG_locked,
  WB_SYNC_NONE,
  __GFP_THISNODE,
  accessVirtual,
  allocMigrationTargetCb,
  checkIntegrity,
  checkInvariants,
  completeWriteback,
  copyProcess,
  createInode,
  createProcess,
  createSystem,
  doMmap,
  doMmapFile,
  doMunmap,
  exitMmap,
  filemapRead,
  filemapWrite,
  fixtureMount,
  folioExchange,
  folioExchangeCheckArgs,
  folioWalkStart,
  isolateFolioForMigration,
  migratePages,
  putbackMovablePages,
  reclaimFolio,
  truncateInodePagesRange,
  truncateSetsize,
  writeCachePages,
  type FolioExchange,
  type Inode,
  type Kernel,
  type MigrateMode,
  type MigrationTargetControl,
  type Task,
} from "@foliox/core";
import { registerExt4 } from "@foliox/fs-ext4";
import { registerTmpfs } from "@foliox/fs-tmpfs";

export const PAGE = 4096;
const MiB = 1024 * 1024;
/**
 * ExchangeOps in flight at once, at most. One: the model keeps one deferred-TLB-flush batch per
 * system (k.tlb, the kernel's per-task tlb_ubc of "current"), so a second op's unmap would leave
 * the first op's data swap looking unflushed (folio_exchange_data's guard reads the one batch).
 */
const MAX_INFLIGHT = 1;
const MAX_PROCS = 5;
const MAX_REGIONS = 6;
const MAX_FILES = 4;
/** The file systems a file is made on (conformance-fixture mounts: one-page readahead). */
export const FILE_BACKENDS = ["ext4-4k", "ext4-1k", "tmpfs"] as const;

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

export interface FileModel {
  inode: Inode;
  backend: string;
  /** page index -> the token last written (write(2) or a store through a MAP_SHARED mapping) */
  tokens: Map<number, number>;
}

export interface RegionModel {
  start: number;
  pages: number;
  /** the file it maps, or null for anonymous memory */
  file: FileModel | null;
  shared: boolean;
}

export interface ProcModel {
  task: Task;
  regions: RegionModel[];
  /** vpn -> the token last stored: anonymous pages and MAP_PRIVATE copies of file pages */
  tokens: Map<number, number>;
}

export interface WideStats {
  commands: number;
  stores: number;
  loads: number;
  fileReads: number;
  fileWrites: number;
  truncates: number;
  writebacks: number;
  reclaims: number;
  ksmScans: number;
  ksmMerged: number;
  migrates: number;
  exchanges: number;
  exchangesOk: number;
  injected: number;
  opSteps: number;
  opsFinished: number;
  blocked: number;
  fileExchanges: number;
}

export function newWideStats(): WideStats {
  return {
    commands: 0,
    stores: 0,
    loads: 0,
    fileReads: 0,
    fileWrites: 0,
    truncates: 0,
    writebacks: 0,
    reclaims: 0,
    ksmScans: 0,
    ksmMerged: 0,
    migrates: 0,
    exchanges: 0,
    exchangesOk: 0,
    injected: 0,
    opSteps: 0,
    opsFinished: 0,
    blocked: 0,
    fileExchanges: 0,
  };
}

/** A page of a process: where a command acts. */
export interface PageAt {
  p: ProcModel;
  r: RegionModel;
  addr: number;
}

export interface Inflight {
  op: ExchangeOp;
  sides: [PageAt, PageAt];
}

export interface World {
  k: Kernel;
  procs: ProcModel[];
  files: FileModel[];
  /** ExchangeOps stepped by ExchangeStepCmd, with the two pages each was started on */
  inflight: Inflight[];
  stats: WideStats;
  /** the exchange template the exchanges run (foliox's; the conformance suite's seed-literal to show the harness fails) */
  ex: FolioExchange;
}

/** A cheap assertion (vitest's expect() per check is far too slow here). */
export function must(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`harness: ${what}`);
}

export interface WideShape {
  seed: number;
  memory: [number, number];
}

export const wideShape: fc.Arbitrary<WideShape> = fc.record({
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  memory: fc.constantFrom<[number, number]>([4 * MiB, 4 * MiB], [4 * MiB, 8 * MiB]),
});

export function setupWorld(shape: WideShape, stats: WideStats, ex: FolioExchange = FOLIO_EXCHANGE): World {
  const { kernel: k } = createSystem({ memory: shape.memory, seed: shape.seed, swapPages: 512, backends: [registerAnon, registerExt4, registerTmpfs] });
  const w: World = { k, procs: [], files: [], inflight: [], stats, ex };
  // two processes, one per node; an anonymous region each; a file of each kind, mapped
  new SpawnCmd(1).run(w);
  new SpawnCmd(0).run(w);
  new AnonMmapCmd(0, 8, 0).run(w);
  new AnonMmapCmd(1, 8, 0).run(w);
  FILE_BACKENDS.forEach((_, i) => new FileCreateCmd(i, 3).run(w));
  new FileMmapCmd(0, 1, true).run(w);
  new FileMmapCmd(0, 2, true).run(w);
  new FileMmapCmd(1, 0, false).run(w);
  new FileMmapCmd(1, 2, true).run(w);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** An in-flight op between its data swap and its remap: the whole-system checks wait for it. */
function inWindow(w: World): boolean {
  return w.inflight.some(({ op }) => op.exchanged && op.phase === "remap");
}

export function checkWorld(w: World): void {
  const k = w.k;
  w.stats.commands++;
  must(k.waits.deadlocks === 0, `the wait model saw a deadlock: ${k.waits.lastDeadlock}`);
  if (inWindow(w)) return;
  const bad = checkInvariants(k, { quiescent: w.inflight.length === 0 });
  must(bad.length === 0, `invariants:\n  ${bad.slice(0, 12).join("\n  ")}`);
  const integrity = checkIntegrity(k);
  must(integrity.ok, `integrity: ${JSON.stringify(integrity.violations.slice(0, 6))}`);
}

/** Run an op to its end the way folioExchange() does: a phase that would sleep waits, or backs out. */
function finishOp(op: ExchangeOp): void {
  while (!op.done) {
    if (op.step() === EXCHANGE_WOULD_BLOCK && !op.wait()) op.abort(-EAGAIN);
  }
}

/** Let every in-flight op finish (what a sleeper on their locks waits for). */
export function drainInflight(w: World): void {
  for (const { op } of w.inflight) finishOp(op);
  w.stats.opsFinished += w.inflight.length;
  w.inflight.length = 0;
}

/** After the last command: finish everything, exit every process, empty every file. */
export function teardownWorld(w: World): void {
  const k = w.k;
  drainInflight(w);
  completeWriteback(k);
  for (const p of w.procs) exitMmap(k, p.task);
  w.procs = [];
  for (const f of w.files) {
    must(truncateSetsize(k, f.inode, 0) === 0, `truncate of ino ${f.inode.ino} to 0 left folios behind`);
  }
  completeWriteback(k);
  // rmap items hold anon_vma references until ksmd's next scan drops the exited mms' items
  ksmdScan(k);
  const bad = checkInvariants(k, { quiescent: true });
  must(bad.length === 0, `invariants after teardown:\n  ${bad.slice(0, 12).join("\n  ")}`);
  must(k.mms.length === 0, `${k.mms.length} mm(s) left after every process exited`);
  must(
    k.anonVmas.every((a) => a === undefined),
    "anon_vmas left after every process exited",
  );
  for (let pfn = 0; pfn < k.mem.nrPages; pfn++) must(!k.mem.testFlag(pfn, PG_locked), `pfn ${pfn} is still locked after teardown`);
  must(k.waits.folioOwner.size === 0, `${k.waits.folioOwner.size} folio lock(s) still recorded as held`);
}

// ---------------------------------------------------------------------------------------------
// Picking things by index
// ---------------------------------------------------------------------------------------------

function pickProc(w: World, i: number): ProcModel | null {
  return w.procs.length ? w.procs[i % w.procs.length]! : null;
}

function pickRegion(p: ProcModel, i: number): RegionModel | null {
  return p.regions.length ? p.regions[i % p.regions.length]! : null;
}

/** The address of page `pg` of region `r` of process `pi`, with what it is; null if there is none. */
function pickPage(w: World, pi: number, ri: number, pg: number): PageAt | null {
  const p = pickProc(w, pi);
  const r = p && pickRegion(p, ri);
  if (!p || !r) return null;
  return { p, r, addr: r.start + (pg % r.pages) * PAGE };
}

/**
 * Like pickPage, but the first page from there on (wrapping) that maps a folio: movers and
 * reclaim act on folios, so a command aimed at an empty page looks for one nearby.
 */
function pickPresent(w: World, pi: number, ri: number, pg: number): (PageAt & { head: number }) | null {
  const p = pickProc(w, pi);
  if (!p) return null;
  const n = p.regions.length;
  for (let j = 0; j < n; j++) {
    const r = p.regions[(ri + j) % n]!;
    for (let i = 0; i < r.pages; i++) {
      const addr = r.start + ((pg + i) % r.pages) * PAGE;
      const head = folioWalkStart(w.k, p.task.mm!, addr);
      if (head >= 0) return { p, r, addr, head };
    }
  }
  return null;
}

/** The token a load at addr must read, or -1 where the access must fault (past a file's end). */
function expectedToken(p: ProcModel, r: RegionModel, addr: number): number {
  const vpn = addr / PAGE;
  if (!r.file) return p.tokens.get(vpn) ?? 0;
  const index = (addr - r.start) / PAGE;
  if (index >= r.file.inode.sizePages) return -1;
  if (!r.shared && p.tokens.has(vpn)) return p.tokens.get(vpn)!;
  return r.file.tokens.get(index) ?? 0;
}

function shadowAt(k: Kernel, p: ProcModel, addr: number): number {
  const pt = k.pgtables;
  return pt.walk(p.task.mm!.pgd, addr / PAGE, false) ? pt.shadow[pt.off]! : 0;
}

/** Forget, for every process and the file, what a truncate to `pages` removed. */
function truncateModel(w: World, f: FileModel, pages: number): void {
  for (const i of [...f.tokens.keys()]) if (i >= pages) f.tokens.delete(i);
  for (const p of w.procs) {
    for (const r of p.regions) {
      if (r.file !== f || r.shared) continue;
      // truncate's unmap_mapping_range(even_cows) zaps the private copies past the end too
      for (let i = pages; i < r.pages; i++) p.tokens.delete(r.start / PAGE + i);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

export interface WideCmd extends fc.Command<World, World> {
  run(w: World): void;
}

abstract class Base implements WideCmd {
  check(): boolean {
    return true;
  }
  abstract run(w: World): void;
  abstract toString(): string;
}

export class SpawnCmd extends Base {
  constructor(readonly nid: number) {
    super();
  }
  run(w: World): void {
    if (w.procs.length >= MAX_PROCS) return;
    w.procs.push({ task: createProcess(w.k, { nid: this.nid }), regions: [], tokens: new Map() });
  }
  toString(): string {
    return `spawn(node ${this.nid})`;
  }
}

export class AnonMmapCmd extends Base {
  constructor(
    readonly proc: number,
    readonly pages: number,
    readonly thpOrder: number,
  ) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    if (!p || p.regions.length >= MAX_REGIONS) return;
    const pages = this.thpOrder ? 1 << this.thpOrder : this.pages;
    const addr = doMmap(w.k, p.task.mm!, pages * PAGE, { thpOrder: this.thpOrder });
    must(addr > 0, `mmap returned ${addr}`);
    p.regions.push({ start: addr, pages, file: null, shared: false });
  }
  toString(): string {
    return `mmap(proc ${this.proc}, ${this.thpOrder ? `order ${this.thpOrder}` : `${this.pages} pages`})`;
  }
}

export class FileCreateCmd extends Base {
  constructor(
    readonly backend: number,
    readonly pages: number,
  ) {
    super();
  }
  run(w: World): void {
    if (w.files.length >= MAX_FILES) return;
    const k = w.k;
    const backend = FILE_BACKENDS[this.backend % FILE_BACKENDS.length]!;
    const inode = createInode(k, fixtureMount(k, backend));
    const f: FileModel = { inode, backend, tokens: new Map() };
    w.files.push(f);
    for (let i = 0; i < this.pages; i++) {
      if (filemapWrite(k, inode, i, i % 2) !== PAGE) break;
      f.tokens.set(i, inode.shadow.load(i));
    }
  }
  toString(): string {
    return `create(${FILE_BACKENDS[this.backend % FILE_BACKENDS.length]}, ${this.pages} pages)`;
  }
}

export class FileMmapCmd extends Base {
  constructor(
    readonly proc: number,
    readonly file: number,
    readonly shared: boolean,
  ) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    if (!p || w.files.length === 0 || p.regions.length >= MAX_REGIONS) return;
    const f = w.files[this.file % w.files.length]!;
    const pages = Math.max(1, f.inode.sizePages) + 1;
    const addr = doMmapFile(w.k, p.task.mm!, f.inode, pages * PAGE, { flags: this.shared ? MAP_SHARED : MAP_PRIVATE });
    must(addr > 0, `mmap of ino ${f.inode.ino} returned ${addr}`);
    p.regions.push({ start: addr, pages, file: f, shared: this.shared });
  }
  toString(): string {
    return `mmap(proc ${this.proc}, file ${this.file}, ${this.shared ? "MAP_SHARED" : "MAP_PRIVATE"})`;
  }
}

/** A store or a load at one page: checked against the model. */
export class AccessCmd extends Base {
  constructor(
    readonly proc: number,
    readonly region: number,
    readonly page: number,
    readonly write: boolean,
  ) {
    super();
  }
  run(w: World): void {
    const at = pickPage(w, this.proc, this.region, this.page);
    if (at) access(w, at, this.write);
  }
  toString(): string {
    return `${this.write ? "store" : "load"}(proc ${this.proc}, region ${this.region}, page ${this.page})`;
  }
}

/** One store or load, checked against the model; the model learns what a store wrote. */
function access(w: World, at: PageAt, write: boolean): void {
  const { p, r, addr } = at;
  const k = w.k;
  const want = expectedToken(p, r, addr);
  const rc = accessVirtual(k, p.task.mm!, addr, write);
  if (rc === ACCESS_BLOCKED) {
    // a migration entry or a locked folio of an in-flight op: the task sleeps; no access
    must(w.inflight.length > 0, `0x${addr.toString(16)}: blocked with no op in flight`);
    w.stats.blocked++;
    return;
  }
  if (want < 0) {
    must(rc === ACCESS_SEGV, `0x${addr.toString(16)} past the end of ino ${r.file!.inode.ino}: access gave ${rc}, not SIGBUS`);
    return;
  }
  if (rc !== ACCESS_OK) return; // out of memory: nothing was written
  if (write) {
    w.stats.stores++;
    const token = shadowAt(k, p, addr);
    if (r.file && r.shared) r.file.tokens.set((addr - r.start) / PAGE, token);
    else p.tokens.set(addr / PAGE, token);
  } else {
    w.stats.loads++;
    must(k.faultState.lastToken === want, `load at 0x${addr.toString(16)} (pid ${p.task.pid}) read ${k.faultState.lastToken}, the model says ${want}`);
  }
}

/** Store to every page of a region (MAP_POPULATE-like, with writes): gives the movers folios. */
export class PopulateCmd extends Base {
  constructor(
    readonly proc: number,
    readonly region: number,
  ) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    const r = p && pickRegion(p, this.region);
    if (!p || !r) return;
    for (let i = 0; i < r.pages; i++) access(w, { p, r, addr: r.start + i * PAGE }, true);
  }
  toString(): string {
    return `populate(proc ${this.proc}, region ${this.region})`;
  }
}

export class FileIoCmd extends Base {
  constructor(
    readonly file: number,
    readonly index: number,
    readonly write: boolean,
  ) {
    super();
  }
  run(w: World): void {
    if (w.files.length === 0) return;
    const k = w.k;
    const f = w.files[this.file % w.files.length]!;
    const index = this.index % (f.inode.sizePages + 2);
    if (this.write) {
      let rc = filemapWrite(k, f.inode, index, 0);
      if (rc === -EAGAIN) {
        // write_begin sleeps on the folio lock an in-flight op holds: it finishes first
        drainInflight(w);
        rc = filemapWrite(k, f.inode, index, 0);
      }
      if (rc !== PAGE) return;
      w.stats.fileWrites++;
      f.tokens.set(index, f.inode.shadow.load(index));
      return;
    }
    const rc = filemapRead(k, f.inode, index, 0);
    if (rc < 0) return;
    w.stats.fileReads++;
    if (index >= f.inode.sizePages) {
      must(rc === 0, `read(2) of ino ${f.inode.ino} page ${index} past the end gave ${rc}`);
      return;
    }
    const want = f.tokens.get(index) ?? 0;
    must(
      rc === PAGE && k.fileIoState.lastToken === want,
      `read(2) of ino ${f.inode.ino} page ${index} gave ${rc} bytes, token ${k.fileIoState.lastToken}; the model says ${want}`,
    );
  }
  toString(): string {
    return `${this.write ? "write" : "read"}(file ${this.file}, page ${this.index})`;
  }
}

export class TruncateCmd extends Base {
  constructor(
    readonly file: number,
    readonly pages: number,
  ) {
    super();
  }
  run(w: World): void {
    if (w.files.length === 0) return;
    const k = w.k;
    const f = w.files[this.file % w.files.length]!;
    const pages = Math.min(this.pages, f.inode.sizePages);
    const left = truncateSetsize(k, f.inode, pages * PAGE);
    if (left > 0) {
      // truncate_inode_pages_range() sleeps on the folios a mover holds locked
      drainInflight(w);
      must(truncateInodePagesRange(k, f.inode.mapping, pages * PAGE) === 0, "truncate left folios after the movers finished");
    }
    truncateModel(w, f, pages);
    w.stats.truncates++;
  }
  toString(): string {
    return `truncate(file ${this.file}, ${this.pages} pages)`;
  }
}

/** Start writeback of a file's dirty folios (WB_SYNC_NONE), or complete in-flight I/O. */
export class WritebackCmd extends Base {
  constructor(
    readonly file: number,
    readonly complete: number,
  ) {
    super();
  }
  run(w: World): void {
    w.stats.writebacks++;
    if (this.complete > 0) {
      completeWriteback(w.k, this.complete);
      return;
    }
    if (w.files.length === 0) return;
    const f = w.files[this.file % w.files.length]!;
    const rc = writeCachePages(w.k, f.inode.mapping, WB_SYNC_NONE);
    must(rc >= 0, `writeback of ino ${f.inode.ino} returned ${rc}`);
  }
  toString(): string {
    return this.complete > 0 ? `writeback_end(x${this.complete})` : `writeback(file ${this.file})`;
  }
}

export class ForkCmd extends Base {
  constructor(readonly proc: number) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    if (!p || w.procs.length >= MAX_PROCS) return;
    const child = copyProcess(w.k, p.task);
    if (typeof child === "number") return;
    w.procs.push({ task: child, regions: p.regions.map((r) => ({ ...r })), tokens: new Map(p.tokens) });
  }
  toString(): string {
    return `fork(proc ${this.proc})`;
  }
}

export class MunmapCmd extends Base {
  constructor(
    readonly proc: number,
    readonly region: number,
  ) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    const r = p && pickRegion(p, this.region);
    if (!p || !r) return;
    must(doMunmap(w.k, p.task.mm!, r.start, r.pages * PAGE) === 0, "munmap failed");
    for (let i = 0; i < r.pages; i++) p.tokens.delete(r.start / PAGE + i);
    p.regions.splice(p.regions.indexOf(r), 1);
  }
  toString(): string {
    return `munmap(proc ${this.proc}, region ${this.region})`;
  }
}

export class ExitCmd extends Base {
  constructor(readonly proc: number) {
    super();
  }
  run(w: World): void {
    const p = pickProc(w, this.proc);
    if (!p || w.procs.length <= 1) return;
    exitMmap(w.k, p.task);
    w.procs.splice(w.procs.indexOf(p), 1);
  }
  toString(): string {
    return `exit(proc ${this.proc})`;
  }
}

/** Reclaim the folio behind a page: swap-out of anon and shmem folios (reclaim_pages). */
export class ReclaimCmd extends Base {
  constructor(
    readonly proc: number,
    readonly region: number,
    readonly page: number,
  ) {
    super();
  }
  run(w: World): void {
    const at = pickPresent(w, this.proc, this.region, this.page);
    if (!at) return;
    reclaimFolio(w.k, at.head);
    w.stats.reclaims++;
  }
  toString(): string {
    return `reclaim(proc ${this.proc}, region ${this.region}, page ${this.page})`;
  }
}

/**
 * KSM: make the page at `b` a twin of the page at `a` (the same data, as the KSM fixture does:
 * a store to make it the process's own, then a's token put in it), MADV_MERGEABLE both
 * regions, and let ksmd scan twice (a page must keep its checksum over a whole scan).
 */
export class KsmTwinCmd extends Base {
  constructor(
    readonly a: readonly [number, number, number],
    readonly b: readonly [number, number, number],
  ) {
    super();
  }
  run(w: World): void {
    const k = w.k;
    const pa = pickProc(w, this.a[0]);
    const B = pickPage(w, ...this.b);
    if (!pa || !B || B.r.file) return;
    // a: a page its process wrote, in an anonymous region
    const written = [...pa.tokens.keys()].filter((vpn) => pa.regions.some((r) => !r.file && vpn >= r.start / PAGE && vpn < r.start / PAGE + r.pages));
    if (written.length === 0) return;
    const vpnA = written[this.a[2] % written.length]!;
    const A = { p: pa, r: pa.regions.find((r) => vpnA >= r.start / PAGE && vpnA < r.start / PAGE + r.pages)!, addr: vpnA * PAGE };
    if (A.addr === B.addr && A.p === B.p) return;
    const token = pa.tokens.get(vpnA)!;
    if (accessVirtual(k, B.p.task.mm!, B.addr, true) !== ACCESS_OK) return;
    const pfn = k.pgtables.walk(B.p.task.mm!.pgd, B.addr / PAGE, false) ? k.pgtables.frame[k.pgtables.off]! : -1;
    if (pfn < 0) return;
    k.content.writePage(pfn, token);
    k.pgtables.shadow[k.pgtables.off] = token;
    B.p.tokens.set(B.addr / PAGE, token);
    ksmMadviseMergeable(k, A.p.task.mm!, A.r.start, A.r.pages * PAGE);
    ksmMadviseMergeable(k, B.p.task.mm!, B.r.start, B.r.pages * PAGE);
  }
  toString(): string {
    return `ksm_twin(${this.a.join("/")} -> ${this.b.join("/")})`;
  }
}

export class KsmdCmd extends Base {
  run(w: World): void {
    const before = ksmStats(w.k).pagesSharing;
    // two full scans (a page must keep its checksum over one to be merged in the next); a
    // scan that finds ksm_thread_mutex held by an in-flight KSM↔KSM exchange does nothing
    ksmdScan(w.k);
    ksmdScan(w.k);
    w.stats.ksmScans++;
    if (ksmStats(w.k).pagesSharing > before) w.stats.ksmMerged++;
  }
  toString(): string {
    return "ksmd(x2)";
  }
}

/** move_pages()-style: migrate_pages() of the folios behind a run of pages to a node. */
export class MigrateCmd extends Base {
  constructor(
    readonly proc: number,
    readonly region: number,
    readonly page: number,
    readonly count: number,
    readonly nid: number,
    readonly mode: MigrateMode,
  ) {
    super();
  }
  run(w: World): void {
    const k = w.k;
    const p = pickProc(w, this.proc);
    const r = p && pickRegion(p, this.region);
    if (!p || !r) return;
    const list = k.lists.alloc();
    for (let i = 0; i < this.count; i++) {
      const head = folioWalkStart(k, p.task.mm!, r.start + ((this.page + i) % r.pages) * PAGE);
      if (head >= 0) isolateFolioForMigration(k, head, list);
    }
    const mtc: MigrationTargetControl = { nid: this.nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
    const rc = migratePages(k, list, allocMigrationTargetCb, null, mtc, this.mode, MR_SYSCALL);
    must(rc >= 0 || rc === -ENOMEM || rc === -EAGAIN, `migrate_pages returned ${rc}`);
    if (rc !== 0) putbackMovablePages(k, list);
    list.release();
    w.stats.migrates++;
  }
  toString(): string {
    return `migrate(proc ${this.proc}, region ${this.region}, page ${this.page}, x${this.count}, node ${this.nid}, mode ${this.mode})`;
  }
}

type PageRef = readonly [number, number, number];

function folioAtRef(w: World, ref: PageRef): { head: number; addr: number; p: ProcModel; r: RegionModel } | null {
  return pickPresent(w, ...ref);
}

/**
 * folio_exchange() of the folios behind two pages, whatever backs them; with `inject`, one of
 * the exchange's failure points is armed first and the exchange must fail there (or earlier).
 * 0 means both addresses now map the other's frame; any failure leaves each on its own.
 */
export class ExchangeCmd extends Base {
  constructor(
    readonly a: PageRef,
    readonly b: PageRef,
    readonly mode: MigrateMode,
    /** an index into EXCHANGE_FAILURE_POINTS + 1, or 0 for none */
    readonly inject: number,
  ) {
    super();
  }
  run(w: World): void {
    const k = w.k;
    const A = folioAtRef(w, this.a);
    const B = folioAtRef(w, this.b);
    if (!A || !B) return;
    const point = this.inject ? EXCHANGE_FAILURE_POINTS[(this.inject - 1) % EXCHANGE_FAILURE_POINTS.length]! : null;
    if (point) k.faultInject.arm(point, -EIO);
    const calls = k.alloc.nrAllocCalls;
    const rc = folioExchange(k, A.head, B.head, this.mode, w.ex);
    k.faultInject.clear();
    must(k.alloc.nrAllocCalls === calls, "folio_exchange allocated a page");
    w.stats.exchanges++;
    if (A.r.file || B.r.file) w.stats.fileExchanges++;
    const invalid = folioExchangeCheckArgs(k, A.head, B.head, this.mode, w.ex);
    if (invalid) {
      must(rc === -EINVAL, `exchange of ${A.head} and ${B.head} should be -EINVAL, got ${rc}`);
      return;
    }
    if (point) {
      w.stats.injected++;
      must(rc !== 0, `exchange with ${point} armed returned 0`);
    }
    const nowA = folioWalkStart(k, A.p.task.mm!, A.addr);
    const nowB = folioWalkStart(k, B.p.task.mm!, B.addr);
    if (rc === 0) {
      w.stats.exchangesOk++;
      must(
        nowA === B.head && nowB === A.head,
        `after exchange 0x${A.addr.toString(16)} maps folio ${nowA} and 0x${B.addr.toString(16)} folio ${nowB}; want ${B.head} and ${A.head}`,
      );
    } else {
      must(
        nowA === A.head && nowB === B.head,
        `a failed exchange (${rc}) left 0x${A.addr.toString(16)} on folio ${nowA} and 0x${B.addr.toString(16)} on ${nowB}`,
      );
    }
  }
  toString(): string {
    return `exchange(${this.a.join("/")} <-> ${this.b.join("/")}, mode ${this.mode}${this.inject ? `, inject ${EXCHANGE_FAILURE_POINTS[(this.inject - 1) % EXCHANGE_FAILURE_POINTS.length]}` : ""})`;
  }
}

/** Start an exchange as an ExchangeOp and take its first phase; ExchangeStepCmd takes the rest. */
export class ExchangeBeginCmd extends Base {
  constructor(
    readonly a: PageRef,
    readonly b: PageRef,
    readonly mode: MigrateMode,
  ) {
    super();
  }
  run(w: World): void {
    if (w.inflight.length >= MAX_INFLIGHT) return;
    const k = w.k;
    const A = folioAtRef(w, this.a);
    const B = folioAtRef(w, this.b);
    if (!A || !B || folioExchangeCheckArgs(k, A.head, B.head, this.mode, w.ex)) return;
    const op = new ExchangeOp(k, A.head, B.head, this.mode, false, w.ex);
    w.inflight.push({ op, sides: [A, B] });
    new ExchangeStepCmd(w.inflight.length - 1, 1).run(w);
  }
  toString(): string {
    return `exchange_begin(${this.a.join("/")} <-> ${this.b.join("/")}, mode ${this.mode})`;
  }
}

/**
 * `n` phases of an in-flight ExchangeOp. A phase that would sleep waits as folio_exchange()
 * does (the I/O completes or the holder runs forward; a holder that cannot move backs the op
 * out with -EAGAIN).
 */
export class ExchangeStepCmd extends Base {
  constructor(
    readonly which: number,
    readonly n: number,
  ) {
    super();
  }
  run(w: World): void {
    if (w.inflight.length === 0) return;
    const entry = w.inflight[this.which % w.inflight.length]!;
    const op = entry.op;
    for (let i = 0; i < this.n && !op.done; i++) {
      if (op.step() === EXCHANGE_WOULD_BLOCK && !op.wait()) op.abort(-EAGAIN);
      w.stats.opSteps++;
    }
    if (op.done) {
      w.inflight.splice(w.inflight.indexOf(entry), 1);
      w.stats.opsFinished++;
    }
  }
  toString(): string {
    return `exchange_step(op ${this.which}, x${this.n})`;
  }
}

/** A store or load at a page an in-flight exchange was started on: it meets the op's migration entries. */
export class InflightAccessCmd extends Base {
  constructor(
    readonly which: number,
    readonly side: number,
    readonly write: boolean,
  ) {
    super();
  }
  run(w: World): void {
    if (w.inflight.length === 0) return;
    const at = w.inflight[this.which % w.inflight.length]!.sides[this.side % 2]!;
    // the page may have been unmapped, or its process may have exited, since
    if (!w.procs.includes(at.p) || !at.p.regions.includes(at.r)) return;
    access(w, at, this.write);
  }
  toString(): string {
    return `${this.write ? "store" : "load"}(in-flight op ${this.which}, side ${this.side % 2})`;
  }
}

// ---------------------------------------------------------------------------------------------
// The command registry
// ---------------------------------------------------------------------------------------------

const idx = fc.nat({ max: 1 << 16 });
const pageRef = fc.tuple(idx, idx, idx);
const mode = fc.constantFrom<MigrateMode>(MIGRATE_ASYNC, MIGRATE_SYNC);

export const WIDE_COMMANDS: { name: string; weight: number; arb: fc.Arbitrary<WideCmd> }[] = [
  { name: "spawn", weight: 1, arb: fc.nat({ max: 1 }).map((nid) => new SpawnCmd(nid)) },
  {
    name: "mmap",
    weight: 3,
    arb: fc.tuple(idx, fc.integer({ min: 1, max: 24 }), fc.constantFrom(0, 0, 0, 2, 4)).map(([p, n, o]) => new AnonMmapCmd(p, n, o)),
  },
  { name: "create", weight: 2, arb: fc.tuple(idx, fc.integer({ min: 1, max: 6 })).map(([b, n]) => new FileCreateCmd(b, n)) },
  { name: "mmap-file", weight: 3, arb: fc.tuple(idx, idx, fc.boolean()).map(([p, f, s]) => new FileMmapCmd(p, f, s)) },
  { name: "store", weight: 10, arb: fc.tuple(idx, idx, idx).map(([p, r, g]) => new AccessCmd(p, r, g, true)) },
  { name: "populate", weight: 3, arb: fc.tuple(idx, idx).map(([p, r]) => new PopulateCmd(p, r)) },
  { name: "load", weight: 6, arb: fc.tuple(idx, idx, idx).map(([p, r, g]) => new AccessCmd(p, r, g, false)) },
  { name: "write", weight: 3, arb: fc.tuple(idx, idx).map(([f, i]) => new FileIoCmd(f, i, true)) },
  { name: "read", weight: 3, arb: fc.tuple(idx, idx).map(([f, i]) => new FileIoCmd(f, i, false)) },
  { name: "truncate", weight: 1, arb: fc.tuple(idx, fc.nat({ max: 6 })).map(([f, n]) => new TruncateCmd(f, n)) },
  { name: "writeback", weight: 2, arb: fc.tuple(idx, fc.constantFrom(0, 0, 1, 2, 8)).map(([f, c]) => new WritebackCmd(f, c)) },
  { name: "fork", weight: 2, arb: idx.map((p) => new ForkCmd(p)) },
  { name: "munmap", weight: 1, arb: fc.tuple(idx, idx).map(([p, r]) => new MunmapCmd(p, r)) },
  { name: "exit", weight: 1, arb: idx.map((p) => new ExitCmd(p)) },
  { name: "reclaim", weight: 3, arb: fc.tuple(idx, idx, idx).map(([p, r, g]) => new ReclaimCmd(p, r, g)) },
  { name: "ksm-twin", weight: 2, arb: fc.tuple(pageRef, pageRef).map(([a, b]) => new KsmTwinCmd(a, b)) },
  { name: "ksmd", weight: 3, arb: fc.constant(null).map(() => new KsmdCmd()) },
  {
    name: "migrate",
    weight: 3,
    arb: fc
      .tuple(idx, idx, idx, fc.integer({ min: 1, max: 16 }), fc.nat({ max: 1 }), fc.constantFrom<MigrateMode>(MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT, MIGRATE_SYNC))
      .map(([p, r, g, n, nid, m]) => new MigrateCmd(p, r, g, n, nid, m)),
  },
  {
    name: "exchange",
    weight: 6,
    arb: fc
      .tuple(
        pageRef,
        pageRef,
        mode,
        fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: EXCHANGE_FAILURE_POINTS.length }) }),
      )
      .map(([a, b, m, inj]) => new ExchangeCmd(a, b, m, inj)),
  },
  { name: "exchange-begin", weight: 4, arb: fc.tuple(pageRef, pageRef, mode).map(([a, b, m]) => new ExchangeBeginCmd(a, b, m)) },
  { name: "inflight-access", weight: 3, arb: fc.tuple(idx, idx, fc.boolean()).map(([i, s, wr]) => new InflightAccessCmd(i, s, wr)) },
  { name: "exchange-step", weight: 8, arb: fc.tuple(idx, fc.integer({ min: 1, max: 3 })).map(([i, n]) => new ExchangeStepCmd(i, n)) },
];

/** Wrap a command so that the full check runs after it. */
class Checked implements fc.Command<World, World> {
  constructor(readonly inner: WideCmd) {}
  check(): boolean {
    return true;
  }
  run(_m: World, w: World): void {
    this.inner.run(w);
    checkWorld(w);
  }
  toString(): string {
    return this.inner.toString();
  }
}

export function wideCommands(maxCommands: number): fc.Arbitrary<Iterable<fc.Command<World, World>>> {
  const one = fc.oneof(...WIDE_COMMANDS.map((c) => ({ weight: c.weight, arbitrary: c.arb })));
  return fc.commands([one.map((c) => new Checked(c))], { maxCommands, size: "max" });
}

/** The property: from a fresh world, every command keeps every check, and teardown is clean. */
export function wideProperty(stats: WideStats, maxCommands: number, ex: FolioExchange = FOLIO_EXCHANGE) {
  return fc.property(wideShape, wideCommands(maxCommands), (shape, cmds) => {
    const w = setupWorld(shape, stats, ex);
    checkWorld(w);
    fc.modelRun(() => ({ model: w, real: w }), cmds);
    teardownWorld(w);
  });
}

/** Run a fixed list of commands (a counterexample, replayed), checking after each. */
export function replayWide(shape: WideShape, cmds: readonly WideCmd[]): World {
  const w = setupWorld(shape, newWideStats());
  checkWorld(w);
  for (const c of cmds) {
    c.run(w);
    checkWorld(w);
  }
  teardownWorld(w);
  return w;
}
