/**
 * Migration and exchange of swap-cache folios: __folio_migrate_mapping for the swap cache
 * (nr xarray entries, folio->swap copied, NR_SWAPCACHE moved by node), migrate_folio via
 * swap_aops, and the exchange with the swap entry following the data (unlike the seed, docs/decisions.md#seed-defect-6),
 * the swap cache's slots pointed at the frame holding the data, one lock for one swap space.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { createProcess } from "../src/syscalls/fork.js";
import type { Task } from "../src/mm/mm-types.js";
import { doMmap } from "../src/mm/mmap.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { ptePresent } from "../src/mm/pgtable.js";
import { NR_FILE_PAGES, NR_SWAPCACHE } from "../src/mm/vmstat.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import { MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { doMovePagesToNode } from "../src/syscalls/move-pages.js";
import { isolateFolioForMigration } from "../src/migrate/unmap-and-move.js";
import { swapCacheLookup } from "../src/swap/swap-state.js";
import { frameAt, makeSystem, pteAt } from "./helpers.js";
import { healthy, swapOutPage } from "./swap-helpers.js";

function mapped(k: Kernel, task: Task, addr: number): number {
  const pte = pteAt(k, task.mm!, addr);
  expect(ptePresent(pte)).toBe(true);
  return k.mem.pageFolio(frameAt(k, task.mm!, addr));
}

/** An anon page on `nid`, swapped out and read back in: mapped, and still in the swap cache. */
function swapcacheFolio(k: Kernel, nid: number): { task: Task; addr: number; head: number; token: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, 4096);
  expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
  const token = k.mem.content[mapped(k, task, addr)]!;
  swapOutPage(k, task, addr);
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  const head = mapped(k, task, addr);
  expect(k.mem.folioTestSwapcache(head)).toBe(true);
  expect(k.folioNid(head)).toBe(nid);
  return { task, addr, head, token };
}

function anonFolio(k: Kernel, nid: number): { task: Task; addr: number; head: number; token: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, 4096);
  expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
  const head = mapped(k, task, addr);
  return { task, addr, head, token: k.mem.content[head]! };
}

function reads(k: Kernel, f: { task: Task; addr: number }): number {
  expect(accessVirtual(k, f.task.mm!, f.addr, false)).toBe(ACCESS_OK);
  return k.faultState.lastToken;
}

describe("migrating a swap-cache folio", () => {
  it("moves the swap entry, the xarray slot and NR_SWAPCACHE to the new node", () => {
    const k = makeSystem({ swapPages: 16 });
    const f = swapcacheFolio(k, 0);
    const entry = k.mem.private[f.head]!;
    expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(1);
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, f.head, list)).toBe(true);
    expect(doMovePagesToNode(k, list, 1)).toBe(0);
    list.release();
    const dst = mapped(k, f.task, f.addr);
    expect(k.folioNid(dst)).toBe(1);
    expect(k.mem.folioTestSwapcache(dst)).toBe(true);
    expect(k.mem.private[dst]).toBe(entry);
    expect(swapCacheLookup(k, entry)).toBe(dst);
    expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(0);
    expect(k.vmstat.nodePage(1, NR_SWAPCACHE)).toBe(1);
    expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(1);
    expect(reads(k, f)).toBe(f.token);
    healthy(k, "migrated");
  });
});

describe("exchanging a swap-cache folio", () => {
  for (const [name, sides] of [
    ["anon-swapcache ↔ anon", ["sc", "anon"]],
    ["anon ↔ anon-swapcache", ["anon", "sc"]],
    ["anon-swapcache ↔ anon-swapcache (one swap space: its lock once)", ["sc", "sc"]],
  ] as const) {
    it(`${name}: the swap entry follows the data`, () => {
      const k = makeSystem({ swapPages: 16 });
      const old = sides[0] === "sc" ? swapcacheFolio(k, 1) : anonFolio(k, 1);
      const nw = sides[1] === "sc" ? swapcacheFolio(k, 0) : anonFolio(k, 0);
      const oldEntry = k.mem.private[old.head]!;
      const newEntry = k.mem.private[nw.head]!;
      healthy(k, "before");
      expect(folioExchange(k, old.head, nw.head, MIGRATE_SYNC)).toBe(0);
      expect(mapped(k, old.task, old.addr)).toBe(nw.head);
      expect(mapped(k, nw.task, nw.addr)).toBe(old.head);
      expect(k.mem.private[nw.head]).toBe(sides[0] === "sc" ? oldEntry : 0);
      expect(k.mem.private[old.head]).toBe(sides[1] === "sc" ? newEntry : 0);
      if (oldEntry) expect(swapCacheLookup(k, oldEntry)).toBe(nw.head);
      if (newEntry) expect(swapCacheLookup(k, newEntry)).toBe(old.head);
      expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(sides[0] === "sc" ? 1 : 0);
      expect(k.vmstat.nodePage(1, NR_SWAPCACHE)).toBe(sides[1] === "sc" ? 1 : 0);
      expect(reads(k, old)).toBe(old.token);
      expect(reads(k, nw)).toBe(nw.token);
      healthy(k, "exchanged");
      // and back: identity
      expect(folioExchange(k, old.head, nw.head, MIGRATE_SYNC)).toBe(0);
      if (oldEntry) expect(swapCacheLookup(k, oldEntry)).toBe(old.head);
      healthy(k, "exchanged twice");
    });
  }
});
