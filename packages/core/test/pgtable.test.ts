import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { MAX_PFN } from "../src/mm/mem-map.js";
import {
  MAX_PTE_FRAME,
  PgtableArena,
  SWP_MIGRATION_READ,
  SWP_MIGRATION_READ_EXCLUSIVE,
  SWP_MIGRATION_WRITE,
  SWP_SWAPFILE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  _PAGE_SPECIAL,
  addrAlignDown,
  addrPageOffset,
  addrToVpn,
  isMigrationEntry,
  isMigrationEntryDirty,
  isMigrationEntryYoung,
  isReadableExclusiveMigrationEntry,
  isReadableMigrationEntry,
  isSwapPte,
  isWritableMigrationEntry,
  migrationEntryBits,
  pteDirty,
  pteKind,
  pteNone,
  ptePresent,
  pteSpecial,
  pteSwpExclusive,
  pteWrite,
  pteYoung,
  swapPteBits,
  swpEntry,
  swpOffset,
  swpType,
  vpnPteIndex,
} from "../src/mm/pgtable.js";

/** Frames a PTE must hold: small ones, past the old 25-bit field, a 1 TiB machine's last, the model's limit and the table's. */
const PFNS = [0, 1, 511, 512, 12345, 0x12345, 2 ** 25, 2 ** 28 - 1, MAX_PFN - 1, MAX_PTE_FRAME];

function put(pt: PgtableArena, pgd: number, vpn: number, pfn: number, bits = 0): void {
  expect(pt.walk(pgd, vpn, true)).toBe(true);
  pt.setPfnPte(pfn, bits);
}

/** The frame at vpn, or -1 for a hole or pte_none. */
function get(pt: PgtableArena, pgd: number, vpn: number): number {
  return pt.walk(pgd, vpn, false) && pt.pte() !== 0 ? pt.pfn() : -1;
}

/** One PTE slot to write and read back. */
function slot(): PgtableArena {
  const pt = new PgtableArena();
  expect(pt.walk(pt.allocTable(), 12345, true)).toBe(true);
  return pt;
}

describe("PTE encoding", () => {
  it("present PTEs round-trip pfn and every bit combination, and stay int32", () => {
    const pt = slot();
    for (const pfn of PFNS) {
      for (let bits = 0; bits < 32; bits += 2) {
        pt.setPfnPte(pfn, bits);
        const pte = pt.pte();
        expect(pte | 0).toBe(pte);
        expect(pt.pfn() | 0).toBe(pt.pfn()); // a Smi on the access path: no boxing
        expect(ptePresent(pte)).toBe(true);
        expect(pteNone(pte)).toBe(false);
        expect(isMigrationEntry(pte)).toBe(false);
        expect(pt.pfn()).toBe(pfn);
        expect(pteWrite(pte)).toBe((bits & _PAGE_RW) !== 0);
        expect(pteYoung(pte)).toBe((bits & _PAGE_ACCESSED) !== 0);
        expect(pteDirty(pte)).toBe((bits & _PAGE_DIRTY) !== 0);
        expect(pteSpecial(pte)).toBe((bits & _PAGE_SPECIAL) !== 0);
      }
    }
    pt.clearPte();
    expect(pteKind(pt.pte())).toBe("none");
    expect(pt.pfn()).toBe(0);
    pt.setPfnPte(5, _PAGE_RW);
    expect(pteKind(pt.pte())).toBe("present-rw");
    pt.setPfnPte(5, 0);
    expect(pteKind(pt.pte())).toBe("present-ro");
    pt.setPfnPte(0, _PAGE_SPECIAL);
    expect(pteKind(pt.pte())).toBe("present-zero");
  });

  it("migration entries of each type round-trip pfn, type, young and dirty", () => {
    const pt = slot();
    const types = [SWP_MIGRATION_READ, SWP_MIGRATION_READ_EXCLUSIVE, SWP_MIGRATION_WRITE];
    const kinds = ["migration-read", "migration-read-exclusive", "migration-write"];
    for (const pfn of PFNS) {
      types.forEach((type, ti) => {
        for (const young of [false, true]) {
          for (const dirty of [false, true]) {
            pt.setSwpPte(pfn, migrationEntryBits(type, young, dirty));
            const e = pt.pte();
            expect(e | 0).toBe(e);
            expect(e).toBeGreaterThan(0);
            expect(ptePresent(e)).toBe(false);
            expect(pteNone(e)).toBe(false);
            expect(isMigrationEntry(e)).toBe(true);
            expect(isSwapPte(e)).toBe(false);
            expect(swpType(e)).toBe(type);
            expect(pt.pfn()).toBe(pfn);
            expect(isMigrationEntryYoung(e)).toBe(young);
            expect(isMigrationEntryDirty(e)).toBe(dirty);
            expect(isReadableMigrationEntry(e)).toBe(type === SWP_MIGRATION_READ);
            expect(isReadableExclusiveMigrationEntry(e)).toBe(type === SWP_MIGRATION_READ_EXCLUSIVE);
            expect(isWritableMigrationEntry(e)).toBe(type === SWP_MIGRATION_WRITE);
            expect(pteKind(e)).toBe(kinds[ti]);
          }
        }
      });
    }
  });

  it("a swap PTE holds its offset as the frame; a swp_entry_t of the one device is its offset", () => {
    const pt = slot();
    for (const off of [1, 77, 2 ** 25 + 3, 2 ** 30]) {
      for (const exclusive of [false, true]) {
        const entry = swpEntry(off);
        expect(swpOffset(entry)).toBe(off);
        pt.setSwpPte(swpOffset(entry), swapPteBits(exclusive));
        const e = pt.pte();
        expect(swpType(e)).toBe(SWP_SWAPFILE);
        expect(isSwapPte(e)).toBe(true);
        expect(pteSwpExclusive(e)).toBe(exclusive);
        expect(ptePresent(e)).toBe(false);
        expect(isMigrationEntry(e)).toBe(false);
        expect(isReadableMigrationEntry(e)).toBe(false);
        expect(pteKind(e)).toBe("swap");
        expect(pt.pfn()).toBe(off);
      }
    }
    expect(isMigrationEntry(0)).toBe(false);
    expect(isSwapPte(0)).toBe(false);
  });

  it("addresses split without a double division or remainder: vpn, page offset, leaf index, alignment", () => {
    for (const addr of [0, 4095, 4096, 0x7f00_0000_0000, 0x7fff_ffff_f123, 2 ** 47 + 5 * 4096 + 7]) {
      expect(addrToVpn(addr)).toBe(Math.floor(addr / 4096));
      expect(addrPageOffset(addr)).toBe(addr % 4096);
      expect(addrAlignDown(addr, 2 ** 21)).toBe(addr - (addr % 2 ** 21));
      const vpn = addrToVpn(addr);
      expect(vpnPteIndex(vpn)).toBe(vpn % 512);
    }
  });
});

describe("page-table arena", () => {
  it("walk without alloc stops at a hole and allocates nothing; with alloc it builds 3 levels", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    expect(pt.nrTables).toBe(1);
    const vpn = Math.floor(0x7f00_0000_0000 / 4096);
    expect(pt.walk(pgd, vpn, false)).toBe(false);
    expect(pt.nrTables).toBe(1);
    expect(pt.walk(pgd, vpn, true)).toBe(true);
    expect(pt.nrTables).toBe(4); // pud, pmd, pte
    expect(pt.leaf[pt.off]).toBe(0);
    pt.setPfnPte(42, _PAGE_RW);
    pt.shadow[pt.off] = 1234;
    expect(pt.walk(pgd, vpn, false)).toBe(true);
    expect(pt.pfn()).toBe(42);
    expect(pteWrite(pt.pte())).toBe(true);
    expect(pt.shadow[pt.off]).toBe(1234);
    // same leaf table for the other 511 entries; a new leaf 512 pages on
    put(pt, pgd, vpn + 511, 43);
    expect(pt.nrTables).toBe(4);
    put(pt, pgd, vpn + 512, 44);
    expect(pt.nrTables).toBe(5);
    // another pud entry: new pmd + pte; another pgd entry: new pud + pmd + pte
    put(pt, pgd, vpn + 262144, 45);
    expect(pt.nrTables).toBe(7);
    put(pt, pgd, vpn + 134217728, 46);
    expect(pt.nrTables).toBe(10);
    expect([vpn, vpn + 511, vpn + 512, vpn + 262144, vpn + 134217728].map((v) => get(pt, pgd, v))).toEqual([42, 43, 44, 45, 46]);
    expect(get(pt, pgd, vpn + 1)).toBe(-1);
  });

  it("addresses above 2^32 (and vpns above 2^32) neither alias nor collide", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    const addrs = [0x10000, 0x7f00_0000_0000, 0x7fff_ffff_f000, 0x1_0000_0000, 0x1_0000_1000, 0x4000_0000_0000];
    addrs.forEach((addr, i) => put(pt, pgd, Math.floor(addr / 4096), 100 + i));
    addrs.forEach((addr, i) => expect(get(pt, pgd, Math.floor(addr / 4096))).toBe(100 + i));
    // the top of a 48-bit address space is vpn 2^36 - 1
    const top = 2 ** 36 - 1;
    put(pt, pgd, top, 7);
    // vpn 2^35 + 5 and vpn 5 must be distinct slots (a 32-bit shift would alias them)
    put(pt, pgd, 2 ** 35 + 5, 8);
    expect(get(pt, pgd, 5)).toBe(-1);
    expect(get(pt, pgd, 2 ** 35 + 5)).toBe(8);
    expect(get(pt, pgd, top)).toBe(7);
    put(pt, pgd, 2 ** 32 + 3, 9);
    expect(get(pt, pgd, 3)).toBe(-1);
  });

  it("freePgtables frees emptied tables back to the baseline, keeps non-empty ones, and reuses ids zeroed", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    const base = pt.nrTables;
    const start = Math.floor(0x7f00_0000_0000 / 4096);
    const vpns = [start, start + 1, start + 700, start + 262144 * 3 + 9, start + 134217728 + 2];
    for (const v of vpns) {
      put(pt, pgd, v, 1);
      pt.shadow[pt.off] = 99;
    }
    const full = pt.nrTables;
    expect(full).toBeGreaterThan(base);

    // a leaf that still holds an entry survives a free over its range
    expect(pt.walk(pgd, start + 1, false)).toBe(true);
    pt.leaf[pt.off] = 0;
    pt.freePgtables(pgd, start, start + 512);
    expect(pt.nrTables).toBe(full);
    expect(get(pt, pgd, start)).not.toBe(-1);

    // clear everything, free a range that does not cover the tables: nothing goes
    for (const v of vpns) {
      pt.walk(pgd, v, false);
      pt.clearPte();
    }
    pt.freePgtables(pgd, 0x10, 0x20);
    expect(pt.nrTables).toBe(full);

    // free the whole span: back to the pgd alone
    pt.freePgtables(pgd, start, start + 134217728 + 512);
    expect(pt.nrTables).toBe(base);
    for (const v of vpns) expect(pt.walk(pgd, v, false)).toBe(false);

    // re-walking reuses freed ids, and they come back zeroed (entries and shadow)
    for (const v of vpns) {
      expect(pt.walk(pgd, v, true)).toBe(true);
      expect(pt.leaf[pt.off]).toBe(0);
      expect(pt.frame[pt.off]).toBe(0);
      expect(pt.shadow[pt.off]).toBe(0);
    }
    expect(pt.nrTables).toBe(full);
  });

  it("grows past one chunk of 256 tables", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    for (let i = 0; i < 600; i++) put(pt, pgd, i * 512, i + 1);
    expect(pt.nrTables).toBeGreaterThan(600);
    for (let i = 0; i < 600; i++) expect(get(pt, pgd, i * 512)).toBe(i + 1);
  });
});
