/**
 * The integrity shadow: for every virtual page, the token last written there (kept beside the
 * PTE in the page-table arena). checkIntegrity() proves that each populated virtual page of
 * every process reads back exactly that data from the frame its PTE (or migration entry)
 * names — every byte of it in bytes mode.
 *
 * It holds whenever no mover is between its data step and its remap: then a migration entry
 * still names the frame that holds its data.
 */
import type { Kernel } from "../kernel/kernel.js";
import { isMigrationEntry, ptePfn, ptePresent, swpOffset } from "./pgtable.js";

export interface IntegrityViolation {
  pid: number;
  addr: string;
  pfn: number;
  expected: number;
  found: number;
}

export interface IntegrityReport {
  ok: boolean;
  /** populated virtual base pages checked, over all processes */
  pagesChecked: number;
  violations: IntegrityViolation[];
}

export function checkIntegrity(k: Kernel): IntegrityReport {
  const pt = k.pgtables;
  const violations: IntegrityViolation[] = [];
  let pagesChecked = 0;
  for (const task of k.tasks.values()) {
    const mm = task.mm;
    if (!mm) continue;
    for (const vma of mm.vmas) {
      for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
        if (!pt.walk(mm.pgd, vpn, false)) continue;
        const pte = pt.leaf[pt.off]!;
        const expected = pt.shadow[pt.off]!;
        let pfn: number;
        if (pte === 0) {
          if (expected === 0) continue;
          pfn = -1;
        } else if (ptePresent(pte)) {
          pfn = ptePfn(pte);
        } else if (isMigrationEntry(pte)) {
          pfn = swpOffset(pte);
        } else {
          pfn = -1;
        }
        pagesChecked++;
        if (pfn < 0 || !k.content.holds(pfn, expected)) {
          violations.push({
            pid: task.pid,
            addr: `0x${(vpn * 4096).toString(16)}`,
            pfn,
            expected,
            found: pfn < 0 ? -1 : k.mem.content[pfn]!,
          });
        }
      }
    }
  }
  return { ok: violations.length === 0, pagesChecked, violations };
}
