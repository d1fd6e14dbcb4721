/**
 * Page tables: four levels (pgd, pud, pmd, pte) of 512-entry tables, x86-64 style, kept in a
 * pooled, chunked arena of Int32Array tables rather than one buffer per table. A table id is
 * its slot in the arena (0 = none). Upper levels hold child table ids; leaves hold PTEs.
 *
 * A PTE is two numbers in two parallel tables at the same slot: its bits in the leaf table
 * (`leaf`), and its frame in the frame table (`frame`): the pfn of a present PTE, the offset of
 * a swap entry, the pfn a migration entry names. A 64-bit pte_t holds both; a JavaScript number
 * that stays an int32 (a Smi) cannot, and a frame field of 26 bits beside the flags stops at
 * 256 GiB. Split, the frame has 31 bits (8 TiB of 4 KiB pages) and every value on the access
 * path stays a small integer, so nothing is boxed and nothing divides.
 *
 * Every leaf also has a parallel shadow table: the integrity shadow (debug/integrity.ts) keeps,
 * per virtual page, the token last written there.
 *
 * PTE bits (arch/x86 pgtable_types.h and include/linux/swapops.h):
 * - 0                        pte_none (its frame is 0 too)
 * - present: _PAGE_PRESENT 1, _PAGE_RW 2, _PAGE_ACCESSED 4, _PAGE_DIRTY 8, _PAGE_SPECIAL 16
 *   (the zero page), _PAGE_PROTNONE 32 (a NUMA hint)
 * - swap/migration: bit 0 clear, type << 1 (type != 0), young 16, dirty 32:
 *   SWP_SWAPFILE 1, SWP_MIGRATION_READ 2, SWP_MIGRATION_READ_EXCLUSIVE 3,
 *   SWP_MIGRATION_WRITE 4. Migration entries carry A/D bits (migration_entry_supports_ad()
 *   is true on x86), so nothing is folded into the folio at unmap. A swap PTE uses bit 4 as
 *   _PAGE_SWP_EXCLUSIVE.
 *
 * A swp_entry_t outside the page tables (folio->swap in page->private, shmem's value entries)
 * is the kernel's `type << SWP_TYPE_SHIFT | offset` for the one swap device, type 0: the offset
 * itself. Offset 0 is the swap header and never a slot, so 0 is "no entry". The entry helpers
 * live here, with the encoding, because mm's own paths (fault, zap, fork) must recognise a
 * swap PTE; the swap device is swap/swapfile.ts.
 */
export const PTRS_PER_TABLE = 512;
const TABLES_PER_CHUNK = 256;

export const _PAGE_PRESENT = 1;
export const _PAGE_RW = 2;
export const _PAGE_ACCESSED = 4;
export const _PAGE_DIRTY = 8;
export const _PAGE_SPECIAL = 16;
/**
 * _PAGE_PROTNONE-style NUMA hint bit (x86 reuses _PAGE_GLOBAL for it): change_prot_numa() sets
 * it on a present PTE so that the next access takes a NUMA hint fault (do_numa_page). As in
 * the kernel, pte_present() stays true for such a PTE (rmap, migration and zap treat it as
 * mapped); only the CPU access path refuses it. foliox keeps _PAGE_PRESENT set beside it and
 * keeps RW/A/D underneath, which pte_modify() would have rebuilt from vm_page_prot.
 */
export const _PAGE_PROTNONE = 32;

export const SWP_SWAPFILE = 1;
export const SWP_MIGRATION_READ = 2;
export const SWP_MIGRATION_READ_EXCLUSIVE = 3;
export const SWP_MIGRATION_WRITE = 4;
export const SWP_MIG_YOUNG = 16;
export const SWP_MIG_DIRTY = 32;

/** The largest frame a PTE holds: 31 bits (the frame table is an Int32Array). */
export const MAX_PTE_FRAME = 2 ** 31 - 1;

export function ptePresent(pte: number): boolean {
  return (pte & _PAGE_PRESENT) !== 0;
}
export function pteNone(pte: number): boolean {
  return pte === 0;
}
/** pte_protnone(): a NUMA hint PTE */
export function pteProtnone(pte: number): boolean {
  return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) === (_PAGE_PRESENT | _PAGE_PROTNONE);
}
export function pteWrite(pte: number): boolean {
  return (pte & _PAGE_RW) !== 0;
}
export function pteYoung(pte: number): boolean {
  return (pte & _PAGE_ACCESSED) !== 0;
}
export function pteDirty(pte: number): boolean {
  return (pte & _PAGE_DIRTY) !== 0;
}
export function pteSpecial(pte: number): boolean {
  return (pte & _PAGE_SPECIAL) !== 0;
}
/** swp_type() of a non-present, non-none PTE */
export function swpType(pte: number): number {
  return (pte >>> 1) & 7;
}
export function isMigrationEntry(pte: number): boolean {
  if (pte === 0 || (pte & _PAGE_PRESENT) !== 0) return false;
  const t = swpType(pte);
  return t >= SWP_MIGRATION_READ && t <= SWP_MIGRATION_WRITE;
}
export function isWritableMigrationEntry(pte: number): boolean {
  return isMigrationEntry(pte) && swpType(pte) === SWP_MIGRATION_WRITE;
}
export function isReadableMigrationEntry(pte: number): boolean {
  return isMigrationEntry(pte) && swpType(pte) === SWP_MIGRATION_READ;
}
export function isReadableExclusiveMigrationEntry(pte: number): boolean {
  return isMigrationEntry(pte) && swpType(pte) === SWP_MIGRATION_READ_EXCLUSIVE;
}
/** _PAGE_SWP_EXCLUSIVE: the swapped-out page was PG_anon_exclusive (pte_swp_mkexclusive) */
export const _PAGE_SWP_EXCLUSIVE = 16;

/** swp_entry(0, offset): a swp_entry_t of the one swap device is its offset. */
export function swpEntry(offset: number): number {
  return offset;
}
/** swp_offset() of a swp_entry_t (not of a PTE: a swap PTE's offset is its frame). */
export function swpOffset(entry: number): number {
  return entry;
}
/** is_swap_pte() && !non_swap_entry(): a real swap entry (not a migration entry). */
export function isSwapPte(pte: number): boolean {
  return pte !== 0 && (pte & _PAGE_PRESENT) === 0 && swpType(pte) === SWP_SWAPFILE;
}
/** The bits of swp_entry_to_pte() (+ pte_swp_mkexclusive()); the offset is the frame. */
export function swapPteBits(exclusive: boolean): number {
  return (SWP_SWAPFILE << 1) | (exclusive ? _PAGE_SWP_EXCLUSIVE : 0);
}
export function pteSwpExclusive(pte: number): boolean {
  return (pte & _PAGE_SWP_EXCLUSIVE) !== 0;
}

/** The bits of make_{readable,readable_exclusive,writable}_migration_entry(); the pfn is the frame. */
export function migrationEntryBits(type: number, young: boolean, dirty: boolean): number {
  return (type << 1) | (young ? SWP_MIG_YOUNG : 0) | (dirty ? SWP_MIG_DIRTY : 0);
}
export function isMigrationEntryYoung(pte: number): boolean {
  return (pte & SWP_MIG_YOUNG) !== 0;
}
export function isMigrationEntryDirty(pte: number): boolean {
  return (pte & SWP_MIG_DIRTY) !== 0;
}

/** What a PTE is, in words a user reads. */
export function pteKind(pte: number): string {
  if (pte === 0) return "none";
  if (pte & _PAGE_PRESENT)
    return pte & _PAGE_SPECIAL ? "present-zero" : pte & _PAGE_PROTNONE ? "present-protnone" : pte & _PAGE_RW ? "present-rw" : "present-ro";
  switch (swpType(pte)) {
    case SWP_MIGRATION_READ:
      return "migration-read";
    case SWP_MIGRATION_READ_EXCLUSIVE:
      return "migration-read-exclusive";
    case SWP_MIGRATION_WRITE:
      return "migration-write";
    default:
      return "swap";
  }
}

/**
 * Virtual page numbers reach 2^36 (48-bit addresses), past the int32 range, so they are
 * doubles: split them with a multiply and a floor, never `%` (which V8 compiles to a call into
 * fmod for a double) and never a 32-bit shift (which would alias).
 */
/** The virtual page of an address: addr >> PAGE_SHIFT. */
export function addrToVpn(addr: number): number {
  return Math.floor(addr * (1 / 4096));
}
/** addr & ~PAGE_MASK: the offset of an address in its page. */
export function addrPageOffset(addr: number): number {
  return addr - Math.floor(addr * (1 / 4096)) * 4096;
}
/**
 * An address split at bit 30 into two int32s, addrHi (bits 30-47: the pgd and pud index) and
 * addrLo (bits 0-29), for a hot loop that passes addresses to a call: a double above 2^31 is
 * boxed into a fresh heap number on every call, two small integers are not.
 */
export const ADDR_SPLIT = 2 ** 30;
export function addrHi(addr: number): number {
  return Math.floor(addr * (1 / ADDR_SPLIT));
}
export function addrLo(addr: number): number {
  return addr - Math.floor(addr * (1 / ADDR_SPLIT)) * ADDR_SPLIT;
}

/** ALIGN_DOWN(addr, size) for a power-of-two size. */
export function addrAlignDown(addr: number, size: number): number {
  return Math.floor(addr / size) * size;
}
/** pte_index(): the slot of a virtual page in its leaf table (vpn & 511). */
export function vpnPteIndex(vpn: number): number {
  return vpn - Math.floor(vpn * (1 / 512)) * 512;
}

/**
 * The table arena. `walk()` leaves its result in `leaf`/`frame`/`shadow`/`off`: the leaf
 * table's chunks and the entry's offset in them, so the hot path allocates nothing.
 */
export class PgtableArena {
  private readonly chunks: Int32Array[] = [];
  private readonly frameChunks: Int32Array[] = [];
  private readonly shadowChunks: Int32Array[] = [];
  private readonly freeIds: number[] = [];
  private nextId = 1;
  /** tables in use, for memory accounting */
  nrTables = 0;
  /** result of the last walk(): the leaf chunk, its frame and shadow chunks, and the entry offset */
  leaf: Int32Array = new Int32Array(0);
  frame: Int32Array = new Int32Array(0);
  shadow: Int32Array = new Int32Array(0);
  off = 0;
  /** the last walk()'s leaf table id: the PTE lock's instance (split ptlocks: one per table) */
  leafId = 0;

  allocTable(): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.nextId++;
      const c = id >>> 8;
      if (c >= this.chunks.length) {
        this.chunks.push(new Int32Array(TABLES_PER_CHUNK * PTRS_PER_TABLE));
        this.frameChunks.push(new Int32Array(TABLES_PER_CHUNK * PTRS_PER_TABLE));
        this.shadowChunks.push(new Int32Array(TABLES_PER_CHUNK * PTRS_PER_TABLE));
      }
    }
    this.nrTables++;
    return id;
  }

  freeTable(id: number): void {
    const off = (id & (TABLES_PER_CHUNK - 1)) << 9;
    this.chunks[id >>> 8]!.fill(0, off, off + PTRS_PER_TABLE);
    this.frameChunks[id >>> 8]!.fill(0, off, off + PTRS_PER_TABLE);
    this.shadowChunks[id >>> 8]!.fill(0, off, off + PTRS_PER_TABLE);
    this.freeIds.push(id);
    this.nrTables--;
  }

  /** Bytes the arena holds: the leaf, frame and shadow chunks (256 tables of 2 KiB each, per chunk). */
  get bytes(): number {
    return this.chunks.length * 3 * TABLES_PER_CHUNK * PTRS_PER_TABLE * 4;
  }

  /** The table's entries: its chunk and base offset. */
  table(id: number): Int32Array {
    return this.chunks[id >>> 8]!;
  }
  frameTable(id: number): Int32Array {
    return this.frameChunks[id >>> 8]!;
  }
  shadowTable(id: number): Int32Array {
    return this.shadowChunks[id >>> 8]!;
  }
  base(id: number): number {
    return (id & (TABLES_PER_CHUNK - 1)) << 9;
  }

  /** The PTE's bits at the last walk's slot (ptep_get(), its flags). */
  pte(): number {
    return this.leaf[this.off]!;
  }
  /** pte_pfn() of a present PTE, swp_offset() of a swap or migration entry, at the last walk's slot. */
  pfn(): number {
    return this.frame[this.off]!;
  }
  /** set_pte_at(pfn_pte(pfn, prot)) at the last walk's slot. */
  setPfnPte(pfn: number, bits: number): void {
    this.frame[this.off] = pfn;
    this.leaf[this.off] = bits | _PAGE_PRESENT;
  }
  /** set_pte_at(swp_entry_to_pte(entry)): a swap or migration entry (bits: swapPteBits, migrationEntryBits). */
  setSwpPte(offset: number, bits: number): void {
    this.frame[this.off] = offset;
    this.leaf[this.off] = bits;
  }
  /** pte_clear() */
  clearPte(): void {
    this.leaf[this.off] = 0;
    this.frame[this.off] = 0;
  }

  /**
   * Walk pgd -> pud -> pmd -> pte for virtual page vpn (addr >> 12, up to 2^36). With alloc,
   * missing tables are created (__pte_alloc); without, returns false on a hole.
   */
  walk(pgd: number, vpn: number, alloc: boolean): boolean {
    // vpn may exceed 2^31: split it into the pgd/pud part and the pmd/pte part (18 bits each)
    // with a multiply, so the rest is int32 arithmetic
    const hi = Math.floor(vpn * (1 / 262144));
    return this.walkSplit(pgd, hi, vpn - hi * 262144, alloc);
  }

  /**
   * walk() of the virtual page hi * 2^18 + lo: hi the pgd/pud index (addrHi()), lo the pmd/pte
   * index (addrLo() >>> 12), both int32.
   */
  walkSplit(pgd: number, hi: number, lo: number, alloc: boolean): boolean {
    let id = pgd;
    id = this.child(id, hi >>> 9, alloc);
    if (id === 0) return false;
    id = this.child(id, hi & 511, alloc);
    if (id === 0) return false;
    id = this.child(id, lo >>> 9, alloc);
    if (id === 0) return false;
    const c = id >>> 8;
    this.leaf = this.chunks[c]!;
    this.frame = this.frameChunks[c]!;
    this.shadow = this.shadowChunks[c]!;
    this.off = ((id & (TABLES_PER_CHUNK - 1)) << 9) + (lo & 511);
    this.leafId = id;
    return true;
  }

  private child(id: number, idx: number, alloc: boolean): number {
    const t = this.chunks[id >>> 8]!;
    const at = ((id & (TABLES_PER_CHUNK - 1)) << 9) + idx;
    let child = t[at]!;
    if (child === 0 && alloc) {
      child = this.allocTable();
      // allocTable may have added a chunk; t is still the right array for `id`.
      t[at] = child;
    }
    return child;
  }

  /**
   * free_pgtables() for [startVpn, endVpn): free leaf tables wholly inside the range, and any
   * upper table left empty. Entries must already be cleared.
   */
  freePgtables(pgd: number, startVpn: number, endVpn: number): void {
    this.freeLevel(pgd, 0, 0, startVpn, endVpn);
  }

  private freeLevel(id: number, level: number, baseVpn: number, startVpn: number, endVpn: number): boolean {
    // pages covered by one entry at this level: 2^27, 2^18, 2^9
    const span = level === 0 ? 134217728 : level === 1 ? 262144 : 512;
    const t = this.chunks[id >>> 8]!;
    const b = this.base(id);
    let empty = true;
    for (let i = 0; i < PTRS_PER_TABLE; i++) {
      const child = t[b + i]!;
      if (child === 0) continue;
      const lo = baseVpn + i * span;
      const hi = lo + span;
      if (hi <= startVpn || lo >= endVpn) {
        empty = false;
        continue;
      }
      let childEmpty: boolean;
      if (level === 2) {
        const ct = this.chunks[child >>> 8]!;
        const cb = this.base(child);
        childEmpty = true;
        for (let j = 0; j < PTRS_PER_TABLE; j++) if (ct[cb + j] !== 0) childEmpty = false;
      } else {
        childEmpty = this.freeLevel(child, level + 1, lo, startVpn, endVpn);
      }
      if (childEmpty) {
        this.freeTable(child);
        t[b + i] = 0;
      } else {
        empty = false;
      }
    }
    return empty;
  }
}
