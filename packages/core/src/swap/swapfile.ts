/**
 * A swap device: struct swap_info_struct (include/linux/swap.h) and mm/swapfile.c, reduced.
 *
 * - swap_map: one count per slot in a Uint16Array. The low 15 bits count the references to the
 *   slot (swap PTEs, and shmem's xarray value entry: swap_shmem_alloc), SWAP_HAS_CACHE says a
 *   folio for the slot sits in the swap cache. The kernel packs this into an unsigned char with
 *   COUNT_CONTINUED pages past SWAP_MAP_MAX (0x3e); foliox widens the byte to 16 bits instead of
 *   modelling continuation pages (swap_count_continued), so SWAP_MAP_MAX is 0x7fff.
 * - Slot 0 is the swap header and never allocated, so a swap entry is never 0.
 * - Slot allocation is a next-fit scan (scan_swap_map_slots' cluster allocator reduced to its
 *   lowest_bit/cluster_next cursor); a large folio gets nr naturally aligned free slots or
 *   nothing (add_to_swap() then fails, where the kernel would split the folio).
 * - Data: a BackingStore (fs/backing-store.ts) holds what swap_writepage() wrote — a token per
 *   page, and the 4 KiB in bytes mode. slotBlock maps a slot to its block (+1), allocated at the
 *   first write and freed with the slot (swap_entry_range_free → discard).
 *
 * Swap entries (swp_entry_t, include/linux/swapops.h) use pgtable.ts's encoding (swpEntry,
 * swpOffset, isSwapPte there): a swp_entry_t of type 0 is its offset; a swap PTE has the
 * offset as its frame and SWP_SWAPFILE << 1 in its bits, bit 4 is _PAGE_SWP_EXCLUSIVE (bit 0,
 * _PAGE_PRESENT, is clear). folio->swap (in mem.private) holds the entry. One swap device per
 * system (MAX_SWAPFILES is 1 here), type 0.
 */
import { KernelBug } from "../kernel/bug.js";
import { ENOMEM } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { BackingStore } from "../fs/backing-store.js";
import { XArray } from "../fs/xarray.js";
import type { SwapOperations } from "../mm/hooks.js";
import { MAX_PFN } from "../mm/mem-map.js";
import { swpOffset } from "../mm/pgtable.js";

export const SWAP_HAS_CACHE = 0x8000;
export const SWAP_MAP_MAX = 0x7fff;
const SWAP_COUNT_MASK = 0x7fff;

/**
 * The swap cache of one swap type: swapper_spaces[type] (mm/swap_state.c). i_pages maps a swap
 * offset to the head pfn + 1 of the folio caching it (a large folio fills nr slots). `id` is
 * negative so that it orders before every page-cache mapping under folioExchangeXaLock() and
 * never collides with one; it is not in k.fs.addressSpaces (folio->mapping of a swap-cache
 * folio stays its anon_vma, or NULL for shmem's, as in the kernel).
 */
export class SwapAddressSpace {
  readonly iPages = new XArray();
  /** pages in the swap cache (total_swapcache_pages) */
  nrpages = 0;
  xaLocked = false;
  /** mapping_can_writeback(): no dirty/writeback accounting for the swap cache */
  readonly canWriteback = false;
  constructor(
    readonly type: number,
    readonly id: number,
  ) {}
}

/** struct swap_info_struct */
export class SwapInfo {
  /** swap_map[offset]: reference count | SWAP_HAS_CACHE */
  readonly swapMap: Uint16Array;
  /** slot -> backing-store block + 1 (0: never written) */
  readonly slotBlock: Int32Array;
  /** usable slots (si->pages: max minus the header) */
  readonly pages: number;
  /** slots in use (si->inuse_pages) */
  inusePages = 0;
  /** next-fit cursor (si->cluster_next) */
  private cursor = 1;
  readonly store: BackingStore;
  /** swapper_spaces[type] */
  readonly space: SwapAddressSpace;
  /** pswpout / pswpin: pages written to and read from the device */
  pswpout = 0;
  pswpin = 0;

  constructor(
    readonly type: number,
    /** si->max: slots including the header slot 0 */
    readonly max: number,
    bytesMode: boolean,
    /** the swap layer's entry points that mm calls (mm/hooks.ts; swapon() passes SWAP_OPS) */
    readonly ops: SwapOperations,
  ) {
    if (!Number.isInteger(max) || max < 2 || max > MAX_PFN) throw new RangeError(`swapon: a swap device needs 2..${MAX_PFN} slots, got ${max}`);
    this.swapMap = new Uint16Array(max);
    this.slotBlock = new Int32Array(max);
    this.pages = max - 1;
    this.store = new BackingStore(bytesMode);
    this.space = new SwapAddressSpace(type, -1 - type);
  }

  /** swap_count(): the references to a slot, without SWAP_HAS_CACHE */
  count(offset: number): number {
    return this.swapMap[offset]! & SWAP_COUNT_MASK;
  }
  hasCache(offset: number): boolean {
    return (this.swapMap[offset]! & SWAP_HAS_CACHE) !== 0;
  }

  /**
   * get_swap_pages() for nr slots, naturally aligned: the first offset, or 0 if none. Each slot
   * gets SWAP_HAS_CACHE (folio_alloc_swap() allocates for the swap cache).
   */
  allocSlots(nr: number): number {
    if (this.inusePages + nr > this.pages) return 0;
    const max = this.max;
    let start = Math.ceil(this.cursor / nr) * nr;
    for (let tries = 0; tries < 2; tries++) {
      for (let off = start; off + nr <= max; off += nr) {
        if (off === 0) continue;
        let free = true;
        for (let i = 0; i < nr; i++) {
          if (this.swapMap[off + i] !== 0) {
            free = false;
            break;
          }
        }
        if (!free) continue;
        for (let i = 0; i < nr; i++) this.swapMap[off + i] = SWAP_HAS_CACHE;
        this.inusePages += nr;
        this.cursor = off + nr;
        return off;
      }
      start = nr;
    }
    return 0;
  }

  /** swap_entry_range_free() for one slot: it is free again, its block discarded. */
  freeSlot(offset: number): void {
    if (this.swapMap[offset] !== 0) throw new KernelBug(`swap_entry_range_free: slot ${offset} still has swap_map 0x${this.swapMap[offset]!.toString(16)}`);
    const b = this.slotBlock[offset]! - 1;
    if (b >= 0) {
      this.store.freeBlock(b);
      this.slotBlock[offset] = 0;
    }
    this.inusePages--;
  }

  /** swap_writepage() of one page: frame pfn -> the slot's block. */
  writeSlot(k: Kernel, offset: number, pfn: number): void {
    let b = this.slotBlock[offset]! - 1;
    if (b < 0) {
      b = this.store.allocBlock();
      this.slotBlock[offset] = b + 1;
    }
    this.store.writeBlock(k, b, pfn);
    this.pswpout++;
  }

  /** swap_read_folio() of one page: the slot's block -> frame pfn. */
  readSlot(k: Kernel, offset: number, pfn: number): void {
    const b = this.slotBlock[offset]! - 1;
    if (b < 0) throw new KernelBug(`swap_read_folio: slot ${offset} was never written`);
    this.store.readBlock(k, b, pfn);
    this.pswpin++;
  }

  /** Does the slot hold exactly token's data? (for the integrity check) */
  slotHolds(offset: number, token: number): boolean {
    const b = this.slotBlock[offset]! - 1;
    return b >= 0 && this.store.holds(b, token);
  }
}

/**
 * swap_info[]: the swap devices of one system, filled by swapon() (MAX_SWAPFILES is 1 in foliox).
 * One per system, built by its container; k.swap reads it.
 */
export class SwapDevices {
  si: SwapInfo | null = null;
}

/** The swap device of the entry, or throws (a swap PTE with no device is a bug). */
export function swapInfoOf(k: Kernel, entry: number): SwapInfo {
  const si = k.swap;
  const off = swpOffset(entry);
  if (!si || off <= 0 || off >= si.max) throw new KernelBug(`swap entry 0x${entry.toString(16)}: no swap device holds offset ${off}`);
  return si;
}

/** vm_swap_full(): more than half of swap is in use. */
export function vmSwapFull(k: Kernel): boolean {
  const si = k.swap;
  return !!si && si.inusePages * 2 > si.pages;
}

/**
 * __swap_duplicate(entry, 1) / swap_duplicate(): one more reference to the slot (a fork's copied
 * swap PTE, try_to_unmap's new swap PTE). 0, or -ENOMEM at SWAP_MAP_MAX.
 */
export function swapDuplicate(k: Kernel, entry: number): number {
  const si = swapInfoOf(k, entry);
  const off = swpOffset(entry);
  const c = si.count(off);
  if (c === 0 && !si.hasCache(off)) throw new KernelBug(`swap_duplicate: slot ${off} is free`);
  if (c >= SWAP_MAP_MAX) return -ENOMEM;
  si.swapMap[off]!++;
  return 0;
}

/**
 * __swap_entry_free() (swap_free()): drop one reference. A slot with no reference and no cache
 * is freed. Returns what is left in swap_map (count | SWAP_HAS_CACHE).
 */
export function swapEntryFree(k: Kernel, entry: number): number {
  const si = swapInfoOf(k, entry);
  const off = swpOffset(entry);
  if (si.count(off) === 0) throw new KernelBug(`swap_free: slot ${off} has no reference to drop`);
  const left = --si.swapMap[off]!;
  if (left === 0) si.freeSlot(off);
  return left;
}

/** swap_free_nr() */
export function swapFree(k: Kernel, entry: number): void {
  swapEntryFree(k, entry);
}

/**
 * put_swap_folio() (swapcache_free_entries): the swap cache lets go of the folio's nr slots;
 * each slot with no reference left is freed.
 */
export function putSwapFolio(k: Kernel, entry: number, nr: number): void {
  const si = swapInfoOf(k, entry);
  const off = swpOffset(entry);
  for (let i = 0; i < nr; i++) {
    if (!si.hasCache(off + i)) throw new KernelBug(`put_swap_folio: slot ${off + i} has no SWAP_HAS_CACHE`);
    si.swapMap[off + i]! &= ~SWAP_HAS_CACHE;
    if (si.swapMap[off + i] === 0) si.freeSlot(off + i);
  }
}

/**
 * swapcache_prepare(): claim SWAP_HAS_CACHE on a slot that has references but no folio in the
 * swap cache (swap-in). 0, or -EEXIST-like 1 if a folio is already cached for it.
 */
export function swapcachePrepare(k: Kernel, entry: number): boolean {
  const si = swapInfoOf(k, entry);
  const off = swpOffset(entry);
  if (si.hasCache(off)) return false;
  if (si.count(off) === 0) throw new KernelBug(`swapcache_prepare: slot ${off} is free`);
  si.swapMap[off]! |= SWAP_HAS_CACHE;
  return true;
}
