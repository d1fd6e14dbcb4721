/**
 * struct address_space (include/linux/fs.h): a file's page cache. i_pages is the xarray of
 * index -> folio (head pfn + 1, one multi-index entry per large folio), i_mmap the VMAs that map
 * the file (the interval tree, as a plain array), a_ops the backend's address_space_operations.
 * A folio in the cache has folio->mapping = (id << 2) with no tag bits (mem-map.ts); mm finds
 * the address_space back from it with folioAddressSpace() (mm/folio-mapping.ts).
 */
import type { Backend } from "../backend/contract.js";
import type { VmArea } from "../mm/mm-types.js";
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_I_PAGES, LOCK_SWAP_CACHE, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import type { WaitOwner } from "../kernel/wait.js";
import type { Inode } from "./inode.js";
import { XArray } from "./xarray.js";

/** enum mapping_flags (include/linux/pagemap.h) that matter here */
export const AS_UNEVICTABLE = 1 << 3;
export const AS_UNMOVABLE = 1 << 8;

export class AddressSpace {
  /** i_pages */
  readonly iPages = new XArray();
  /** nrpages: base pages in the cache */
  nrpages = 0;
  /** i_mmap: every VMA that maps this file */
  readonly iMmap: VmArea[] = [];
  /** AS_* flags */
  flags = 0;
  /** xa_lock(&mapping->i_pages) is held (taking it twice is a self-deadlock) */
  xaLocked = false;
  /**
   * The memcg charged for folios added to this mapping (mem_cgroup_charge() at
   * filemap_add_folio / shmem_add_to_page_cache): stands for the memcg of the task that reads
   * or writes the file, which foliox's file I/O entry points do not carry. 0 = root.
   */
  memcg = 0;

  constructor(
    /** the id stored in folio->mapping */
    readonly id: number,
    readonly host: Inode,
    /** a_ops: the backend of the filesystem the inode lives on */
    readonly aOps: Backend,
    /** shmem: folios are swap-backed (PG_swapbacked, NR_SHMEM) */
    readonly swapBacked: boolean,
  ) {}

  /** mapping_can_writeback(): shmem and swap have no writeback accounting */
  get canWriteback(): boolean {
    return !this.swapBacked;
  }

  /** folio->mapping as stored in mem_map */
  get tagged(): number {
    return this.id << 2;
  }
}

/** What xa_lock() needs of a mapping: a page cache's, or a swap cache's (swapper_spaces). */
export interface XaLockable {
  readonly id: number;
  xaLocked: boolean;
}

/** The lockdep class of a mapping's i_pages lock: the swap cache's (negative ids) or a page cache's. */
function xaLockClass(as: XaLockable): number {
  return as.id < 0 ? LOCK_SWAP_CACHE : LOCK_I_PAGES;
}

/**
 * xa_lock_irq(&mapping->i_pages) by `owner` (the current context by default). lockdep sees it
 * first (a second acquisition of one mapping is "possible recursive locking": the self-deadlock
 * of docs/decisions.md#seed-defect-4); with lockdep off, the flag still catches it.
 */
export function xaLock(k: Kernel, as: XaLockable, owner: WaitOwner = k.waits.current): void {
  lockAcquire(k.lockdep, xaLockClass(as), as.id, owner);
  if (as.xaLocked) throw new KernelBug(`xa_lock: mapping ${as.id} i_pages lock taken twice (self-deadlock)`);
  as.xaLocked = true;
}

export function xaUnlock(k: Kernel, as: XaLockable, owner: WaitOwner = k.waits.current): void {
  if (!as.xaLocked) throw new KernelBug(`xa_unlock: mapping ${as.id} i_pages lock is not held`);
  as.xaLocked = false;
  lockRelease(k.lockdep, xaLockClass(as), as.id, owner);
}

/** filemap_get_folio() without a reference: the head pfn cached at index, or -1. */
export function filemapLookup(as: AddressSpace, index: number): number {
  return as.iPages.load(index) - 1;
}
