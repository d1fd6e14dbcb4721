/**
 * Sparse mem_map (mm/mem-map.ts, mm/page-alloc.ts): machines of many 128 MiB sections, built
 * with only the sections in use initialized, the rest deferred free memory that the allocator
 * initializes on first use; the topology presets at that scale; and bad machines refused by name.
 */
import "reflect-metadata";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { folioExchange } from "../src/exchange/folio-exchange.js";
import { MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { MAX_PAGE_ORDER, PAGES_PER_SECTION } from "../src/mm/mem-map.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { doMmap } from "../src/mm/mmap.js";
import { folioWalkStart } from "../src/mm/pagewalk.js";
import { dramCxl4Node } from "../src/mm/topology.js";
import { createProcess } from "../src/syscalls/fork.js";
import { syscalls } from "../src/syscalls/index.js";
import { MPOL_MF_MOVE } from "../src/syscalls/mempolicy-uapi.js";
import { checkAll, commandsArbitrary, newStats, setupSystem, teardown } from "./harness/ops.js";
import { MiB, freePagesFromLists, makeSystem, totalFreePages } from "./helpers.js";

const GiB = 1024 * MiB;

describe("a sparse machine", () => {
  it("a 1 TiB dram-cxl-1t machine initializes one section at boot; the rest is free memory in deferred sections", () => {
    const k = makeSystem({ topology: "dram-cxl-1t", memory: undefined }); // the preset's own sizes
    expect(k.topo.nodes.map((n) => n.nrPages * 4096)).toEqual([256 * GiB, 768 * GiB]);
    expect(k.mem.nrPages).toBe(2 ** 28);
    expect(k.mem.nrSections).toBe(8192);
    // section 0 holds the zero page; every other section is whole free memory of one zone
    expect(k.mem.nrSectionsInitialized).toBe(1);
    expect(totalFreePages(k)).toBe(2 ** 28 - 1);
    expect(freePagesFromLists(k)).toBe(2 ** 28 - 1);
    for (const z of k.topo.zones) expect(k.alloc.nrFree[z.idx * (MAX_PAGE_ORDER + 1) + MAX_PAGE_ORDER]).toBe(Math.floor(z.managedPages / 1024));
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  });

  it("allocation initializes deferred sections on demand, lowest first, each once; faults, an exchange and a migration across them keep every invariant", () => {
    const k = makeSystem({ memory: [128 * GiB, 384 * GiB] });
    const slow = createProcess(k, { nid: 1 });
    const fast = createProcess(k, { nid: 0 });
    const cxlStart = k.topo.nodes[1]!.startPfn;
    expect(k.mem.nrSectionsInitialized).toBe(1);
    // a whole section's worth of pages and one more, on the CXL node: its first two sections
    const n = PAGES_PER_SECTION + 1;
    const a = doMmap(k, slow.mm!, n * 4096);
    for (let i = 0; i < n; i++) expect(accessVirtual(k, slow.mm!, a + i * 4096, true)).toBe(ACCESS_OK);
    expect(k.mem.nrSectionsInitialized).toBe(3);
    const pfns = Array.from({ length: n }, (_, i) => folioWalkStart(k, slow.mm!, a + i * 4096));
    expect(Math.min(...pfns)).toBeGreaterThanOrEqual(cxlStart);
    expect(Math.max(...pfns)).toBeLessThan(cxlStart + 2 * PAGES_PER_SECTION);
    expect(new Set(pfns).size).toBe(n);
    // DRAM: section 0 first (the zero page's), then its first deferred section
    const b = doMmap(k, fast.mm!, 4096);
    expect(accessVirtual(k, fast.mm!, b, true)).toBe(ACCESS_OK);
    const hot = folioWalkStart(k, slow.mm!, a);
    const cold = folioWalkStart(k, fast.mm!, b);
    expect(hot).toBeGreaterThanOrEqual(cxlStart);
    expect(cold).toBeLessThan(PAGES_PER_SECTION);
    const free = totalFreePages(k);
    expect(folioExchange(k, hot, cold, MIGRATE_SYNC)).toBe(0);
    expect(folioWalkStart(k, slow.mm!, a)).toBe(cold);
    expect(totalFreePages(k)).toBe(free);
    // move_pages(2) of the second page to DRAM: a migration into the DRAM zone's sections
    const status = [-1];
    expect(syscalls(k, slow).movePages(0, 1, [a + 4096], [0], status, MPOL_MF_MOVE)).toBe(0);
    expect(status[0]).toBe(0);
    expect(k.folioNid(folioWalkStart(k, slow.mm!, a + 4096))).toBe(0);
    expect(totalFreePages(k)).toBe(freePagesFromLists(k));
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
    expect(checkIntegrity(k).ok).toBe(true);
  });

  it("the operation-sequence property holds on a 256 GiB + 256 GiB machine (a slice of the runs)", () => {
    const stats = newStats();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), commandsArbitrary(25), (seed, cmds) => {
        const { model, real } = setupSystem({ memory: [256 * GiB, 256 * GiB], bytes: false, seed }, stats);
        checkAll(model, real);
        fc.modelRun(() => ({ model, real }), cmds);
        teardown(model, real);
      }),
      { numRuns: 40, seed: 11 },
    );
    expect(stats.writes).toBeGreaterThan(40);
    expect(stats.migrateFolios + stats.exchanges).toBeGreaterThan(0);
  });
});

describe("topology presets", () => {
  it("dram-cxl-4node: two DRAM and two CXL nodes, a two-socket SLIT; demotion goes to the own socket's CXL", () => {
    const k = makeSystem({ topology: "dram-cxl-4node", memory: [256 * MiB, 512 * MiB] });
    expect(k.topo.nodes.map((n) => [n.spec.name, n.nrPages * 4096, n.spec.cpus])).toEqual([
      ["DRAM0", 256 * MiB, true],
      ["DRAM1", 256 * MiB, true],
      ["CXL0", 512 * MiB, false],
      ["CXL1", 512 * MiB, false],
    ]);
    expect(k.topo.nodeDistance(0, 2)).toBeLessThan(k.topo.nodeDistance(0, 3));
    expect(k.topo.nodeDistance(1, 3)).toBeLessThan(k.topo.nodeDistance(1, 2));
    expect(k.tiers.nodeIsToptier(0) && k.tiers.nodeIsToptier(1)).toBe(true);
    expect(k.tiers.nodeIsToptier(2) || k.tiers.nodeIsToptier(3)).toBe(false);
    expect(k.tiers.nextDemotionNode(0)).toBe(2);
    expect(k.tiers.nextDemotionNode(1)).toBe(3);
    expect(dramCxl4Node(1 * GiB, 3 * GiB).nodes.reduce((s, n) => s + n.memory, 0)).toBe(8 * GiB);
    expect(checkInvariants(k)).toEqual([]);
  });
});

describe("machines the model refuses, by field and limit", () => {
  it("a node larger than one section that is not a whole number of sections", () => {
    expect(() => makeSystem({ memory: [200 * MiB, 64 * MiB] })).toThrow(
      /nodes\[0\]\.memory \(DRAM\) is 200 MiB, not a whole number of 128 MiB memory sections.*give 128 MiB or 256 MiB/,
    );
  });

  it("a node of whole sections after a small node: off a section boundary, its partial sections initialized at boot", () => {
    const k = makeSystem({ memory: [8 * MiB, 512 * MiB] });
    // section 0 holds node 0 and the head of node 1, section 4 the tail of node 1; 1..3 are deferred
    expect(k.mem.nrSectionsInitialized).toBe(2);
    const t = createProcess(k, { nid: 1 });
    const a = doMmap(k, t.mm!, 64 * 4096);
    for (let i = 0; i < 64; i++) expect(accessVirtual(k, t.mm!, a + i * 4096, true)).toBe(ACCESS_OK);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
    expect(totalFreePages(k)).toBe(freePagesFromLists(k));
  });

  it("a machine larger than the model's limit", () => {
    expect(() => makeSystem({ memory: [1024 * GiB, 4096 * GiB] })).toThrow(/nodes\[\]\.memory\) adds up to 5 TiB; the model holds at most 4 TiB/);
  });

  it("small nodes of any multiple of 4 KiB still build, sharing a section", () => {
    const k = makeSystem({ memory: [8 * MiB + 4096 * 3, 12 * MiB] });
    expect(k.mem.nrSectionsInitialized).toBe(1);
    expect(checkInvariants(k)).toEqual([]);
  });
});
