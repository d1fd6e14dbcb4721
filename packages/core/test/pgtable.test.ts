import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { MAX_PFN } from "../src/mm/mem-map.js";
import {
  PgtableArena,
  SWP_MIGRATION_READ,
  SWP_MIGRATION_READ_EXCLUSIVE,
  SWP_MIGRATION_WRITE,
  SWP_SWAPFILE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  _PAGE_SPECIAL,
  isMigrationEntry,
  isMigrationEntryDirty,
  isMigrationEntryYoung,
  isReadableExclusiveMigrationEntry,
  isReadableMigrationEntry,
  isWritableMigrationEntry,
  makeMigrationEntry,
  pfnPte,
  pteDirty,
  pteKind,
  pteNone,
  ptePfn,
  ptePresent,
  pteSpecial,
  pteWrite,
  pteYoung,
  swpOffset,
  swpType,
} from "../src/mm/pgtable.js";

const PFNS = [0, 1, 511, 512, 12345, 0x12345, MAX_PFN - 1];

function put(pt: PgtableArena, pgd: number, vpn: number, pte: number): void {
  expect(pt.walk(pgd, vpn, true)).toBe(true);
  pt.leaf[pt.off] = pte;
}

function get(pt: PgtableArena, pgd: number, vpn: number): number {
  return pt.walk(pgd, vpn, false) ? pt.leaf[pt.off]! : 0;
}

describe("PTE encoding", () => {
  it("present PTEs round-trip pfn and every bit combination", () => {
    for (const pfn of PFNS) {
      for (let bits = 0; bits < 32; bits += 2) {
        const pte = pfnPte(pfn, bits);
        expect(pte).toBeGreaterThan(0); // an Int32 that stays positive: no sign trouble
        expect(pte | 0).toBe(pte);
        expect(ptePresent(pte)).toBe(true);
        expect(pteNone(pte)).toBe(false);
        expect(isMigrationEntry(pte)).toBe(false);
        expect(ptePfn(pte)).toBe(pfn);
        expect(pteWrite(pte)).toBe((bits & _PAGE_RW) !== 0);
        expect(pteYoung(pte)).toBe((bits & _PAGE_ACCESSED) !== 0);
        expect(pteDirty(pte)).toBe((bits & _PAGE_DIRTY) !== 0);
        expect(pteSpecial(pte)).toBe((bits & _PAGE_SPECIAL) !== 0);
      }
    }
    expect(pteKind(0)).toBe("none");
    expect(pteKind(pfnPte(5, _PAGE_RW))).toBe("present-rw");
    expect(pteKind(pfnPte(5, 0))).toBe("present-ro");
    expect(pteKind(pfnPte(0, _PAGE_SPECIAL))).toBe("present-zero");
  });

  it("migration entries of each type round-trip pfn, type, young and dirty", () => {
    const types = [SWP_MIGRATION_READ, SWP_MIGRATION_READ_EXCLUSIVE, SWP_MIGRATION_WRITE];
    const kinds = ["migration-read", "migration-read-exclusive", "migration-write"];
    for (const pfn of PFNS) {
      types.forEach((type, ti) => {
        for (const young of [false, true]) {
          for (const dirty of [false, true]) {
            const e = makeMigrationEntry(pfn, type, young, dirty);
            expect(e | 0).toBe(e);
            expect(e).toBeGreaterThan(0);
            expect(ptePresent(e)).toBe(false);
            expect(pteNone(e)).toBe(false);
            expect(isMigrationEntry(e)).toBe(true);
            expect(swpType(e)).toBe(type);
            expect(swpOffset(e)).toBe(pfn);
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

  it("a swap-file entry is neither present nor a migration entry", () => {
    const e = makeMigrationEntry(77, SWP_SWAPFILE, false, false);
    expect(ptePresent(e)).toBe(false);
    expect(isMigrationEntry(e)).toBe(false);
    expect(isReadableMigrationEntry(e)).toBe(false);
    expect(pteKind(e)).toBe("swap");
    expect(isMigrationEntry(0)).toBe(false);
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
    pt.leaf[pt.off] = pfnPte(42, _PAGE_RW);
    pt.shadow[pt.off] = 1234;
    expect(pt.walk(pgd, vpn, false)).toBe(true);
    expect(ptePfn(pt.leaf[pt.off]!)).toBe(42);
    expect(pt.shadow[pt.off]).toBe(1234);
    // same leaf table for the other 511 entries; a new leaf 512 pages on
    put(pt, pgd, vpn + 511, pfnPte(43, 0));
    expect(pt.nrTables).toBe(4);
    put(pt, pgd, vpn + 512, pfnPte(44, 0));
    expect(pt.nrTables).toBe(5);
    // another pud entry: new pmd + pte; another pgd entry: new pud + pmd + pte
    put(pt, pgd, vpn + 262144, pfnPte(45, 0));
    expect(pt.nrTables).toBe(7);
    put(pt, pgd, vpn + 134217728, pfnPte(46, 0));
    expect(pt.nrTables).toBe(10);
    expect([vpn, vpn + 511, vpn + 512, vpn + 262144, vpn + 134217728].map((v) => ptePfn(get(pt, pgd, v)))).toEqual([42, 43, 44, 45, 46]);
    expect(get(pt, pgd, vpn + 1)).toBe(0);
  });

  it("addresses above 2^32 (and vpns above 2^32) neither alias nor collide", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    const addrs = [0x10000, 0x7f00_0000_0000, 0x7fff_ffff_f000, 0x1_0000_0000, 0x1_0000_1000, 0x4000_0000_0000];
    addrs.forEach((addr, i) => put(pt, pgd, Math.floor(addr / 4096), pfnPte(100 + i, 0)));
    addrs.forEach((addr, i) => expect(ptePfn(get(pt, pgd, Math.floor(addr / 4096)))).toBe(100 + i));
    // the top of a 48-bit address space is vpn 2^36 - 1
    const top = 2 ** 36 - 1;
    put(pt, pgd, top, pfnPte(7, 0));
    // vpn 2^35 + 5 and vpn 5 must be distinct slots (a 32-bit shift would alias them)
    put(pt, pgd, 2 ** 35 + 5, pfnPte(8, 0));
    expect(get(pt, pgd, 5)).toBe(0);
    expect(ptePfn(get(pt, pgd, 2 ** 35 + 5))).toBe(8);
    expect(ptePfn(get(pt, pgd, top))).toBe(7);
    put(pt, pgd, 2 ** 32 + 3, pfnPte(9, 0));
    expect(get(pt, pgd, 3)).toBe(0);
  });

  it("freePgtables frees emptied tables back to the baseline, keeps non-empty ones, and reuses ids zeroed", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    const base = pt.nrTables;
    const start = Math.floor(0x7f00_0000_0000 / 4096);
    const vpns = [start, start + 1, start + 700, start + 262144 * 3 + 9, start + 134217728 + 2];
    for (const v of vpns) {
      put(pt, pgd, v, pfnPte(1, 0));
      pt.shadow[pt.off] = 99;
    }
    const full = pt.nrTables;
    expect(full).toBeGreaterThan(base);

    // a leaf that still holds an entry survives a free over its range
    expect(pt.walk(pgd, start + 1, false)).toBe(true);
    pt.leaf[pt.off] = 0;
    pt.freePgtables(pgd, start, start + 512);
    expect(pt.nrTables).toBe(full);
    expect(get(pt, pgd, start)).not.toBe(0);

    // clear everything, free a range that does not cover the tables: nothing goes
    for (const v of vpns) {
      pt.walk(pgd, v, false);
      pt.leaf[pt.off] = 0;
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
      expect(pt.shadow[pt.off]).toBe(0);
    }
    expect(pt.nrTables).toBe(full);
  });

  it("grows past one chunk of 256 tables", () => {
    const pt = new PgtableArena();
    const pgd = pt.allocTable();
    for (let i = 0; i < 600; i++) put(pt, pgd, i * 512, pfnPte(i + 1, 0));
    expect(pt.nrTables).toBeGreaterThan(600);
    for (let i = 0; i < 600; i++) expect(ptePfn(get(pt, pgd, i * 512))).toBe(i + 1);
  });
});
