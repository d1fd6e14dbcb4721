/**
 * move_pages(pid, nr_pages, pages[], nodes[], status[], flags): mm/migrate.c (v6.12) —
 * kernel_move_pages(), do_pages_move(), add_folio_for_migration() (v6.12's name for
 * add_page_for_migration(), on folio_walk), move_pages_and_store_status(),
 * do_move_pages_to_node(), store_status(), do_pages_stat() and do_pages_stat_array().
 * Facts: docs/kernel-facts.md#move-pages; choices: docs/decisions.md#eacces-rule.
 *
 * Whole-call results:
 * - flags other than MPOL_MF_MOVE|MPOL_MF_MOVE_ALL → -EINVAL; MOVE_ALL without CAP_SYS_NICE →
 *   -EPERM; find_mm_struct() → -ESRCH / -EPERM / -EINVAL.
 * - with nodes: reading pages[i] or nodes[i] faults → -EFAULT; a node < 0, >= MAX_NUMNODES or
 *   without memory → -ENODEV; a node outside the target's cpuset mems → -EACCES; a negative
 *   migrate_pages() result → that errno; a status write that faults → -EFAULT. Batches queued
 *   before the failing element are still migrated (out_flush), unless the error came from
 *   migrate_pages() itself.
 * - migrate_pages() returning k > 0 for a batch: the call stops there and returns k plus the
 *   pages not yet tried.
 * - otherwise 0.
 *
 * Per-page status (add_folio_for_migration):
 *   -EFAULT  no VMA, !vma_migratable, or the zero page;
 *   -ENOENT  not present (pte_none, a swap or migration entry);
 *   node     already on the target node;
 *   -EACCES  maybe mapped by more than one mm (folio_likely_mapped_shared() on v6.12,
 *            folio_maybe_mapped_shared() from v6.15) without MPOL_MF_MOVE_ALL;
 *   -EBUSY   LRU isolation failed;
 *   target   the whole batch migrated.
 *
 * Query mode (nodes == NULL): status[i] = node id, -EFAULT (no VMA, or the zero page) or
 * -ENOENT (not present); pages are read and status written in chunks of 16, and a fault ends
 * the call with -EFAULT.
 *
 * On kernel "6.1" (docs/kernel-facts.md#differences-6-1-6-12) the lookup is v6.1's
 * follow_page(vma, addr, FOLL_GET | FOLL_DUMP): a page never touched (pte_none, or no page
 * table) in an anonymous vma, or in a vma without ->fault, gives -EFAULT instead of -ENOENT
 * (no_page_table()), in both modes; and -EACCES tests page_mapcount() of the named page > 1.
 *
 * lru_cache_disable()/enable() are no-ops: the model has no per-cpu LRU batches. There is no
 * mmap_lock or PTL: nothing else runs while the syscall runs.
 */
import { KernelBug } from "../kernel/bug.js";
import { EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, EPERM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_MMAP, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import { MIGRATE_SYNC, MR_SYSCALL } from "../migrate/migrate-mode.js";
import { migratePages } from "../migrate/migrate-pages.js";
import { NUMA_NO_NODE, allocMigrationTargetCb, type MigrationTargetControl } from "../migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../migrate/unmap-and-move.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../mm/gfp.js";
import type { FolioList } from "../mm/list.js";
import type { MmStruct, Task } from "../mm/mm-types.js";
import { findMmStruct } from "./find-mm-struct.js";
import { folioMappedSharedTest, pageMapcount } from "../mm/mapped-shared.js";
import { FW_ZEROPAGE, folioWalkStartVma, followPageDumpNoPage, isZeroFolio, vmaLookupUser, vmaMigratable } from "./folio-walk.js";
import { MAX_NUMNODES, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, nodeIsset, nodeStateMemory, type Nodemask } from "./mempolicy-uapi.js";
import { capable } from "./ptrace.js";
import { getUserInt, getUserPtr, putUserInt, toInt, toUlong, ulongBound, type UserIntArray, type UserIntOut, type UserPtrArray } from "./uaccess.js";

/** DO_PAGES_STAT_CHUNK_NR */
export const DO_PAGES_STAT_CHUNK_NR = 16;

/** store_status(): status[start .. start+nr) = value; 0 or -EFAULT. */
export function storeStatus(status: UserIntOut, start: number, value: number, nr: number): number {
  while (nr-- > 0) {
    if (!putUserInt(status, start, value)) return -EFAULT;
    start++;
  }
  return 0;
}

/**
 * do_move_pages_to_node(): migrate_pages(MIGRATE_SYNC, MR_SYSCALL) onto `node` with
 * alloc_migration_target() and GFP_HIGHUSER_MOVABLE | __GFP_THISNODE; whatever did not
 * move is put back. Returns migrate_pages()'s result.
 */
export function doMovePagesToNode(k: Kernel, pagelist: FolioList, node: number): number {
  const mtc: MigrationTargetControl = { nid: node, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
  const err = migratePages(k, pagelist, allocMigrationTargetCb, null, mtc, MIGRATE_SYNC, MR_SYSCALL);
  if (err) putbackMovablePages(k, pagelist);
  return err;
}

/**
 * __add_folio_for_migration(): 1 when queued on pagelist (isolated, NR_ISOLATED_* counted),
 * 0 when already on `node`, or the errno for status[].
 */
function __addFolioForMigration(k: Kernel, folio: number, page: number, node: number, pagelist: FolioList, migrateAll: boolean): number {
  if (isZeroFolio(k, folio)) return -EFAULT;
  // folio_is_zone_device() → -ENOENT: no device memory in the model.
  if (k.folioNid(folio) === node) return 0;
  // v6.1's add_page_for_migration(): page_mapcount(page) > 1 of the page named.
  const shared = k.options.kernel === "6.1" ? pageMapcount(k, page) > 1 : folioMappedSharedTest(k, folio);
  if (shared && !migrateAll) return -EACCES;
  // folio_test_hugetlb() → isolate_hugetlb(): no hugetlb in the model.
  if (isolateFolioForMigration(k, folio, pagelist)) return 1;
  return -EBUSY;
}

/**
 * add_folio_for_migration(): resolve addr to its folio and queue it for `node`.
 * Returns 1 (queued), 0 (already on node) or a negative errno (see the file comment).
 */
export function addFolioForMigration(k: Kernel, mm: MmStruct, addr: number, node: number, pagelist: FolioList, migrateAll: boolean): number {
  // the lookup and the isolation under mmap_read_lock(); migrate_pages() runs after it is dropped
  lockAcquire(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  const rc = addFolioForMigrationLocked(k, mm, addr, node, pagelist, migrateAll);
  lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  return rc;
}

function addFolioForMigrationLocked(k: Kernel, mm: MmStruct, addr: number, node: number, pagelist: FolioList, migrateAll: boolean): number {
  const vma = vmaLookupUser(mm, addr);
  if (!vma || !vmaMigratable(vma)) return -EFAULT;
  const fw = folioWalkStartVma(k, vma, addr, FW_ZEROPAGE);
  if (!fw) return k.options.kernel === "6.1" ? followPageDumpNoPage(k, vma, addr) : -ENOENT;
  return __addFolioForMigration(k, fw.folio, fw.page, node, pagelist, migrateAll);
}

/**
 * move_pages_and_store_status(): migrate the queued batch [start, i) to node and store node
 * in its status entries. A positive migrate_pages() result comes back with the untried rest
 * (nr_pages - i) added; a negative one as is.
 */
export function movePagesAndStoreStatus(k: Kernel, node: number, pagelist: FolioList, status: UserIntOut, start: number, i: number, nrPages: bigint): number {
  if (pagelist.isEmpty()) return 0;
  let err = doMovePagesToNode(k, pagelist, node);
  if (err) {
    // Positive: the number of folios not migrated; the call aborts and also counts the pages
    // of nr_pages it never attempted.
    if (err > 0) err = toInt(BigInt(err) + nrPages - BigInt(i));
    return err;
  }
  return storeStatus(status, start, node, i - start);
}

/** do_pages_move(): migrate pages[i] to nodes[i], filling status[]. */
export function doPagesMove(
  k: Kernel,
  mm: MmStruct,
  taskNodes: Nodemask,
  nrPages: bigint,
  pages: UserPtrArray,
  nodes: UserIntArray,
  status: UserIntOut,
  flags: number,
): number {
  let currentNode = NUMA_NO_NODE;
  const pagelist = k.lists.alloc();
  const n = ulongBound(nrPages);
  let start = 0;
  let i = 0;
  let err = 0;
  // lru_cache_disable(): nothing to drain in the model.
  out: {
    outFlush: {
      for (i = start = 0; i < n; i++) {
        err = -EFAULT;
        const p = getUserPtr(pages, i);
        if (p === undefined) break outFlush;
        const node = getUserInt(nodes, i);
        if (node === undefined) break outFlush;

        err = -ENODEV;
        if (node < 0 || node >= MAX_NUMNODES) break outFlush;
        if (!nodeStateMemory(k, node)) break outFlush;

        err = -EACCES;
        if (!nodeIsset(node, taskNodes)) break outFlush;

        if (currentNode === NUMA_NO_NODE) {
          currentNode = node;
          start = i;
        } else if (node !== currentNode) {
          err = movePagesAndStoreStatus(k, currentNode, pagelist, status, start, i, nrPages);
          if (err) break out;
          start = i;
          currentNode = node;
        }

        // Errors in the lookup or isolation are not fatal: they go to status[i].
        err = addFolioForMigration(k, mm, p, currentNode, pagelist, (flags & MPOL_MF_MOVE_ALL) !== 0);
        if (err > 0) continue; // queued

        // Already on the target node (0): store the node; otherwise store the errno.
        err = storeStatus(status, i, err !== 0 ? err : currentNode, 1);
        if (err) break outFlush;

        err = movePagesAndStoreStatus(k, currentNode, pagelist, status, start, i, nrPages);
        if (err) {
          // Page i is accounted for already.
          if (err > 0) err--;
          break out;
        }
        currentNode = NUMA_NO_NODE;
      }
    }
    // out_flush: make sure an existing error is not overwritten.
    const err1 = movePagesAndStoreStatus(k, currentNode, pagelist, status, start, i, nrPages);
    if (err >= 0) err = err1;
  }
  // lru_cache_enable()
  if (!pagelist.isEmpty()) throw new KernelBug("do_pages_move: folios left isolated on the page list");
  pagelist.release();
  return err;
}

/** do_pages_stat_array(): the node of each address, or -EFAULT / -ENOENT. */
export function doPagesStatArray(k: Kernel, mm: MmStruct, pages: readonly number[], status: number[]): void {
  for (let i = 0; i < pages.length; i++) {
    const addr = pages[i]!;
    let err = -EFAULT;
    const vma = vmaLookupUser(mm, addr);
    if (vma) {
      const fw = folioWalkStartVma(k, vma, addr, FW_ZEROPAGE);
      if (fw) {
        // folio_is_zone_device() would give -ENOENT: no device memory in the model.
        err = isZeroFolio(k, fw.folio) ? -EFAULT : k.folioNid(fw.folio);
      } else {
        err = k.options.kernel === "6.1" ? followPageDumpNoPage(k, vma, addr) : -ENOENT;
      }
    }
    status[i] = err;
  }
}

/** do_pages_stat(): status[i] for each pages[i], 16 at a time; 0 or -EFAULT. */
export function doPagesStat(k: Kernel, mm: MmStruct, nrPages: bigint, pages: UserPtrArray, status: UserIntOut): number {
  let remaining = nrPages;
  let off = 0;
  const chunkPages: number[] = [];
  const chunkStatus: number[] = [];
  while (remaining > 0n) {
    const chunkNr = remaining < BigInt(DO_PAGES_STAT_CHUNK_NR) ? Number(remaining) : DO_PAGES_STAT_CHUNK_NR;
    // copy_from_user(chunk_pages, pages, chunk_nr * sizeof(*chunk_pages))
    chunkPages.length = 0;
    let fault = false;
    for (let j = 0; j < chunkNr; j++) {
      const p = getUserPtr(pages, off + j);
      if (p === undefined) {
        fault = true;
        break;
      }
      chunkPages.push(p);
    }
    if (fault) break;
    chunkStatus.length = chunkNr;
    doPagesStatArray(k, mm, chunkPages, chunkStatus);
    // copy_to_user(status, chunk_status, ...): writes up to the fault, then fails.
    for (let j = 0; j < chunkNr; j++) {
      if (!putUserInt(status, off + j, chunkStatus[j]!)) {
        fault = true;
        break;
      }
    }
    if (fault) break;
    off += chunkNr;
    remaining -= BigInt(chunkNr);
  }
  return remaining > 0n ? -EFAULT : 0;
}

/** kernel_move_pages(): SYSCALL_DEFINE6(move_pages, ...). */
export function kernelMovePages(
  k: Kernel,
  current: Task,
  pid: number,
  nrPages: number,
  pages: UserPtrArray,
  nodes: UserIntArray,
  status: UserIntOut,
  flags: number,
): number {
  // Check flags
  if (!Number.isInteger(flags) || flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -EINVAL;
  if (flags & MPOL_MF_MOVE_ALL && !capable(current, "CAP_SYS_NICE")) return -EPERM;
  const nr = toUlong(nrPages);
  if (nr === null) return -EINVAL;
  const found = findMmStruct(k, current, pid);
  if (typeof found === "number") return found;
  if (nodes !== null) return doPagesMove(k, found.mm, found.memNodes, nr, pages, nodes, status, flags);
  return doPagesStat(k, found.mm, nr, pages, status);
}
