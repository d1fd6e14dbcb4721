/**
 * mem_map: the kernel's array of `struct page` indexed by pfn (include/linux/mm_types.h),
 * kept as struct-of-arrays typed arrays so that a 64 GiB machine (16 M pfns) is a few flat
 * buffers rather than 16 M objects.
 *
 * Sparse, as x86-64's SPARSEMEM_VMEMMAP: memory comes in sections of 128 MiB (32,768 pfns,
 * SECTION_SIZE_BITS 27), and each array is one virtually contiguous range indexed by pfn, as
 * the kernel's vmemmap is. The kernel backs a section's struct pages with memory when the
 * section is populated; here the operating system backs each page of an array the first time
 * it is written (a large ArrayBuffer is zero-filled anonymous memory), and the model writes
 * nothing into a section's slice until the section's memmap is initialized
 * (memmapInitSection(), from the page allocator). A section nobody has allocated from is a
 * deferred section (CONFIG_DEFERRED_STRUCT_PAGE_INIT): free memory kept as a count in the
 * buddy allocator, never touched. So a 1 TiB machine costs its buddy bookkeeping plus the
 * sections in use, not 16 GiB of mem_map. (On an OS that commits memory eagerly, the arrays
 * cost their full size.)
 *
 * Per-page fields and what they model:
 * - flags       page->flags (PG_* bits, see page-flags.ts)
 * - refcount    page->_refcount (meaningful on the head page of a folio)
 * - mapcount    page->_mapcount + 1: PTE mappings of this base page (0 = unmapped)
 * - largeMapcount folio->_large_mapcount + 1 on the head: PTE mappings of all its pages, so
 *               that folio_mapcount() and folio_mapped() are O(1) as in the kernel
 * - mapping     page->mapping as a tagged id: (id << 2) | PAGE_MAPPING_* tag
 * - index       page->index; Float64 because a virtual page number reaches 2^36
 * - private     page->private: a swap entry or an fs-private handle id (0 = none)
 * - order       folio_order on every page of a folio; buddy_order on a free block's head
 * - pageType    page->page_type (PGTY_buddy for free blocks)
 * - memcg       folio->memcg_data as a memcg id (0 = root)
 * - lastCpupid  the last_cpupid field (-1 = none); on slow tiers it holds an access time
 * - pincount    folio->_pincount: FOLL_PIN pins, each also holding a reference
 * - zone        the zone index (nid * MAX_NR_ZONES + zone type), kept in page->flags upstream
 * - content     a token per base page standing for its 4 KiB of data (see content.ts)
 * - lruNext/Prev page->lru: the list_head shared by the LRU, buddy free lists and
 *               migration lists; slots at and above nrPages are list heads (see list.ts)
 */
import { PG_swapbacked, PG_swapcache } from "./page-flags.js";

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const MAX_PAGE_ORDER = 10;
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
export const HPAGE_PMD_ORDER = 9;
export const HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;

/** folio->mapping tags (include/linux/page-flags.h). */
export const PAGE_MAPPING_ANON = 0x1;
export const PAGE_MAPPING_MOVABLE = 0x2;
export const PAGE_MAPPING_KSM = 0x3;
export const PAGE_MAPPING_FLAGS = 0x3;

/** page_type values (PGTY_*). */
export const PGTY_none = 0;
export const PGTY_buddy = 1;

/** SECTION_SIZE_BITS on x86-64: 128 MiB sections. */
export const SECTION_SIZE_BITS = 27;
/** PFN_SECTION_SHIFT */
export const PFN_SECTION_SHIFT = SECTION_SIZE_BITS - PAGE_SHIFT;
/** PAGES_PER_SECTION: 32,768 */
export const PAGES_PER_SECTION = 1 << PFN_SECTION_SHIFT;
export const PAGE_SECTION_MASK = PAGES_PER_SECTION - 1;

/**
 * The model's limit: 2^30 pfns, 4 TiB of 4 KiB pages (the kernel's x86-64 limit is 2^40). A PTE's
 * frame holds 31 bits (pgtable.ts); the widest mem_map array (index, 8 bytes a page) then
 * reserves 8 GiB of address space, of which only the sections in use are ever backed.
 */
export const MAX_PFN = 2 ** 30;

/** mem_section flags: the section's memmap is initialized (its struct pages may be read and written). */
export const SECTION_HAS_MEM_MAP = 1;

export class MemMap {
  readonly flags: Int32Array;
  readonly refcount: Int32Array;
  readonly mapcount: Int32Array;
  readonly largeMapcount: Int32Array;
  readonly mapping: Int32Array;
  readonly index: Float64Array;
  readonly private: Int32Array;
  readonly order: Uint8Array;
  readonly pageType: Uint8Array;
  readonly memcg: Uint16Array;
  readonly lastCpupid: Int32Array;
  readonly pincount: Int32Array;
  readonly zone: Uint8Array;
  readonly content: Int32Array;
  readonly lruNext: Int32Array;
  readonly lruPrev: Int32Array;
  /** mem_section[].section_mem_map flags per section (SECTION_HAS_MEM_MAP) */
  readonly sectionFlags: Uint8Array;
  /** sections whose memmap is initialized */
  nrSectionsInitialized = 0;

  constructor(
    readonly nrPages: number,
    /** list_head slots after the pfns, for LRU lists, free lists and migration lists */
    readonly nrListHeads: number,
  ) {
    if (!Number.isInteger(nrPages) || nrPages <= 0 || nrPages > MAX_PFN) {
      throw new RangeError(`mem_map: nrPages must be an integer in 1..${MAX_PFN} (4 TiB of 4 KiB pages, the model's limit), got ${nrPages}`);
    }
    this.flags = new Int32Array(nrPages);
    this.refcount = new Int32Array(nrPages);
    this.mapcount = new Int32Array(nrPages);
    this.largeMapcount = new Int32Array(nrPages);
    this.mapping = new Int32Array(nrPages);
    this.index = new Float64Array(nrPages);
    this.private = new Int32Array(nrPages);
    this.order = new Uint8Array(nrPages);
    this.pageType = new Uint8Array(nrPages);
    this.memcg = new Uint16Array(nrPages);
    // -1 (none) is written per section, when its memmap is initialized
    this.lastCpupid = new Int32Array(nrPages);
    this.pincount = new Int32Array(nrPages);
    this.zone = new Uint8Array(nrPages);
    this.content = new Int32Array(nrPages);
    this.lruNext = new Int32Array(nrPages + nrListHeads);
    this.lruPrev = new Int32Array(nrPages + nrListHeads);
    this.sectionFlags = new Uint8Array(Math.ceil(nrPages / PAGES_PER_SECTION));
  }

  get nrSections(): number {
    return this.sectionFlags.length;
  }

  /** pfn_to_section_nr() */
  pfnToSectionNr(pfn: number): number {
    return pfn >>> PFN_SECTION_SHIFT;
  }

  /** The section's struct pages have been initialized (pfn_valid() and readable). */
  sectionHasMemMap(nr: number): boolean {
    return (this.sectionFlags[nr]! & SECTION_HAS_MEM_MAP) !== 0;
  }

  /**
   * memmap_init_range() over [start, end) of one section, in zone `zoneIdx`: the fields whose
   * initial value is not 0 (the zone link in page->flags, last_cpupid = -1). Every other field
   * starts at 0, which the fresh array already holds. The caller marks the section with
   * markSectionInitialized() once all its ranges are done.
   */
  memmapInitRange(start: number, end: number, zoneIdx: number): void {
    this.zone.fill(zoneIdx, start, end);
    this.lastCpupid.fill(-1, start, end);
  }

  markSectionInitialized(nr: number): void {
    if (this.sectionHasMemMap(nr)) return;
    this.sectionFlags[nr]! |= SECTION_HAS_MEM_MAP;
    this.nrSectionsInitialized++;
  }

  testFlag(pfn: number, bit: number): boolean {
    return (this.flags[pfn]! & (1 << bit)) !== 0;
  }
  setFlag(pfn: number, bit: number): void {
    this.flags[pfn]! |= 1 << bit;
  }
  clearFlag(pfn: number, bit: number): void {
    this.flags[pfn]! &= ~(1 << bit);
  }
  /** test_and_clear_bit */
  testClearFlag(pfn: number, bit: number): boolean {
    const was = (this.flags[pfn]! & (1 << bit)) !== 0;
    this.flags[pfn]! &= ~(1 << bit);
    return was;
  }
  /** test_and_set_bit */
  testSetFlag(pfn: number, bit: number): boolean {
    const was = (this.flags[pfn]! & (1 << bit)) !== 0;
    this.flags[pfn]! |= 1 << bit;
    return was;
  }

  /** page_folio(): the head pfn of the folio containing pfn. Folios are naturally aligned. */
  pageFolio(pfn: number): number {
    const order = this.order[pfn]!;
    return order === 0 ? pfn : pfn - (pfn & ((1 << order) - 1));
  }

  folioNrPages(head: number): number {
    return 1 << this.order[head]!;
  }

  /** folio_mapcount(): PTE mappings over all pages of the folio. */
  folioMapcount(head: number): number {
    return this.largeMapcount[head]!;
  }

  /** folio_mapped() */
  folioMapped(head: number): boolean {
    return this.largeMapcount[head]! > 0;
  }

  /** folio_test_anon(): mapping has PAGE_MAPPING_ANON (KSM included). */
  folioTestAnon(head: number): boolean {
    return (this.mapping[head]! & PAGE_MAPPING_ANON) !== 0;
  }
  folioTestKsm(head: number): boolean {
    return (this.mapping[head]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_KSM;
  }
  /** folio_test_swapcache(): swapbacked and owner_priv_1. */
  folioTestSwapcache(head: number): boolean {
    const f = this.flags[head]!;
    return (f & (1 << PG_swapbacked)) !== 0 && (f & (1 << PG_swapcache)) !== 0;
  }
  /**
   * folio_mapping() != NULL: page-cache folios, and anon folios in the swap cache (whose
   * folio_mapping() is the swap address_space). Plain anon and KSM folios have none.
   */
  folioHasMapping(head: number): boolean {
    // folio_mapping(): the swap cache first (a shmem folio there has mapping NULL)
    if (this.folioTestSwapcache(head)) return true;
    const m = this.mapping[head]!;
    return m !== 0 && (m & PAGE_MAPPING_FLAGS) === 0;
  }

  /** The id part of folio->mapping, without its tag. */
  mappingId(head: number): number {
    return this.mapping[head]! >> 2;
  }
  mappingTag(head: number): number {
    return this.mapping[head]! & PAGE_MAPPING_FLAGS;
  }
}
