/**
 * Systems for the conformance package's own tests. The package depends on no backend, so the
 * tests register two minimal ones of their own: anonymous memory, and a page-cache filesystem
 * with filemap_migrate_folio and the generic writepage (the real ones are @foliox/anon and the
 * fs-* packages).
 */
import "reflect-metadata";
import { expect } from "vitest";
import type { DependencyContainer } from "tsyringe";
import {
  ACCESS_OK,
  BACKENDS,
  MAP_SHARED,
  PAGE_MAPPING_ANON,
  SWAPOUT_FREED,
  SWAPOUT_KEEP,
  accessVirtual,
  blockWriteFullFolio,
  checkIntegrity,
  checkInvariants,
  completeWriteback,
  createInode,
  createProcess,
  createSystem,
  doMmap,
  doMmapFile,
  filemapMigrateFolio,
  filemapWrite,
  folioAddressSpace,
  folioWalkStart,
  mountFs,
  reclaimFolio,
  type Backend,
  type Kernel,
  type SuperBlock,
  type Task,
} from "@foliox/core";

const MiB = 1024 * 1024;

const testAnon: Backend = {
  manifest: {
    name: "test-anon",
    kinds: ["anon"],
    migrateCallback: "migrate_folio",
    exchange: true,
    largeFolios: true,
    fsPrivate: false,
    writeback: false,
    description: "the conformance tests' stand-in for @foliox/anon",
  },
  owns: (k: Kernel, head: number) => (k.mem.mapping[head]! & 3) === PAGE_MAPPING_ANON,
};

const testFs: Backend = {
  manifest: {
    name: "test-fs",
    kinds: ["file"],
    migrateCallback: "filemap_migrate_folio",
    exchange: true,
    largeFolios: false,
    fsPrivate: false,
    writeback: true,
    description: "the conformance tests' minimal filesystem",
  },
  owns: (k: Kernel, head: number) => folioAddressSpace(k, head)?.aOps === testFs,
  migrateFolio: filemapMigrateFolio,
  writepage: blockWriteFullFolio,
};

/** A system with the test anon backend and the test filesystem mounted; 8 MiB per node. */
export function makeSystem(opts: { swapPages?: number } = {}): { k: Kernel; sb: SuperBlock } {
  const { kernel: k } = createSystem({
    memory: [8 * MiB, 8 * MiB],
    swapPages: opts.swapPages,
    backends: [
      (c: DependencyContainer) => c.register(BACKENDS, { useValue: testAnon }),
      (c: DependencyContainer) => c.register(BACKENDS, { useValue: testFs }),
    ],
  });
  return { k, sb: mountFs(k, testFs, { raPages: 8 }) };
}

export function healthy(k: Kernel, when = ""): void {
  expect(checkInvariants(k, { quiescent: true }), when).toEqual([]);
  expect(checkIntegrity(k).violations, when).toEqual([]);
}

export interface Mapped {
  task: Task;
  addr: number;
  head: number;
}

function mappedAt(k: Kernel, task: Task, addr: number): Mapped {
  const head = folioWalkStart(k, task.mm!, addr);
  expect(head).toBeGreaterThanOrEqual(0);
  return { task, addr, head };
}

/** One anon page written by a new process (in `memcg`) on node nid. */
export function anonPage(k: Kernel, nid: number, memcg = 0): Mapped {
  const task = createProcess(k, { nid, memcg });
  const addr = doMmap(k, task.mm!, 4096);
  expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
  return mappedAt(k, task, addr);
}

/** A one-page file whose page cache is charged to memcg, written on node nid and mapped shared by a process there. */
export function filePage(k: Kernel, sb: SuperBlock, nid: number, memcg: number): Mapped {
  const inode = createInode(k, sb);
  inode.mapping.memcg = memcg;
  expect(filemapWrite(k, inode, 0, nid)).toBe(4096);
  const task = createProcess(k, { nid, memcg });
  const addr = doMmapFile(k, task.mm!, inode, 4096, { flags: MAP_SHARED });
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  return mappedAt(k, task, addr);
}

/** An anon page on nid, swapped all the way out and read back in: mapped, and in the swap cache. */
export function swapcachePage(k: Kernel, nid: number): Mapped {
  const { task, addr, head } = anonPage(k, nid);
  // a dirty page is written out first (SWAPOUT_KEEP), then freed once the writeback completes
  const rc = reclaimFolio(k, head);
  if (rc !== SWAPOUT_FREED) {
    expect(rc).toBe(SWAPOUT_KEEP);
    completeWriteback(k);
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
  }
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  const f = mappedAt(k, task, addr);
  expect(k.mem.folioTestSwapcache(f.head)).toBe(true);
  expect(k.folioNid(f.head)).toBe(nid);
  return f;
}

/** What the task reads at its address (the token of the page it maps). */
export function reads(k: Kernel, f: Mapped): number {
  const head = folioWalkStart(k, f.task.mm!, f.addr);
  return head < 0 ? -1 : k.mem.content[head]!;
}
