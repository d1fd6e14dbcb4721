/**
 * Helpers for the migration-path tests (migrate*.test.ts): processes with populated anon
 * memory, folio lookup by address, isolation into a migration list, and filling a node.
 */
import { expect } from "vitest";
import { createProcess } from "../src/syscalls/fork.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_DIRECT_RECLAIM, __GFP_HIGH, __GFP_THISNODE } from "../src/mm/gfp.js";
import type { FolioList } from "../src/mm/list.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import type { MmStruct, Task } from "../src/mm/mm-types.js";
import { doMmap } from "../src/mm/mmap.js";
import { ptePresent } from "../src/mm/pgtable.js";
import { folioPut } from "../src/mm/swap.js";
import { isolateFolioForMigration } from "../src/migrate/unmap-and-move.js";
import { PAGE, pteAt, shadowAt, frameAt } from "./helpers.js";

export interface Region {
  task: Task;
  mm: MmStruct;
  addr: number;
  nrPages: number;
}

/** A process on `nid` with `nrPages` of anon memory, every page written. */
export function populatedRegion(k: Kernel, nid: number, nrPages: number, thpOrder = 0): Region {
  const task = createProcess(k, { nid });
  const mm = task.mm!;
  const addr = doMmap(k, mm, nrPages * PAGE, { thpOrder });
  expect(addr).toBeGreaterThan(0);
  for (let i = 0; i < nrPages; i++) expect(accessVirtual(k, mm, addr + i * PAGE, true)).toBe(ACCESS_OK);
  return { task, mm, addr, nrPages };
}

/** The pfn the PTE at addr maps (-1 if not present). */
export function pfnAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pte = pteAt(k, mm, addr);
  return ptePresent(pte) ? frameAt(k, mm, addr) : -1;
}

/** The folio heads mapped by a region, in address order, each once. */
export function regionFolios(k: Kernel, r: Region): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.nrPages; i++) {
    const pfn = pfnAt(k, r.mm, r.addr + i * PAGE);
    if (pfn < 0) continue;
    const head = k.mem.pageFolio(pfn);
    if (out[out.length - 1] !== head) out.push(head);
  }
  return out;
}

/** Isolate every folio of the region onto a new migration list. */
export function isolateRegion(k: Kernel, r: Region): FolioList {
  const list = k.lists.alloc();
  for (const head of regionFolios(k, r)) expect(isolateFolioForMigration(k, head, list)).toBe(true);
  return list;
}

/** Every page of the region reads back what was last written there; returns the nodes used. */
export function expectRegionData(k: Kernel, r: Region): Set<number> {
  const nids = new Set<number>();
  for (let i = 0; i < r.nrPages; i++) {
    const addr = r.addr + i * PAGE;
    expect(accessVirtual(k, r.mm, addr, false)).toBe(ACCESS_OK);
    expect(k.faultState.lastToken).toBe(shadowAt(k, r.mm, addr));
    nids.add(k.folioNid(pfnAt(k, r.mm, addr)));
  }
  return nids;
}

/**
 * Fill a node the way docs/decisions.md#memory-pressure defines "full": allocate movable memory with __GFP_HIGH,
 * no direct reclaim and __GFP_THISNODE (an atomic allocation, allowed below the min watermark;
 * movable so that a ZONE_MOVABLE node qualifies) until nothing more comes, so every zone is below min and
 * a THISNODE allocation that may not dip into reserves fails. Returns the pages held.
 */
export function fillNode(k: Kernel, nid: number): number[] {
  const held: number[] = [];
  for (;;) {
    const pfn = k.alloc.allocPages((GFP_HIGHUSER_MOVABLE & ~__GFP_DIRECT_RECLAIM) | __GFP_HIGH | __GFP_THISNODE, 0, nid);
    if (pfn < 0) break;
    held.push(pfn);
  }
  return held;
}

/** Give back what fillNode() took. */
export function releasePages(k: Kernel, pages: number[]): void {
  for (const pfn of pages) folioPut(k, pfn);
}
