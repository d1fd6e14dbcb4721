/**
 * Page tables: four levels (pgd, pud, pmd, pte) of 512-entry tables, x86-64 style, kept in a
 * pooled, chunked arena of Int32Array tables rather than one buffer per table. A table id is
 * its slot in the arena (0 = none). Upper levels hold child table ids; leaves hold PTEs.
 *
 * Every leaf has a parallel shadow table in the same slot of a second arena: the integrity
 * shadow (debug/integrity.ts) keeps, per virtual page, the token last written there.
 *
 * PTE encoding (include/linux/swapops.h and arch/x86 pgtable_types.h, packed into 31 bits):
 * - 0                                   pte_none
 * - present: frame << 6 | bits          _PAGE_PRESENT 1, _PAGE_RW 2, _PAGE_ACCESSED 4,
 *                                       _PAGE_DIRTY 8, _PAGE_SPECIAL 16 (the zero page)
 * - swap/migration: offset << 6 | type << 1 | young 16 | dirty 32, bit 0 clear, type != 0:
 *   SWP_SWAPFILE 1, SWP_MIGRATION_READ 2, SWP_MIGRATION_READ_EXCLUSIVE 3,
 *   SWP_MIGRATION_WRITE 4. Migration entries carry A/D bits (migration_entry_supports_ad()
 *   is true on x86), so nothing is folded into the folio at unmap. A swap PTE uses bit 4 as
 *   _PAGE_SWP_EXCLUSIVE. The entry helpers live here, with the encoding, because mm's own
 *   paths (fault, zap, fork) must recognise a swap PTE; the swap device is swap/swapfile.ts.
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

export function ptePresent(pte: number): boolean {
  return (pte & _PAGE_PRESENT) !== 0;
}
export function pteNone(pte: number): boolean {
  return pte === 0;
}
export function ptePfn(pte: number): number {
  return pte >>> 6;
}
export function pfnPte(pfn: number, bits: number): number {
  return ((pfn << 6) | bits | _PAGE_PRESENT) | 0;
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
export function swpOffset(pte: number): number {
  return pte >>> 6;
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

/** swp_entry(type, offset) for the one swap device (type 0). */
export function swpEntry(offset: number): number {
  return ((offset << 6) | (SWP_SWAPFILE << 1)) | 0;
}
/** is_swap_pte() && !non_swap_entry(): a real swap entry (not a migration entry). */
export function isSwapPte(pte: number): boolean {
  return pte !== 0 && (pte & _PAGE_PRESENT) === 0 && swpType(pte) === SWP_SWAPFILE;
}
/** pte_to_swp_entry(): drop the PTE-only bits (exclusive). */
export function pteToSwpEntry(pte: number): number {
  return pte & ~_PAGE_SWP_EXCLUSIVE;
}
/** swp_entry_to_pte() (+ pte_swp_mkexclusive()) */
export function swpEntryToPte(entry: number, exclusive: boolean): number {
  return exclusive ? entry | _PAGE_SWP_EXCLUSIVE : entry;
}
export function pteSwpExclusive(pte: number): boolean {
  return (pte & _PAGE_SWP_EXCLUSIVE) !== 0;
}

export function makeMigrationEntry(pfn: number, type: number, young: boolean, dirty: boolean): number {
  return ((pfn << 6) | (type << 1) | (young ? SWP_MIG_YOUNG : 0) | (dirty ? SWP_MIG_DIRTY : 0)) | 0;
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
  if (pte & _PAGE_PRESENT) return pte & _PAGE_SPECIAL ? "present-zero" : pte & _PAGE_PROTNONE ? "present-protnone" : pte & _PAGE_RW ? "present-rw" : "present-ro";
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
 * The table arena. `walk()` leaves its result in `leaf`/`off`: the leaf table's chunk and the
 * entry's offset in it, so the hot path allocates nothing.
 */
export class PgtableArena {
  private readonly chunks: Int32Array[] = [];
  private readonly shadowChunks: Int32Array[] = [];
  private readonly freeIds: number[] = [];
  private nextId = 1;
  /** tables in use, for memory accounting */
  nrTables = 0;
  /** result of the last walk(): the leaf chunk, its shadow chunk, and the entry offset */
  leaf: Int32Array = new Int32Array(0);
  shadow: Int32Array = new Int32Array(0);
  off = 0;

  allocTable(): number {
    let id = this.freeIds.pop();
    if (id === undefined) {
      id = this.nextId++;
      const c = id >>> 8;
      if (c >= this.chunks.length) {
        this.chunks.push(new Int32Array(TABLES_PER_CHUNK * PTRS_PER_TABLE));
        this.shadowChunks.push(new Int32Array(TABLES_PER_CHUNK * PTRS_PER_TABLE));
      }
    }
    this.nrTables++;
    return id;
  }

  freeTable(id: number): void {
    const off = (id & (TABLES_PER_CHUNK - 1)) << 9;
    this.chunks[id >>> 8]!.fill(0, off, off + PTRS_PER_TABLE);
    this.shadowChunks[id >>> 8]!.fill(0, off, off + PTRS_PER_TABLE);
    this.freeIds.push(id);
    this.nrTables--;
  }

  /** The table's entries: its chunk and base offset. */
  table(id: number): Int32Array {
    return this.chunks[id >>> 8]!;
  }
  shadowTable(id: number): Int32Array {
    return this.shadowChunks[id >>> 8]!;
  }
  base(id: number): number {
    return (id & (TABLES_PER_CHUNK - 1)) << 9;
  }

  /**
   * Walk pgd -> pud -> pmd -> pte for virtual page vpn (addr / 4096, up to 2^36). With alloc,
   * missing tables are created (__pte_alloc); without, returns false on a hole.
   */
  walk(pgd: number, vpn: number, alloc: boolean): boolean {
    const hi = Math.floor(vpn / 262144);
    const lo = vpn - hi * 262144;
    let id = pgd;
    id = this.child(id, hi >>> 9, alloc);
    if (id === 0) return false;
    id = this.child(id, hi & 511, alloc);
    if (id === 0) return false;
    id = this.child(id, lo >>> 9, alloc);
    if (id === 0) return false;
    const c = id >>> 8;
    this.leaf = this.chunks[c]!;
    this.shadow = this.shadowChunks[c]!;
    this.off = ((id & (TABLES_PER_CHUNK - 1)) << 9) + (lo & 511);
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
