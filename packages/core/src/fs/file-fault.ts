/**
 * File mappings: mmap of a file (mm/mmap.c mmap_region with a vm_file, i_mmap insertion) and
 * its faults, mm/memory.c: do_fault() -> do_read_fault() / do_cow_fault() / do_shared_fault(),
 * __do_fault() -> filemap_fault() (mm/filemap.c), finish_fault()/set_pte_range(),
 * do_page_mkwrite(), fault_dirty_shared_page(), and the write-protect side of do_wp_page():
 * wp_page_shared() and wp_page_copy() for a private mapping of a page-cache page.
 *
 * Shared writable mappings do dirty tracking (vma_wants_writenotify): a read fault maps the
 * page read-only, and the first store faults again and dirties the folio; writeback's
 * folio_mkclean() write-protects it again. A private mapping maps page-cache pages read-only
 * and copies on the first store (into an anonymous folio of the vma's anon_vma).
 */
import { EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE } from "../mm/gfp.js";
import { doMmap, PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, type MmapOptions } from "../mm/mmap.js";
import { VM_MAYSHARE, VM_SHARED, type MmStruct, type VmArea } from "../mm/mm-types.js";
import { PG_locked, PG_uptodate } from "../mm/page-flags.js";
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, pfnPte } from "../mm/pgtable.js";
import { RMAP_EXCLUSIVE, anonVmaPrepare, folioAddFileRmapPte, folioAddNewAnonRmap } from "../mm/rmap.js";
import { folioPut } from "../mm/swap.js";
import { wpPageCopy, VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS } from "../mm/memory.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { filemapGetFolio } from "./filemap.js";
import type { Inode } from "./inode.js";
import { folioMarkDirty } from "../mm/folio-dirty.js";

export interface FileMmapOptions extends MmapOptions {
  /** MAP_SHARED or MAP_PRIVATE; default MAP_SHARED */
  flags?: number;
  /** file offset in pages (vm_pgoff); default 0 */
  pgoff?: number;
}

/**
 * mmap(addr, len, prot, flags, fd, pgoff << 12) of a file: the address, or a negative errno.
 * The vma gets vm_file and joins the file's i_mmap (vma_interval_tree_insert).
 */
export function doMmapFile(k: Kernel, mm: MmStruct, inode: Inode, len: number, opts: FileMmapOptions = {}): number {
  const flags = opts.flags ?? MAP_SHARED;
  if ((flags & (MAP_SHARED | MAP_PRIVATE)) === 0 || (flags & MAP_SHARED && flags & MAP_PRIVATE)) return -EINVAL;
  const pgoff = opts.pgoff ?? 0;
  if (!Number.isInteger(pgoff) || pgoff < 0) return -EINVAL;
  const addr = doMmap(k, mm, len, { addr: opts.addr, prot: opts.prot ?? PROT_READ | PROT_WRITE });
  if (addr < 0) return addr;
  const vma = mm.vmaLookup(addr)!;
  vma.vmPgoff = pgoff;
  vma.vmFile = inode;
  if (flags & MAP_SHARED) vma.vmFlags |= VM_SHARED | VM_MAYSHARE;
  inode.mapping.iMmap.push(vma);
  return addr;
}

/** A store through a PTE into a page-cache page: the file's shadow records it. */
export function filePageWritten(k: Kernel, pfn: number, token: number): void {
  const head = k.mem.pageFolio(pfn);
  const as = folioAddressSpace(k, head);
  if (as) as.host.shadow.store(k.mem.index[head]! + (pfn - head), token);
}

/**
 * filemap_fault() (mm/filemap.c): the folio at the vma's file index, read in (with readahead)
 * on a miss, with a reference for the caller. Returns the head pfn or a negative VM_FAULT_*:
 * SIGBUS past EOF, OOM when nothing could be allocated, RETRY when a mover holds the folio
 * locked (the task sleeps on the lock, k.faultState.waitPfn).
 */
export function filemapFault(k: Kernel, vma: VmArea, pgoff: number): number {
  const inode = vma.vmFile!;
  if (pgoff >= inode.sizePages) return -VM_FAULT_SIGBUS;
  const head = filemapGetFolio(k, inode.mapping, pgoff, vma.mm.homeNid);
  if (head < 0) return -VM_FAULT_OOM;
  if (k.mem.testFlag(head, PG_locked)) {
    k.faultState.waitPfn = head;
    return -VM_FAULT_RETRY;
  }
  k.mem.refcount[head]!++;
  return head;
}

/** set_pte_range() for one page-cache page: the PTE, the file rmap and MM_FILEPAGES. */
function setPteFile(k: Kernel, vma: VmArea, addr: number, page: number, bits: number): void {
  const pt = k.pgtables;
  pt.walk(vma.mm.pgd, Math.floor(addr / 4096), true);
  folioAddFileRmapPte(k, page);
  pt.leaf[pt.off] = pfnPte(page, bits | _PAGE_ACCESSED);
  vma.mm.rssFile++;
}

/** do_fault(): a first touch of a file vma. Returns a VM_FAULT_* mask (0 on success). */
export function doFault(k: Kernel, vma: VmArea, addr: number, write: boolean): number {
  const base = addr - (addr % 4096);
  const pgoff = vma.linearPageIndex(base);
  if (!write) return doReadFault(k, vma, base, pgoff);
  if ((vma.vmFlags & VM_SHARED) === 0) return doCowFault(k, vma, base, pgoff);
  return doSharedFault(k, vma, base, pgoff);
}

/** do_read_fault(): map the page-cache page read-only (writenotify / private). */
function doReadFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  const head = filemapFault(k, vma, pgoff);
  if (head < 0) return -head;
  setPteFile(k, vma, addr, head + (pgoff - k.mem.index[head]!), 0);
  return 0;
}

/** do_cow_fault(): a store to a private file mapping: copy the file page into a new anon folio. */
function doCowFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  anonVmaPrepare(k, vma);
  const cow = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 0, vma.mm.homeNid);
  if (cow < 0) return VM_FAULT_OOM;
  const head = filemapFault(k, vma, pgoff);
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
  pt.walk(vma.mm.pgd, Math.floor(addr / 4096), true);
  pt.leaf[pt.off] = pfnPte(cow, _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED);
  vma.mm.rssAnon++;
  return 0;
}

/** do_page_mkwrite(): the backend's vm_ops->page_mkwrite, if any. */
function doPageMkwrite(k: Kernel, head: number): number {
  const as = folioAddressSpace(k, head);
  const rc = as?.aOps.pageMkwrite ? as.aOps.pageMkwrite(k, head) : 0;
  return rc < 0 ? VM_FAULT_SIGBUS : 0;
}

/** do_shared_fault(): page_mkwrite, map writable and dirty, fault_dirty_shared_page(). */
function doSharedFault(k: Kernel, vma: VmArea, addr: number, pgoff: number): number {
  const head = filemapFault(k, vma, pgoff);
  if (head < 0) return -head;
  const rc = doPageMkwrite(k, head);
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
    const rc = doPageMkwrite(k, head);
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
