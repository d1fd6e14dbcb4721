/**
 * Page faults and CPU accesses: mm/memory.c. handle_mm_fault() -> do_anonymous_page() for a
 * first touch (the shared zero page for a read, a zeroed folio for a write, an mTHP-style
 * large folio where the vma asks for one), do_wp_page() for a write to a read-only PTE (reuse
 * when exclusive, else copy: COW), and migration_entry_wait() for a PTE that is a migration
 * entry: the access blocks until the mover has remapped.
 *
 * File mappings: do_fault() -> do_read_fault() / do_cow_fault() / do_shared_fault(),
 * finish_fault()/set_pte_range(), do_page_mkwrite(), fault_dirty_shared_page(), and the
 * page-cache side of do_wp_page(): wp_page_shared(), and wp_page_copy() for a private mapping.
 * The page itself comes from the vma's vm_ops->fault (filemap_fault, fs/file-fault.ts). Shared
 * writable mappings do dirty tracking (vma_wants_writenotify): a read fault maps the page
 * read-only, and the first store faults again and dirties the folio; writeback's
 * folio_mkclean() write-protects it again. A private mapping maps page-cache pages read-only
 * and copies on the first store (into an anonymous folio of the vma's anon_vma).
 *
 * mm sits below the page cache, swap and NUMA balancing, and calls them through the tables of
 * mm/hooks.ts: a file vma's vm_ops, the swap device's do_swap_page() for a swap entry, and
 * NUMA balancing's promotion decision in do_numa_page().
 *
 * accessVirtual() is one CPU load or store. It allocates nothing and emits nothing.
 */
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_MMAP, LOCK_PTL, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import { GFP_HIGHUSER_MOVABLE, GFP_TRANSHUGE_LIGHT, __GFP_ZERO } from "./gfp.js";
import { PAGE_SHIFT } from "./mem-map.js";
import { VM_LOCKED, VM_MAYSHARE, VM_SHARED, VM_WRITE, type MmStruct, type VmArea } from "./mm-types.js";
import { PG_anon_exclusive, PG_locked, PG_lru, PG_uptodate, PG_waiters } from "./page-flags.js";
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PROTNONE,
  _PAGE_RW,
  _PAGE_SPECIAL,
  isMigrationEntry,
  ADDR_SPLIT,
  addrAlignDown,
  addrHi,
  addrLo,
  addrPageOffset,
  addrToVpn,
  isSwapPte,
  ptePresent,
  pteSpecial,
  pteWrite,
} from "./pgtable.js";
import { RMAP_EXCLUSIVE, anonVmaPrepare, folioAddFileRmapPte, folioAddNewAnonRmap, folioMoveAnonRmap, folioRemoveRmapPte, munlockVmaFolio } from "./rmap.js";
import { mlockVmaFolio } from "./mlock.js";
import { folioPut } from "./swap.js";
import { folioMarkDirty } from "./folio-dirty.js";
import { folioAddressSpace } from "./folio-mapping.js";
import { swapOps } from "./hooks.js";
import { COW_KSM, PGFAULT } from "./vmstat.js";

/** vm_fault_t bits (include/linux/mm_types.h) */
export const VM_FAULT_OOM = 0x000001;
export const VM_FAULT_SIGBUS = 0x000002;
export const VM_FAULT_SIGSEGV = 0x000040;
export const VM_FAULT_RETRY = 0x000400;
export const FAULT_FLAG_WRITE = 0x01;

/** accessVirtual() results */
export const ACCESS_OK = 0;
/** the PTE is a migration entry: the task sleeps in migration_entry_wait() on k.waitPfn */
export const ACCESS_BLOCKED = 1;
export const ACCESS_SEGV = 2;
export const ACCESS_OOM = 3;

/**
 * One CPU access at addr. A store writes a fresh content token to the page and records it in
 * the integrity shadow. Returns ACCESS_*; a load leaves the token read in k.faultState.lastToken
 * (kernel/out-params.ts), an ACCESS_BLOCKED access the folio it waits on in k.faultState.waitPfn.
 */
export function accessVirtual(k: Kernel, mm: MmStruct, addr: number, write: boolean): number {
  return accessVirtualSplit(k, mm, addrHi(addr), addrLo(addr), write);
}

/**
 * accessVirtual() of the address hi * 2^30 + lo (addrHi(), addrLo()): for a loop that makes
 * accesses by the million, whose addresses are doubles above 2^31. Passed whole, each would be
 * boxed on the call; split, an access that hits a present PTE allocates nothing (a fault may).
 */
export function accessVirtualSplit(k: Kernel, mm: MmStruct, hi: number, lo: number, write: boolean): number {
  const pt = k.pgtables;
  const vpnLo = lo >>> PAGE_SHIFT;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (pt.walkSplit(mm.pgd, hi, vpnLo, false)) {
      const pte = pt.leaf[pt.off]!;
      if (ptePresent(pte) && (pte & _PAGE_PROTNONE) === 0 && (!write || pteWrite(pte))) {
        pt.leaf[pt.off] = pte | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
        const pfn = pt.frame[pt.off]!;
        if (write) {
          const token = k.content.nextToken();
          k.content.writePage(pfn, token);
          pt.shadow[pt.off] = token;
          // a store into a page-cache page is a store into the file (its shadow)
          const m = k.mem.mapping[k.mem.pageFolio(pfn)]!;
          if (m !== 0 && (m & 3) === 0) filePageWritten(k, pfn, token);
        } else {
          k.faultState.lastToken = k.mem.content[pfn]!;
        }
        return ACCESS_OK;
      }
    }
    // the fault handler runs under mmap_read_lock() (lock_mm_and_find_vma()); a hit does not
    const ld = k.lockdep;
    const current = k.waits.current;
    lockAcquire(ld, LOCK_MMAP, mm.id, current);
    const fault = handleMmFault(k, mm, hi * ADDR_SPLIT + lo, write ? FAULT_FLAG_WRITE : 0);
    lockRelease(ld, LOCK_MMAP, mm.id, current);
    if (fault & VM_FAULT_RETRY) return ACCESS_BLOCKED;
    if (fault & VM_FAULT_SIGSEGV) return ACCESS_SEGV;
    if (fault & VM_FAULT_OOM) return ACCESS_OOM;
  }
  return ACCESS_SEGV;
}

/** handle_mm_fault() */
export function handleMmFault(k: Kernel, mm: MmStruct, addr: number, flags: number): number {
  k.vmstat.countEvents(PGFAULT, 1);
  const vma = mm.vmaLookup(addr);
  if (!vma) return VM_FAULT_SIGSEGV;
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  if (write && (vma.vmFlags & VM_WRITE) === 0) return VM_FAULT_SIGSEGV;
  const pt = k.pgtables;
  pt.walk(mm.pgd, addrToVpn(addr), true);
  const pte = pt.leaf[pt.off]!;
  // vma_is_anonymous(): no vm_ops
  if (pte === 0) return vma.vmOps ? doFault(k, vma, addr, write) : doAnonymousPage(k, vma, addr, write);
  if (!ptePresent(pte)) {
    if (isMigrationEntry(pte)) return migrationEntryWait(k, pt.frame[pt.off]!);
    if (isSwapPte(pte)) {
      return swapOps(k).doSwapPage(k, vma, addr, pte, write);
    }
    return VM_FAULT_SIGBUS;
  }
  // pte_protnone() && vma_is_accessible(): a NUMA hint fault
  if (pte & _PAGE_PROTNONE) return doNumaPage(k, vma, addr, pte);
  if (write && !pteWrite(pte)) return doWpPage(k, vma, addr, pte);
  return 0;
}

/**
 * migration_entry_wait() → migration_entry_wait_on_locked(): the folio the entry names is
 * locked by its mover; the task sets PG_waiters and sleeps on the folio lock, and the mover's
 * folio_unlock() wakes it (clearing the bit). In this model the access returns blocked — the
 * task is a step the caller retries once the lock is released (migrationWaitDone) — and the
 * wait is counted in k.waits.
 */
export function migrationEntryWait(k: Kernel, pfn: number): number {
  const head = k.mem.pageFolio(pfn);
  k.faultState.waitPfn = head;
  if (k.mem.testFlag(head, PG_locked)) {
    k.mem.setFlag(head, PG_waiters);
    k.waits.waits++;
  }
  return VM_FAULT_RETRY;
}

/** Whether a task blocked on waitPfn may retry: the folio lock was dropped. */
export function migrationWaitDone(k: Kernel, waitPfn: number): boolean {
  return !k.mem.testFlag(waitPfn, PG_locked);
}

/** A store through a PTE into a page-cache page: the file's shadow records it. */
export function filePageWritten(k: Kernel, pfn: number, token: number): void {
  const head = k.mem.pageFolio(pfn);
  const as = folioAddressSpace(k, head);
  if (as) as.host.shadow.store(k.mem.index[head]! + (pfn - head), token);
}

/**
 * do_numa_page(): the hint fault on a protnone PTE (already walked: k.pgtables.leaf/off). NUMA
 * balancing (k.numab, NumaHintFaultOperations) counts it and decides whether the folio moves
 * to the faulting task's node; if it did not move, the folio's hint PTEs in this vma are made
 * present again (out_map). Returns 0: the access is retried and finds a present PTE (restored,
 * or the migrated one).
 */
export function doNumaPage(k: Kernel, vma: VmArea, addr: number, _pte: number): number {
  const pt = k.pgtables;
  const head = k.mem.pageFolio(pt.frame[pt.off]!);
  const nr = k.mem.folioNrPages(head);
  if (k.numab?.numaHintFault(k, vma, addr, head)) return 0;
  numaRebuildMapping(k, vma, addr, head, nr);
  return 0;
}

/**
 * numa_rebuild_single_mapping() / numa_rebuild_large_mapping(): make the folio's hint PTEs in
 * this vma present again (out_map). PTEs that migration replaced are left alone.
 */
function numaRebuildMapping(k: Kernel, vma: VmArea, addr: number, head: number, nr: number): void {
  const pt = k.pgtables;
  const mm = vma.mm;
  const vpn = addrToVpn(addr);
  const page = head + (nr > 1 ? pageIndexAt(k, mm, vpn, head) : 0);
  for (let i = 0; i < nr; i++) {
    const v = vpn - (page - head) + i;
    if (v * 4096 < vma.vmStart || v * 4096 >= vma.vmEnd) continue;
    if (!pt.walk(mm.pgd, v, false)) continue;
    const e = pt.leaf[pt.off]!;
    if (ptePresent(e) && e & _PAGE_PROTNONE && pt.frame[pt.off] === head + i) pt.leaf[pt.off] = e & ~_PAGE_PROTNONE;
  }
}

function pageIndexAt(k: Kernel, mm: MmStruct, vpn: number, head: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, vpn, false)) return 0;
  return pt.frame[pt.off]! - head;
}

/** do_anonymous_page() */
function doAnonymousPage(k: Kernel, vma: VmArea, addr: number, write: boolean): number {
  const pt = k.pgtables;
  const mm = vma.mm;
  if (!write) {
    // The shared zero page, read-only and special: no refcount, no mapcount.
    pt.setPfnPte(k.alloc.zeroPfn, _PAGE_SPECIAL | _PAGE_ACCESSED);
    return 0;
  }
  anonVmaPrepare(k, vma);
  const nid = mm.homeNid;
  const order = allocAnonFolioOrder(k, vma, addr);
  let head = -1;
  let base = addr;
  if (order > 0) {
    head = k.alloc.allocPages(GFP_TRANSHUGE_LIGHT | __GFP_ZERO, order, nid);
    base = addrAlignDown(addr, 4096 << order);
  }
  let nr = 1 << order;
  if (head < 0) {
    head = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0, nid);
    base = addr - addrPageOffset(addr);
    nr = 1;
  }
  if (head < 0) return VM_FAULT_OOM;
  const mem = k.mem;
  mem.setFlag(head, PG_uptodate);
  mem.refcount[head]! += nr - 1;
  mem.memcg[head] = mm.memcg; // mem_cgroup_charge(folio, vma->vm_mm)
  folioAddNewAnonRmap(k, head, vma, base, RMAP_EXCLUSIVE);
  k.lru.folioAddLru(head);
  // folio_add_lru_vma(): a VM_LOCKED vma's new folio goes straight to the unevictable LRU
  mlockVmaFolio(k, head, vma, base);
  const rw = vma.vmFlags & VM_WRITE ? _PAGE_RW : 0;
  const page = addr - addrPageOffset(addr);
  for (let i = 0; i < nr; i++) {
    pt.walk(mm.pgd, base / 4096 + i, true);
    const at = base + i * 4096;
    // set_ptes() under pte_offset_map_lock()
    const ptl = pt.leafId;
    lockAcquire(k.lockdep, LOCK_PTL, ptl, k.waits.current);
    pt.setPfnPte(head + i, rw | (at === page ? _PAGE_ACCESSED | _PAGE_DIRTY : 0));
    lockRelease(k.lockdep, LOCK_PTL, ptl, k.waits.current);
  }
  mm.rssAnon += nr;
  return 0;
}

/**
 * alloc_anon_folio()'s order choice: the vma's mTHP order, if the aligned range lies in the
 * vma and none of its PTEs is populated yet.
 */
function allocAnonFolioOrder(k: Kernel, vma: VmArea, addr: number): number {
  const order = vma.thpOrder;
  if (order === 0) return 0;
  const size = 4096 << order;
  const base = addrAlignDown(addr, size);
  if (base < vma.vmStart || base + size > vma.vmEnd) return 0;
  const pt = k.pgtables;
  for (let i = 0; i < 1 << order; i++) {
    if (pt.walk(vma.mm.pgd, base / 4096 + i, false) && pt.leaf[pt.off] !== 0) return 0;
  }
  return order;
}

/** do_wp_page(): a write hit a read-only PTE. */
function doWpPage(k: Kernel, vma: VmArea, addr: number, pte: number): number {
  const pt = k.pgtables;
  const mem = k.mem;
  const leaf = pt.leaf;
  const off = pt.off;
  if (pteSpecial(pte)) return wpPageCopy(k, vma, addr, -1);
  const page = pt.frame[off]!;
  const head = mem.pageFolio(page);
  // wp_page_shared() / wp_page_copy() of a page-cache page
  if (!mem.folioTestAnon(head)) return doWpPageFile(k, vma, addr, pte, page);
  if (mem.testFlag(page, PG_anon_exclusive) || wpCanReuseAnonFolio(k, head, vma)) {
    mem.setFlag(page, PG_anon_exclusive);
    leaf[off] = pte | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
    return 0;
  }
  // A KSM page is never reused (wp_can_reuse_anon_folio refuses it): always copy, count cow_ksm.
  if (mem.folioTestKsm(head)) k.vmstat.countEvents(COW_KSM, 1);
  return wpPageCopy(k, vma, addr, page);
}

/** wp_can_reuse_anon_folio() (v6.12: small folios only) */
function wpCanReuseAnonFolio(k: Kernel, head: number, vma: VmArea): boolean {
  const mem = k.mem;
  if (mem.order[head] !== 0) return false;
  if (mem.folioTestKsm(head) || mem.refcount[head]! > 3) return false;
  if (!mem.testFlag(head, PG_lru)) return false;
  if (mem.refcount[head]! > 1 + (mem.folioTestSwapcache(head) ? 1 : 0)) return false;
  if (mem.testFlag(head, PG_locked)) return false;
  if (mem.folioTestSwapcache(head)) {
    // folio_trylock() succeeded: drop the swap cache if no swap PTE needs it any more
    mem.setFlag(head, PG_locked);
    swapOps(k).folioFreeSwap(k, head);
    mem.clearFlag(head, PG_locked);
  }
  if (mem.refcount[head] !== 1) return false;
  folioMoveAnonRmap(k, head, vma);
  return true;
}

/** wp_page_copy(): COW into a new exclusive folio; `old` is the page copied, or -1 for zero. */
export function wpPageCopy(k: Kernel, vma: VmArea, addr: number, old: number): number {
  const mm = vma.mm;
  const nid = mm.homeNid;
  anonVmaPrepare(k, vma);
  const gfp = old < 0 ? GFP_HIGHUSER_MOVABLE | __GFP_ZERO : GFP_HIGHUSER_MOVABLE;
  const page = k.alloc.allocPages(gfp, 0, nid);
  if (page < 0) return VM_FAULT_OOM;
  if (old >= 0) k.content.copyPages(page, old, 1);
  const mem = k.mem;
  mem.setFlag(page, PG_uptodate);
  const base = addr - addrPageOffset(addr);
  mem.memcg[page] = mm.memcg; // mem_cgroup_charge(new_folio, mm)
  folioAddNewAnonRmap(k, page, vma, base, RMAP_EXCLUSIVE);
  k.lru.folioAddLru(page);
  mlockVmaFolio(k, page, vma, base);
  const pt = k.pgtables;
  pt.walk(mm.pgd, base / 4096, true);
  pt.setPfnPte(page, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
  k.tlb.shootdowns++;
  if (old >= 0) {
    folioRemoveRmapPte(k, old);
    if (vma.vmFlags & VM_LOCKED) munlockVmaFolio(k, mem.pageFolio(old));
    folioPut(k, mem.pageFolio(old));
  } else {
    mm.rssAnon++;
  }
  return 0;
}

/** set_pte_range() for one page-cache page: the PTE, the file rmap and MM_FILEPAGES. */
function setPteFile(k: Kernel, vma: VmArea, addr: number, page: number, bits: number): void {
  const pt = k.pgtables;
  pt.walk(vma.mm.pgd, addrToVpn(addr), true);
  // finish_fault(): the PTE is installed under pte_offset_map_lock(), inside the folio lock
  const ptl = pt.leafId;
  lockAcquire(k.lockdep, LOCK_PTL, ptl, k.waits.current);
  folioAddFileRmapPte(k, page);
  pt.setPfnPte(page, bits | _PAGE_ACCESSED);
  vma.mm.rssFile++;
  mlockVmaFolio(k, page, vma, addr);
  lockRelease(k.lockdep, LOCK_PTL, ptl, k.waits.current);
}

/**
 * do_fault(): a first touch of a file vma; the page comes from its vm_ops->fault. Returns a
 * VM_FAULT_* mask (0 on success).
 */
export function doFault(k: Kernel, vma: VmArea, addr: number, write: boolean): number {
  const base = addr - addrPageOffset(addr);
  const pgoff = vma.linearPageIndex(base);
  if (!write) return doReadFault(k, vma, base, pgoff);
  if ((vma.vmFlags & VM_SHARED) === 0) return doCowFault(k, vma, base, pgoff);
  return doSharedFault(k, vma, base, pgoff);
}

/** do_read_fault(): map the page-cache page read-only (writenotify / private). */
function doReadFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  const head = vma.vmOps!.fault(k, vma, pgoff);
  if (head < 0) return -head;
  setPteFile(k, vma, addr, head + (pgoff - k.mem.index[head]!), 0);
  return 0;
}

/** do_cow_fault(): a store to a private file mapping: copy the file page into a new anon folio. */
function doCowFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  anonVmaPrepare(k, vma);
  const cow = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, vma.mm.homeNid);
  if (cow < 0) return VM_FAULT_OOM;
  const head = vma.vmOps!.fault(k, vma, pgoff);
  if (head < 0) {
    folioPut(k, cow);
    return -head;
  }
  const mem = k.mem;
  k.content.copyPages(cow, head + (pgoff - mem.index[head]!), 1); // copy_mc_user_highpage()
  folioPut(k, head);
  mem.setFlag(cow, PG_uptodate);
  mem.memcg[cow] = vma.mm.memcg; // mem_cgroup_charge()
  folioAddNewAnonRmap(k, cow, vma, addr, RMAP_EXCLUSIVE);
  k.lru.folioAddLru(cow);
  const pt = k.pgtables;
  pt.walk(vma.mm.pgd, addrToVpn(addr), true);
  pt.setPfnPte(cow, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
  vma.mm.rssAnon++;
  return 0;
}

/** do_page_mkwrite(): the mapping's vm_ops->page_mkwrite, if any. */
function doPageMkwrite(k: Kernel, vma: VmArea, head: number): number {
  const ops = vma.vmOps;
  const rc = ops?.pageMkwrite ? ops.pageMkwrite(k, vma, head) : 0;
  return rc < 0 ? VM_FAULT_SIGBUS : 0;
}

/** do_shared_fault(): page_mkwrite, map writable and dirty, fault_dirty_shared_page(). */
function doSharedFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  const head = vma.vmOps!.fault(k, vma, pgoff);
  if (head < 0) return -head;
  const rc = doPageMkwrite(k, vma, head);
  if (rc) {
    folioPut(k, head);
    return rc;
  }
  setPteFile(k, vma, addr, head + (pgoff - k.mem.index[head]!), _PAGE_RW | _PAGE_DIRTY);
  folioMarkDirty(k, head);
  return 0;
}

/**
 * do_wp_page() for a page-cache page: wp_page_shared() in a shared mapping (page_mkwrite,
 * make the PTE writable and dirty, dirty the folio), wp_page_copy() in a private one (the
 * store gets an anonymous copy; the page-cache page keeps the file's data).
 */
export function doWpPageFile(k: Kernel, vma: VmArea, addr: number, pte: number, page: number): number {
  const pt = k.pgtables;
  const leaf = pt.leaf;
  const off = pt.off;
  const head = k.mem.pageFolio(page);
  if (vma.vmFlags & (VM_SHARED | VM_MAYSHARE)) {
    const rc = doPageMkwrite(k, vma, head);
    if (rc) return rc;
    leaf[off] = pte | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED;
    folioMarkDirty(k, head);
    return 0;
  }
  const rc = wpPageCopy(k, vma, addr, page);
  if (rc === 0) {
    vma.mm.rssFile--; // wpPageCopy counted nothing for a replaced page: MM_FILEPAGES -> MM_ANONPAGES
    vma.mm.rssAnon++;
  }
  return rc;
}
