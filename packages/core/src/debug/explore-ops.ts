/**
 * The kernel operations the interleaving explorer (explore.ts) can interleave, each as a step
 * machine whose steps are the points where, in the kernel, another CPU's work can come between:
 *
 * - ExchangeStep: folio_exchange() phase by phase (ExchangeOp: isolate, lock, supported, unmap,
 *   flush, move, remap, unlock, putback), with any exchange template (the seed-literal mover);
 * - MigrateStep: move_pages(2) of one page — isolate the folio, migrate_pages_batch()'s phases
 *   (MigrateBatch: unmap, flush, move, finish), put back what did not move;
 * - FaultStep: one CPU load or store (handle_mm_fault); a migration entry blocks it until the
 *   mover unlocks the folio (migration_entry_wait);
 * - FileReadStep, FileWriteStep: read(2) and write(2) of one page (filemap_read,
 *   generic_perform_write); a write to a locked folio blocks;
 * - TruncateStep: truncate(2) (truncate_setsize + truncate_pagecache), then, while a folio it
 *   must remove is locked by someone else, truncate_inode_pages_range()'s wait for it;
 * - MunmapStep, ForkStep: munmap(2), fork(2) (copy_process);
 * - ReclaimStep: reclaim of one folio (reclaim_pages → shrink_folio_list: swap-out);
 * - WritebackStep: the completion of in-flight writeback I/O (folio_end_writeback).
 *
 * A folio is named either by its head pfn or by a user address, resolved when the op takes its
 * first step (as move_pages and exchange_folios resolve theirs), so that an op that runs after
 * an exchange finds the frame that holds the data now.
 */
import { EAGAIN, EBUSY, ENOENT } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { LockHolder } from "../kernel/lockdep.js";
import { EXCHANGE_WAIT_WRITEBACK, EXCHANGE_WOULD_BLOCK } from "../exchange/exchange-supported.js";
import { ExchangeOp } from "../exchange/exchange-op.js";
import { FOLIO_EXCHANGE, type FolioExchange } from "../exchange/exchange-template.js";
import { MigrateBatch, MigratePagesStats, NR_MAX_MIGRATE_PAGES_RETRY } from "../migrate/migrate-pages-batch.js";
import { MIGRATE_SYNC, MR_SYSCALL, migrateModeName, type MigrateMode } from "../migrate/migrate-mode.js";
import type { MigrationTargetControl } from "../migrate/migration-target.js";
import { allocMigrationTargetCb } from "../migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../migrate/unmap-and-move.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../mm/gfp.js";
import type { FolioList } from "../mm/list.js";
import { ACCESS_BLOCKED, ACCESS_OK, accessVirtual, migrationWaitDone } from "../mm/memory.js";
import type { MmStruct, Task } from "../mm/mm-types.js";
import { doMunmap } from "../mm/mmap.js";
import { folioWalkStart } from "../mm/pagewalk.js";
import type { Inode } from "../fs/inode.js";
import { filemapRead, filemapWrite } from "../fs/filemap.js";
import { completeWriteback } from "../fs/page-writeback.js";
import { truncateInodePagesRange, truncateSetsize } from "../fs/truncate.js";
import { reclaimFolio } from "../swap/swap-out.js";
import { copyProcess } from "../syscalls/fork.js";
import { STEP_BLOCKED, STEP_DONE, STEP_RAN, type ExploreOp } from "./explore.js";

/** A folio: its head pfn, or the user address whose folio it is when the op starts. */
export type FolioTarget = number | { readonly mm: MmStruct; readonly addr: number };

/** The head pfn a target names now, or -1 (nothing present there). */
export function resolveTarget(k: Kernel, t: FolioTarget): number {
  return typeof t === "number" ? t : folioWalkStart(k, t.mm, t.addr);
}

function targetName(t: FolioTarget): string {
  return typeof t === "number" ? `pfn ${t}` : `0x${t.addr.toString(16)}`;
}

/** What every step machine has: a done flag, a result, the problems it saw. */
export abstract class ExploreStepOp implements ExploreOp {
  done = false;
  /** the op's result once done (an errno, a count, a byte count) */
  rc = 0;
  readonly problems: string[] = [];
  abstract readonly name: string;
  abstract readonly nextStep: string;
  abstract step(): number;

  protected finish(rc: number): number {
    this.rc = rc;
    this.done = true;
    return STEP_DONE;
  }
}

export interface ExchangeStepOptions {
  /** the exchange template (default FOLIO_EXCHANGE; the conformance suite's seed-literal mover is another) */
  ex?: FolioExchange;
  /** the results it may end with (default: 0 or any negative errno) */
  expect?: readonly number[];
}

/** folio_exchange(old, new, mode), one ExchangeOp phase per step. */
export class ExchangeStep extends ExploreStepOp {
  readonly name: string;
  op: ExchangeOp | null = null;
  private readonly ex: FolioExchange;

  constructor(
    readonly k: Kernel,
    readonly oldFolio: FolioTarget,
    readonly newFolio: FolioTarget,
    readonly mode: MigrateMode,
    readonly opts: ExchangeStepOptions = {},
  ) {
    super();
    this.ex = opts.ex ?? FOLIO_EXCHANGE;
    this.name = `folio_exchange(${targetName(oldFolio)}, ${targetName(newFolio)}, ${migrateModeName(mode)})`;
  }

  get nextStep(): string {
    return this.op ? this.op.phase : "isolate";
  }

  /** The ExchangeOp holds its folio locks (lockdep, the wait model). */
  get owner(): LockHolder | undefined {
    return this.op ?? undefined;
  }

  step(): number {
    if (!this.op) {
      const a = resolveTarget(this.k, this.oldFolio);
      const b = resolveTarget(this.k, this.newFolio);
      if (a < 0 || b < 0) return this.finish(-ENOENT);
      const rc = this.ex.folioExchangeCheckArgs(this.k, a, b, this.mode);
      if (rc) return this.finish(rc);
      this.op = new ExchangeOp(this.k, a, b, this.mode, false, this.ex);
    }
    const op = this.op;
    if (!op.done && op.step() === EXCHANGE_WOULD_BLOCK) {
      // A lock is released by its holder, which the explorer schedules; an I/O in flight is
      // ended by the device, which no op stands for: the sleep on it completes it (the wait model).
      if (op.blockedOn !== EXCHANGE_WAIT_WRITEBACK) return STEP_BLOCKED;
      if (!op.wait()) op.abort(-EAGAIN);
    }
    return op.done ? this.finish(op.rc) : STEP_RAN;
  }

  /** Between the move and the remap, the migration entries still name the frames the data and mappings left. */
  consistent(): boolean {
    const op = this.op;
    return !(op && op.exchanged && op.phase === "remap");
  }

  finalCheck(): string[] {
    const ok = this.opts.expect ? this.opts.expect.includes(this.rc) : this.rc <= 0;
    return ok ? [] : [`returned ${this.rc}, expected ${this.opts.expect ? this.opts.expect.join(" or ") : "0 or an errno"}`];
  }
}

/**
 * move_pages(2) of one page to node `nid`: the folio is isolated, migrate_pages_batch() runs
 * its phases one per step (MIGRATE_SYNC and _SYNC_LIGHT batch one folio, as migrate_pages_sync
 * does), and whatever did not move is put back. rc: 0, the number of folios not migrated, or
 * -ENOENT / -EBUSY / -ENOMEM.
 */
export class MigrateStep extends ExploreStepOp {
  readonly name: string;
  private stage: "isolate" | "batch" | "putback" = "isolate";
  private batch: MigrateBatch | null = null;
  private lists: FolioList[] = [];
  private result = 0;

  constructor(
    readonly k: Kernel,
    readonly folio: FolioTarget,
    readonly nid: number,
    readonly mode: MigrateMode = MIGRATE_SYNC,
  ) {
    super();
    this.name = `migrate_pages(${targetName(folio)}, node ${nid}, ${migrateModeName(mode)})`;
  }

  get nextStep(): string {
    return this.stage === "batch" ? this.batch!.phase : this.stage;
  }

  step(): number {
    const k = this.k;
    switch (this.stage) {
      case "isolate": {
        const head = resolveTarget(k, this.folio);
        if (head < 0) return this.finish(-ENOENT);
        const from = k.lists.alloc();
        if (!isolateFolioForMigration(k, head, from)) {
          from.release();
          return this.finish(-EBUSY);
        }
        const ret = k.lists.alloc();
        const split = k.lists.alloc();
        this.lists = [from, ret, split];
        const mtc: MigrationTargetControl = { nid: this.nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
        this.batch = new MigrateBatch(
          k,
          from,
          allocMigrationTargetCb,
          null,
          mtc,
          this.mode,
          MR_SYSCALL,
          ret,
          split,
          new MigratePagesStats(),
          NR_MAX_MIGRATE_PAGES_RETRY,
        );
        this.stage = "batch";
        return STEP_RAN;
      }
      case "batch": {
        const b = this.batch!;
        if (b.phase === "unmap") b.unmap();
        else if (b.phase === "flush") b.flush();
        else if (b.phase === "move") b.move();
        else this.result = b.finish();
        if (b.phase === "done") this.stage = "putback";
        return STEP_RAN;
      }
      case "putback": {
        for (const l of this.lists) {
          putbackMovablePages(k, l);
          l.release();
        }
        this.lists = [];
        return this.finish(this.result);
      }
    }
  }
}

/** One CPU load or store at addr (handle_mm_fault on a miss); a migration entry blocks it. */
export class FaultStep extends ExploreStepOp {
  readonly name: string;
  private waitPfn = -1;

  constructor(
    readonly k: Kernel,
    readonly mm: MmStruct,
    readonly addr: number,
    readonly write: boolean,
  ) {
    super();
    this.name = `${write ? "store" : "load"}(0x${addr.toString(16)})`;
  }

  get nextStep(): string {
    return this.waitPfn >= 0 ? "migration_entry_wait" : "access";
  }

  step(): number {
    const k = this.k;
    const rc = accessVirtual(k, this.mm, this.addr, this.write);
    if (rc === ACCESS_BLOCKED) {
      this.waitPfn = k.faultState.waitPfn;
      return STEP_BLOCKED;
    }
    this.waitPfn = -1;
    if (rc === ACCESS_OK && !this.write) {
      const pt = k.pgtables;
      const token = k.faultState.lastToken;
      if (pt.walk(this.mm.pgd, Math.floor(this.addr / 4096), false) && pt.shadow[pt.off] !== token) {
        this.problems.push(`read token ${token}, but the process last wrote ${pt.shadow[pt.off]} there`);
      }
    }
    return this.finish(rc);
  }

  /** migration_entry_wait(): runnable once the folio it sleeps on is unlocked. */
  runnable(): boolean {
    return this.waitPfn >= 0 && migrationWaitDone(this.k, this.waitPfn);
  }
}

/** A read(2) or write(2) of one page of a file, in one step. */
abstract class FilePageStep extends ExploreStepOp {
  readonly name: string;

  constructor(
    readonly k: Kernel,
    readonly inode: Inode,
    readonly index: number,
    readonly nid: number,
    syscall: string,
  ) {
    super();
    this.name = `${syscall}(ino ${inode.ino}, page ${index})`;
  }
}

/** read(2) of the page at `index`: it must return the file's data at that moment. */
export class FileReadStep extends FilePageStep {
  constructor(k: Kernel, inode: Inode, index: number, nid = 0) {
    super(k, inode, index, nid, "read");
  }

  readonly nextStep = "filemap_read";

  step(): number {
    const k = this.k;
    const want = this.inode.shadow.load(this.index);
    const rc = filemapRead(k, this.inode, this.index, this.nid);
    if (rc === 4096 && k.fileIoState.lastToken !== want) {
      this.problems.push(`read token ${k.fileIoState.lastToken}, but the file holds ${want} there`);
    }
    return this.finish(rc);
  }
}

/** write(2) of the page at `index`; a folio locked by someone else makes it wait. */
export class FileWriteStep extends FilePageStep {
  constructor(k: Kernel, inode: Inode, index: number, nid = 0) {
    super(k, inode, index, nid, "write");
  }

  readonly nextStep = "generic_perform_write";

  step(): number {
    const rc = filemapWrite(this.k, this.inode, this.index, this.nid);
    if (rc === -EAGAIN) return STEP_BLOCKED; // the folio is locked: write_begin sleeps on it
    return this.finish(rc);
  }
}

/**
 * truncate(2) to `size` bytes: truncate_setsize() and the page-cache truncation; a folio it must
 * remove that someone else has locked is waited for (truncate_inode_pages_range()'s second pass
 * sleeps in folio_lock), one retry per step.
 */
export class TruncateStep extends ExploreStepOp {
  readonly name: string;
  private waiting = false;

  constructor(
    readonly k: Kernel,
    readonly inode: Inode,
    readonly size: number,
  ) {
    super();
    this.name = `truncate(ino ${inode.ino}, ${size})`;
  }

  get nextStep(): string {
    return this.waiting ? "truncate_inode_pages_range" : "truncate_setsize";
  }

  step(): number {
    const left = this.waiting ? truncateInodePagesRange(this.k, this.inode.mapping, this.size) : truncateSetsize(this.k, this.inode, this.size);
    this.waiting = left > 0;
    return this.waiting ? STEP_BLOCKED : this.finish(0);
  }
}

/** munmap(2) of [addr, addr + len). */
export class MunmapStep extends ExploreStepOp {
  readonly name: string;
  readonly nextStep = "do_munmap";

  constructor(
    readonly k: Kernel,
    readonly mm: MmStruct,
    readonly addr: number,
    readonly len: number,
  ) {
    super();
    this.name = `munmap(0x${addr.toString(16)}, ${len})`;
  }

  step(): number {
    return this.finish(doMunmap(this.k, this.mm, this.addr, this.len));
  }
}

/** fork(2) of `parent`: copy_process(); the child lives on (the checks read its memory too). */
export class ForkStep extends ExploreStepOp {
  readonly name: string;
  readonly nextStep = "copy_process";
  child: Task | null = null;

  constructor(
    readonly k: Kernel,
    readonly parent: Task,
  ) {
    super();
    this.name = `fork(pid ${parent.pid})`;
  }

  step(): number {
    const r = copyProcess(this.k, this.parent);
    if (typeof r === "number") return this.finish(r);
    this.child = r;
    return this.finish(r.pid);
  }
}

/**
 * Reclaim of one folio (reclaim_pages() → shrink_folio_list(): add_to_swap, try_to_unmap,
 * pageout), `passes` times (a second pass frees a folio whose swap I/O completed). rc: the last
 * pass's SWAPOUT_*, or -1 when the folio could not be isolated (a mover has it).
 */
export class ReclaimStep extends ExploreStepOp {
  readonly name: string;
  private pass = 0;

  constructor(
    readonly k: Kernel,
    readonly folio: FolioTarget,
    readonly passes = 1,
  ) {
    super();
    this.name = `reclaim(${targetName(folio)})`;
  }

  get nextStep(): string {
    return `shrink_folio_list#${this.pass + 1}`;
  }

  step(): number {
    const head = resolveTarget(this.k, this.folio);
    const rc = head < 0 ? -1 : reclaimFolio(this.k, head);
    return ++this.pass >= this.passes ? this.finish(rc) : STEP_RAN;
  }
}

/** `count` completions of the oldest in-flight writeback I/O (folio_end_writeback), one per step. */
export class WritebackStep extends ExploreStepOp {
  readonly name: string;
  readonly nextStep = "folio_end_writeback";
  private left: number;

  constructor(
    readonly k: Kernel,
    count = 1,
  ) {
    super();
    this.left = count;
    this.name = `writeback_end(x${count})`;
  }

  step(): number {
    this.rc += completeWriteback(this.k, 1);
    return --this.left <= 0 ? this.finish(this.rc) : STEP_RAN;
  }
}
