/**
 * migrate_pages(pid, maxnode, old_nodes, new_nodes): mm/mempolicy.c (v6.12) —
 * kernel_migrate_pages(), get_nodes() with get_bitmap(), do_migrate_pages(),
 * migrate_to_node(), queue_pages_range() with queue_pages_test_walk() and
 * queue_folios_pte_range(), and migrate_folio_add(). Facts: docs/kernel-facts.md#migrate-pages-syscall.
 *
 * Whole-call results:
 * - get_nodes(): maxnode - 1 bits are read (a maxnode of 0 wraps to ULONG_MAX); an empty
 *   count or a NULL mask is the empty mask; more than PAGE_SIZE * 8 bits → -EINVAL; a bit set
 *   at or above MAX_NUMNODES (checked word by word from the top, whole words) → -EINVAL; a
 *   mask shorter than BITS_TO_LONGS(maxnode) words → -EFAULT.
 * - pid not found → -ESRCH; ptrace_may_access() fails → -EPERM.
 * - new ⊄ the target's cpuset mems without CAP_SYS_NICE → -EPERM.
 * - new &= current's cpuset mems; empty → -EINVAL (so does a mask naming only nodes that do
 *   not exist, for a caller with CAP_SYS_NICE).
 * - no mm → -EINVAL.
 * - otherwise do_migrate_pages(mm, old, new, CAP_SYS_NICE ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE):
 *   the number of pages (folios) that could not be moved, at most INT_MAX, or a negative
 *   migrate_pages() errno.
 *
 * do_migrate_pages() moves node by node, preserving the relative layout (node_remap), and
 * avoids migrating onto a node that still has to be emptied. For each <source, dest> pair,
 * migrate_to_node() walks every vma of the mm: folios on `source` are isolated (only those not
 * maybe mapped by another mm, unless MPOL_MF_MOVE_ALL; skipping a shared folio is not a
 * failure), and migrate_pages(MIGRATE_SYNC, MR_SYSCALL) moves them to `dest` with
 * alloc_migration_target() and GFP_HIGHUSER_MOVABLE | __GFP_THISNODE. Folios that could not be
 * isolated, and migration entries met on the walk, count as failures.
 *
 * On kernel "6.1" (docs/kernel-facts.md#differences-6-1-6-12): migrate_page_add() isolates a
 * folio without MPOL_MF_MOVE_ALL only when page_mapcount(head) == 1, and migrate_to_node()
 * returns migrate_pages()'s result alone, so folios that could not be isolated and migration
 * entries are not counted.
 */
import { EFAULT, EINVAL, EPERM, ESRCH } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_MMAP, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import { MIGRATE_SYNC, MR_SYSCALL } from "../migrate/migrate-mode.js";
import { migratePages } from "../migrate/migrate-pages.js";
import { NUMA_NO_NODE, allocMigrationTargetCb, type MigrationTargetControl } from "../migrate/migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "../migrate/unmap-and-move.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../mm/gfp.js";
import type { FolioList } from "../mm/list.js";
import type { MmStruct, Task } from "../mm/mm-types.js";
import { isMigrationEntry, ptePresent, pteSpecial } from "../mm/pgtable.js";
import { PG_reserved } from "../mm/page-flags.js";
import { folioMappedSharedTest, pageMapcount } from "../mm/mapped-shared.js";
import { isZeroFolio, vmaMigratable } from "./folio-walk.js";
import {
  BITS_PER_LONG,
  MAX_NUMNODES,
  MPOL_MF_DISCONTIG_OK,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  MPOL_MF_STRICT,
  PAGE_SIZE_BITS,
  cpusetMemsAllowed,
  nodeIsset,
  nodeRemap,
  nodemaskEmpty,
  nodemaskNodes,
  nodesEmpty,
  nodesSubset,
  nodesWeight,
  type Nodemask,
} from "./mempolicy-uapi.js";
import { capable, findTaskByVpid, ptraceMayAccess } from "./ptrace.js";
import { copyUlongsFromUser, toUlong, type UserUlongArray } from "./uaccess.js";

/** TASK_SIZE on x86-64 with 4-level paging */
export const TASK_SIZE = 0x7ffffffff000;
const INT_MAX = 0x7fffffff;

/**
 * get_bitmap(): copy BITS_TO_LONGS(maxnode) words starting at word `from` and clear the bits of
 * the last word at and above maxnode % BITS_PER_LONG. Null for a fault.
 */
function getBitmap(nmask: UserUlongArray, from: number, maxnode: number): bigint[] | null {
  const nlongs = Math.ceil(maxnode / BITS_PER_LONG);
  const words = copyUlongsFromUser(nmask, from, nlongs);
  if (!words) return null;
  if (maxnode % BITS_PER_LONG) words[nlongs - 1] = words[nlongs - 1]! & ((1n << BigInt(maxnode % BITS_PER_LONG)) - 1n);
  return words;
}

/** get_nodes(): a user nodemask of maxnode - 1 bits, as a Nodemask, or a negative errno. */
export function getNodes(nmask: UserUlongArray, maxnodeArg: bigint): Nodemask | number {
  // --maxnode (unsigned: 0 wraps to ULONG_MAX)
  let maxnode = BigInt.asUintN(64, maxnodeArg - 1n);
  const nodes = nodemaskEmpty();
  if (maxnode === 0n || nmask === null) return nodes;
  if (maxnode > BigInt(PAGE_SIZE_BITS)) return -EINVAL;
  // More nodes than supported: the unsupported part must be all zero, one word at a time,
  // starting at the end.
  const MAX = BigInt(MAX_NUMNODES);
  while (maxnode > MAX) {
    const bits = maxnode < BigInt(BITS_PER_LONG) ? maxnode : BigInt(BITS_PER_LONG);
    const t0 = getBitmap(nmask, Number((maxnode - 1n) / BigInt(BITS_PER_LONG)), Number(bits));
    if (!t0) return -EFAULT;
    let t = t0[0]!;
    if (maxnode - bits >= MAX) {
      maxnode -= bits;
    } else {
      maxnode = MAX;
      t &= ~((1n << BigInt(MAX_NUMNODES % BITS_PER_LONG)) - 1n) & ((1n << 64n) - 1n);
    }
    if (t) return -EINVAL;
  }
  const words = getBitmap(nmask, 0, Number(maxnode));
  if (!words) return -EFAULT;
  for (let nid = 0; nid < Number(maxnode); nid++) {
    if ((words[Math.floor(nid / BITS_PER_LONG)]! >> BigInt(nid % BITS_PER_LONG)) & 1n) nodes[nid] = 1;
  }
  return nodes;
}

/** struct queue_pages, reduced */
interface QueuePages {
  pagelist: FolioList;
  flags: number;
  nmask: Nodemask;
  /** the last large folio met: a PTE-mapped large folio is isolated once, not once per PTE */
  large: number;
  /** folios that could not be isolated now */
  nrFailed: number;
}

/**
 * migrate_folio_add(): isolate the folio onto the list unless it is maybe mapped by another
 * mm and MPOL_MF_MOVE_ALL is not given (skipping it is not a failure). False when isolation
 * failed.
 */
export function migrateFolioAdd(k: Kernel, folio: number, foliolist: FolioList, flags: number): boolean {
  // v6.1's migrate_page_add(): only a head page mapped exactly once moves without MOVE_ALL.
  const moves = k.options.kernel === "6.1" ? pageMapcount(k, folio) === 1 : !folioMappedSharedTest(k, folio);
  if (flags & MPOL_MF_MOVE_ALL || moves) {
    if (!isolateFolioForMigration(k, folio, foliolist)) return false;
  }
  return true;
}

/** queue_folios_pte_range() over the PTEs of one vma in [start, end). */
function queueFoliosPteRange(k: Kernel, mm: MmStruct, vmaMig: boolean, start: number, end: number, qp: QueuePages): void {
  const pt = k.pgtables;
  const mem = k.mem;
  const flags = qp.flags;
  for (let vpn = start / 4096; vpn < end / 4096; vpn++) {
    if (!pt.walk(mm.pgd, vpn, false)) continue;
    const pte = pt.leaf[pt.off]!;
    if (pte === 0) continue;
    if (!ptePresent(pte)) {
      if (isMigrationEntry(pte)) qp.nrFailed++;
      continue;
    }
    // vm_normal_folio(): the zero page and other special PTEs have no folio.
    if (pteSpecial(pte) || isZeroFolio(k, pt.frame[pt.off]!)) continue;
    const folio = mem.pageFolio(pt.frame[pt.off]!);
    if (mem.testFlag(folio, PG_reserved)) continue;
    // queue_folio_required(): on a node of the mask (MPOL_MF_INVERT is not set here)
    if (!nodeIsset(k.folioNid(folio), qp.nmask)) continue;
    if (mem.order[folio]! > 0) {
      if (folio === qp.large) continue;
      qp.large = folio;
    }
    if (!(flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) || !vmaMig || !migrateFolioAdd(k, folio, qp.pagelist, flags)) {
      qp.nrFailed++;
    }
  }
}

/**
 * queue_pages_range(): walk [start, end) of mm and queue the folios on the nodes of `nodes`.
 * With MPOL_MF_DISCONTIG_OK (the only way migrate_to_node() calls it) holes are fine, and a
 * vma that is not migratable is skipped (without MPOL_MF_STRICT). Returns the number of
 * folios that could not be queued, or -EFAULT when no vma lies in the range.
 */
export function queuePagesRange(k: Kernel, mm: MmStruct, start: number, end: number, nodes: Nodemask, flags: number, pagelist: FolioList): number {
  const qp: QueuePages = { pagelist, flags, nmask: nodes, large: -1, nrFailed: 0 };
  let first = true;
  let prevEnd = start;
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= start || vma.vmStart >= end) continue;
    // queue_pages_test_walk()
    if (!(flags & MPOL_MF_DISCONTIG_OK) && vma.vmStart > prevEnd) return -EFAULT;
    first = false;
    prevEnd = vma.vmEnd;
    const mig = vmaMigratable(vma);
    if (!mig && !(flags & MPOL_MF_STRICT)) continue;
    if (!(flags & (MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))) continue;
    queueFoliosPteRange(k, mm, mig, Math.max(start, vma.vmStart), Math.min(end, vma.vmEnd), qp);
  }
  if (first) return -EFAULT;
  if (!(flags & MPOL_MF_DISCONTIG_OK) && prevEnd < end) return -EFAULT;
  return qp.nrFailed;
}

/**
 * migrate_to_node(): move the folios of mm on `source` to `dest`. Returns the number not
 * moved (isolation failures included, except on "6.1"), or a negative errno.
 */
export function migrateToNode(k: Kernel, mm: MmStruct, source: number, dest: number, flags: number): number {
  const nmask = nodemaskEmpty();
  nmask[source] = 1;
  if (!(flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))) throw new RangeError("migrate_to_node: flags need MPOL_MF_MOVE or MPOL_MF_MOVE_ALL");
  // find_vma(mm, 0) and the walk under mmap_read_lock(); migrate_pages() runs after it is dropped
  lockAcquire(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  const vma = mm.findVma(0);
  if (!vma) {
    lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
    return 0;
  }
  const pagelist = k.lists.alloc();
  const nrFailed = queuePagesRange(k, mm, vma.vmStart, TASK_SIZE, nmask, flags | MPOL_MF_DISCONTIG_OK, pagelist);
  lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  let err = 0;
  if (!pagelist.isEmpty()) {
    const mtc: MigrationTargetControl = { nid: dest, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
    err = migratePages(k, pagelist, allocMigrationTargetCb, null, mtc, MIGRATE_SYNC, MR_SYSCALL);
    if (err) putbackMovablePages(k, pagelist);
  }
  pagelist.release();
  // v6.1's migrate_to_node() returns migrate_pages()'s result alone: folios the walk could not
  // queue were not counted before v6.7.
  if (err >= 0 && k.options.kernel !== "6.1") err += nrFailed;
  return err;
}

/**
 * do_migrate_pages(): move the pages of mm between the two node sets so as to preserve the
 * physical layout as much as possible. Returns the number of pages that could not be moved
 * (at most INT_MAX), or a negative errno.
 */
export function doMigratePages(k: Kernel, mm: MmStruct, from: Nodemask, to: Nodemask, flags: number): number {
  let nrFailed = 0;
  let err = 0;
  // lru_cache_disable(): nothing to drain in the model.
  const tmp = Uint8Array.from(from);
  const weightsDiffer = nodesWeight(from) !== nodesWeight(to);
  while (!nodesEmpty(tmp)) {
    let source = NUMA_NO_NODE;
    let dest = 0;
    for (const s of nodemaskNodes(tmp)) {
      // When the node counts differ, the relative layout cannot be kept: skip sources that are
      // also destinations ([0-7] -> [3,4,5] moves only 0,1,2,6,7).
      if (weightsDiffer && nodeIsset(s, to)) continue;
      const d = nodeRemap(s, from, to);
      if (s === d) continue;
      source = s; // node moved: remember it
      dest = d;
      // dest not among the nodes still to be emptied? Take this pair.
      if (!nodeIsset(dest, tmp)) break;
    }
    if (source === NUMA_NO_NODE) break;
    tmp[source] = 0;
    err = migrateToNode(k, mm, source, dest, flags);
    if (err > 0) nrFailed += err;
    if (err < 0) break;
  }
  // lru_cache_enable()
  if (err < 0) return err;
  return nrFailed < INT_MAX ? nrFailed : INT_MAX;
}

/** kernel_migrate_pages(): SYSCALL_DEFINE4(migrate_pages, ...). */
export function kernelMigratePages(k: Kernel, current: Task, pid: number, maxnode: number, oldNodes: UserUlongArray, newNodes: UserUlongArray): number {
  const mx = toUlong(maxnode);
  if (mx === null) return -EINVAL;
  const old = getNodes(oldNodes, mx);
  if (typeof old === "number") return old;
  const nw = getNodes(newNodes, mx);
  if (typeof nw === "number") return nw;

  // Find the mm_struct
  const task = pid ? (Number.isInteger(pid) && pid > 0 ? findTaskByVpid(k, pid) : null) : current;
  if (!task) return -ESRCH;
  // Does this process have the right to modify the specified process?
  if (!ptraceMayAccess(current, task)) return -EPERM;
  // Is the user allowed to access the target nodes?
  if (!nodesSubset(nw, cpusetMemsAllowed(task.memsAllowed)) && !capable(current, "CAP_SYS_NICE")) return -EPERM;
  // nodes_and(*new, *new, cpuset_mems_allowed(current))
  const currentMems = cpusetMemsAllowed(current.memsAllowed);
  for (let nid = 0; nid < MAX_NUMNODES; nid++) nw[nid] = nw[nid]! & currentMems[nid]!;
  if (nodesEmpty(nw)) return -EINVAL;
  // security_task_movememory(): allowed. get_task_mm():
  const mm = task.mm;
  if (!mm) return -EINVAL;
  return doMigratePages(k, mm, old, nw, capable(current, "CAP_SYS_NICE") ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE);
}
