/**
 * KSM's data structures (mm/ksm.c, v6.12), per simulated system: struct ksm_stable_node,
 * struct ksm_rmap_item, struct ksm_mm_slot, the stable and unstable trees, the ksm_pages_*
 * counters and ksm_thread_mutex.
 *
 * Trees. The kernel keeps both trees as rbtrees ordered by memcmp() of the pages. foliox keys
 * them by the page's checksum (calc_checksum(): the content token in token mode, a hash of the
 * 4 KiB in bytes mode) in a Map, and confirms a hit with pages_identical(). A Map of checksums is
 * fine up to ~2^24 entries (one per distinct mergeable page content); it is never keyed by pfn.
 * The stable tree maps a checksum to its nodes (several only on a hash collision in bytes mode);
 * the unstable tree to one rmap item, and is emptied at the start of every full scan as the
 * kernel resets root_unstable_tree.
 *
 * Left out: stable_node chains and dups (ksm_max_page_sharing), merge_across_nodes = 0 (one
 * tree for all nodes, as with the default 1), the migrate_nodes list (a stable node whose kpfn
 * changed node stays where it is), the smart-scan/advisor, and KSM of large folios (the kernel
 * splits a THP first; foliox skips large folios).
 */
import { LOCK_KSM_THREAD_MUTEX, TaskOwner, lockAcquire, lockRelease, type AnonVma, type Kernel, type MmStruct, type WaitOwner } from "@foliox/core";

/** VM_MERGEABLE (include/linux/mm.h): the vma was madvise(MADV_MERGEABLE)d. */
export const VM_MERGEABLE = 0x80000000 | 0;

/** rmap_item->address flag bits (mm/ksm.c) */
export const SEQNR_MASK = 0x0ff;
export const UNSTABLE_FLAG = 0x100;
export const STABLE_FLAG = 0x200;

/** struct ksm_stable_node: a KSM page's identity. folio->mapping = (id << 2) | PAGE_MAPPING_KSM. */
export class StableNode {
  /** hlist of rmap_items using this KSM page, newest first (hlist_add_head) */
  readonly hlist: RmapItem[] = [];
  constructor(
    readonly id: number,
    /** page frame number of this KSM page */
    public kpfn: number,
    /** the stable tree key (see the header) */
    readonly checksum: number,
  ) {}
  /** rmap_hlist_len */
  get rmapHlistLen(): number {
    return this.hlist.length;
  }
}

/** struct ksm_rmap_item: one (mm, address) that KSM scans. */
export class RmapItem {
  /** STABLE_FLAG | UNSTABLE_FLAG | seqnr (the low bits of rmap_item->address) */
  flags = 0;
  /** previous checksum of the page at this address */
  oldchecksum = 0;
  /** when stable: the anon_vma of the vma (a get_anon_vma() reference) */
  anonVma: AnonVma | null = null;
  /** when stable: the stable node heading the hlist this item is on */
  head: StableNode | null = null;
  /** when unstable: its key in the unstable tree */
  treeKey = 0;
  constructor(
    readonly mm: MmStruct,
    /** page-aligned virtual address */
    readonly address: number,
  ) {}
}

/** struct ksm_mm_slot: an mm that KSM scans, and its rmap_items in address order. */
export class MmSlot {
  items: RmapItem[] = [];
  /** mm->ksm_merging_pages */
  ksmMergingPages = 0;
  /** mm->ksm_zero_pages */
  ksmZeroPages = 0;
  constructor(readonly mm: MmStruct) {}
}

/** What folio exchange does with a KSM↔KSM pair (docs/decisions.md#ksm-exchange). */
export type KsmKsmExchange = "lock" | "refuse";

export class Ksm {
  /** stable nodes by id; 0 is NULL, a freed id is left empty */
  readonly nodes: (StableNode | undefined)[] = [undefined];
  /** root_stable_tree: checksum → nodes */
  readonly stableTree = new Map<number, StableNode[]>();
  /** root_unstable_tree: checksum → rmap item */
  readonly unstableTree = new Map<number, RmapItem>();
  /** ksm_mm_head's list, in ksm_enter() order */
  readonly slots: MmSlot[] = [];
  readonly slotOf = new WeakMap<MmStruct, MmSlot>();
  /** ksm_pages_shared: stable nodes with at least one rmap item */
  pagesShared = 0;
  /** ksm_pages_sharing: further rmap items on those nodes */
  pagesSharing = 0;
  /** ksm_pages_unshared: rmap items in the unstable tree */
  pagesUnshared = 0;
  /** ksm_rmap_items */
  rmapItems = 0;
  /** ksm_zero_pages (use_zero_pages) */
  zeroPages = 0;
  /** ksm_scan.seqnr: completed full scans */
  seqnr = 0;
  /** /sys/kernel/mm/ksm/use_zero_pages */
  useZeroPages = false;
  /** ksm_thread_mutex: its holder's name, or null */
  threadMutex: string | null = null;
  /** ksm_thread_mutex's holder in the wait model and lockdep (kernel/wait.ts), or null */
  threadMutexOwner: WaitOwner | null = null;
  /** ksmd, the kernel thread: the holder of what ksm_do_scan() takes */
  readonly ksmd = new TaskOwner("ksmd");
  /** KSM↔KSM exchange: hold ksm_thread_mutex ("lock", the default) or refuse with -EBUSY */
  ksmKsmExchange: KsmKsmExchange = "lock";
}

/**
 * The KSM state of system k. It belongs to the system's AnonBackend instance (anon-backend.ts:
 * `readonly ksm`), one per system; this finds it among the system's few backends (a short loop,
 * no container lookup). Null when the system has no backend holding KSM state.
 */
export function findKsm(k: Kernel): Ksm | null {
  for (const b of k.backends.all) {
    const ksm = (b as { ksm?: unknown }).ksm;
    if (ksm instanceof Ksm) return ksm;
  }
  return null;
}

/** The KSM state of system k; throws, saying how to fix it, when the system has no KSM backend. */
export function ksmOf(k: Kernel): Ksm {
  const ksm = findKsm(k);
  if (!ksm) throw new Error("KSM needs @foliox/anon's backend in this system: createSystem({ backends: [registerAnon] })");
  return ksm;
}

/** Has KSM been used in system k (a stable node or a scanned mm exists)? */
export function ksmActive(k: Kernel): boolean {
  const ksm = findKsm(k);
  return ksm !== null && (ksm.nodes.length > 1 || ksm.slots.length > 0);
}

/** The wait-model owner a holder name stands for: ksmd's, or a task of that name. */
function mutexOwner(ksm: Ksm, holder: string | WaitOwner): WaitOwner {
  if (typeof holder !== "string") return holder;
  return holder === "ksmd" ? ksm.ksmd : new TaskOwner(holder);
}

/**
 * ksm_thread_mutex: mutex_trylock() by `holder` (a name, "ksmd", or a WaitOwner); true if taken.
 * `sleeping`: the caller models mutex_lock() — it retries after waiting (kernel/wait.ts) — so
 * lockdep records the acquisition as ordered after the locks the holder already holds; a real
 * trylock records no order.
 */
export function ksmThreadMutexTrylock(k: Kernel, holder: string | WaitOwner, sleeping = false): boolean {
  const ksm = ksmOf(k);
  if (ksm.threadMutex !== null) return false;
  const owner = mutexOwner(ksm, holder);
  lockAcquire(k.lockdep, LOCK_KSM_THREAD_MUTEX, -1, owner, !sleeping);
  ksm.threadMutex = owner.holderName;
  ksm.threadMutexOwner = owner;
  k.waits.classOwner[LOCK_KSM_THREAD_MUTEX] = owner;
  return true;
}

/** mutex_unlock(&ksm_thread_mutex) by its holder (its name or its WaitOwner). */
export function ksmThreadMutexUnlock(k: Kernel, holder: string | WaitOwner): void {
  const ksm = ksmOf(k);
  const name = typeof holder === "string" ? holder : holder.holderName;
  const owner = ksm.threadMutexOwner;
  if (ksm.threadMutex !== name || owner === null) throw new Error(`ksm_thread_mutex: held by ${String(ksm.threadMutex)}, not ${name}`);
  ksm.threadMutex = null;
  ksm.threadMutexOwner = null;
  k.waits.classOwner[LOCK_KSM_THREAD_MUTEX] = null;
  lockRelease(k.lockdep, LOCK_KSM_THREAD_MUTEX, -1, owner);
}
