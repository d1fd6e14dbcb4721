/**
 * KSM's part of checkInvariants() (Backend.checkInvariants):
 * - every folio whose mapping names stable node N is at N's kpfn (kpfn names the frame whose
 *   mapping is N: otherwise ksm_get_folio() prunes N and the folio's mapping dangles, seed-defect-8 in docs/decisions.md);
 * - every rmap item on a node is stable, lists that node as its head and holds an anon_vma;
 * - pages_shared, pages_sharing and each mm's ksm_merging_pages equal the recomputed counts;
 * - with no mover in flight, no PTE maps a KSM page writable (KSM pages are write-protected).
 * A node whose KSM page was freed (every mapping COWed) may stay until ksm_get_folio() prunes it,
 * as in the kernel.
 */
import { PAGE_MAPPING_KSM, PAGE_SECTION_MASK, ptePresent, pteWrite, rmapWalk, type Kernel } from "@foliox/core";
import { STABLE_FLAG, ksmActive, ksmOf } from "./ksm-state.js";
import { stableNodeMapping } from "./stable-tree.js";

export function ksmCheckInvariants(k: Kernel, quiescent: boolean, out: string[]): void {
  if (!ksmActive(k)) return;
  const ksm = ksmOf(k);
  const mem = k.mem;
  const mapping = mem.mapping;
  for (let pfn = 0; pfn < mem.nrPages; pfn++) {
    // a deferred section (mem-map.ts) holds only free memory: skip it unread
    if ((pfn & PAGE_SECTION_MASK) === 0 && !mem.sectionHasMemMap(mem.pfnToSectionNr(pfn))) {
      pfn += PAGE_SECTION_MASK;
      continue;
    }
    if ((mapping[pfn]! & 3) !== PAGE_MAPPING_KSM) continue;
    const id = mapping[pfn]! >> 2;
    if (id === 0) continue; // NULL stable node: between try_to_merge_one_page and stable_tree_insert, or an old folio after folio_migrate_ksm
    const node = ksm.nodes[id];
    if (!node) out.push(`pfn ${pfn}: KSM mapping names stable node ${id}, which does not exist`);
    else if (node.kpfn !== pfn) out.push(`pfn ${pfn}: mapping names stable node ${id}, whose kpfn is ${node.kpfn} (ksm_get_folio would prune it)`);
  }
  let shared = 0;
  let sharing = 0;
  const merging = new Map<object, number>();
  for (const node of ksm.nodes) {
    if (!node) continue;
    if (node.hlist.length > 0) {
      shared++;
      sharing += node.hlist.length - 1;
    }
    for (const item of node.hlist) {
      if (item.head !== node || (item.flags & STABLE_FLAG) === 0 || !item.anonVma)
        out.push(`stable node ${node.id}: rmap item (mm ${item.mm.id}, 0x${item.address.toString(16)}) is not a stable item of this node`);
      merging.set(item.mm, (merging.get(item.mm) ?? 0) + 1);
    }
    if (quiescent && mapping[node.kpfn] === stableNodeMapping(node)) {
      rmapWalk(k, node.kpfn, (vma, _i, addr) => {
        const pte = k.pgtables.leaf[k.pgtables.off]!;
        if (ptePresent(pte) && k.pgtables.frame[k.pgtables.off] === node.kpfn && pteWrite(pte))
          out.push(`mm ${vma.mm.id} 0x${addr.toString(16)}: KSM page pfn ${node.kpfn} is mapped writable`);
        return true;
      });
    }
  }
  if (shared !== ksm.pagesShared) out.push(`ksm: pages_shared ${ksm.pagesShared}, recomputed ${shared}`);
  if (sharing !== ksm.pagesSharing) out.push(`ksm: pages_sharing ${ksm.pagesSharing}, recomputed ${sharing}`);
  for (const slot of ksm.slots) {
    const want = merging.get(slot.mm) ?? 0;
    if (slot.ksmMergingPages !== want) out.push(`mm ${slot.mm.id}: ksm_merging_pages ${slot.ksmMergingPages}, recomputed ${want}`);
  }
}
