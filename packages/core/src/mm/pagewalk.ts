/**
 * folio_walk_start() (mm/pagewalk.c, v6.12): the folio a present PTE maps at addr, found by
 * walking the page tables. Returns the head pfn, or -1 for no mapping, a non-present PTE, or
 * the zero page (vm_normal_page() is NULL for it).
 */
import type { Kernel } from "../kernel/kernel.js";
import type { MmStruct } from "./mm-types.js";
import { addrHi, addrLo, ptePresent, pteSpecial } from "./pgtable.js";

export function folioWalkStart(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walkSplit(mm.pgd, addrHi(addr), addrLo(addr) >>> 12, false)) return -1;
  const pte = pt.leaf[pt.off]!;
  if (!ptePresent(pte) || pteSpecial(pte)) return -1;
  return k.mem.pageFolio(pt.frame[pt.off]!);
}
