/**
 * Is a folio mapped by more than one process? folio_likely_mapped_shared() (include/linux/mm.h,
 * v6.9–v6.14) and its v6.15+ successor folio_maybe_mapped_shared(), chosen by the system's
 * kernel option (docs/decisions.md#eacces-rule: the -EACCES rule means "maybe mapped by more
 * than one mm", not "mapcount > 1"). v6.1 had neither: its migration syscalls ask
 * page_mapcount() of one page (docs/kernel-facts.md#differences-6-1-6-12), and so does this
 * test on "6.1", for the head page. mm primitives: the migration syscalls, NUMA balancing's
 * scanner and migrate_misplaced_folio_prepare() all ask.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { MmStruct } from "./mm-types.js";
import { ptePresent } from "./pgtable.js";
import { rmapWalk } from "./rmap.js";

/**
 * folio_likely_mapped_shared() (v6.9–v6.14): a small folio is shared if its mapcount is > 1; a
 * large one with a single mapping is not; if more PTEs map it than it has pages, it is;
 * otherwise the first page decides (mapped more than once).
 */
export function folioLikelyMappedShared(k: Kernel, head: number): boolean {
  const mem = k.mem;
  const mapcount = mem.folioMapcount(head);
  if (mem.order[head] === 0) return mapcount > 1;
  if (mapcount <= 1) return false;
  // folio_entire_mapcount() is 0: the model maps large folios with PTEs only.
  if (mapcount > mem.folioNrPages(head)) return true;
  return mem.mapcount[head]! > 1;
}

/**
 * folio_maybe_mapped_shared() (v6.15+, CONFIG_MM_ID): small folios as before; a large folio
 * is shared when PTEs of more than one mm map it. The kernel tracks the mm ids; the model
 * counts them through the rmap walk.
 */
export function folioMaybeMappedShared(k: Kernel, head: number): boolean {
  const mem = k.mem;
  const mapcount = mem.folioMapcount(head);
  if (mem.order[head] === 0) return mapcount > 1;
  if (mapcount <= 1) return false;
  let first: MmStruct | null = null;
  let shared = false;
  const pt = k.pgtables;
  rmapWalk(k, head, (vma, i) => {
    const pte = pt.leaf[pt.off]!;
    if (!ptePresent(pte) || pt.frame[pt.off]! !== head + i) return true;
    if (first === null) first = vma.mm;
    else if (first !== vma.mm) shared = true;
    return !shared;
  });
  return shared;
}

/**
 * page_mapcount() (include/linux/mm.h, v6.1): the page tables that map this base page. The
 * model maps large folios with PTEs only, so the entire (PMD) mapcount adds nothing.
 */
export function pageMapcount(k: Kernel, page: number): number {
  return k.mem.mapcount[page]!;
}

/**
 * The "maybe mapped by more than one mm" test of the system's kernel version
 * (docs/decisions.md#eacces-rule); on "6.1" page_mapcount(head) > 1, the nearest v6.1 form
 * (the syscalls use their own v6.1 tests: move-pages.ts, migrate-pages.ts).
 */
export function folioMappedSharedTest(k: Kernel, head: number): boolean {
  switch (k.options.kernel) {
    case "6.1":
      return pageMapcount(k, head) > 1;
    case "6.12":
      return folioLikelyMappedShared(k, head);
    case "6.16":
      return folioMaybeMappedShared(k, head);
  }
}
