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
  Prng,
  type SuperBlock,
  type SystemOptions,
} from "@foliox/core";
import { createAccessBatch, pushAccess, type AccessBatch } from "../src/sim/access-batch.js";

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

/** Where hotSetWorkload's process maps its pages. */
export const HOT_SET_BASE = 0x7e0000000000;

export interface HotSetWorkloadOptions {
  /** the sample at which the hot set moves up by `hot` pages; default never */
  phaseAt?: number;
  /** the weight of each sample; default 500 */
  weight?: number;
  /** spread the accesses over the 64 cache lines of each page; default false (line 0) */
  spreadLines?: boolean;
}

/**
 * A small synthetic workload: `pages` pages of one process (pid 4242), first each written once
 * in a seeded random order (so hot pages land on both tiers), then `n` samples of weight
 * `weight` (each stands for that many accesses: the run lasts seconds of simulated time, so
 * NUMA balancing scans) of which 90 % go to a hot set of `hot` pages. 30 % writes.
 */
export function hotSetWorkload(seed: number, n: number, pages: number, hot: number, o: HotSetWorkloadOptions = {}): AccessBatch[] {
  const phaseAt = o.phaseAt ?? Infinity;
  const weight = o.weight ?? 500;
  const rng = new Prng(seed);
  const out: AccessBatch[] = [];
  let b = createAccessBatch(4096);
  const order = Array.from({ length: pages }, (_, i) => i);
  for (let i = pages - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let i = 0; i < pages + n; i++) {
    if (b.length === 4096) {
      out.push(b);
      b = createAccessBatch(4096);
    }
    let page: number;
    let write: boolean;
    if (i < pages) {
      page = order[i]!;
      write = true;
    } else {
      const shift = i - pages >= phaseAt ? hot : 0;
      page = rng.float() < 0.9 ? (rng.below(hot) + shift) % pages : rng.below(pages);
      write = rng.float() < 0.3;
    }
    pushAccess(b, i, 4242, HOT_SET_BASE + page * 4096 + (o.spreadLines ? (i % 64) * 64 : 0), write, 8, i < pages ? 1 : weight);
  }
  out.push(b);
  return out;
}
