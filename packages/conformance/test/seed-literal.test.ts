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
  type Kernel,
  type SuperBlock,
} from "@foliox/core";
import { SEED_DEFECTS, SeedLiteralExchange, SeedLiteralExchangeFolios, moverByName, snapshot } from "../src/index.js";
import { anonPage, filePage, healthy, makeSystem, reads, swapcachePage, type Mapped } from "./helpers.js";

const seed = (...ids: string[]) => new SeedLiteralExchange(ids.length ? ids : undefined);

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
