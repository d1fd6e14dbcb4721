/**
 * The seed author's KUnit matrix (mm/exchange_test.c), for anonymous memory: a region on the
 * DRAM node and one on the slow node; fill each side's first page with different data;
 * exchange, and check each side now reads the other's data from the other node; do the same
 * through "bimigrate" (two one-way migrations, each needing a free page), and check that both
 * movers end in the same placement. For 4 KiB and 2 MiB folios, in SYNC and ASYNC.
 */
import {
  ACCESS_OK,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  accessVirtual,
  checkIntegrity,
  checkInvariants,
  folioBimigrate,
  folioExchange,
  type Kernel,
} from "@foliox/core";
import { describe, expect, it } from "vitest";
import { MiB, folioAt, makeSystem, populate } from "./scenario.js";

function read(k: Kernel, task: { mm: unknown }, addr: number): number {
  expect(accessVirtual(k, task.mm as never, addr, false)).toBe(ACCESS_OK);
  return k.faultState.lastToken;
}

type Mover = "exchange" | "bimigrate";

function run(mover: Mover, thpOrder: number, mode: typeof MIGRATE_SYNC | typeof MIGRATE_ASYNC) {
  const k = makeSystem({ memory: [16 * MiB, 16 * MiB] });
  const pages = 1 << thpOrder;
  const dram = populate(k, 0, pages, thpOrder);
  const slow = populate(k, 1, pages, thpOrder);
  const dramData = read(k, dram.task, dram.addr);
  const slowData = read(k, slow.task, slow.addr);
  expect(dramData).not.toBe(slowData);
  const a = folioAt(k, slow.task, slow.addr);
  const b = folioAt(k, dram.task, dram.addr);
  const rc = mover === "exchange" ? folioExchange(k, a, b, mode) : folioBimigrate(k, a, b, mode);
  expect(rc).toBe(0);
  // Each region reads its own data, now from the other node.
  expect(read(k, slow.task, slow.addr)).toBe(slowData);
  expect(read(k, dram.task, dram.addr)).toBe(dramData);
  const placement = {
    slowRegionNid: k.folioNid(folioAt(k, slow.task, slow.addr)),
    dramRegionNid: k.folioNid(folioAt(k, dram.task, dram.addr)),
    order: k.mem.order[folioAt(k, slow.task, slow.addr)],
  };
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
  return placement;
}

describe("KUnit matrix (anon): exchange vs bimigrate", () => {
  for (const [size, order] of [
    ["4 KiB", 0],
    ["2 MiB", 9],
  ] as const) {
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as const) {
      const modeName = mode === MIGRATE_SYNC ? "MIGRATE_SYNC" : "MIGRATE_ASYNC";
      it(`${size}, ${modeName}: both movers swap the regions' nodes and end in the same placement`, () => {
        const viaExchange = run("exchange", order, mode);
        const viaBimigrate = run("bimigrate", order, mode);
        expect(viaExchange).toEqual({ slowRegionNid: 0, dramRegionNid: 1, order });
        expect(viaBimigrate).toEqual(viaExchange);
      });
    }
  }
});
