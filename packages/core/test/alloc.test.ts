/**
 * Allocation, never time: in steady state a 4 KiB folio_exchange(), a pair of a batched
 * folio_exchange_batch(), a one-folio migrate_pages() and an access that hits a present PTE
 * (accessVirtualSplit) grow the V8 heap by nothing. Measured with V8's heap space statistics
 * around 100 k operations (fewer for the slower ones) after a warm-up, with a full GC first;
 * the result must stay under a few bytes per operation (one boxed number is 16 bytes; the
 * exchange allocated about 2 KB before it reused its ops).
 */
import "reflect-metadata";
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { folioExchange, folioExchangeBatch } from "../src/exchange/folio-exchange.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { MIGRATE_SYNC, MR_SYSCALL } from "../src/migrate/migrate-mode.js";
import { migratePages } from "../src/migrate/migrate-pages.js";
import { isolateFolioForMigration, putbackMovablePages } from "../src/migrate/unmap-and-move.js";
import { allocMigrationTargetCb } from "../src/migrate/migration-target.js";
import { ACCESS_OK, accessVirtual, accessVirtualSplit } from "../src/mm/memory.js";
import { doMmap } from "../src/mm/mmap.js";
import { folioWalkStart } from "../src/mm/pagewalk.js";
import { addrHi, addrLo } from "../src/mm/pgtable.js";
import { createProcess } from "../src/syscalls/fork.js";
import { measureBytesPerOp } from "../src/debug/heap-bytes.js";
import { MiB, makeSystem } from "./helpers.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

/** Bytes per operation (the smallest of three runs; see measureBytesPerOp). */
const bytesPerOp = (op: (i: number) => void, o?: { warm?: number; n?: number; tries?: number }): number => measureBytesPerOp(op, gc, o).bytesPerOp;

/** Two processes, one per node, each with n written pages; the folio of page i of each. */
function twoSides(n: number) {
  const k = makeSystem({ memory: [64 * MiB, 64 * MiB] });
  const t0 = createProcess(k, { nid: 0 });
  const t1 = createProcess(k, { nid: 1 });
  const a0 = doMmap(k, t0.mm!, n * 4096);
  const a1 = doMmap(k, t1.mm!, n * 4096);
  for (let i = 0; i < n; i++) {
    expect(accessVirtual(k, t0.mm!, a0 + i * 4096, true)).toBe(ACCESS_OK);
    expect(accessVirtual(k, t1.mm!, a1 + i * 4096, true)).toBe(ACCESS_OK);
  }
  const pairs = Array.from({ length: n }, (_, i) => [folioWalkStart(k, t0.mm!, a0 + i * 4096), folioWalkStart(k, t1.mm!, a1 + i * 4096)] as [number, number]);
  return { k, t0, a0, pairs };
}

const LIMIT = 4;

describe("steady-state allocation per operation (V8 heap, median over chunks)", () => {
  it("a 4 KiB folio_exchange(): none", () => {
    const { k, pairs } = twoSides(512);
    const n = pairs.length;
    const per = bytesPerOp((i) => {
      const p = pairs[i % n]!;
      if (folioExchange(k, p[0], p[1], MIGRATE_SYNC) !== 0) throw new Error("exchange failed");
    });
    expect(per).toBeLessThan(LIMIT);
  });

  it("a pair of a batched folio_exchange_batch() (64 pairs a batch, results into the caller's array): none", () => {
    const { k, pairs } = twoSides(512);
    const batches = Array.from({ length: 8 }, (_, j) => pairs.slice(j * 64, j * 64 + 64));
    const out: number[] = [];
    const per = bytesPerOp(
      (i) => {
        folioExchangeBatch(k, batches[i % 8]!, MIGRATE_SYNC, undefined, out);
        if (out[0] !== 0) throw new Error("batch failed");
      },
      { warm: 500, n: 2000 },
    );
    expect(per / 64).toBeLessThan(LIMIT);
  });

  it("a one-folio migrate_pages(): none", () => {
    const { k, t0, a0 } = twoSides(256);
    const list = k.lists.alloc();
    // the folio at page i, looked up with the address split (passing a0 + i * 4096 to a call boxes it)
    const pt = k.pgtables;
    const hi = addrHi(a0);
    const vpnLo = addrLo(a0) >>> 12;
    const folioAt = (i: number) => (pt.walkSplit(t0.mm!.pgd, hi, vpnLo + i, false) ? k.mem.pageFolio(pt.frame[pt.off]!) : -1);
    const to = [
      { nid: 1, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
      { nid: 0, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
    ];
    const per = bytesPerOp(
      (i) => {
        const head = folioAt(i % 256);
        if (!isolateFolioForMigration(k, head, list)) throw new Error("isolate failed");
        const rc = migratePages(k, list, allocMigrationTargetCb, null, to[k.folioNid(head)]!, MIGRATE_SYNC, MR_SYSCALL);
        if (rc !== 0) throw new Error(`migrate_pages: ${rc}`);
        putbackMovablePages(k, list);
      },
      // five tries: a SYNC migration compiles more paths late (retry, putback) than the others
      { warm: 10_000, n: 20_000, tries: 5 },
    );
    expect(per).toBeLessThan(LIMIT);
  });

  it("an access that hits a present PTE, its address split (accessVirtualSplit): none", () => {
    const { k, t0, a0 } = twoSides(512);
    const hi = addrHi(a0);
    const lo = addrLo(a0);
    const per = bytesPerOp((i) => {
      if (accessVirtualSplit(k, t0.mm!, hi, lo + (i & 511) * 4096, (i & 1) === 0) !== ACCESS_OK) throw new Error("access failed");
    });
    expect(per).toBeLessThan(LIMIT);
  });
});
