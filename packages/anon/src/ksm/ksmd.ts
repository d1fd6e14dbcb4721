/**
 * ksmd (mm/ksm.c, v6.12): madvise(MADV_MERGEABLE) → ksm_madvise() + __ksm_enter(), and the scan:
 * ksm_do_scan() → scan_get_next_rmap_item() → cmp_and_merge_page(), with
 * unstable_tree_search_insert() and get_mergeable_page(). The model runs whole scans
 * synchronously, holding ksm_thread_mutex as ksm_scan_thread() does around each batch.
 */
import { EINVAL, addrPageOffset, ptePresent, pteSpecial, folioPut, type Kernel, type MmStruct } from "@foliox/core";
import { MmSlot, RmapItem, SEQNR_MASK, UNSTABLE_FLAG, VM_MERGEABLE, ksmOf, ksmThreadMutexTrylock, ksmThreadMutexUnlock } from "./ksm-state.js";
import { calcChecksum, pagesIdentical } from "./checksum.js";
import { findMergeableVma, tryToMergeTwoPages, tryToMergeWithKsmPage, tryToMergeWithZeroPage } from "./merge.js";
import { folioStableNode, removeRmapItemFromTree, stableTreeAppend, stableTreeInsert, stableTreeSearch } from "./stable-tree.js";

/**
 * madvise(addr, len, MADV_MERGEABLE) → ksm_madvise(): every anonymous private vma in the range
 * gets VM_MERGEABLE (whole vmas: the model does not split a vma at the range's ends), and the mm
 * enters KSM (__ksm_enter: a slot at the end of the scan list). 0 or -EINVAL.
 */
export function ksmMadviseMergeable(k: Kernel, mm: MmStruct, addr: number, len: number): number {
  const vmas = mm.vmas.filter((v) => v.vmStart < addr + len && v.vmEnd > addr);
  if (vmas.length === 0) return -EINVAL;
  for (const vma of vmas) {
    if (vma.vmFile) continue; // file vmas are not mergeable
    vma.vmFlags |= VM_MERGEABLE;
  }
  ksmEnter(k, mm);
  return 0;
}

/** __ksm_enter(): register the mm for scanning (once). */
export function ksmEnter(k: Kernel, mm: MmStruct): MmSlot {
  const ksm = ksmOf(k);
  let slot = ksm.slotOf.get(mm);
  if (!slot) {
    slot = new MmSlot(mm);
    ksm.slots.push(slot);
    ksm.slotOf.set(mm, slot);
  }
  return slot;
}

/**
 * get_mergeable_page(): the order-0 anon folio mapped at the item's address, with a reference,
 * or -1 (no mergeable vma, not present, the zero page, not anon, or a large folio).
 */
export function getMergeablePage(k: Kernel, item: RmapItem): number {
  if (!findMergeableVma(item.mm, item.address)) return -1;
  return mergeablePageAt(k, item.mm, item.address);
}

function mergeablePageAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, addr / 4096, false)) return -1;
  const pte = pt.leaf[pt.off]!;
  if (!ptePresent(pte) || pteSpecial(pte)) return -1;
  const head = k.mem.pageFolio(pt.frame[pt.off]!);
  if (!k.mem.folioTestAnon(head) || k.mem.order[head] !== 0) return -1;
  k.mem.refcount[head]!++;
  return head;
}

/**
 * unstable_tree_search_insert(): an unstable item whose page is identical to `page` (its page
 * returned with a reference), or null after inserting `item` into the unstable tree.
 */
export function unstableTreeSearchInsert(k: Kernel, item: RmapItem, page: number): { treeItem: RmapItem; treePage: number } | null {
  const ksm = ksmOf(k);
  const key = calcChecksum(k, page);
  const found = ksm.unstableTree.get(key);
  if (found && found !== item) {
    const treePage = getMergeablePage(k, found);
    if (treePage < 0) return null;
    if (treePage === page) {
      folioPut(k, treePage);
      return null;
    }
    if (pagesIdentical(k, page, treePage)) return { treeItem: found, treePage };
    // The tree page changed since it was inserted: its place in the tree is this page's now.
    folioPut(k, treePage);
  }
  item.flags = UNSTABLE_FLAG | (ksm.seqnr & SEQNR_MASK);
  item.treeKey = key;
  ksm.unstableTree.set(key, item);
  ksm.pagesUnshared++;
  return null;
}

/**
 * cmp_and_merge_page(): the core of ksmd, for one page (held with a reference) and its rmap item.
 * A KSM page already on the item's node is left alone; any other page leaves the item's tree,
 * must keep its checksum for a whole scan (volatile otherwise), and is then merged with an
 * identical KSM page (stable tree) or with an identical unstable page into a new KSM page.
 */
export function cmpAndMergePage(k: Kernel, page: number, item: RmapItem): void {
  const node = folioStableNode(k, page);
  if (node) {
    if (item.head === node) return;
  } else {
    removeRmapItemFromTree(k, item);
    const checksum = calcChecksum(k, page);
    if (item.oldchecksum !== checksum) {
      item.oldchecksum = checksum;
      return;
    }
    if (!tryToMergeWithZeroPage(k, item, page, checksum)) return;
  }
  const kfolio = stableTreeSearch(k, page);
  if (kfolio === page && item.head === node) {
    folioPut(k, kfolio);
    return;
  }
  removeRmapItemFromTree(k, item);
  if (kfolio >= 0) {
    if (!tryToMergeWithKsmPage(k, item, page, kfolio)) stableTreeAppend(k, item, folioStableNode(k, kfolio)!);
    folioPut(k, kfolio);
    return;
  }
  const hit = unstableTreeSearchInsert(k, item, page);
  if (!hit) return;
  const kpage = tryToMergeTwoPages(k, item, page, hit.treeItem, hit.treePage);
  folioPut(k, hit.treePage);
  if (kpage >= 0) {
    const stable = stableTreeInsert(k, kpage);
    stableTreeAppend(k, hit.treeItem, stable);
    stableTreeAppend(k, item, stable);
  }
}

/**
 * One full scan (ksm_do_scan until scan_get_next_rmap_item wraps): the unstable tree starts
 * empty; every mergeable vma of every registered mm is walked page by page; an rmap item is
 * found or made for each present anon page (items of addresses that have none any more are
 * removed, as get_next_rmap_item and remove_trailing_rmap_items do), and cmp_and_merge_page()
 * runs on it. Then seqnr counts the scan. Holds ksm_thread_mutex; returns -EBUSY-like false if
 * someone else holds it.
 */
export function ksmdScan(k: Kernel): boolean {
  const ksm = ksmOf(k);
  // mutex_lock(): lockdep sees a sleeping acquisition; the model does not wait for a holder.
  if (!ksmThreadMutexTrylock(k, ksm.ksmd, true)) return false;
  try {
    ksm.unstableTree.clear();
    for (const slot of [...ksm.slots]) scanMm(k, slot);
    ksm.seqnr++;
  } finally {
    ksmThreadMutexUnlock(k, ksm.ksmd);
  }
  return true;
}

/** Full scans, n of them (ksmd's pages_to_scan large enough to cover everything each time). */
export function ksmdRun(k: Kernel, scans = 2): void {
  for (let i = 0; i < scans; i++) if (!ksmdScan(k)) throw new Error("ksmd: ksm_thread_mutex is held");
}

function scanMm(k: Kernel, slot: MmSlot): void {
  const ksm = ksmOf(k);
  const old = slot.items;
  const items: RmapItem[] = [];
  let j = 0;
  const dropUntil = (addr: number) => {
    while (j < old.length && old[j]!.address < addr) {
      removeRmapItemFromTree(k, old[j]!);
      ksm.rmapItems--;
      j++;
    }
  };
  for (const vma of [...slot.mm.vmas]) {
    if ((vma.vmFlags & VM_MERGEABLE) === 0 || !vma.anonVma) continue;
    for (let addr = vma.vmStart; addr < vma.vmEnd; addr += 4096) {
      const page = mergeablePageAt(k, slot.mm, addr);
      if (page < 0) continue;
      dropUntil(addr);
      let item: RmapItem;
      if (j < old.length && old[j]!.address === addr) {
        item = old[j++]!;
      } else {
        item = new RmapItem(slot.mm, addr);
        ksm.rmapItems++;
      }
      items.push(item);
      cmpAndMergePage(k, page, item);
      folioPut(k, page);
    }
  }
  dropUntil(Infinity);
  slot.items = items;
}

/** The rmap item KSM keeps for (mm, addr), or null. */
export function ksmRmapItem(k: Kernel, mm: MmStruct, addr: number): RmapItem | null {
  const slot = ksmOf(k).slotOf.get(mm);
  const a = addr - addrPageOffset(addr);
  return slot?.items.find((it) => it.address === a) ?? null;
}

/** /sys/kernel/mm/ksm/* and /proc/pid/ksm_stat, as numbers. */
export interface KsmStats {
  pagesShared: number;
  pagesSharing: number;
  pagesUnshared: number;
  stableNodes: number;
  rmapItems: number;
  fullScans: number;
  zeroPages: number;
}

export function ksmStats(k: Kernel): KsmStats {
  const ksm = ksmOf(k);
  return {
    pagesShared: ksm.pagesShared,
    pagesSharing: ksm.pagesSharing,
    pagesUnshared: ksm.pagesUnshared,
    stableNodes: ksm.nodes.filter((n) => n).length,
    rmapItems: ksm.rmapItems,
    fullScans: ksm.seqnr,
    zeroPages: ksm.zeroPages,
  };
}

/** mm->ksm_merging_pages */
export function ksmMergingPages(k: Kernel, mm: MmStruct): number {
  return ksmOf(k).slotOf.get(mm)?.ksmMergingPages ?? 0;
}
