/**
 * Merging one page into a KSM page (mm/ksm.c, v6.12): write_protect_page(), replace_page(),
 * try_to_merge_one_page(), try_to_merge_with_ksm_page(), try_to_merge_two_pages(),
 * try_to_merge_with_zero_page() and break_cow().
 */
import {
  EFAULT,
  FAULT_FLAG_WRITE,
  PG_anon_exclusive,
  PG_dirty,
  PG_locked,
  PG_referenced,
  RMAP_NONE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  _PAGE_SPECIAL,
  folioAddAnonRmapPte,
  folioGet,
  folioPut,
  folioRemoveRmapPte,
  handleMmFault,
  ptePresent,
  pteDirty,
  pteSpecial,
  pteWrite,
  putAnonVma,
  type Kernel,
  type MmStruct,
  type VmArea,
} from "@foliox/core";
import { VM_MERGEABLE, ksmOf, type RmapItem } from "./ksm-state.js";
import { pagesIdentical } from "./checksum.js";
import { folioSetStableNode, removeRmapItemFromTree } from "./stable-tree.js";

/** find_mergeable_vma(): the VM_MERGEABLE vma with an anon_vma that covers addr, or null. */
export function findMergeableVma(mm: MmStruct, addr: number): VmArea | null {
  const vma = mm.vmaLookup(addr);
  if (!vma || (vma.vmFlags & VM_MERGEABLE) === 0 || !vma.anonVma) return null;
  return vma;
}

/** get_anon_vma() */
function getAnonVma(vma: VmArea): void {
  vma.anonVma!.refcount++;
}

/** Walk to the PTE of addr; true if it exists (k.pgtables.leaf/off point at it). */
function walkPte(k: Kernel, mm: MmStruct, addr: number): boolean {
  return k.pgtables.walk(mm.pgd, Math.floor(addr / 4096), false);
}

/**
 * write_protect_page(): make the PTE that maps `page` at addr read-only and clean (the dirty
 * bit goes to the folio), and drop PG_anon_exclusive. Fails (-1) if the PTE does not map the
 * page, or if anything but its mappings and the caller's reference holds the folio
 * (O_DIRECT/GUP: folio_mapcount + 1 + swapcache != refcount). Returns the PTE now installed.
 */
export function writeProtectPage(k: Kernel, vma: VmArea, page: number, addr: number): number {
  const mem = k.mem;
  const pt = k.pgtables;
  if (!walkPte(k, vma.mm, addr)) return -1;
  const pte = pt.leaf[pt.off]!;
  if (!ptePresent(pte) || pteSpecial(pte) || pt.frame[pt.off]! !== page) return -1;
  const anonExclusive = mem.testFlag(page, PG_anon_exclusive);
  if (!pteWrite(pte) && !pteDirty(pte) && !anonExclusive) return pte;
  const swapped = mem.folioTestSwapcache(page) ? 1 : 0;
  // ptep_clear_flush()
  k.tlb.shootdowns++;
  if (mem.folioMapcount(page) + 1 + swapped !== mem.refcount[page]) return -1;
  // folio_try_share_anon_rmap_pte(): fails for a maybe-pinned folio (already refused above)
  if (anonExclusive) {
    if (mem.pincount[page]! > 0) return -1;
    mem.clearFlag(page, PG_anon_exclusive);
  }
  if (pteDirty(pte)) mem.setFlag(page, PG_dirty);
  const entry = pte & ~(_PAGE_RW | _PAGE_DIRTY);
  pt.leaf[pt.off] = entry;
  return entry;
}

/**
 * replace_page(): the PTE at addr, still `origPte`, maps the KSM page `kpage` instead: read-only
 * (mk_pte with the vma's COW protections), not exclusive; `page` loses the mapping and a reference.
 * The zero page (use_zero_pages) is mapped special and dirty, and leaves MM_ANONPAGES.
 */
export function replacePage(k: Kernel, vma: VmArea, page: number, kpage: number, addr: number, origPte: number): number {
  const pt = k.pgtables;
  // pte_same(): the bits and the frame
  if (!walkPte(k, vma.mm, addr) || pt.leaf[pt.off] !== origPte || pt.frame[pt.off] !== page) return -EFAULT;
  let newpte: number;
  if (kpage === k.alloc.zeroPfn) {
    newpte = _PAGE_SPECIAL | _PAGE_DIRTY | _PAGE_ACCESSED;
    const ksm = ksmOf(k);
    ksm.zeroPages++;
    ksm.slotOf.get(vma.mm)!.ksmZeroPages++;
    vma.mm.rssAnon--;
  } else {
    folioGet(k, kpage);
    folioAddAnonRmapPte(k, kpage, RMAP_NONE);
    newpte = _PAGE_ACCESSED;
  }
  // ptep_clear_flush() + set_pte_at_notify(): mk_pte(kpage, newpte)
  k.tlb.shootdowns++;
  pt.setPfnPte(kpage, newpte);
  folioRemoveRmapPte(k, page);
  folioPut(k, page);
  return 0;
}

/**
 * try_to_merge_one_page(vma, page, kpage): with kpage -1, upgrade `page` to a KSM page with a
 * NULL stable node (stable_tree_insert() names the node later); else map kpage where page was,
 * if their contents are identical. 0 or -EFAULT. The caller holds a reference on page.
 */
export function tryToMergeOnePage(k: Kernel, vma: VmArea, page: number, kpage: number, addr: number): number {
  const mem = k.mem;
  if (page === kpage) return 0; // ksm page forked
  if (!mem.folioTestAnon(page)) return -EFAULT;
  if (mem.testSetFlag(page, PG_locked)) return -EFAULT; // trylock_page
  let err = -EFAULT;
  // PageTransCompound: the kernel splits it first; foliox does not merge large folios.
  if (mem.order[page] === 0) {
    const origPte = writeProtectPage(k, vma, page, addr);
    if (origPte >= 0) {
      if (kpage < 0) {
        folioSetStableNode(k, page, null);
        mem.setFlag(page, PG_referenced); // mark_page_accessed()
        mem.setFlag(page, PG_dirty); // the KSM page must be swapped, never discarded
        err = 0;
      } else if (kpage === k.alloc.zeroPfn || pagesIdentical(k, page, kpage)) {
        err = replacePage(k, vma, page, kpage, addr, origPte);
      }
    }
  }
  mem.clearFlag(page, PG_locked);
  return err;
}

/**
 * try_to_merge_with_ksm_page(rmap_item, page, kpage): merge page (mapped at the item's address)
 * with kpage, or upgrade it with kpage -1; then the item leaves whichever tree it was in and
 * takes a reference on the vma's anon_vma, which rmap_walk_ksm() will walk. 0 or -EFAULT.
 */
export function tryToMergeWithKsmPage(k: Kernel, item: RmapItem, page: number, kpage: number): number {
  const vma = findMergeableVma(item.mm, item.address);
  if (!vma) return -EFAULT;
  const err = tryToMergeOnePage(k, vma, page, kpage, item.address);
  if (err) return err;
  removeRmapItemFromTree(k, item);
  item.anonVma = vma.anonVma;
  getAnonVma(vma);
  return 0;
}

/**
 * try_to_merge_two_pages(): `page` (the item's) becomes the KSM page and `treePage` (the
 * unstable tree's) is replaced by it. Returns the KSM page, or -1 (and COW is broken again).
 */
export function tryToMergeTwoPages(k: Kernel, item: RmapItem, page: number, treeItem: RmapItem, treePage: number): number {
  let err = tryToMergeWithKsmPage(k, item, page, -1);
  if (!err) {
    err = tryToMergeWithKsmPage(k, treeItem, treePage, page);
    if (err) breakCow(k, item);
  }
  return err ? -1 : page;
}

/**
 * try_to_merge_with_zero_page(): with use_zero_pages, a page of zeros is replaced by the shared
 * zero page (which is not a folio: exchange_folios(2) gives -EFAULT there). 0 if merged.
 */
export function tryToMergeWithZeroPage(k: Kernel, item: RmapItem, page: number, checksum: number): number {
  const ksm = ksmOf(k);
  if (!ksm.useZeroPages || checksum !== 0 || k.content.bytesMode || k.mem.content[page] !== 0) return -EFAULT;
  const vma = findMergeableVma(item.mm, item.address);
  if (!vma) return -EFAULT;
  return tryToMergeOnePage(k, vma, page, k.alloc.zeroPfn, item.address);
}

/** break_cow(): undo a half-done merge: drop the anon_vma reference and fault the page writable. */
export function breakCow(k: Kernel, item: RmapItem): void {
  if (item.anonVma) putAnonVma(k, item.anonVma);
  item.anonVma = null;
  const vma = findMergeableVma(item.mm, item.address);
  if (!vma) return;
  // break_ksm(): a write fault on a KSM page copies it (do_wp_page counts cow_ksm)
  if (walkPte(k, item.mm, item.address)) {
    const pte = k.pgtables.leaf[k.pgtables.off]!;
    if (ptePresent(pte) && !pteSpecial(pte) && k.mem.folioTestKsm(k.mem.pageFolio(k.pgtables.frame[k.pgtables.off]!))) {
      handleMmFault(k, item.mm, item.address, FAULT_FLAG_WRITE);
    }
  }
}
