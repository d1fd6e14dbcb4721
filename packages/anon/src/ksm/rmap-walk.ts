/**
 * rmap_walk_ksm() (mm/ksm.c, v6.12): a KSM folio is reached through its stable node's rmap
 * items, not through an anon_vma: for each item, the vmas of the item's anon_vma that cover the
 * item's address — first the item's own mm, then (search_new_forks) the other mms, for children
 * forked since ksmd passed. Core's rmapWalk() dispatches here through Backend.rmapWalk for a
 * folio whose mapping is tagged PAGE_MAPPING_KSM, so try_to_migrate() and
 * remove_migration_ptes() work on KSM folios: their PTEs are read-only, so the migration
 * entries are SWP_MIGRATION_READ and come back read-only and not exclusive.
 */
import type { Kernel, VmArea } from "@foliox/core";
import { folioStableNode } from "./stable-tree.js";

export function rmapWalkKsm(k: Kernel, head: number, visit: (vma: VmArea, i: number, addr: number) => boolean): boolean {
  const node = folioStableNode(k, head);
  if (!node) return true;
  const pt = k.pgtables;
  for (const searchNewForks of [false, true]) {
    for (const item of [...node.hlist]) {
      const av = item.anonVma;
      if (!av) continue;
      const addr = item.address;
      for (const vma of av.vmas) {
        if (addr < vma.vmStart || addr >= vma.vmEnd) continue;
        if ((item.mm === vma.mm) === searchNewForks) continue;
        if (!pt.walk(vma.mm.pgd, addr / 4096, false)) continue;
        // KSM folios are order 0: the page is the head (remove_migration_pte uses index 0)
        if (!visit(vma, 0, addr)) return false;
      }
    }
  }
  return true;
}
