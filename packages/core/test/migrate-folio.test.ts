import { describe, expect, it } from "vitest";
import type { Backend } from "../src/backend/contract.js";
import { KernelBug } from "../src/kernel/bug.js";
import { EAGAIN, EBUSY, EINVAL, EOPNOTSUPP } from "../src/kernel/errno.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../src/mm/gfp.js";
import { PAGE_MAPPING_ANON } from "../src/mm/mem-map.js";
import {
  PG_active,
  PG_checked,
  PG_dirty,
  PG_idle,
  PG_locked,
  PG_mappedtodisk,
  PG_mlocked,
  PG_private,
  PG_readahead,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  PG_young,
} from "../src/mm/page-flags.js";
import { folioPut } from "../src/mm/swap.js";
import { NR_WRITEBACK } from "../src/mm/vmstat.js";
import { folioMigrateFlags, migrateFolio } from "../src/migrate/migrate-folio.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { NUMA_NO_NODE, allocMigrationTarget } from "../src/migrate/migration-target.js";
import { fallbackMigrateFolio, moveToNewFolio } from "../src/migrate/unmap-and-move.js";
import { createSystem } from "../src/system.js";
import { BACKENDS } from "../src/tokens.js";
import { MiB, makeSystem } from "./helpers.js";

function page(k: Kernel, nid: number): number {
  const pfn = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE | __GFP_THISNODE, 0, nid);
  expect(pfn).toBeGreaterThan(0);
  expect(k.folioNid(pfn)).toBe(nid);
  return pfn;
}

/** An isolated, unmapped anon folio (refcount 1) with data and state. */
function anonSrc(k: Kernel, nid: number): number {
  const src = page(k, nid);
  k.mem.mapping[src] = (5 << 2) | PAGE_MAPPING_ANON;
  k.mem.index[src] = 0x7f0000123;
  k.mem.setFlag(src, PG_swapbacked);
  k.mem.setFlag(src, PG_uptodate);
  k.content.writePage(src, k.content.nextToken());
  return src;
}

function release(k: Kernel, ...pfns: number[]): void {
  for (const p of pfns) {
    k.mem.flags[p] = 0;
    folioPut(k, p);
  }
}

describe("migrate_folio (NULL mapping)", () => {
  it("copies every byte, index, mapping and PG_swapbacked", () => {
    const k = makeSystem({ bytes: true });
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    const token = k.mem.content[src]!;
    expect(migrateFolio(k, dst, src, MIGRATE_SYNC)).toBe(0);
    expect(k.content.holds(dst, token)).toBe(true);
    expect(k.mem.mapping[dst]).toBe(k.mem.mapping[src]);
    expect(k.mem.index[dst]).toBe(0x7f0000123);
    expect(k.mem.testFlag(dst, PG_swapbacked)).toBe(true);
    expect(k.mem.testFlag(dst, PG_uptodate)).toBe(true);
    release(k, src, dst);
  });

  it("-EAGAIN on any reference beyond the isolation one, before copying anything", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    k.mem.refcount[src]!++;
    const before = k.mem.content[dst]!;
    expect(migrateFolio(k, dst, src, MIGRATE_ASYNC)).toBe(-EAGAIN);
    expect(k.mem.content[dst]).toBe(before);
    expect(k.mem.mapping[dst]).toBe(0);
    k.mem.refcount[src]!--;
    release(k, src, dst);
  });

  it("BUGs on a folio under writeback", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    k.mem.setFlag(src, PG_writeback);
    expect(() => migrateFolio(k, dst, src, MIGRATE_SYNC)).toThrow(KernelBug);
    release(k, src, dst);
  });
});

describe("folio_migrate_flags", () => {
  it("copies the listed bits, moves active/unevictable, clears swapcache and private on the old folio", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 0);
    for (const bit of [
      PG_referenced,
      PG_active,
      PG_workingset,
      PG_checked,
      PG_mappedtodisk,
      PG_dirty,
      PG_young,
      PG_idle,
      PG_readahead,
      PG_private,
      PG_mlocked,
    ]) {
      k.mem.setFlag(src, bit);
    }
    k.mem.private[src] = 77;
    k.mem.memcg[src] = 3;
    folioMigrateFlags(k, dst, src);
    for (const bit of [PG_referenced, PG_active, PG_workingset, PG_checked, PG_mappedtodisk, PG_dirty, PG_young, PG_idle, PG_readahead]) {
      expect(k.mem.testFlag(dst, bit)).toBe(true);
    }
    // Not copied: PG_mlocked (rebuilt by the remap), PG_private (moved with ->private by callers).
    expect(k.mem.testFlag(dst, PG_mlocked)).toBe(false);
    expect(k.mem.testFlag(dst, PG_private)).toBe(false);
    // Test-and-clear on the old folio.
    expect(k.mem.testFlag(src, PG_active)).toBe(false);
    // swapbacked + owner_priv_1 is PG_swapcache: cleared on the old folio.
    expect(k.mem.testFlag(src, PG_swapcache)).toBe(false);
    expect(k.mem.testFlag(src, PG_private)).toBe(false);
    expect(k.mem.private[src]).toBe(0);
    // mem_cgroup_migrate(): the charge moves.
    expect(k.mem.memcg[dst]).toBe(3);
    expect(k.mem.memcg[src]).toBe(0);
    release(k, src, dst);
  });

  it("moves PG_unevictable when the folio is not active, and BUGs on active + unevictable", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 0);
    k.mem.setFlag(src, PG_unevictable);
    folioMigrateFlags(k, dst, src);
    expect(k.mem.testFlag(dst, PG_unevictable)).toBe(true);
    expect(k.mem.testFlag(src, PG_unevictable)).toBe(false);
    const dst2 = page(k, 0);
    k.mem.setFlag(src, PG_unevictable);
    k.mem.setFlag(src, PG_active);
    expect(() => folioMigrateFlags(k, dst2, src)).toThrow(KernelBug);
    release(k, src, dst, dst2);
  });

  it("last_cpupid: kept within a tier, reset to -1 across tiers in NUMA_BALANCING_MEMORY_TIERING mode", () => {
    const k = makeSystem();
    expect(k.tiers.nodeIsToptier(0)).toBe(true);
    expect(k.tiers.nodeIsToptier(1)).toBe(false);
    const src = anonSrc(k, 0);
    const same = page(k, 0);
    k.mem.lastCpupid[src] = 1234;
    folioMigrateFlags(k, same, src);
    expect(k.mem.lastCpupid[same]).toBe(1234);
    expect(k.mem.lastCpupid[src]).toBe(-1);
    const other = page(k, 1);
    k.mem.lastCpupid[same] = 99;
    folioMigrateFlags(k, other, same);
    expect(k.mem.lastCpupid[other]).toBe(-1);
    release(k, src, same, other);
  });

  it("last_cpupid crosses tiers unchanged when memory tiering is off", () => {
    const k = makeSystem({ numaBalancingMode: 1 });
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    k.mem.lastCpupid[src] = 1234;
    folioMigrateFlags(k, dst, src);
    expect(k.mem.lastCpupid[dst]).toBe(1234);
    release(k, src, dst);
  });

  it("ends writeback on the new folio before copying PG_readahead (which shares PG_reclaim)", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    k.mem.setFlag(dst, PG_writeback);
    k.vmstat.modNode(1, NR_WRITEBACK, 1);
    k.mem.setFlag(src, PG_readahead);
    folioMigrateFlags(k, dst, src);
    expect(k.mem.testFlag(dst, PG_writeback)).toBe(false);
    expect(k.vmstat.nodePage(1, NR_WRITEBACK)).toBe(0);
    expect(k.mem.testFlag(dst, PG_readahead)).toBe(true);
    release(k, src, dst);
  });
});

describe("move_to_new_folio dispatch", () => {
  const fileBackend = (calls: string[], opts: { writepage?: boolean; release?: boolean } = {}): Backend => ({
    manifest: {
      name: "test-file",
      kinds: ["file"],
      migrateCallback: "fallback_migrate_folio",
      exchange: false,
      largeFolios: false,
      fsPrivate: true,
      writeback: true,
      description: "a file backend without ->migrate_folio",
    },
    owns: (k, head) => k.mem.mapping[head] === 9 << 2,
    ...(opts.writepage
      ? {
          writepage: (_k: Kernel, head: number) => {
            calls.push(`writepage ${head}`);
            return 0;
          },
        }
      : {}),
    releaseFolio: (_k: Kernel, head: number) => {
      calls.push(`release ${head}`);
      return opts.release ?? false;
    },
  });

  function fileFolio(k: Kernel): number {
    const src = page(k, 0);
    k.mem.mapping[src] = 9 << 2;
    k.mem.setFlag(src, PG_locked);
    return src;
  }

  it("a page-cache folio has a mapping; an anon one does not (unless in the swap cache)", () => {
    const k = makeSystem();
    const f = fileFolio(k);
    const a = anonSrc(k, 0);
    expect(k.mem.folioHasMapping(f)).toBe(true);
    expect(k.mem.folioHasMapping(a)).toBe(false);
    k.mem.setFlag(a, PG_swapcache);
    expect(k.mem.folioHasMapping(a)).toBe(true);
    release(k, f, a);
  });

  it("fallback_migrate_folio: dirty folios are written out only in SYNC (6.12), refused in every mode on 6.16", () => {
    const calls: string[] = [];
    const k = makeSystem();
    const b = fileBackend(calls, { writepage: true });
    const src = fileFolio(k);
    const dst = page(k, 1);
    k.mem.setFlag(dst, PG_locked);
    k.mem.setFlag(src, PG_dirty);
    expect(fallbackMigrateFolio(k, b, dst, src, MIGRATE_ASYNC)).toBe(-EBUSY);
    expect(calls).toEqual([]);
    // SYNC: writeout() -> ->writepage, and the attempt is over: -EAGAIN, dirty cleared for I/O.
    expect(fallbackMigrateFolio(k, b, dst, src, MIGRATE_SYNC)).toBe(-EAGAIN);
    expect(calls).toEqual([`writepage ${src}`]);
    expect(k.mem.testFlag(src, PG_dirty)).toBe(false);
    expect(k.mem.testFlag(src, PG_locked)).toBe(true);
    // Without ->writepage: -EINVAL.
    k.mem.setFlag(src, PG_dirty);
    expect(fallbackMigrateFolio(k, fileBackend([]), dst, src, MIGRATE_SYNC)).toBe(-EINVAL);
    const k16 = makeSystem({ kernel: "6.16" });
    const s16 = fileFolio(k16);
    const d16 = page(k16, 1);
    k16.mem.setFlag(s16, PG_dirty);
    expect(fallbackMigrateFolio(k16, b, d16, s16, MIGRATE_SYNC)).toBe(-EBUSY);
    release(k, src, dst);
    release(k16, s16, d16);
  });

  it("fallback_migrate_folio: fs-private data must be released (-EAGAIN in SYNC, -EBUSY otherwise)", () => {
    const calls: string[] = [];
    const k = makeSystem();
    const b = fileBackend(calls, { release: false });
    const src = fileFolio(k);
    const dst = page(k, 1);
    k.mem.setFlag(src, PG_private);
    expect(fallbackMigrateFolio(k, b, dst, src, MIGRATE_SYNC)).toBe(-EAGAIN);
    expect(fallbackMigrateFolio(k, b, dst, src, MIGRATE_ASYNC)).toBe(-EBUSY);
    expect(calls).toEqual([`release ${src}`, `release ${src}`]);
    release(k, src, dst);
  });

  it("an address_space no backend claims is unmovable: -EOPNOTSUPP", () => {
    const k = makeSystem();
    const src = page(k, 0);
    k.mem.mapping[src] = 11 << 2;
    const dst = page(k, 1);
    k.mem.setFlag(src, PG_locked);
    k.mem.setFlag(dst, PG_locked);
    expect(moveToNewFolio(k, dst, src, MIGRATE_SYNC)).toBe(-EOPNOTSUPP);
    release(k, src, dst);
  });

  it("an anon folio goes to its backend's migrateFolio when it has one, and keeps its mapping tag", () => {
    const calls: number[][] = [];
    const spy: Backend = {
      manifest: {
        name: "spy-anon",
        kinds: ["anon"],
        migrateCallback: "migrate_folio",
        exchange: true,
        largeFolios: true,
        fsPrivate: false,
        writeback: false,
        description: "spy",
      },
      owns: (k, head) => (k.mem.mapping[head]! & 3) === PAGE_MAPPING_ANON,
      migrateFolio: (k, dst, src, mode) => {
        calls.push([dst, src, mode]);
        return migrateFolio(k, dst, src, mode);
      },
    };
    const k = makeSystem();
    // makeSystem's own test backend has no migrateFolio: core's migrate_folio runs.
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    k.mem.setFlag(src, PG_locked);
    k.mem.setFlag(dst, PG_locked);
    expect(moveToNewFolio(k, dst, src, MIGRATE_SYNC)).toBe(0);
    expect(k.mem.mapping[src]! & 3).toBe(PAGE_MAPPING_ANON);
    release(k, src, dst);

    const { kernel: k2 } = createSpySystem(spy);
    const s2 = anonSrc(k2, 0);
    const d2 = page(k2, 1);
    k2.mem.setFlag(s2, PG_locked);
    k2.mem.setFlag(d2, PG_locked);
    expect(moveToNewFolio(k2, d2, s2, MIGRATE_ASYNC)).toBe(0);
    expect(calls).toEqual([[d2, s2, MIGRATE_ASYNC]]);
    release(k2, s2, d2);
  });

  it("move_to_new_folio BUGs unless both folios are locked", () => {
    const k = makeSystem();
    const src = anonSrc(k, 0);
    const dst = page(k, 1);
    expect(() => moveToNewFolio(k, dst, src, MIGRATE_SYNC)).toThrow(KernelBug);
    release(k, src, dst);
  });
});

describe("alloc_migration_target", () => {
  it("allocates the source's order on the requested node, or on the source's node for NUMA_NO_NODE", () => {
    const k = makeSystem();
    const src = k.alloc.allocPages(GFP_HIGHUSER_MOVABLE, 4, 0);
    const a = allocMigrationTarget(k, src, { nid: 1, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE });
    expect(k.folioNid(a)).toBe(1);
    expect(k.mem.order[a]).toBe(4);
    const b = allocMigrationTarget(k, src, { nid: NUMA_NO_NODE, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE });
    expect(k.folioNid(b)).toBe(0);
    // A nodemask that excludes the THISNODE target: nothing.
    expect(allocMigrationTarget(k, src, { nid: 1, nmask: [0], gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE })).toBe(-1);
    release(k, src, a, b);
  });
});

function createSpySystem(spy: Backend) {
  return createSystem({ memory: [8 * MiB, 8 * MiB], backends: [(c) => c.register(BACKENDS, { useValue: spy })] });
}
