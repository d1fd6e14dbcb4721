/**
 * The stable tree (mm/ksm.c, v6.12): folio_stable_node(), folio_set_stable_node(),
 * ksm_get_folio() (and its KSM_GET_FOLIO_LOCK variant), remove_node_from_stable_tree(), stable_tree_insert(), stable_tree_search(),
 * stable_tree_append() and remove_rmap_item_from_tree().
 */
import { FOLIO_LOCK_DEADLOCK, KernelBug, PAGE_MAPPING_KSM, folioLock, folioPut, folioUnlock, putAnonVma, type Kernel, type WaitOwner } from "@foliox/core";
import { RmapItem, STABLE_FLAG, SEQNR_MASK, StableNode, UNSTABLE_FLAG, ksmOf } from "./ksm-state.js";
import { calcChecksum, pagesIdentical } from "./checksum.js";

/** folio_stable_node(): the stable node a KSM folio's mapping names, or null. */
export function folioStableNode(k: Kernel, head: number): StableNode | null {
  if (!k.mem.folioTestKsm(head)) return null;
  return ksmOf(k).nodes[k.mem.mappingId(head)] ?? null;
}

/** folio_set_stable_node(): folio->mapping = stable_node | PAGE_MAPPING_KSM (NULL allowed). */
export function folioSetStableNode(k: Kernel, head: number, node: StableNode | null): void {
  k.mem.mapping[head] = ((node?.id ?? 0) << 2) | PAGE_MAPPING_KSM;
}

/** The folio->mapping value that names `node`. */
export function stableNodeMapping(node: StableNode): number {
  return (node.id << 2) | PAGE_MAPPING_KSM;
}

/**
 * ksm_get_folio(stable_node, KSM_GET_FOLIO_NOLOCK): the KSM folio at kpfn, with a reference,
 * if its mapping still names the node; otherwise the node is stale and is pruned
 * (remove_node_from_stable_tree) and -1 is returned. A folio whose refcount is frozen is taken
 * for freed unless it is in the swap cache (folio_try_get() loop), which is why folio exchange
 * never freezes a KSM folio outside the swap cache.
 */
export function ksmGetFolio(k: Kernel, node: StableNode): number {
  const mem = k.mem;
  const expected = stableNodeMapping(node);
  for (;;) {
    const kpfn = node.kpfn;
    const folio = mem.pageFolio(kpfn);
    let stale = mem.mapping[folio] !== expected;
    if (!stale && mem.refcount[folio] === 0) {
      if (!mem.folioTestSwapcache(folio)) stale = true;
      // A frozen swap-cache folio: the kernel spins until the freezer unfreezes it.
      else throw new KernelBug(`ksm_get_folio: pfn ${folio} is frozen in the swap cache and nothing runs to unfreeze it`);
    }
    if (!stale) {
      mem.refcount[folio]!++;
      return folio;
    }
    // stale: smp_rmb(); a kpfn that moved meanwhile (migration) is tried again
    if (node.kpfn !== kpfn) continue;
    removeNodeFromStableTree(k, node);
    return -1;
  }
}

/**
 * ksm_get_folio(stable_node, KSM_GET_FOLIO_LOCK) by `owner` (ksmd): the folio as above, then
 * folio_lock() — a sleep, in which the wait model runs the lock's holder forward (an exchange
 * between two phases) — then the mapping is checked again: a node that lost its folio meanwhile
 * is looked up afresh. Returns the locked folio with a reference, or -1 (pruned). A holder that
 * can never release the lock is a hung task: a KernelBug naming the wait.
 */
function ksmGetFolioLocked(k: Kernel, node: StableNode, owner: WaitOwner): number {
  const expected = stableNodeMapping(node);
  for (;;) {
    const folio = ksmGetFolio(k, node);
    if (folio < 0) return -1;
    const rc = folioLock(k, folio, owner);
    if (rc) {
      folioPut(k, folio);
      throw new KernelBug(
        `ksm_get_folio(LOCK): ${owner.holderName} sleeps on folio_lock#${folio} forever (${rc === FOLIO_LOCK_DEADLOCK ? k.waits.lastDeadlock : "its holder cannot release it"})`,
      );
    }
    if (k.mem.mapping[folio] === expected) return folio;
    folioUnlock(k, folio);
    folioPut(k, folio);
  }
}

/** ksm_get_folio() as a probe: the frame, or -1 (pruned); the reference is dropped again. */
export function ksmGetFolioProbe(k: Kernel, node: StableNode): number {
  const folio = ksmGetFolio(k, node);
  if (folio >= 0) folioPut(k, folio);
  return folio;
}

/** remove_node_from_stable_tree(): every rmap item leaves the node, then the node is freed. */
export function removeNodeFromStableTree(k: Kernel, node: StableNode): void {
  const ksm = ksmOf(k);
  const items = node.hlist;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (i < items.length - 1) ksm.pagesSharing--;
    else ksm.pagesShared--;
    ksm.slotOf.get(item.mm)!.ksmMergingPages--;
    if (item.anonVma) putAnonVma(k, item.anonVma);
    item.anonVma = null;
    item.head = null;
    item.flags = 0;
  }
  items.length = 0;
  stableNodeErase(k, node);
}

function stableNodeErase(k: Kernel, node: StableNode): void {
  const ksm = ksmOf(k);
  const list = ksm.stableTree.get(node.checksum);
  if (list) {
    const i = list.indexOf(node);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) ksm.stableTree.delete(node.checksum);
  }
  ksm.nodes[node.id] = undefined;
}

/** stable_tree_insert(kfolio): a new stable node for kfolio (kpfn = its pfn); kfolio's mapping names it. */
export function stableTreeInsert(k: Kernel, kfolio: number): StableNode {
  const ksm = ksmOf(k);
  const node = new StableNode(ksm.nodes.length, kfolio, calcChecksum(k, kfolio));
  ksm.nodes.push(node);
  const list = ksm.stableTree.get(node.checksum);
  if (list) list.push(node);
  else ksm.stableTree.set(node.checksum, [node]);
  folioSetStableNode(k, kfolio, node);
  return node;
}

/**
 * stable_tree_search(page): a KSM folio with the same content, with a reference, or -1. A page
 * that is already KSM (a forked mapping) is its own answer. Stale nodes met on the way are pruned.
 */
export function stableTreeSearch(k: Kernel, page: number): number {
  const own = folioStableNode(k, page);
  if (own) {
    k.mem.refcount[page]!++;
    return page;
  }
  const candidates = ksmOf(k).stableTree.get(calcChecksum(k, page));
  if (!candidates) return -1;
  for (const node of [...candidates]) {
    const tree = ksmGetFolio(k, node);
    if (tree < 0) continue;
    if (pagesIdentical(k, page, tree)) return tree;
    folioPut(k, tree);
  }
  return -1;
}

/** stable_tree_append(): the rmap item joins the node's hlist; pages_shared or pages_sharing. */
export function stableTreeAppend(k: Kernel, item: RmapItem, node: StableNode): void {
  const ksm = ksmOf(k);
  item.head = node;
  item.flags = STABLE_FLAG;
  node.hlist.unshift(item);
  if (node.hlist.length > 1) ksm.pagesSharing++;
  else ksm.pagesShared++;
  ksm.slotOf.get(item.mm)!.ksmMergingPages++;
}

/**
 * remove_rmap_item_from_tree(): a stable item leaves its node's hlist (if ksm_get_folio() finds
 * the node alive; else the prune already took it off), an unstable one leaves the unstable tree.
 */
export function removeRmapItemFromTree(k: Kernel, item: RmapItem): void {
  const ksm = ksmOf(k);
  if (item.flags & STABLE_FLAG) {
    const node = item.head!;
    const folio = ksmGetFolioLocked(k, node, ksm.ksmd);
    if (folio < 0) return;
    const i = node.hlist.indexOf(item);
    if (i < 0) throw new KernelBug(`remove_rmap_item_from_tree: item not on stable node ${node.id}`);
    node.hlist.splice(i, 1);
    folioUnlock(k, folio);
    folioPut(k, folio);
    if (node.hlist.length > 0) ksm.pagesSharing--;
    else ksm.pagesShared--;
    ksm.slotOf.get(item.mm)!.ksmMergingPages--;
    if (item.anonVma) putAnonVma(k, item.anonVma);
    item.anonVma = null;
    item.head = null;
    item.flags = 0;
  } else if (item.flags & UNSTABLE_FLAG) {
    // The unstable tree was emptied at the start of this scan for an item of the last one.
    const age = (ksm.seqnr - (item.flags & SEQNR_MASK)) & 0xff;
    if (age > 1) throw new KernelBug(`remove_rmap_item_from_tree: unstable item of age ${age}`);
    if (age === 0 && ksm.unstableTree.get(item.treeKey) === item) ksm.unstableTree.delete(item.treeKey);
    ksm.pagesUnshared--;
    item.flags = 0;
  }
}
