/**
 * A minimal test filesystem for core's file-backed tests (core never imports a backend
 * package): filemap_migrate_folio, the generic writepage, exchange allowed. It owns the
 * page-cache folios of the filesystems mounted from it.
 */
import "reflect-metadata";
import { expect } from "vitest";
import type { DependencyContainer } from "tsyringe";
import type { Backend } from "../src/backend/contract.js";
import { folioAddressSpace } from "../src/mm/folio-mapping.js";
import type { Inode, MountOptions, SuperBlock } from "../src/fs/inode.js";
import { blockWriteFullFolio } from "../src/fs/page-writeback.js";
import { createInode, mountFs } from "../src/fs/super.js";
import { filemapWrite } from "../src/fs/filemap.js";
import type { Kernel } from "../src/kernel/kernel.js";
import { filemapMigrateFolio } from "../src/migrate/migrate-folio.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { ptePresent } from "../src/mm/pgtable.js";
import type { SystemOptions } from "../src/system.js";
import { BACKENDS } from "../src/tokens.js";
import { makeSystem, pteAt, frameAt } from "./helpers.js";
import type { MmStruct } from "../src/mm/mm-types.js";

export function makeTestFsBackend(name = "testfs", extra: Partial<Backend> = {}): Backend {
  const b: Backend = {
    manifest: {
      name,
      kinds: ["file"],
      migrateCallback: "filemap_migrate_folio",
      exchange: true,
      largeFolios: false,
      fsPrivate: false,
      writeback: true,
      description: "core tests' minimal filesystem",
    },
    owns: (k: Kernel, head: number) => folioAddressSpace(k, head)?.aOps === b,
    migrateFolio: filemapMigrateFolio,
    writepage: blockWriteFullFolio,
    ...extra,
  };
  return b;
}

export function makeFsSystem(opts: SystemOptions & { mount?: MountOptions; backend?: Backend } = {}): { k: Kernel; sb: SuperBlock } {
  const backend = opts.backend ?? makeTestFsBackend();
  const k = makeSystem({ ...opts, backends: [(c: DependencyContainer) => c.register(BACKENDS, { useValue: backend }), ...(opts.backends ?? [])] });
  const sb = mountFs(k, backend, { raPages: 8, ...opts.mount });
  return { k, sb };
}

/** A file of `pages` written pages (on node `nid`), returned with its tokens. */
export function writtenFile(k: Kernel, sb: SuperBlock, pages: number, nid = 0): { inode: Inode; tokens: number[] } {
  const inode = createInode(k, sb);
  const tokens: number[] = [];
  for (let i = 0; i < pages; i++) {
    expect(filemapWrite(k, inode, i, nid)).toBe(4096);
    tokens.push(inode.shadow.load(i));
  }
  return { inode, tokens };
}

export function healthy(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  const r = checkIntegrity(k);
  expect(r.violations).toEqual([]);
  expect(r.ok).toBe(true);
}

export function cachedAt(inode: Inode, index: number): number {
  return inode.mapping.iPages.load(index) - 1;
}

export function mappedPfn(k: Kernel, mm: MmStruct, addr: number): number {
  const pte = pteAt(k, mm, addr);
  return ptePresent(pte) ? frameAt(k, mm, addr) : -1;
}
