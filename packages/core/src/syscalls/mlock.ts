/**
 * mlock(2) and munlock(2) (mm/mlock.c, v6.12): do_mlock() → apply_vma_lock_flags() sets
 * VM_LOCKED on the vmas of the range and mlock_vma_pages_range() mlocks every folio they already
 * map (mlock_pte_range() → mlock_folio()), then __mm_populate() faults the rest in, and the fault
 * path mlocks what it maps (mlock_vma_folio(), mm/mlock.ts). munlock(2) clears VM_LOCKED and
 * munlocks every mapped folio no other VM_LOCKED vma maps (munlock_folio()).
 *
 * The range is page-aligned as the kernel does it (start rounded down, len up). As with
 * madvise() elsewhere in foliox, whole vmas change: the model does not split a vma at the
 * range's ends (mlock_fixup()'s vma_modify_flags()). Left out: RLIMIT_MEMLOCK, mlock2()'s
 * MLOCK_ONFAULT, mlockall(), VM_IO/VM_PFNMAP special vmas.
 */
import { ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_MMAP, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import { FAULT_FLAG_WRITE, VM_FAULT_OOM, handleMmFault } from "../mm/memory.js";
import { mlockFolio } from "../mm/mlock.js";
import { VM_LOCKED, VM_SHARED, VM_WRITE, type MmStruct, type VmArea } from "../mm/mm-types.js";
import { ptePresent, pteSpecial } from "../mm/pgtable.js";
import { munlockVmaFolio } from "../mm/rmap.js";

/** The vmas of mm that [start, end) touches, or null if part of the range is not mapped (-ENOMEM). */
function vmasOf(mm: MmStruct, start: number, end: number): VmArea[] | null {
  const out: VmArea[] = [];
  let at = start;
  for (const vma of mm.vmas) {
    if (vma.vmEnd <= at || vma.vmStart >= end) continue;
    if (vma.vmStart > at) return null;
    out.push(vma);
    at = vma.vmEnd;
  }
  return at >= end ? out : null;
}

/** Page-align [addr, addr + len): the start rounded down, the end up. */
function pageRange(addr: number, len: number): [number, number] {
  const start = addr - (addr % 4096);
  return [start, Math.ceil((addr + len) / 4096) * 4096];
}

/** The folio mapped by a present, normal PTE at vpn of mm, or -1. */
function mappedFolio(k: Kernel, mm: MmStruct, vpn: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, vpn, false)) return -1;
  const pte = pt.leaf[pt.off]!;
  if (!ptePresent(pte) || pteSpecial(pte)) return -1;
  return k.mem.pageFolio(pt.frame[pt.off]!);
}

/** mlock(addr, len) by the task whose mm is `mm`: 0, -ENOMEM (a hole in the range), or -ENOMEM from the populate. */
export function sysMlock(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  // do_mlock() under mmap_write_lock(), then __mm_populate() under mmap_read_lock(): one class
  lockAcquire(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  const rc = doMlock(k, mm, addr, len);
  lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  return rc;
}

function doMlock(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  if (len === 0) return 0;
  const [start, end] = pageRange(addr, len);
  const vmas = vmasOf(mm, start, end);
  if (!vmas) return -ENOMEM;
  for (const vma of vmas) {
    vma.vmFlags |= VM_LOCKED;
    // mlock_vma_pages_range(): what is mapped already
    for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
      const head = mappedFolio(k, mm, vpn);
      if (head >= 0) mlockFolio(k, head);
    }
  }
  // __mm_populate(): fault in the rest of the range (a write fault for a private writable vma)
  for (const vma of vmas) {
    const write = (vma.vmFlags & VM_WRITE) !== 0 && (vma.vmFlags & VM_SHARED) === 0;
    for (let a = Math.max(start, vma.vmStart); a < Math.min(end, vma.vmEnd); a += 4096) {
      if (mappedFolio(k, mm, a / 4096) >= 0) continue;
      if (handleMmFault(k, mm, a, write ? FAULT_FLAG_WRITE : 0) & VM_FAULT_OOM) return -ENOMEM;
    }
  }
  return 0;
}

/** munlock(addr, len): 0 or -ENOMEM (a hole in the range). */
export function sysMunlock(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  // under mmap_write_lock()
  lockAcquire(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  const rc = doMunlock(k, mm, addr, len);
  lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  return rc;
}

function doMunlock(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  if (len === 0) return 0;
  const [start, end] = pageRange(addr, len);
  const vmas = vmasOf(mm, start, end);
  if (!vmas) return -ENOMEM;
  for (const vma of vmas) {
    if ((vma.vmFlags & VM_LOCKED) === 0) continue;
    vma.vmFlags &= ~VM_LOCKED;
    for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
      const head = mappedFolio(k, mm, vpn);
      if (head >= 0) munlockVmaFolio(k, head);
    }
  }
  return 0;
}
