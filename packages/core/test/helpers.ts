/**
 * Shared helpers for core's own tests. Core never depends on a backend package, so the tests
 * register a minimal anonymous-memory backend of their own (the real one is @foliox/anon).
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import type { Backend } from "../src/backend/contract.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { NR_PAGE_ORDERS, PAGE_MAPPING_ANON } from "../src/mm/mem-map.js";
import type { MmStruct } from "../src/mm/mm-types.js";
import { isMigrationEntry, ptePresent, pteSpecial } from "../src/mm/pgtable.js";
import { createSystem, type SystemOptions } from "../src/system.js";
import { BACKENDS } from "../src/tokens.js";

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const PAGE = 4096;

/** A minimal anon backend: it owns folios whose mapping is tagged PAGE_MAPPING_ANON. */
export const testAnonBackend: Backend = {
  manifest: {
    name: "test-anon",
    kinds: ["anon"],
    migrateCallback: "migrate_folio",
    exchange: true,
    largeFolios: true,
    fsPrivate: false,
    writeback: false,
    description: "core tests' stand-in for @foliox/anon",
  },
  owns: (k: Kernel, head: number) => (k.mem.mapping[head]! & 3) === PAGE_MAPPING_ANON,
};

export function registerTestAnon(c: DependencyContainer): void {
  c.register(BACKENDS, { useValue: testAnonBackend });
}

/** A system with the test anon backend (plus any extra backends given). Default [8 MiB, 8 MiB]. */
export function makeSystem(opts: SystemOptions = {}): Kernel {
  const { kernel } = createSystem({
    memory: [8 * MiB, 8 * MiB],
    ...opts,
    backends: [registerTestAnon, ...(opts.backends ?? [])],
  });
  return kernel;
}

/** Free pages over all zones, from the free lists themselves (not vmstat), and the deferred sections no list holds yet. */
export function freePagesFromLists(k: Kernel): number {
  let free = 0;
  for (const zone of k.topo.zones) {
    for (let o = 0; o < NR_PAGE_ORDERS; o++) free += k.alloc.freeArea[zone.idx]![o]!.count() << o;
    free += k.alloc.nrDeferredPages(zone);
  }
  return free;
}

/** Free pages over all nodes, from NR_FREE_PAGES. */
export function totalFreePages(k: Kernel): number {
  let free = 0;
  for (const node of k.topo.nodes) free += k.alloc.nodeFreePages(node.nid);
  return free;
}

/** The buddy free lists' exact shape: per zone, per order, the sorted pfns of the free blocks. */
export function freeListShape(k: Kernel): number[][][] {
  return k.topo.zones.map((zone) => Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.alloc.freeArea[zone.idx]![o]!.toArray().sort((a, b) => a - b)));
}

/** The PTE mapping addr in mm (0 when no table or none). */
export function pteAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, Math.floor(addr / PAGE), false)) return 0;
  return pt.leaf[pt.off]!;
}

/** The frame of the PTE at addr in mm: the pfn it maps, or its entry's swap offset or pfn (-1 when no table). */
export function frameAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, Math.floor(addr / PAGE), false)) return -1;
  return pt.frame[pt.off]!;
}

/** The integrity shadow (last token written) at addr in mm. */
export function shadowAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, Math.floor(addr / PAGE), false)) return 0;
  return pt.shadow[pt.off]!;
}

/**
 * MM_ANONPAGES recomputed from the page tables: present PTEs of real pages plus migration
 * entries (the kernel's rss keeps counting a page while it is under migration).
 */
export function countRss(k: Kernel, mm: MmStruct): number {
  let rss = 0;
  for (const vma of mm.vmas) {
    for (let vpn = vma.vmStart / PAGE; vpn < vma.vmEnd / PAGE; vpn++) {
      const pte = pteAt(k, mm, vpn * PAGE);
      if (pte === 0) continue;
      if (ptePresent(pte) ? !pteSpecial(pte) : isMigrationEntry(pte)) rss++;
    }
  }
  return rss;
}
