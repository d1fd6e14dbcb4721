/**
 * Processes: copy_process()/dup_mmap() (kernel/fork.c) with copy_page_range() (mm/memory.c),
 * and exit_mmap(). A forked child shares every anon folio copy-on-write: both PTEs lose write
 * permission and the page loses PG_anon_exclusive (folio_try_dup_anon_rmap_pte). A pinned
 * exclusive page is copied for the child at once instead (copy_present_page). A writable or
 * exclusive migration entry becomes a readable one in both; a swap entry gains a swap_map
 * reference (swap_duplicate) and loses _PAGE_SWP_EXCLUSIVE in both.
 *
 * With the syscalls (docs/architecture.md#layers): fork and exit are a process's entry points,
 * above mm and swap, whose address spaces they copy and tear down.
 */
import { GFP_HIGHUSER_MOVABLE } from "../mm/gfp.js";
import { doMunmap, insertVma } from "../mm/mmap.js";
import { MmStruct, Task, VM_SHARED, VmArea, type Cred } from "../mm/mm-types.js";
import { PG_anon_exclusive, PG_uptodate } from "../mm/page-flags.js";
import {
  SWP_MIGRATION_READ,
  _PAGE_RW,
  isMigrationEntry,
  isReadableMigrationEntry,
  isMigrationEntryDirty,
  isMigrationEntryYoung,
  isSwapPte,
  migrationEntryBits,
  ptePresent,
  pteSpecial,
  pteSwpExclusive,
  swapPteBits,
  swpEntry,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
} from "../mm/pgtable.js";
import { RMAP_EXCLUSIVE, anonVmaFork, folioAddAnonRmapPte, folioAddFileRmapPte, folioAddNewAnonRmap } from "../mm/rmap.js";
import { ENOMEM } from "../kernel/errno.js";
import { MAX_MEMCGS } from "../mm/vmstat.js";
import { swapDuplicate } from "../swap/swapfile.js";
import type { Kernel } from "../kernel/kernel.js";

export interface TaskOptions {
  /** the node the task's CPU is on (MPOL_DEFAULT allocates there) */
  nid?: number;
  cred?: Partial<Cred>;
  memsAllowed?: number[];
  /** the task's memcg id (0 = root, < MAX_MEMCGS): folios it faults in are charged to it */
  memcg?: number;
}

/** A new process with an empty mm (execve of a fresh program). */
export function createProcess(k: Kernel, opts: TaskOptions = {}): Task {
  const mm = new MmStruct(k.nextMmId++, k.pgtables.allocTable());
  mm.homeNid = opts.nid ?? 0;
  const memcg = opts.memcg ?? 0;
  if (!Number.isInteger(memcg) || memcg < 0 || memcg >= MAX_MEMCGS) throw new RangeError(`createProcess: memcg ${memcg} out of range [0, ${MAX_MEMCGS})`);
  mm.memcg = memcg;
  k.mms.push(mm);
  const task = new Task(
    k.nextPid++,
    mm,
    { uid: 1000, capSysNice: false, capSysPtrace: false, ...opts.cred },
    opts.memsAllowed ?? k.topo.nodes.map((n) => n.nid),
    mm.homeNid,
  );
  k.tasks.set(task.pid, task);
  return task;
}

/** fork(): the child gets a copy of the parent's address space; returns it, or -ENOMEM. */
export function copyProcess(k: Kernel, parent: Task): Task | number {
  const pmm = parent.mm;
  if (!pmm) throw new Error(`fork: task ${parent.pid} has no mm`);
  const child = createProcess(k, { nid: parent.nid, cred: parent.cred, memsAllowed: parent.memsAllowed, memcg: pmm.memcg });
  const mm = child.mm!;
  for (const pvma of pmm.vmas) {
    const vma = new VmArea(mm, pvma.vmStart, pvma.vmEnd, pvma.vmFlags, pvma.vmPgoff);
    vma.thpOrder = pvma.thpOrder;
    vma.vmOps = pvma.vmOps; // vm_area_dup()
    insertVma(mm, vma);
    anonVmaFork(k, vma, pvma);
    if (pvma.vmFile) {
      // get_file() + vma_interval_tree_insert_after(): the child maps the same file
      vma.vmFile = pvma.vmFile;
      pvma.vmFile.mapping.iMmap.push(vma);
      // vma_needs_copy(): a file vma without anon pages refaults from the page cache instead
      if (!pvma.anonVma) continue;
    }
    if (copyPageRange(k, vma, pvma) < 0) {
      exitMmap(k, child);
      return -ENOMEM;
    }
  }
  // ksm_fork(): a child of an mm that KSM scans is scanned too
  for (const b of k.backends.all) b.forkMm?.(k, pmm, mm);
  return child;
}

/** copy_page_range() for one private anon vma. */
function copyPageRange(k: Kernel, dst: VmArea, src: VmArea): number {
  const pt = k.pgtables;
  const mem = k.mem;
  for (let vpn = src.vmStart / 4096; vpn < src.vmEnd / 4096; vpn++) {
    if (!pt.walk(src.mm.pgd, vpn, false)) continue;
    let pte = pt.leaf[pt.off]!;
    if (pte === 0) continue;
    const token = pt.shadow[pt.off]!;
    // the PTE's frame: the pfn it maps, or the swap offset or pfn its entry names
    let frame = pt.frame[pt.off]!;
    const srcLeaf = pt.leaf;
    const srcOff = pt.off;
    let childPte: number;
    if (!ptePresent(pte)) {
      if (isSwapPte(pte)) {
        // copy_nonpresent_pte(): swap_duplicate(), and the entry is shared now (not exclusive)
        if (swapDuplicate(k, swpEntry(frame)) < 0) return -ENOMEM;
        if (pteSwpExclusive(pte)) {
          pte = swapPteBits(false);
          srcLeaf[srcOff] = pte;
        }
        pt.walk(dst.mm.pgd, vpn, true);
        pt.setSwpPte(frame, pte);
        pt.shadow[pt.off] = token;
        continue;
      }
      if (!isMigrationEntry(pte)) throw new Error("copy_nonpresent_pte: unknown non-present PTE");
      // copy_nonpresent_pte(): a writable or exclusive entry turns readable in both.
      if (!isReadableMigrationEntry(pte)) {
        pte = migrationEntryBits(SWP_MIGRATION_READ, isMigrationEntryYoung(pte), isMigrationEntryDirty(pte));
        srcLeaf[srcOff] = pte;
      }
      childPte = pte;
      if (mem.folioTestAnon(mem.pageFolio(frame))) dst.mm.rssAnon++;
      else dst.mm.rssFile++;
    } else if (pteSpecial(pte)) {
      childPte = pte & ~_PAGE_ACCESSED; // __copy_present_ptes(): pte_mkold()
    } else {
      const page = frame;
      const head = mem.pageFolio(page);
      if (!mem.folioTestAnon(head)) {
        // folio_dup_file_rmap_pte(): a page-cache page is simply shared
        mem.refcount[head]!++;
        folioAddFileRmapPte(k, page);
        childPte = pte & ~_PAGE_ACCESSED;
        if (src.vmFlags & VM_SHARED) childPte &= ~_PAGE_DIRTY;
        dst.mm.rssFile++;
      } else if (mem.testFlag(page, PG_anon_exclusive) && mem.pincount[head]! > 0) {
        // copy_present_page(): a pinned exclusive page cannot be shared; the child gets a copy.
        const copy = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, dst.mm.homeNid);
        if (copy < 0) return -ENOMEM;
        k.content.copyPages(copy, page, 1);
        mem.setFlag(copy, PG_uptodate);
        mem.memcg[copy] = dst.mm.memcg; // mem_cgroup_charge(new_folio, dst_mm)
        folioAddNewAnonRmap(k, copy, dst, vpn * 4096, RMAP_EXCLUSIVE);
        k.lru.folioAddLru(copy);
        childPte = (pte & (_PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED)) | _PAGE_PRESENT;
        frame = copy;
      } else {
        // folio_try_dup_anon_rmap_pte() + wrprotect both sides of a COW mapping.
        mem.clearFlag(page, PG_anon_exclusive);
        mem.refcount[head]!++;
        folioAddAnonRmapPte(k, page, 0);
        pte &= ~_PAGE_RW;
        srcLeaf[srcOff] = pte;
        // __copy_present_ptes(): the child's PTE is old; only a shared mapping is made clean
        childPte = pte & ~_PAGE_ACCESSED;
        if (src.vmFlags & VM_SHARED) childPte &= ~_PAGE_DIRTY;
        k.tlb.shootdowns++;
      }
      if (mem.folioTestAnon(head)) dst.mm.rssAnon++;
    }
    pt.walk(dst.mm.pgd, vpn, true);
    pt.leaf[pt.off] = childPte;
    pt.frame[pt.off] = frame;
    pt.shadow[pt.off] = token;
  }
  return 0;
}

/** exit_mmap(): unmap everything and free the page tables; the task is gone. */
export function exitMmap(k: Kernel, task: Task): void {
  const mm = task.mm;
  if (!mm) return;
  for (const vma of [...mm.vmas]) doMunmap(k, mm, vma.vmStart, vma.vmEnd - vma.vmStart);
  k.pgtables.freeTable(mm.pgd);
  k.mms.splice(k.mms.indexOf(mm), 1);
  k.tasks.delete(task.pid);
  task.mm = null;
}
