/**
 * The seed-literal mover: a subclass of foliox's exchange template that overrides the steps
 * where the seed's code differs (docs/decisions.md#seed-defects). With no defect switched on it
 * must be foliox's exchange, step for step; with one on, that defect must show, here on the
 * tests' own minimal backends (the backend packages run the whole suite against it).
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EINVAL,
  EXCHANGE_FOLIOS,
  ExchangeFolios,
  FOLIO_EXCHANGE,
  FolioExchange,
  MIGRATE_SYNC,
  NR_FILE_PAGES,
  checkInvariants,
  folioExchange,
  swapCacheLookup,
  LockdepBug,
  TaskOwner,
  createInode,
  doMmapFile,
  filemapWrite,
  folioLock,
  folioUnlock,
  MAP_SHARED,
  ACCESS_OK,
  accessVirtual,
  createProcess,
  folioWalkStart,
  type Kernel,
  type SuperBlock,
} from "@foliox/core";
import { SEED_DEFECTS, SeedLiteralExchange, SeedLiteralExchangeFolios, moverByName, snapshot } from "../src/index.js";
import { anonPage, filePage, healthy, makeSystem, reads, swapcachePage, type Mapped } from "./helpers.js";

const seed = (...ids: string[]) => new SeedLiteralExchange(ids.length ? ids : undefined);

/** Two pages of one two-page file, written on nodes 1 and 0 and mapped shared by one process. */
function twoPagesOfOneFile(k: Kernel, sb: SuperBlock): [Mapped, Mapped] {
  const inode = createInode(k, sb);
  expect(filemapWrite(k, inode, 0, 1)).toBe(4096);
  expect(filemapWrite(k, inode, 1, 0)).toBe(4096);
  const task = createProcess(k, { nid: 0 });
  const addr = doMmapFile(k, task.mm!, inode, 8192, { flags: MAP_SHARED });
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  expect(accessVirtual(k, task.mm!, addr + 4096, false)).toBe(ACCESS_OK);
  const page = (i: number): Mapped => ({ task, addr: addr + i * 4096, head: folioWalkStart(k, task.mm!, addr + i * 4096) });
  return [page(0), page(1)];
}

describe("SeedLiteralExchange, the seed-literal mover's template", () => {
  it("overrides exactly the steps SEED_DEFECTS names, each a step of foliox's template", () => {
    const named = new Set(SEED_DEFECTS.flatMap((d) => d.steps));
    const own = (cls: { prototype: object }) => Object.getOwnPropertyNames(cls.prototype).filter((m) => m !== "constructor");
    const exchangeSteps = own(SeedLiteralExchange).filter((m) => m in FolioExchange.prototype);
    const syscallSteps = own(SeedLiteralExchangeFolios).filter((m) => m in ExchangeFolios.prototype);
    expect(new Set([...exchangeSteps, ...syscallSteps])).toEqual(named);
    for (const step of named) {
      const base = step.startsWith("exchangeFolios") ? ExchangeFolios.prototype : FolioExchange.prototype;
      expect(typeof (base as unknown as Record<string, unknown>)[step], step).toBe("function");
    }
  });

  it("refuses an unknown defect, naming the known ones; movers by name carry their defects", () => {
    expect(() => seed("9b.0")).toThrow(/unknown seed defect "9b\.0"; known: 9b\.1, 9b\.2/);
    expect([...seed().defects]).toEqual(SEED_DEFECTS.map((d) => d.id));
    const one = moverByName("seed-literal:9b.4");
    expect(one.exchange).toBeInstanceOf(SeedLiteralExchange);
    expect([...(one.exchange as SeedLiteralExchange).defects]).toEqual(["9b.4"]);
    expect(moverByName("foliox").exchange).toBe(FOLIO_EXCHANGE);
    expect(moverByName("foliox").exchangeFolios).toBe(EXCHANGE_FOLIOS);
    expect(Object.isFrozen(FOLIO_EXCHANGE)).toBe(true);
  });

  const pairs: [string, (k: Kernel, sb: SuperBlock) => [Mapped, Mapped]][] = [
    ["anon ↔ anon", (k) => [anonPage(k, 1), anonPage(k, 0)]],
    ["file ↔ anon", (k, sb) => [filePage(k, sb, 1, 8), anonPage(k, 0, 9)]],
    ["file ↔ file across memcgs", (k, sb) => [filePage(k, sb, 1, 8), filePage(k, sb, 0, 9)]],
    ["swap cache ↔ anon", (k) => [swapcachePage(k, 1), anonPage(k, 0)]],
  ];
  for (const [name, make] of pairs) {
    it(`with no defect switched on it is foliox's exchange: ${name}`, () => {
      const run = (ex: FolioExchange) => {
        const { k, sb } = makeSystem({ swapPages: 16 });
        const [a, b] = make(k, sb);
        const rc = folioExchange(k, a.head, b.head, MIGRATE_SYNC, ex);
        healthy(k, name);
        return { rc, state: snapshot(k), reads: [reads(k, a), reads(k, b)] };
      };
      const foliox = run(FOLIO_EXCHANGE);
      expect(foliox.rc).toBe(0);
      expect(run(new SeedLiteralExchange([]))).toEqual(foliox);
    });
  }
});

describe("each defect shows", () => {
  it("seed-defect-1: a failed fs_prepare is ignored: each side is remapped onto the other, and 0 returned", () => {
    for (const ex of [FOLIO_EXCHANGE, seed("9b.1")]) {
      const { k } = makeSystem();
      const a = anonPage(k, 1);
      const b = anonPage(k, 0);
      const tokens = [reads(k, a), reads(k, b)];
      k.faultInject.arm("folio_exchange_fs_prepare(old)", -EAGAIN);
      const rc = folioExchange(k, a.head, b.head, MIGRATE_SYNC, ex);
      k.faultInject.clear();
      if (ex === FOLIO_EXCHANGE) {
        expect(rc).toBe(-EAGAIN);
        expect([reads(k, a), reads(k, b)]).toEqual(tokens);
        healthy(k);
      } else {
        // nothing moved, yet each side was remapped onto the other: neither process reads its
        // own data any more, and their PTEs name frames that have been freed
        expect(rc).toBe(0);
        expect([reads(k, a), reads(k, b)]).not.toEqual(tokens);
        expect(checkInvariants(k, { quiescent: true }).some((m) => /PTE names pfn \d+, which is free/.test(m))).toBe(true);
      }
    }
  });

  it("seed-defect-4: two folios of one swap space (or one file) self-deadlock on its i_pages lock; lockdep reports it as recursive locking", () => {
    for (const sameFile of [false, true]) {
      const { k, sb } = makeSystem({ swapPages: 16 });
      // in pfn order, so that the folio locks (argument order under 9b.4) are taken rightly
      const [a, b] = (sameFile ? twoPagesOfOneFile(k, sb) : [swapcachePage(k, 1), swapcachePage(k, 0)]).sort((x, y) => x.head - y.head) as [Mapped, Mapped];
      const before = snapshot(k);
      expect(folioExchange(k, a.head, b.head, MIGRATE_SYNC)).toBe(0);
      expect(folioExchange(k, a.head, b.head, MIGRATE_SYNC)).toBe(0);
      expect(snapshot(k, { ignoreLastCpupid: true })).toEqual({ ...before, lastCpupid: null, events: (snapshot(k) as { events: number[] }).events });
      let err: unknown = null;
      try {
        folioExchange(k, a.head, b.head, MIGRATE_SYNC, seed("9b.4"));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LockdepBug);
      expect((err as LockdepBug).report.kind).toBe("possible recursive locking");
      expect((err as LockdepBug).report.chain).toMatch(
        sameFile ? /i_pages#\d+ -> &mapping->i_pages#\d+ \(already held\)/ : /&swapper_space->i_pages -> &swapper_space->i_pages \(already held\)/,
      );
    }
  });

  it("seed-defect-4: the folio locks in argument order against a path that takes them in pfn order: lockdep reports the ABBA with both chains", () => {
    const { k } = makeSystem();
    const [lo, hi] = [anonPage(k, 0), anonPage(k, 1)].sort((x, y) => x.head - y.head);
    const other = new TaskOwner("lock_two_folios");
    folioLock(k, lo!.head, other);
    folioLock(k, hi!.head, other);
    folioUnlock(k, hi!.head);
    folioUnlock(k, lo!.head);
    let err: unknown = null;
    try {
      folioExchange(k, hi!.head, lo!.head, MIGRATE_SYNC, seed("9b.4"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockdepBug);
    const r = (err as LockdepBug).report;
    expect(r.kind).toBe("circular locking dependency");
    expect(r.chain).toBe(`folio_exchange(${hi!.head}, ${lo!.head}): folio_lock#${hi!.head} -> folio_lock#${lo!.head}`);
    expect(r.otherChain).toBe(`lock_two_folios: folio_lock#${lo!.head} -> folio_lock#${hi!.head}`);
    // foliox's own exchange takes them in pfn order: no report
    const { k: k2 } = makeSystem();
    const [a, b] = [anonPage(k2, 0), anonPage(k2, 1)].sort((x, y) => x.head - y.head);
    folioLock(k2, a!.head, other);
    folioLock(k2, b!.head, other);
    folioUnlock(k2, b!.head);
    folioUnlock(k2, a!.head);
    expect(folioExchange(k2, b!.head, a!.head, MIGRATE_SYNC)).toBe(0);
  });

  it("seed-defect-6: folio->swap stays with the frame and breaks the swap cache", () => {
    const { k } = makeSystem({ swapPages: 16 });
    const old = swapcachePage(k, 1);
    const nw = anonPage(k, 0);
    const entry = k.mem.private[old.head]!;
    expect(folioExchange(k, old.head, nw.head, MIGRATE_SYNC, seed("9b.6"))).toBe(0);
    // the swap cache names the frame that holds the data, whose folio->swap is not the entry
    expect(swapCacheLookup(k, entry)).toBe(nw.head);
    expect(k.mem.private[nw.head]).not.toBe(entry);
    expect(checkInvariants(k, { quiescent: true })).not.toEqual([]);
  });

  it("seed-defect-7: stats moved under the partner's memcg, caught by the invariant", () => {
    const { k, sb } = makeSystem();
    const fa = filePage(k, sb, 1, 8).head;
    const fb = filePage(k, sb, 0, 9).head;
    expect(folioExchange(k, fa, fb, MIGRATE_SYNC, seed("9b.7"))).toBe(0);
    // node totals are right; the memcgs' per-node split is not
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(1);
    expect(k.vmstat.lruvecPage(8, 0, NR_FILE_PAGES)).not.toBe(1);
    const bad = checkInvariants(k, { quiescent: true });
    expect(bad.some((m) => /^memcg 8 node \d: file /.test(m))).toBe(true);
    expect(bad.every((m) => m.startsWith("memcg "))).toBe(true);
  });

  it("seed-defect-7: the commented-out NR_FILE_PAGES move leaves file↔anon's page-cache page counted on the node it left", () => {
    for (const defect of [false, true]) {
      const { k, sb } = makeSystem();
      const file = filePage(k, sb, 1, 0).head;
      const anon = anonPage(k, 0).head;
      const before = [0, 1].map((nid) => k.vmstat.nodePage(nid, NR_FILE_PAGES));
      expect(folioExchange(k, file, anon, MIGRATE_SYNC, defect ? seed("9b.7") : FOLIO_EXCHANGE)).toBe(0);
      const after = [0, 1].map((nid) => k.vmstat.nodePage(nid, NR_FILE_PAGES));
      expect(after).toEqual(defect ? before : [before[0]! + 1, before[1]! - 1]);
      if (!defect) healthy(k);
      else expect(checkInvariants(k, { quiescent: true }).join("\n")).toMatch(/nr_file_pages/);
    }
  });

  it("seed-defect-7 is invisible with one memcg on both sides (why the conformance case uses two)", () => {
    const { k, sb } = makeSystem();
    const fa = filePage(k, sb, 1, 8).head;
    const fb = filePage(k, sb, 0, 8).head;
    expect(folioExchange(k, fa, fb, MIGRATE_SYNC, seed("9b.7"))).toBe(0);
    healthy(k);
  });

  it("seed-defect-9: exchange_folios(2) never copies err[] out and returns 0", () => {
    const { k } = makeSystem();
    const a = anonPage(k, 1);
    for (const [sys, err, rc] of [
      [EXCHANGE_FOLIOS, [-EINVAL], 1],
      [new SeedLiteralExchangeFolios(seed("9b.9")), [7], 0],
    ] as const) {
      const out = [7];
      expect(sys.sysExchangeFolios(k, a.task, 0, 1, [a.addr], [a.addr], out)).toBe(rc);
      expect(out).toEqual(err);
    }
  });
});
