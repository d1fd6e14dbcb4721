/**
 * The syscall facade: `sys.movePages`, `sys.migratePages`, `sys.exchangeFolios`, `sys.mlock` and `sys.munlock`, made by
 * `syscalls(k, callerTask)`. The caller's task is `current`: pid 0 means it, and its
 * credentials decide the EPERM checks (CAP_SYS_NICE for MPOL_MF_MOVE_ALL and foreign nodes,
 * same uid or CAP_SYS_PTRACE for another process).
 *
 * Arguments stand for user memory (see uaccess.ts): address arrays, `nodes` (or null for the
 * move_pages query mode), output arrays (`status`, `err`) that the syscall really writes, and
 * node masks of 64-bit words (`userNodemask([0, 1])` builds one). Each call returns what the
 * syscall returns: 0, a positive count of pages (or pairs) not moved, or a negative errno.
 *
 * The `sys.` prefix keeps them apart from the kernel functions of the same name, e.g.
 * migratePages(), the list mover of mm/migrate.c.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Task } from "../mm/mm-types.js";
import { sysExchangeFolios } from "./exchange-folios.js";
import { kernelMigratePages } from "./migrate-pages.js";
import { kernelMovePages } from "./move-pages.js";
import { sysMlock, sysMunlock } from "./mlock.js";
import type { UserIntArray, UserIntOut, UserPtrArray, UserUlongArray } from "./uaccess.js";

export type { UserIntArray, UserIntOut, UserPtrArray, UserUlongArray } from "./uaccess.js";
export * from "./mempolicy-uapi.js";
export * from "./ptrace.js";
export * from "./folio-walk.js";
export * from "./find-mm-struct.js";
export * from "./move-pages.js";
export * from "./migrate-pages.js";
export * from "./exchange-folios.js";
export * from "./mlock.js";

/** The syscalls as one process makes them. */
export class Sys {
  constructor(
    readonly k: Kernel,
    /** the calling task (`current`) */
    readonly current: Task,
  ) {}

  /**
   * move_pages(2): move pages[i] of process pid to nodes[i] and write status[i]; with
   * nodes === null, only report each page's node in status[]. Flags: MPOL_MF_MOVE,
   * MPOL_MF_MOVE_ALL. Returns 0, the number of pages not migrated, or a negative errno.
   */
  movePages(pid: number, nrPages: number, pages: UserPtrArray, nodes: UserIntArray, status: UserIntOut, flags: number): number {
    return kernelMovePages(this.k, this.current, pid, nrPages, pages, nodes, status, flags);
  }

  /**
   * migrate_pages(2): move every page of process pid on a node of oldNodes to the
   * corresponding node of newNodes (maxnode - 1 bits per mask). Returns the number of pages
   * not moved, or a negative errno.
   */
  migratePages(pid: number, maxnode: number, oldNodes: UserUlongArray, newNodes: UserUlongArray): number {
    return kernelMigratePages(this.k, this.current, pid, maxnode, oldNodes, newNodes);
  }

  /**
   * exchange_folios (the seed's syscall): swap the folio at src[i] with the folio at dst[i]
   * in process pid, writing err[i] (0 or a negative errno). Returns the number of pairs not
   * exchanged, or a negative errno for the whole call.
   */
  exchangeFolios(pid: number, nrPages: number, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number {
    return sysExchangeFolios(this.k, this.current, pid, nrPages, src, dst, err);
  }

  /**
   * mlock(2): lock [addr, addr + len) of the caller's memory (VM_LOCKED, every page faulted in
   * and PG_mlocked, on the unevictable LRU). 0 or -ENOMEM.
   */
  mlock(addr: number, len: number): number {
    return sysMlock(this.k, this.current.mm!, addr, len);
  }

  /** munlock(2): undo mlock(2) on [addr, addr + len). 0 or -ENOMEM. */
  munlock(addr: number, len: number): number {
    return sysMunlock(this.k, this.current.mm!, addr, len);
  }
}

/** The syscalls of system k as `caller` makes them. */
export function syscalls(k: Kernel, caller: Task): Sys {
  return new Sys(k, caller);
}
