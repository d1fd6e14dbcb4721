/**
 * KSM folio exchange (docs/decisions.md#ksm-exchange; the seed left it unimplemented and did not even
 * exclude KSM, docs/decisions.md#seed-defect-8). Core's exchange template calls these through the Backend seams:
 *
 * - exchangeBegin (after the support checks, before the unmap): the partner of a KSM folio must
 *   be order 0 (-EINVAL; KSM folios are never large). KSM↔KSM cannot keep "kpfn names a frame
 *   whose mapping is N" for both nodes at once, so it holds ksm_thread_mutex — a trylock: in
 *   ASYNC (or a batch) a held mutex is -EAGAIN, in SYNC the phase waits — or, when the system
 *   refuses KSM↔KSM (Ksm.ksmKsmExchange = "refuse"), it is -EBUSY. exchangeEnd drops the mutex.
 *   exchangeBegin runs before the folio locks, so the mutex is taken in ksmd's order (mutex,
 *   then folio locks): the other order is an ABBA that lockdep reports.
 * - exchangeMayFreeze: never freeze a KSM folio that is not in the swap cache (ksm_get_folio()
 *   would take refcount 0 for a freed folio and prune the node); core checks its count instead.
 * - exchangeMapping: the stable node follows the data. KSM A (node N) ↔ non-KSM B, both locked
 *   and unmapped, in this order: B's mapping becomes N; N's kpfn becomes pfn(B); smp_wmb(); A
 *   gets B's old mapping. No reference moves (stable nodes and rmap items hold none), the
 *   counters (pages_shared, pages_sharing, ksm_merging_pages) do not change, and the KSM side took
 *   no anon_vma reference at unmap. The remap then goes through rmap_walk_ksm().
 * - The KSM zero page (use_zero_pages) is not a folio: exchange_folios(2) resolves it to -EFAULT
 *   before any of this runs.
 */
import { EAGAIN, EBUSY, EINVAL, EXCHANGE_WOULD_BLOCK, LOCK_KSM_THREAD_MUTEX, type Kernel, type WaitOwner } from "@foliox/core";
import { ksmOf, ksmThreadMutexTrylock, ksmThreadMutexUnlock } from "./ksm-state.js";
import { folioStableNode } from "./stable-tree.js";

/**
 * Called before the exchange takes the folio locks: ksm_thread_mutex orders before folio locks
 * (ksmd takes the mutex, then folio locks in remove_rmap_item_from_tree() → ksm_get_folio(LOCK)),
 * so the exchange takes it first too. In SYNC the acquisition is a sleeping mutex_lock() (the
 * exchange waits on ksmd or another holder through the wait model); in ASYNC or a batch a trylock.
 */
export function ksmExchangeBegin(k: Kernel, oldHead: number, newHead: number, mayBlock: boolean, owner: WaitOwner): number {
  const mem = k.mem;
  const ksmOld = mem.folioTestKsm(oldHead);
  const ksmNew = mem.folioTestKsm(newHead);
  if (!ksmOld && !ksmNew) return 0;
  if (mem.order[oldHead] !== 0 || mem.order[newHead] !== 0) return -EINVAL;
  if (!ksmOld || !ksmNew) return 0;
  const ksm = ksmOf(k);
  if (ksm.ksmKsmExchange === "refuse") return -EBUSY;
  if (!ksmThreadMutexTrylock(k, owner, mayBlock)) return mayBlock ? EXCHANGE_WOULD_BLOCK : -EAGAIN;
  return 0;
}

/** What an EXCHANGE_WOULD_BLOCK of ksmExchangeBegin() waits on. */
export function ksmExchangeBlockingLock(): number {
  return LOCK_KSM_THREAD_MUTEX;
}

export function ksmExchangeEnd(k: Kernel, _oldHead: number, _newHead: number, owner: WaitOwner): void {
  if (ksmOf(k).threadMutexOwner === owner) ksmThreadMutexUnlock(k, owner);
}

export function ksmExchangeMayFreeze(k: Kernel, head: number): boolean {
  return !k.mem.folioTestKsm(head) || k.mem.folioTestSwapcache(head);
}

/** The mapping half of folio_exchange_mapping() when a KSM folio is involved; false otherwise. */
export function ksmExchangeMapping(k: Kernel, oldHead: number, newHead: number): boolean {
  const mem = k.mem;
  const ksmOld = mem.folioTestKsm(oldHead);
  const ksmNew = mem.folioTestKsm(newHead);
  if (!ksmOld && !ksmNew) return false;
  if (ksmOld && ksmNew) {
    // Under ksm_thread_mutex: each node follows its data in turn.
    const nOld = folioStableNode(k, oldHead);
    const nNew = folioStableNode(k, newHead);
    const mOld = mem.mapping[oldHead]!;
    const mNew = mem.mapping[newHead]!;
    mem.mapping[newHead] = mOld;
    if (nOld) nOld.kpfn = newHead;
    mem.mapping[oldHead] = mNew;
    if (nNew) nNew.kpfn = oldHead;
    return true;
  }
  const a = ksmOld ? oldHead : newHead;
  const b = ksmOld ? newHead : oldHead;
  const node = folioStableNode(k, a);
  const bMapping = mem.mapping[b]!;
  mem.mapping[b] = mem.mapping[a]!; // 1. B's mapping becomes N
  if (node) node.kpfn = b; // 2. N's kpfn becomes pfn(B)
  // 3. smp_wmb()
  mem.mapping[a] = bMapping; // 4. A gets B's old mapping
  return true;
}
