/**
 * Looking up the folio behind a user address, as the syscalls do it in v6.12:
 * - folio_walk_start(fw, vma, addr, flags) (mm/pagewalk.c) as folioWalkStartVma(): the folio a
 *   present PTE maps; the shared zero page only with FW_ZEROPAGE; nothing for pte_none, a swap
 *   entry or a migration entry (FW_MIGRATION is not used by the syscalls). mm/pagewalk.ts's
 *   folioWalkStart(k, mm, addr) is the flag-less form (no zero page) that tests use;
 * - is_zero_folio() (include/linux/mm.h);
 * - vma_migratable() (mm/mempolicy.c).
 * The -EACCES test, folio_likely/maybe_mapped_shared(), is mm's (mm/mapped-shared.ts).
 *
 * The model holds no mmap_lock or PTL: nothing else runs while a syscall runs.
 */
import { EFAULT, ENOENT } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MmStruct, VmArea } from "../mm/mm-types.js";
import { VM_HUGETLB, VM_IO, VM_PFNMAP } from "../mm/mm-types.js";
import { ptePresent, pteSpecial } from "../mm/pgtable.js";

/** folio_walk_flags */
export const FW_MIGRATION = 1 << 0;
export const FW_ZEROPAGE = 1 << 1;

/** struct folio_walk, reduced: what folio_walk_start() found. */
export interface FolioWalk {
  /** the folio's head pfn */
  folio: number;
  /** fw->page: the base page the address maps */
  page: number;
}

/**
 * folio_walk_start(): the folio mapped at addr in vma, or null. With FW_ZEROPAGE the shared
 * zero page is returned (check it with isZeroFolio); without it, like vm_normal_page(), it is
 * not. Non-present entries give null.
 */
export function folioWalkStartVma(k: Kernel, vma: VmArea, addr: number, flags: number): FolioWalk | null {
  const pt = k.pgtables;
  if (!pt.walk(vma.mm.pgd, Math.floor(addr / 4096), false)) return null;
  const pte = pt.leaf[pt.off]!;
  if (pte === 0 || !ptePresent(pte)) return null;
  const page = pt.frame[pt.off]!;
  if (pteSpecial(pte) || page === k.alloc.zeroPfn) {
    // vm_normal_page() gave nothing; FW_ZEROPAGE exposes is_zero_pfn() only, no other special PTE
    if ((flags & FW_ZEROPAGE) === 0 || page !== k.alloc.zeroPfn) return null;
    return { folio: page, page };
  }
  return { folio: k.mem.pageFolio(page), page };
}

/**
 * v6.1's follow_page(vma, addr, FOLL_GET | FOLL_DUMP) where it finds no page (mm/gup.c): a
 * non-present entry (swap or migration) is NULL, so -ENOENT to the syscalls; pte_none or a
 * missing page table goes through no_page_table(), which with FOLL_DUMP is -EFAULT for an
 * anonymous vma or one without ->fault (a hole a core dump may skip), and NULL otherwise.
 */
export function followPageDumpNoPage(k: Kernel, vma: VmArea, addr: number): number {
  const pt = k.pgtables;
  const noTable = !pt.walk(vma.mm.pgd, Math.floor(addr / 4096), false);
  if (!noTable && pt.leaf[pt.off]! !== 0) return -ENOENT;
  // vma_is_anonymous(vma) || !vma->vm_ops->fault: the model's vm_ops always have ->fault.
  return vma.vmOps === null ? -EFAULT : -ENOENT;
}

/** is_zero_folio() / is_huge_zero_folio() */
export function isZeroFolio(k: Kernel, head: number): boolean {
  return head === k.alloc.zeroPfn;
}

/**
 * vma_migratable(): not VM_IO or VM_PFNMAP, not an unmigratable hugetlb vma (the model has no
 * hugetlb migration). DAX and the policy_zone test of file vmas do not arise here.
 */
export function vmaMigratable(vma: VmArea): boolean {
  if (vma.vmFlags & (VM_IO | VM_PFNMAP)) return false;
  if (vma.vmFlags & VM_HUGETLB) return false;
  return true;
}

/** vma_lookup() for a user pointer value: null for an address that is not a valid one. */
export function vmaLookupUser(mm: MmStruct, addr: number): VmArea | null {
  if (!Number.isSafeInteger(addr) || addr < 0) return null;
  return mm.vmaLookup(addr);
}
