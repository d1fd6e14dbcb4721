/**
 * The integrity shadow: for every virtual page, the token last written there (kept beside the
 * PTE in the page-table arena). checkIntegrity() proves that each populated virtual page of
 * every process reads back exactly that data from the frame its PTE (or migration entry)
 * names — every byte of it in bytes mode. A swap entry reads from the swap cache's frame while
 * the folio is cached, else from its slot on the swap device (a shmem value entry likewise).
 *
 * It holds whenever no mover is between its data step and its remap: then a migration entry
 * still names the frame that holds its data. In debug/ with checkInvariants(), above the
 * subsystems it reads.
 */
import type { Kernel } from "../kernel/kernel.js";
import { isMigrationEntry, isSwapPte, ptePresent, swpOffset } from "../mm/pgtable.js";
import { PG_dirty, PG_writeback } from "../mm/page-flags.js";
import { swapCacheLookup } from "../swap/swap-state.js";
import { xaIsValue, xaToValue } from "../fs/xarray.js";

export interface IntegrityViolation {
  /** the process, or 0 for file data */
  pid: number;
  /** for file data: the inode and page index ("" addr) */
  ino?: number;
  index?: number;
  /** "pagecache" (the cached frame), "store" (the backing block) or "swap" (a swap slot) */
  where?: string;
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
        let expected = pt.shadow[pt.off]!;
        let pfn: number;
        if (pte === 0) {
          if (expected === 0) continue;
          pfn = -1;
        } else if (ptePresent(pte)) {
          pfn = pt.frame[pt.off]!;
        } else if (isMigrationEntry(pte)) {
          pfn = pt.frame[pt.off]!;
        } else if (isSwapPte(pte) && k.swap) {
          // swapped out: the swap cache's frame if the folio is still cached, else the slot
          pfn = swapCacheLookup(k, pt.frame[pt.off]!);
          if (pfn >= 0) pfn += pt.frame[pt.off]! - swpOffset(k.mem.private[pfn]!);
          else {
            pagesChecked++;
            if (!k.swap.slotHolds(pt.frame[pt.off]!, expected))
              violations.push({ pid: task.pid, addr: `0x${(vpn * 4096).toString(16)}`, pfn: -1, expected, found: -1, where: "swap" });
            continue;
          }
        } else {
          pfn = -1;
        }
        // A page-cache page holds what was last written to the file at that index, by any path.
        if (pfn >= 0 && vma.vmFile) {
          const m = k.mem.mapping[k.mem.pageFolio(pfn)]!;
          if (m !== 0 && (m & 3) === 0) expected = vma.vmFile.shadow.load(vma.linearPageIndex(vpn * 4096));
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
  pagesChecked += checkFileIntegrity(k, violations);
  return { ok: violations.length === 0, pagesChecked, violations };
}

/**
 * File data: for every page inside i_size, the token last written (the inode's shadow; 0 for a
 * page never written) must be in the cached frame if the page is cached, and on the backing
 * store if it is not cached or cached clean (not dirty, not under writeback): so a clean
 * eviction loses nothing and a re-read gets the same bytes.
 */
function checkFileIntegrity(k: Kernel, violations: IntegrityViolation[]): number {
  const mem = k.mem;
  let checked = 0;
  for (const sb of k.fs.superBlocks) {
    for (const inode of sb.inodes) {
      const as = inode.mapping;
      const pages = inode.sizePages;
      for (let index = 0; index < pages; index++) {
        const expected = inode.shadow.load(index);
        const v = as.iPages.load(index);
        checked++;
        if (xaIsValue(v) && k.swap) {
          // shmem, swapped out: the swap cache's frame, or the swap slot
          const entry = xaToValue(v);
          const cached = swapCacheLookup(k, entry);
          const pfn = cached < 0 ? -1 : cached + swpOffset(entry) - swpOffset(mem.private[cached]!);
          const ok = pfn >= 0 ? k.content.holds(pfn, expected) : k.swap.slotHolds(swpOffset(entry), expected);
          if (!ok) violations.push({ pid: 0, addr: "", pfn, expected, found: pfn >= 0 ? mem.content[pfn]! : -1, ino: inode.ino, index, where: "swap" });
          continue;
        }
        const head = v - 1;
        if (head >= 0) {
          const pfn = head + (index - mem.index[head]!);
          if (!k.content.holds(pfn, expected)) {
            violations.push({ pid: 0, addr: "", pfn, expected, found: mem.content[pfn]!, ino: inode.ino, index, where: "pagecache" });
          }
          if (mem.testFlag(head, PG_dirty) || mem.testFlag(head, PG_writeback)) continue;
        }
        const b = inode.blocks.load(index) - 1;
        const ok = b < 0 ? expected === 0 : sb.store.holds(b, expected);
        if (!ok) violations.push({ pid: 0, addr: "", pfn: -1, expected, found: b < 0 ? 0 : sb.store.token(b), ino: inode.ino, index, where: "store" });
      }
    }
  }
  return checked;
}
