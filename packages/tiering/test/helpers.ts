/**
 * Shared helpers for the tiering tests: systems with the real anonymous-memory backend
 * (@foliox/anon) and, for file-backed workloads, a minimal filesystem using
 * filemap_migrate_folio and the generic writepage.
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { registerAnon } from "@foliox/anon";
import {
  BACKENDS,
  blockWriteFullFolio,
  createSystem,
  filemapMigrateFolio,
  folioAddressSpace,
  mountFs,
  type Backend,
  type Kernel,
  type MmStruct,
  type MountOptions,
  type SuperBlock,
  type SystemOptions,
} from "@foliox/core";

export const MiB = 1024 * 1024;
export const PAGE = 4096;
export const registerTestAnon = registerAnon;

/** A system with @foliox/anon (plus any extra backends given). Default [8 MiB, 8 MiB]. */
export function makeSystem(opts: SystemOptions = {}): Kernel {
  return createSystem({ memory: [8 * MiB, 8 * MiB], ...opts, backends: [registerAnon, ...(opts.backends ?? [])] }).kernel;
}

/** The PTE mapping addr in mm (0 when no table or none). */
export function pteAt(k: Kernel, mm: MmStruct, addr: number): number {
  const pt = k.pgtables;
  if (!pt.walk(mm.pgd, Math.floor(addr / PAGE), false)) return 0;
  return pt.leaf[pt.off]!;
}

export function makeTestFsBackend(name = "testfs"): Backend {
  const b: Backend = {
    manifest: {
      name,
      kinds: ["file"],
      migrateCallback: "filemap_migrate_folio",
      exchange: true,
      largeFolios: false,
      fsPrivate: false,
      writeback: true,
      description: "the tiering tests' minimal filesystem",
    },
    owns: (k: Kernel, head: number) => folioAddressSpace(k, head)?.aOps === b,
    migrateFolio: filemapMigrateFolio,
    writepage: blockWriteFullFolio,
  };
  return b;
}

export function makeFsSystem(opts: SystemOptions & { mount?: MountOptions } = {}): { k: Kernel; sb: SuperBlock } {
  const backend = makeTestFsBackend();
  const k = makeSystem({ ...opts, backends: [(c: DependencyContainer) => c.register(BACKENDS, { useValue: backend }), ...(opts.backends ?? [])] });
  const sb = mountFs(k, backend, { raPages: 8, ...opts.mount });
  return { k, sb };
}
