/**
 * File mappings: mmap of a file (mm/mmap.c mmap_region with a vm_file, i_mmap insertion) and
 * the page cache's side of their faults, generic_file_vm_ops (mm/filemap.c): ->fault is
 * filemap_fault(), ->page_mkwrite asks the backend (filemap_page_mkwrite). mmap sets
 * vma->vm_ops, and mm's fault path (do_fault(), do_wp_page(): mm/memory.ts) calls up through
 * it, as the kernel's does: mm sits below the page cache (docs/architecture.md, "Layers").
 */
import { EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import type { VmOperations } from "../mm/hooks.js";
import { VM_FAULT_OOM, VM_FAULT_RETRY, VM_FAULT_SIGBUS } from "../mm/memory.js";
import { doMmap, PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, type MmapOptions } from "../mm/mmap.js";
import { VM_MAYSHARE, VM_SHARED, type MmStruct, type VmArea } from "../mm/mm-types.js";
import { PG_locked } from "../mm/page-flags.js";
import { filemapGetFolio } from "./filemap.js";
import type { Inode } from "./inode.js";

export interface FileMmapOptions extends MmapOptions {
  /** MAP_SHARED or MAP_PRIVATE; default MAP_SHARED */
  flags?: number;
  /** file offset in pages (vm_pgoff); default 0 */
  pgoff?: number;
}

/**
 * mmap(addr, len, prot, flags, fd, pgoff << 12) of a file: the address, or a negative errno.
 * The vma gets vm_file and generic_file_vm_ops, and joins the file's i_mmap
 * (vma_interval_tree_insert).
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
  vma.vmOps = GENERIC_FILE_VM_OPS;
  if (flags & MAP_SHARED) vma.vmFlags |= VM_SHARED | VM_MAYSHARE;
  inode.mapping.iMmap.push(vma);
  return addr;
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

/**
 * filemap_page_mkwrite(): a shared mapping is about to make the folio writable; the backend's
 * vm_ops->page_mkwrite (Backend.pageMkwrite), if it has one. 0 or a negative errno.
 */
export function filemapPageMkwrite(k: Kernel, _vma: VmArea, head: number): number {
  const as = folioAddressSpace(k, head);
  return as?.aOps.pageMkwrite ? as.aOps.pageMkwrite(k, head) : 0;
}

/** generic_file_vm_ops: the vm_ops of every file mapping. */
export const GENERIC_FILE_VM_OPS: Readonly<VmOperations> = Object.freeze({ fault: filemapFault, pageMkwrite: filemapPageMkwrite });
