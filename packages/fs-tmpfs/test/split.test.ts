/**
 * A tmpfs huge=always folio that migration cannot move whole (no order-9 destination) is split
 * with split_folio_to_list() like an anonymous one, and its order-0 pieces migrate: each keeps its
 * page-cache slot, its data and its mapping.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import {
  ACCESS_OK,
  GFP_HIGHUSER_MOVABLE,
  MIGRATE_SYNC,
  MR_SYSCALL,
  NR_SHMEM,
  __GFP_THISNODE,
  accessVirtual,
  allocMigrationTarget,
  createProcess,
  createSystem,
  isolateFolioForMigration,
  migratePages,
  putbackMovablePages,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { mountTmpfs, registerTmpfs, shmemZeroSetup } from "../src/index.js";
import { healthy } from "./helpers.js";

const MiB = 1 << 20;

describe("split of a tmpfs huge=always folio on migration", () => {
  it("no order-9 destination (-ENOMEM): the folio is split, its 512 pieces migrate, slots, data and mappings follow", () => {
    const k = createSystem({ memory: [16 * MiB, 16 * MiB], backends: [registerAnon, registerTmpfs] }).kernel;
    const sb = mountTmpfs(k, { huge: "always" });
    const t = createProcess(k, { nid: 1 });
    const { addr, inode } = shmemZeroSetup(k, sb, t.mm!, 2 * MiB);
    for (let i = 0; i < 512; i += 64) expect(accessVirtual(k, t.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
    const head = inode!.mapping.iPages.load(0) - 1;
    expect(k.mem.order[head]).toBe(9);
    expect(k.folioNid(head)).toBe(1);
    const tokens = Array.from({ length: 512 }, (_, i) => inode!.shadow.load(i));
    const shmem = [0, 1].map((nid) => k.vmstat.nodePage(nid, NR_SHMEM));
    const list = k.lists.alloc();
    expect(isolateFolioForMigration(k, head, list)).toBe(true);
    const toNode0 = { nid: 0, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
    // the destination allocator has no large folio to give
    const rc = migratePages(k, list, (kk, src) => (kk.mem.order[src]! > 0 ? -1 : allocMigrationTarget(kk, src, toNode0)), null, null, MIGRATE_SYNC, MR_SYSCALL);
    putbackMovablePages(k, list);
    // every piece moved: migrate_pages() reports success, as for an anonymous folio split so
    expect(rc).toBe(0);
    for (let i = 0; i < 512; i++) {
      const piece = inode!.mapping.iPages.load(i) - 1;
      expect(k.mem.order[piece], `piece ${i}`).toBe(0);
      expect(k.folioNid(piece), `piece ${i}`).toBe(0);
      expect(k.mem.index[piece]).toBe(i);
    }
    expect([0, 1].map((nid) => k.vmstat.nodePage(nid, NR_SHMEM))).toEqual([shmem[0]! + 512, shmem[1]! - 512]);
    for (let i = 0; i < 512; i += 64) {
      expect(accessVirtual(k, t.mm!, addr + i * 4096, false)).toBe(ACCESS_OK);
      expect(k.faultState.lastToken).toBe(tokens[i]);
    }
    healthy(k, "after the split and the migration");
  });
});
