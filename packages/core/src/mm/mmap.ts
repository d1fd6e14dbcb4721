/**
 * mmap/munmap of anonymous private memory: mm/mmap.c and mm/vma.c (get_unmapped_area top-down,
 * __split_vma, do_vmi_munmap -> unmap_region -> zap_pte_range + free_pgtables).
 */
import { EEXIST, EINVAL, ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { MAX_PAGE_ORDER } from "./mem-map.js";
import { VM_LOCKED, VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE, VmArea, type MmStruct } from "./mm-types.js";
import { isMigrationEntry, isSwapPte, pteDirty, ptePresent, pteSpecial } from "./pgtable.js";
import { folioMarkDirty } from "./folio-dirty.js";
import { anonVmaClone, folioRemoveRmapPte, munlockVmaFolio, unlinkAnonVmas } from "./rmap.js";
import { folioPut } from "./swap.js";
import { swapOps } from "./hooks.js";

export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;

/** TASK_SIZE on x86-64 with 4-level page tables: (1 << 47) - PAGE_SIZE (as in syscalls/) */
const TASK_SIZE = 2 ** 47 - 4096;

export interface MmapOptions {
  /** a fixed address (MAP_FIXED_NOREPLACE semantics); top-down placement otherwise */
  addr?: number;
  prot?: number;
  /** mTHP order for first-touch faults (0..9); the address is aligned to it */
  thpOrder?: number;
}

/** do_mmap() for MAP_PRIVATE|MAP_ANONYMOUS: returns the address, or a negative errno. */
export function doMmap(k: Kernel, mm: MmStruct, len: number, opts: MmapOptions = {}): number {
  const prot = opts.prot ?? PROT_READ | PROT_WRITE;
  const thpOrder = opts.thpOrder ?? 0;
  if (!Number.isInteger(len) || len <= 0 || len % 4096 !== 0) return -EINVAL;
  if (!Number.isInteger(thpOrder) || thpOrder < 0 || thpOrder > Math.min(MAX_PAGE_ORDER, 9)) return -EINVAL;
  // __get_unmapped_area(): nothing may reach past TASK_SIZE (the page tables end there)
  if (len > TASK_SIZE) return -ENOMEM;
  const align = thpOrder > 0 ? 4096 << thpOrder : 4096;
  let addr: number;
  if (opts.addr !== undefined) {
    addr = opts.addr;
    if (addr % 4096 !== 0 || addr < 0x10000) return -EINVAL;
    if (addr > TASK_SIZE - len) return -ENOMEM;
    // MAP_FIXED_NOREPLACE: find_vma_intersection() -> -EEXIST
    for (const v of mm.vmas) if (v.vmStart < addr + len && addr < v.vmEnd) return -EEXIST;
  } else {
    // vm_unmapped_area() top-down: the highest aligned gap below mmap_base that fits
    let hi = mm.mmapBase;
    addr = Math.floor((hi - len) / align) * align;
    for (let i = mm.vmas.length - 1; i >= 0; i--) {
      const v = mm.vmas[i]!;
      if (v.vmEnd <= addr) break;
      hi = Math.min(hi, v.vmStart);
      addr = Math.floor((hi - len) / align) * align;
    }
    if (addr < 0x10000) return -ENOMEM;
  }
  let flags = VM_MAYREAD | VM_MAYWRITE;
  if (prot & PROT_READ) flags |= VM_READ;
  if (prot & PROT_WRITE) flags |= VM_WRITE;
  const vma = new VmArea(mm, addr, addr + len, flags, addr / 4096);
  vma.thpOrder = thpOrder;
  insertVma(mm, vma);
  return addr;
}

export function insertVma(mm: MmStruct, vma: VmArea): void {
  let i = 0;
  while (i < mm.vmas.length && mm.vmas[i]!.vmStart < vma.vmStart) i++;
  mm.vmas.splice(i, 0, vma);
}

/** __split_vma(): cut vma at addr; the new piece after addr shares its anon_vmas. */
function splitVma(mm: MmStruct, vma: VmArea, addr: number): VmArea {
  const tail = new VmArea(mm, addr, vma.vmEnd, vma.vmFlags, vma.vmPgoff + (addr - vma.vmStart) / 4096);
  tail.thpOrder = vma.thpOrder;
  anonVmaClone(tail, vma);
  // vma_dup_policy/get_file + vma_interval_tree_insert_after(): the piece maps the same file
  tail.vmOps = vma.vmOps;
  if (vma.vmFile) {
    tail.vmFile = vma.vmFile;
    vma.vmFile.mapping.iMmap.push(tail);
  }
  vma.vmEnd = addr;
  insertVma(mm, tail);
  return tail;
}

/** do_munmap(): 0 or a negative errno. */
export function doMunmap(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  if (addr % 4096 !== 0 || len <= 0 || len % 4096 !== 0) return -EINVAL;
  const end = addr + len;
  for (const vma of [...mm.vmas]) {
    if (vma.vmEnd <= addr || vma.vmStart >= end) continue;
    let victim = vma;
    if (victim.vmStart < addr) victim = splitVma(mm, victim, addr);
    if (victim.vmEnd > end) splitVma(mm, victim, end);
    zapVma(k, victim);
    mm.vmas.splice(mm.vmas.indexOf(victim), 1);
    unlinkAnonVmas(k, victim);
    // unlink_file_vma(): off the file's i_mmap
    if (victim.vmFile) {
      const iMmap = victim.vmFile.mapping.iMmap;
      iMmap.splice(iMmap.indexOf(victim), 1);
    }
  }
  k.pgtables.freePgtables(mm.pgd, addr / 4096, end / 4096);
  return 0;
}

/**
 * zap_pte_range() over a whole vma: present PTEs drop their rmap and reference (the zero page
 * holds neither); migration entries just vanish, and the mover's remap later finds nothing;
 * swap entries drop their swap_map reference (free_swap_and_cache).
 */
export function zapVma(k: Kernel, vma: VmArea): void {
  const pt = k.pgtables;
  const mm = vma.mm;
  const mem = k.mem;
  for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
    if (!pt.walk(mm.pgd, vpn, false)) continue;
    const pte = pt.leaf[pt.off]!;
    if (pte === 0) continue;
    pt.leaf[pt.off] = 0;
    pt.shadow[pt.off] = 0;
    if (ptePresent(pte) && !pteSpecial(pte)) {
      const page = pt.frame[pt.off]!;
      const head = mem.pageFolio(page);
      if (mem.folioTestAnon(head)) mm.rssAnon--;
      else {
        mm.rssFile--;
        if (pteDirty(pte)) folioMarkDirty(k, head); // zap_present_folio_ptes()
      }
      folioRemoveRmapPte(k, page);
      // munlock_vma_folio(): munlocked once no VM_LOCKED vma maps it
      if (vma.vmFlags & VM_LOCKED) munlockVmaFolio(k, head);
      folioPut(k, head);
    } else if (!ptePresent(pte)) {
      if (isSwapPte(pte)) {
        // zap_nonpresent_ptes(): MM_SWAPENTS-- and free_swap_and_cache()
        swapOps(k).freeSwapAndCache(k, pt.frame[pt.off]!);
        continue;
      }
      if (!isMigrationEntry(pte)) throw new Error("zap_pte_range: unknown non-present PTE");
      // zap_nonpresent_ptes(): a migration entry still counts in rss
      if (mem.folioTestAnon(mem.pageFolio(pt.frame[pt.off]!))) mm.rssAnon--;
      else mm.rssFile--;
    }
  }
  k.tlb.shootdowns++;
}
