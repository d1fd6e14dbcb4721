/** Shared setup for the ext4 unit tests: a two-node system with ext4 and anon registered. */
import { expect } from "vitest";
import {
  ACCESS_OK,
  GFP_HIGHUSER_MOVABLE,
  MAP_SHARED,
  MR_SYSCALL,
  __GFP_THISNODE,
  accessVirtual,
  allocMigrationTargetCb,
  checkIntegrity,
  checkInvariants,
  createInode,
  createProcess,
  createSystem,
  doMmap,
  doMmapFile,
  filemapWrite,
  folioWalkStart,
  isolateFolioForMigration,
  migratePages,
  mountFs,
  putbackMovablePages,
  type Inode,
  type Kernel,
  type MigrateMode,
  type SuperBlock,
  type Task,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { registerExt4 } from "../src/index.js";

export function ext4System(bytes = false): Kernel {
  return createSystem({ memory: [8 << 20, 8 << 20], bytes, backends: [registerExt4, registerAnon] }).kernel;
}

export function mount(k: Kernel, name: "ext4-4k" | "ext4-1k" | "ext4-journal"): SuperBlock {
  return mountFs(k, name, { raPages: 4 });
}

export function healthy(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  const r = checkIntegrity(k);
  expect(r.violations).toEqual([]);
  expect(r.ok).toBe(true);
}

/** A file of `pages` pages written on node nid, mapped shared and read by a task on nid. */
export function mappedFile(k: Kernel, sb: SuperBlock, nid: number, pages = 1): { inode: Inode; task: Task; addr: number } {
  const inode = createInode(k, sb);
  for (let i = 0; i < pages; i++) expect(filemapWrite(k, inode, i, nid)).toBe(4096);
  const task = createProcess(k, { nid });
  const addr = doMmapFile(k, task.mm!, inode, pages * 4096, { flags: MAP_SHARED });
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, false)).toBe(ACCESS_OK);
  return { inode, task, addr };
}

export function anonPage(k: Kernel, nid: number): { task: Task; addr: number; head: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, 4096);
  expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
  return { task, addr, head: folioWalkStart(k, task.mm!, addr) };
}

export const cachedAt = (inode: Inode, index: number) => inode.mapping.iPages.load(index) - 1;
export const mappedAt = (k: Kernel, task: Task, addr: number) => folioWalkStart(k, task.mm!, addr);

/** move_pages()-style: isolate, migrate_pages() to nid, put back the failures. Returns nr failed. */
export function migrateOne(k: Kernel, head: number, nid: number, mode: MigrateMode): number {
  const list = k.lists.alloc();
  expect(isolateFolioForMigration(k, head, list)).toBe(true);
  const rc = migratePages(k, list, allocMigrationTargetCb, null, { nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }, mode, MR_SYSCALL);
  putbackMovablePages(k, list);
  return rc;
}
