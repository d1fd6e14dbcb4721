/**
 * folio_migrate_ksm(newfolio, folio) (mm/ksm.c, v6.12), reached from core's
 * folio_migrate_flags() through Backend.migrateKsm. docs/kernel-facts.md#ksm-migrate, in its order:
 *   1. both folios locked, and newfolio->mapping == folio->mapping (the mapping step copied it);
 *   2. with a stable node: kpfn must be pfn(folio); stable_node->kpfn = pfn(newfolio);
 *   3. smp_wmb();
 *   4. folio_set_stable_node(folio, NULL).
 * kpfn moves first, so ksm_get_folio() never finds kpfn naming a frame whose mapping is not the
 * node. A KSM folio pins no anon_vma for migration (the migrate and exchange paths skip it).
 */
import { PG_locked, vmBugOn, type Kernel } from "@foliox/core";
import { folioSetStableNode, folioStableNode } from "./stable-tree.js";

export function folioMigrateKsm(k: Kernel, dst: number, src: number): void {
  const mem = k.mem;
  vmBugOn(!mem.testFlag(src, PG_locked), `folio_migrate_ksm: pfn ${src} is not locked`);
  vmBugOn(!mem.testFlag(dst, PG_locked), `folio_migrate_ksm: new pfn ${dst} is not locked`);
  vmBugOn(mem.mapping[dst] !== mem.mapping[src], `folio_migrate_ksm: new pfn ${dst} has mapping ${mem.mapping[dst]}, old pfn ${src} ${mem.mapping[src]}`);
  const node = folioStableNode(k, src);
  if (!node) return;
  vmBugOn(node.kpfn !== src, `folio_migrate_ksm: stable node ${node.id} names pfn ${node.kpfn}, not ${src}`);
  node.kpfn = dst;
  // smp_wmb(): kpfn is visible before the old folio stops naming the node
  folioSetStableNode(k, src, null);
}
