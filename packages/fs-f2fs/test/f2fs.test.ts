/**
 * f2fs: the page-private flag word (fs/f2fs/f2fs.h) is opaque to migration and exchange and
 * moves as a whole; what makes an f2fs folio busy; exchange with anon and with the fallback fs.
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  NR_FILE_DIRTY,
  NR_FILE_PAGES,
  PG_dirty,
  PG_private,
  PG_writeback,
  filemapLookup,
  filemapWriteAndWait,
  fixtureInode,
  folioExchange,
  type Kernel,
  type MigrateMode,
} from "@foliox/core";
import {
  PAGE_PRIVATE_ATOMIC_WRITE,
  PAGE_PRIVATE_INLINE_INODE,
  PAGE_PRIVATE_NOT_POINTER,
  PAGE_PRIVATE_ONGOING_MIGRATION,
  PAGE_PRIVATE_REF_RESOURCE,
  f2fsIocStartAtomicWrite,
  f2fsWritePage,
  pagePrivate,
  pagePrivateNames,
  pagePrivateTest,
  setPagePrivate,
} from "../src/index.js";
import { folio, healthy, makeK, mapped, migrateTo } from "./helpers.js";

const bit = (n: number) => 1 << n;
const REF = bit(PAGE_PRIVATE_NOT_POINTER) | bit(PAGE_PRIVATE_REF_RESOURCE);
const nodes = (k: Kernel, item: number) => [k.vmstat.nodePage(0, item), k.vmstat.nodePage(1, item)];

describe("f2fs page-private word", () => {
  it("f2fs_dirty_data_folio sets PAGE_PRIVATE_REF_RESOURCE: Layout A, attached with a reference, kept after writeback", () => {
    const k = makeK();
    const f = folio(k, "f2fs", 1);
    expect(pagePrivate(k, f.head)).toBe(REF);
    expect(pagePrivateNames(pagePrivate(k, f.head))).toEqual(["NOT_POINTER", "REF_RESOURCE"]);
    // 1 (page cache) + 1 (PG_private) + 1 (the PTE)
    expect(k.mem.refcount[f.head]).toBe(3);
    healthy(k);
  });

  it("migration (filemap_migrate_folio) moves the whole word, every flag, and PG_private's reference", () => {
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
      const k = makeK();
      const f = folio(k, "f2fs", 1);
      setPagePrivate(k, f.head, PAGE_PRIVATE_INLINE_INODE);
      setPagePrivate(k, f.head, PAGE_PRIVATE_ATOMIC_WRITE);
      const word = pagePrivate(k, f.head);
      expect(migrateTo(k, f.head, 0, mode)).toBe(0);
      const now = mapped(k, f);
      expect(k.folioNid(now)).toBe(0);
      expect(pagePrivate(k, now)).toBe(word);
      expect(k.mem.testFlag(now, PG_private)).toBe(true);
      expect(k.mem.refcount[now]).toBe(3);
      expect(filemapLookup(fixtureInode(f).mapping, 0)).toBe(now);
      healthy(k);
    }
  });

  it("an atomic-write folio: the ATOMIC_WRITE bit moves with it (v6.12 migration never looks); f2fs_release_folio keeps it while dirty", () => {
    const k = makeK();
    const f = folio(k, "f2fs", 1);
    const inode = fixtureInode(f);
    f2fsIocStartAtomicWrite(inode);
    expect(f2fsWritePage(k, inode, 0, 1)).toBe(4096);
    const head = mapped(k, f);
    expect(pagePrivateTest(k, head, PAGE_PRIVATE_ATOMIC_WRITE)).toBe(true);
    const backend = k.backends.byName("f2fs")!;
    expect(backend.releaseFolio!(k, head, 0)).toBe(false); // dirty: keep the private data
    expect(migrateTo(k, head, 0, MIGRATE_SYNC)).toBe(0);
    const now = mapped(k, f);
    expect(pagePrivateTest(k, now, PAGE_PRIVATE_ATOMIC_WRITE)).toBe(true);
    expect(k.mem.testFlag(now, PG_dirty)).toBe(true);
    healthy(k);
    // the commit write (f2fs_do_write_data_page) clears ATOMIC_WRITE; clean, release drops it all
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    expect(pagePrivate(k, now)).toBe(REF);
    expect(backend.releaseFolio!(k, now, 0)).toBe(true);
    expect(k.mem.testFlag(now, PG_private)).toBe(false);
    expect(k.mem.refcount[now]).toBe(2);
    healthy(k);
  });

  it("busy: writeback (ASYNC -EBUSY, SYNC waits), and a folio f2fs GC holds (-EAGAIN)", () => {
    const k = makeK();
    const wb = folio(k, "f2fs", 1, { state: "writeback" });
    expect(k.mem.testFlag(wb.head, PG_writeback)).toBe(true);
    expect(migrateTo(k, wb.head, 0, MIGRATE_ASYNC)).toBe(1);
    expect(mapped(k, wb)).toBe(wb.head);
    expect(migrateTo(k, wb.head, 0, MIGRATE_SYNC)).toBe(0); // folio_wait_writeback(), then the move
    expect(k.folioNid(mapped(k, wb))).toBe(0);
    healthy(k);

    const gc = folio(k, "f2fs", 1, { state: "buffers-locked" });
    const anon = folio(k, "anon", 0);
    expect(pagePrivateTest(k, gc.head, PAGE_PRIVATE_ONGOING_MIGRATION)).toBe(true);
    expect(folioExchange(k, gc.head, anon.head, MIGRATE_ASYNC)).toBe(-EAGAIN);
    expect(mapped(k, gc)).toBe(gc.head);
    k.backends.byName("f2fs")!.conformance!.unlockPrivate!(k, gc.head);
    expect(folioExchange(k, gc.head, anon.head, MIGRATE_ASYNC)).toBe(0);
    healthy(k);
  });
});

describe("f2fs exchange", () => {
  it("f2fs ↔ anon: the word follows the data, NR_FILE_PAGES/NR_FILE_DIRTY move by node, twice is the identity", () => {
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
      const k = makeK();
      const f = folio(k, "f2fs", 1, { state: "dirty" });
      const a = folio(k, "anon", 0);
      const word = pagePrivate(k, f.head);
      expect(nodes(k, NR_FILE_PAGES)).toEqual([0, 1]);
      expect(nodes(k, NR_FILE_DIRTY)).toEqual([0, 1]);
      expect(folioExchange(k, f.head, a.head, mode)).toBe(0);
      expect(mapped(k, f)).toBe(a.head);
      expect(pagePrivate(k, a.head)).toBe(word);
      expect(k.mem.testFlag(f.head, PG_private)).toBe(false);
      expect(k.mem.refcount[a.head]).toBe(3);
      expect(nodes(k, NR_FILE_PAGES)).toEqual([1, 0]);
      expect(nodes(k, NR_FILE_DIRTY)).toEqual([1, 0]);
      healthy(k);
      expect(folioExchange(k, f.head, a.head, mode)).toBe(0);
      expect(mapped(k, f)).toBe(f.head);
      expect(pagePrivate(k, f.head)).toBe(word);
      expect(nodes(k, NR_FILE_PAGES)).toEqual([0, 1]);
      healthy(k);
    }
  });

  it("f2fs ↔ fallback: the f2fs word goes to the fallback frame and back; the fallback side carries none", () => {
    const k = makeK();
    const f = folio(k, "f2fs", 1);
    const b = folio(k, "fallback", 0);
    const word = pagePrivate(k, f.head);
    expect(k.mem.testFlag(b.head, PG_private)).toBe(false);
    expect(folioExchange(k, f.head, b.head, MIGRATE_SYNC)).toBe(0);
    expect(pagePrivate(k, b.head)).toBe(word);
    expect(k.mem.testFlag(f.head, PG_private)).toBe(false);
    expect(mapped(k, f)).toBe(b.head);
    expect(mapped(k, b)).toBe(f.head);
    expect(k.backends.forFolio(k, b.head)?.manifest.name).toBe("f2fs");
    expect(k.backends.forFolio(k, f.head)?.manifest.name).toBe("fallback");
    expect(nodes(k, NR_FILE_PAGES)).toEqual([1, 1]);
    healthy(k);
    expect(folioExchange(k, f.head, b.head, MIGRATE_ASYNC)).toBe(0);
    expect(pagePrivate(k, f.head)).toBe(word);
    healthy(k);
  });
});
