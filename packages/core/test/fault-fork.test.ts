import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { copyProcess, createProcess, exitMmap } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { ACCESS_BLOCKED, ACCESS_OK, ACCESS_SEGV, accessVirtual } from "../src/mm/memory.js";
import { PAGE_MAPPING_ANON } from "../src/mm/mem-map.js";
import { EEXIST, EINVAL, ENOMEM } from "../src/kernel/errno.js";
import { PROT_READ, doMmap, doMunmap } from "../src/mm/mmap.js";
import type { MmStruct, Task } from "../src/mm/mm-types.js";
import { PG_anon_exclusive, PG_dirty, PG_head, PG_lru } from "../src/mm/page-flags.js";
import {
  isMigrationEntry,
  isReadableMigrationEntry,
  isWritableMigrationEntry,
  ptePresent,
  pteDirty,
  pteSpecial,
  pteWrite,
  pteYoung,
} from "../src/mm/pgtable.js";
import { removeMigrationPtes, tryToMigrate } from "../src/mm/rmap.js";
import { folioPutbackLru } from "../src/mm/swap.js";
import { MiB, PAGE, countRss, frameAt, makeSystem, pteAt, shadowAt, totalFreePages } from "./helpers.js";

function ok(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  const integrity = checkIntegrity(k);
  expect(integrity.violations).toEqual([]);
  expect(integrity.ok).toBe(true);
  for (const mm of k.mms) expect(mm.rssAnon).toBe(countRss(k, mm));
}

function read(k: Kernel, mm: MmStruct, addr: number): number {
  k.faultState.lastToken = -12345;
  expect(accessVirtual(k, mm, addr, false)).toBe(ACCESS_OK);
  return k.faultState.lastToken;
}

function write(k: Kernel, mm: MmStruct, addr: number): number {
  expect(accessVirtual(k, mm, addr, true)).toBe(ACCESS_OK);
  const token = shadowAt(k, mm, addr);
  expect(token).not.toBe(0);
  expect(k.mem.content[frameAt(k, mm, addr)]).toBe(token);
  return token;
}

function pfnAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pte = pteAt(k, mm, addr);
  expect(ptePresent(pte)).toBe(true);
  return frameAt(k, mm, addr);
}

function setup(bytes = false) {
  const k = makeSystem({ memory: [8 * MiB, 8 * MiB], bytes });
  const free0 = totalFreePages(k);
  const tables0 = k.pgtables.nrTables;
  const task = createProcess(k);
  return { k, free0, tables0, task, mm: task.mm! };
}

describe("anonymous faults", () => {
  for (const bytes of [false, true]) {
    it(`read maps the zero page without allocating; write allocates a zeroed exclusive folio (bytes=${bytes})`, () => {
      const { k, free0, tables0, task, mm } = setup(bytes);
      const addr = doMmap(k, mm, 16 * PAGE);
      expect(addr).toBeGreaterThan(0);
      expect(addr % PAGE).toBe(0);
      ok(k);

      const calls = k.alloc.nrAllocCalls;
      expect(read(k, mm, addr)).toBe(0);
      const zpte = pteAt(k, mm, addr);
      expect(ptePresent(zpte) && pteSpecial(zpte)).toBe(true);
      expect(frameAt(k, mm, addr)).toBe(k.alloc.zeroPfn);
      expect(pteWrite(zpte)).toBe(false);
      expect(k.alloc.nrAllocCalls).toBe(calls);
      expect(totalFreePages(k)).toBe(free0);
      expect(k.mem.refcount[k.alloc.zeroPfn]).toBe(1);
      expect(k.mem.mapcount[k.alloc.zeroPfn]).toBe(0);
      expect(mm.rssAnon).toBe(0);
      ok(k);

      // write to an untouched page: do_anonymous_page
      const t1 = write(k, mm, addr + PAGE);
      expect(k.alloc.nrAllocCalls).toBe(calls + 1);
      const p1 = pfnAt(k, mm, addr + PAGE);
      expect(p1).not.toBe(k.alloc.zeroPfn);
      const pte1 = pteAt(k, mm, addr + PAGE);
      expect(pteWrite(pte1) && pteDirty(pte1) && pteYoung(pte1)).toBe(true);
      expect(k.mem.refcount[p1]).toBe(1);
      expect(k.mem.mapcount[p1]).toBe(1);
      expect(k.mem.testFlag(p1, PG_anon_exclusive)).toBe(true);
      expect(k.mem.testFlag(p1, PG_lru)).toBe(true);
      expect(k.mem.mapping[p1]! & 3).toBe(PAGE_MAPPING_ANON);
      expect(k.mem.index[p1]).toBe(addr / PAGE + 1);
      expect(read(k, mm, addr + PAGE)).toBe(t1);
      expect(totalFreePages(k)).toBe(free0 - 1);
      ok(k);

      // write to the zero-page-mapped page: do_wp_page -> wp_page_copy
      const t0 = write(k, mm, addr);
      expect(k.alloc.nrAllocCalls).toBe(calls + 2);
      expect(pfnAt(k, mm, addr)).not.toBe(k.alloc.zeroPfn);
      expect(read(k, mm, addr)).toBe(t0);
      // a second write to an exclusive page reuses it
      const p0 = pfnAt(k, mm, addr);
      const t0b = write(k, mm, addr);
      expect(t0b).not.toBe(t0);
      expect(pfnAt(k, mm, addr)).toBe(p0);
      expect(k.alloc.nrAllocCalls).toBe(calls + 2);
      expect(mm.rssAnon).toBe(2);
      ok(k);

      // outside any vma
      expect(accessVirtual(k, mm, addr - PAGE, false)).toBe(ACCESS_SEGV);

      // munmap + exit give everything back
      expect(doMunmap(k, mm, addr, 16 * PAGE)).toBe(0);
      expect(totalFreePages(k)).toBe(free0);
      expect(mm.rssAnon).toBe(0);
      ok(k);
      exitMmap(k, task);
      expect(k.pgtables.nrTables).toBe(tables0);
      ok(k);
    });
  }

  it("a write to a read-only vma is SIGSEGV; a read there still maps the zero page", () => {
    const { k, mm } = setup();
    const addr = doMmap(k, mm, 4 * PAGE, { prot: PROT_READ });
    expect(accessVirtual(k, mm, addr, true)).toBe(ACCESS_SEGV);
    expect(read(k, mm, addr)).toBe(0);
    expect(accessVirtual(k, mm, addr, true)).toBe(ACCESS_SEGV);
    ok(k);
  });

  it("mmap argument checks and MAP_FIXED_NOREPLACE", () => {
    const { k, mm } = setup();
    expect(doMmap(k, mm, 0)).toBe(-EINVAL);
    expect(doMmap(k, mm, 100)).toBe(-EINVAL);
    expect(doMmap(k, mm, PAGE, { thpOrder: 10 })).toBe(-EINVAL);
    const a = doMmap(k, mm, 4 * PAGE, { addr: 0x1000_0000 });
    expect(a).toBe(0x1000_0000);
    expect(doMmap(k, mm, 4 * PAGE, { addr: 0x1000_0000 + 2 * PAGE })).toBe(-EEXIST);
    expect(doMmap(k, mm, PAGE, { addr: 0x1000_0000 + 4 * PAGE })).toBe(0x1000_0000 + 4 * PAGE);
    const t = doMmap(k, mm, 4 * 512 * PAGE, { thpOrder: 9 });
    expect(t % (512 * PAGE)).toBe(0);
    expect(t).toBeGreaterThan(2 ** 32);
    expect(doMunmap(k, mm, a + 1, PAGE)).toBe(-EINVAL);
    // nothing may reach past TASK_SIZE (2^47 - 4 KiB on x86-64 with 4-level tables): the page
    // tables have no slot for it
    expect(doMmap(k, mm, 2 * PAGE, { addr: 2 ** 47 - PAGE })).toBe(-ENOMEM);
    expect(doMmap(k, mm, PAGE, { addr: 2 ** 48 })).toBe(-ENOMEM);
    expect(doMmap(k, mm, PAGE, { addr: 2 ** 47 - 2 * PAGE })).toBe(2 ** 47 - 2 * PAGE);
    expect(doMmap(k, mm, 2 ** 47)).toBe(-ENOMEM);
    expect(accessVirtual(k, mm, 2 ** 47 - 2 * PAGE, true)).toBe(ACCESS_OK);
    ok(k);
  });

  it("top-down placement reuses the highest hole that fits", () => {
    const { k, mm } = setup();
    const a = doMmap(k, mm, 4 * PAGE);
    const b = doMmap(k, mm, 4 * PAGE);
    const c = doMmap(k, mm, 4 * PAGE);
    expect(a).toBe(0x7f00_0000_0000 - 4 * PAGE);
    expect([b, c]).toEqual([a - 4 * PAGE, a - 8 * PAGE]);
    expect(doMunmap(k, mm, b, 4 * PAGE)).toBe(0);
    expect(doMmap(k, mm, 8 * PAGE)).toBe(c - 8 * PAGE); // too big for the hole
    expect(doMmap(k, mm, 2 * PAGE)).toBe(b + 2 * PAGE);
    expect(doMmap(k, mm, 2 * PAGE)).toBe(b);
  });
});

describe("fork and copy-on-write", () => {
  it("fork shares pages read-only; COW copies in the child; the parent reuses once alone", () => {
    const { k, free0, tables0, task, mm } = setup();
    const addr = doMmap(k, mm, 8 * PAGE);
    const A = addr;
    const B = addr + PAGE;
    const C = addr + 2 * PAGE;
    const Z = addr + 3 * PAGE; // zero page only
    const tA = write(k, mm, A);
    const tB = write(k, mm, B);
    const tC = write(k, mm, C);
    expect(read(k, mm, Z)).toBe(0);
    ok(k);
    const pA = pfnAt(k, mm, A);
    const pB = pfnAt(k, mm, B);

    const calls = k.alloc.nrAllocCalls;
    const child = copyProcess(k, task) as Task;
    expect(typeof child).toBe("object");
    const cmm = child.mm!;
    expect(k.alloc.nrAllocCalls).toBe(calls); // no page is copied at fork
    for (const [a, p] of [
      [A, pA],
      [B, pB],
    ] as const) {
      const ppte = pteAt(k, mm, a);
      const cpte = pteAt(k, cmm, a);
      expect(frameAt(k, mm, a)).toBe(p);
      expect(frameAt(k, cmm, a)).toBe(p);
      expect(pteWrite(ppte)).toBe(false);
      expect(pteWrite(cpte)).toBe(false);
      // copy_present_pte(): the child's PTE is old; a private mapping keeps it dirty
      expect(pteYoung(cpte)).toBe(false);
      expect(pteDirty(cpte)).toBe(true);
      expect(k.mem.testFlag(p, PG_anon_exclusive)).toBe(false);
      expect(k.mem.mapcount[p]).toBe(2);
      expect(k.mem.refcount[p]).toBe(2);
    }
    expect(pteSpecial(pteAt(k, cmm, Z))).toBe(true);
    expect(cmm.rssAnon).toBe(3);
    expect(read(k, cmm, A)).toBe(tA);
    expect(read(k, cmm, B)).toBe(tB);
    expect(read(k, cmm, Z)).toBe(0);
    ok(k);

    // child writes A: COW copy into a new exclusive page; the parent keeps its data
    const tA2 = write(k, cmm, A);
    expect(k.alloc.nrAllocCalls).toBe(calls + 1);
    const cA = pfnAt(k, cmm, A);
    expect(cA).not.toBe(pA);
    expect(k.mem.testFlag(cA, PG_anon_exclusive)).toBe(true);
    expect(k.mem.refcount[pA]).toBe(1);
    expect(k.mem.mapcount[pA]).toBe(1);
    expect(read(k, mm, A)).toBe(tA);
    expect(read(k, cmm, A)).toBe(tA2);
    ok(k);

    // parent writes A: it is the only user now, so wp_can_reuse_anon_folio() reuses it
    const tA3 = write(k, mm, A);
    expect(k.alloc.nrAllocCalls).toBe(calls + 1);
    expect(pfnAt(k, mm, A)).toBe(pA);
    expect(k.mem.testFlag(pA, PG_anon_exclusive)).toBe(true);
    expect(read(k, cmm, A)).toBe(tA2);

    // parent writes C while the child still maps it: a copy
    write(k, mm, C);
    expect(k.alloc.nrAllocCalls).toBe(calls + 2);
    expect(read(k, cmm, C)).toBe(tC);
    // child writes the zero page: a zeroed copy
    write(k, cmm, Z);
    expect(k.alloc.nrAllocCalls).toBe(calls + 3);
    ok(k);

    // the child exits: B is the parent's alone again and is reused without allocating
    exitMmap(k, child);
    ok(k);
    expect(k.mem.refcount[pB]).toBe(1);
    const tB2 = write(k, mm, B);
    expect(tB2).not.toBe(tB);
    expect(k.alloc.nrAllocCalls).toBe(calls + 3);
    expect(pfnAt(k, mm, B)).toBe(pB);
    expect(read(k, mm, A)).toBe(tA3);
    ok(k);

    expect(doMunmap(k, mm, addr, 8 * PAGE)).toBe(0);
    expect(totalFreePages(k)).toBe(free0);
    exitMmap(k, task);
    expect(k.pgtables.nrTables).toBe(tables0);
    ok(k);
  });

  it("an order-9 mTHP fault maps 512 PTEs of one folio; fork, COW and partial munmap keep the counts", () => {
    const { k, free0, tables0, task, mm } = setup();
    const len = 2 * 512 * PAGE;
    const addr = doMmap(k, mm, len, { thpOrder: 9 });
    expect(addr % (512 * PAGE)).toBe(0);
    const calls = k.alloc.nrAllocCalls;
    const t5 = write(k, mm, addr + 5 * PAGE);
    expect(k.alloc.nrAllocCalls).toBe(calls + 1);
    const head = pfnAt(k, mm, addr);
    expect(head % 512).toBe(0);
    expect(k.mem.order[head]).toBe(9);
    expect(k.mem.testFlag(head, PG_head)).toBe(true);
    for (let i = 0; i < 512; i++) {
      expect(pfnAt(k, mm, addr + i * PAGE)).toBe(head + i);
      expect(k.mem.mapcount[head + i]).toBe(1);
      expect(k.mem.testFlag(head + i, PG_anon_exclusive)).toBe(true);
    }
    expect(k.mem.refcount[head]).toBe(512);
    expect(k.mem.folioMapcount(head)).toBe(512);
    expect(mm.rssAnon).toBe(512);
    expect(totalFreePages(k)).toBe(free0 - 512);
    expect(read(k, mm, addr + 6 * PAGE)).toBe(0);
    expect(read(k, mm, addr + 5 * PAGE)).toBe(t5);
    // the second half of the vma has not been touched
    expect(pteAt(k, mm, addr + 512 * PAGE)).toBe(0);
    ok(k);

    const child = copyProcess(k, task) as Task;
    const cmm = child.mm!;
    expect(k.mem.refcount[head]).toBe(1024);
    expect(k.mem.folioMapcount(head)).toBe(1024);
    ok(k);
    // a write to a shared large folio copies one page (v6.12 never reuses a large folio)
    write(k, cmm, addr + 7 * PAGE);
    expect(pfnAt(k, cmm, addr + 7 * PAGE)).not.toBe(head + 7);
    expect(k.mem.refcount[head]).toBe(1023);
    expect(k.mem.mapcount[head + 7]).toBe(1);
    expect(read(k, cmm, addr + 5 * PAGE)).toBe(t5);
    ok(k);
    exitMmap(k, child);
    expect(k.mem.refcount[head]).toBe(512);
    ok(k);

    // partial munmap in the middle of the folio: the vma splits, the folio stays partly mapped
    expect(doMunmap(k, mm, addr + 100 * PAGE, 200 * PAGE)).toBe(0);
    expect(mm.vmas.length).toBe(2);
    expect(k.mem.refcount[head]).toBe(312);
    expect(read(k, mm, addr + 5 * PAGE)).toBe(t5);
    expect(accessVirtual(k, mm, addr + 150 * PAGE, false)).toBe(ACCESS_SEGV);
    ok(k);

    expect(doMunmap(k, mm, addr, len)).toBe(0);
    expect(mm.vmas.length).toBe(0);
    expect(totalFreePages(k)).toBe(free0);
    ok(k);
    exitMmap(k, task);
    expect(k.pgtables.nrTables).toBe(tables0);
  });

  it("migration entries: rss keeps counting them, fork turns them readable in both, remap restores mappings", () => {
    const { k, free0, task, mm } = setup();
    const addr = doMmap(k, mm, 4 * PAGE);
    const t = write(k, mm, addr);
    const p = pfnAt(k, mm, addr);
    expect(mm.rssAnon).toBe(1);

    // what a mover does: isolate, then try_to_migrate()
    expect(k.lru.folioIsolateLru(p)).toBe(true);
    tryToMigrate(k, p, 0);
    const e = pteAt(k, mm, addr);
    expect(isMigrationEntry(e)).toBe(true);
    expect(isWritableMigrationEntry(e)).toBe(true);
    expect(frameAt(k, mm, addr)).toBe(p);
    expect(k.mem.testFlag(p, PG_dirty)).toBe(true);
    expect(k.mem.mapcount[p]).toBe(0);
    expect(k.mem.refcount[p]).toBe(1); // the isolation reference only
    // MM_ANONPAGES is untouched by try_to_migrate_one()
    expect(mm.rssAnon).toBe(1);
    expect(checkInvariants(k)).toEqual([]);
    expect(checkIntegrity(k).ok).toBe(true);

    // an access waits for the migration to finish
    expect(accessVirtual(k, mm, addr, false)).toBe(ACCESS_BLOCKED);
    expect(k.faultState.waitPfn).toBe(p);

    const child = copyProcess(k, task) as Task;
    const cmm = child.mm!;
    expect(isReadableMigrationEntry(pteAt(k, mm, addr))).toBe(true);
    expect(isReadableMigrationEntry(pteAt(k, cmm, addr))).toBe(true);
    expect(cmm.rssAnon).toBe(1);
    expect(countRss(k, cmm)).toBe(1);

    // the mover gives up and remaps the source into both
    removeMigrationPtes(k, p, p);
    folioPutbackLru(k, p);
    expect(pfnAt(k, mm, addr)).toBe(p);
    expect(pfnAt(k, cmm, addr)).toBe(p);
    expect(pteWrite(pteAt(k, mm, addr))).toBe(false);
    expect(k.mem.mapcount[p]).toBe(2);
    expect(k.mem.refcount[p]).toBe(2);
    expect(k.mem.testFlag(p, PG_anon_exclusive)).toBe(false);
    expect(read(k, cmm, addr)).toBe(t);
    ok(k);

    // zap a migration entry: rss drops with it
    expect(k.lru.folioIsolateLru(p)).toBe(true);
    tryToMigrate(k, p, 0);
    expect(doMunmap(k, cmm, addr, 4 * PAGE)).toBe(0);
    expect(cmm.rssAnon).toBe(0);
    removeMigrationPtes(k, p, p);
    folioPutbackLru(k, p);
    expect(mm.rssAnon).toBe(1);
    ok(k);
    exitMmap(k, child);
    exitMmap(k, task);
    expect(totalFreePages(k)).toBe(free0);
    ok(k);
  });
});

describe("the checkers can fail", () => {
  it("integrity catches a corrupted content token, in token and bytes modes", () => {
    for (const bytes of [false, true]) {
      const { k, mm, task } = setup(bytes);
      const addr = doMmap(k, mm, 4 * PAGE);
      const t = write(k, mm, addr);
      write(k, mm, addr + PAGE);
      const p = pfnAt(k, mm, addr);
      expect(checkIntegrity(k).ok).toBe(true);
      expect(checkIntegrity(k).pagesChecked).toBe(2);
      k.mem.content[p] = t + 1000;
      const r = checkIntegrity(k);
      expect(r.ok).toBe(false);
      expect(r.violations).toEqual([{ pid: task.pid, addr: `0x${addr.toString(16)}`, pfn: p, expected: t, found: t + 1000 }]);
      k.mem.content[p] = t;
      expect(checkIntegrity(k).ok).toBe(true);
      if (bytes) {
        // same token, one flipped bit in the frame
        k.content.bytes![p * PAGE + 1234]! ^= 0x10;
        expect(checkIntegrity(k).ok).toBe(false);
        k.content.bytes![p * PAGE + 1234]! ^= 0x10;
        expect(checkIntegrity(k).ok).toBe(true);
      }
    }
  });

  it("invariants catch a wrong refcount, a wrong mapcount and a leaked page", () => {
    const { k, mm } = setup();
    const addr = doMmap(k, mm, 4 * PAGE);
    write(k, mm, addr);
    const p = pfnAt(k, mm, addr);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
    k.mem.refcount[p]!++;
    const v = checkInvariants(k, { quiescent: true });
    expect(v.length).toBe(1);
    expect(v[0]).toMatch(/refcount 2, expected 1/);
    k.mem.refcount[p]!--;
    k.mem.mapcount[p]!++;
    expect(checkInvariants(k).some((s) => /mapcount 2, but 1 present PTEs/.test(s))).toBe(true);
    k.mem.mapcount[p]!--;
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
    // an allocated page nobody owns
    const leak = k.alloc.allocPages(0, 0, 0);
    k.mem.refcount[leak] = 0;
    expect(checkInvariants(k).some((s) => /leaked/.test(s))).toBe(true);
  });
});
