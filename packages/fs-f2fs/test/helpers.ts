/** Shared helpers for the f2fs / fallback unit tests. */
import "reflect-metadata";
import { expect } from "vitest";
import {
  GFP_HIGHUSER_MOVABLE,
  MR_SYSCALL,
  __GFP_THISNODE,
  allocMigrationTargetCb,
  checkIntegrity,
  checkInvariants,
  createSystem,
  folioWalkStart,
  isolateFolioForMigration,
  migratePages,
  putbackMovablePages,
  type FixtureFolio,
  type FixtureFolioOptions,
  type Kernel,
  type KernelVersion,
  type MigrateMode,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { registerF2fs, registerFallback } from "../src/index.js";

const MiB = 1024 * 1024;

export function makeK(kernelVersion: KernelVersion = "6.12"): Kernel {
  return createSystem({ memory: [8 * MiB, 8 * MiB], kernel: kernelVersion, backends: [registerAnon, registerF2fs, registerFallback] }).kernel;
}

/** An order-0 folio made by the conformance fixture of backend `kind` of system k. */
export function folio(k: Kernel, kind: "anon" | "f2fs" | "fallback", nid: number, opts: FixtureFolioOptions = {}): FixtureFolio {
  return k.backends.byName(kind)!.conformance!.makeFolio(k, nid, 0, opts);
}

/** invariants (quiescent) and integrity: every process and file reads its own data */
export function healthy(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  const r = checkIntegrity(k);
  expect(r.violations).toEqual([]);
  expect(r.ok).toBe(true);
}

export function mapped(k: Kernel, f: FixtureFolio): number {
  return folioWalkStart(k, f.task.mm!, f.addr);
}

/** move_pages()-style: isolate, migrate_pages(mode, MR_SYSCALL) to `nid`, put back failures. */
export function migrateTo(k: Kernel, head: number, nid: number, mode: MigrateMode): number {
  const list = k.lists.alloc();
  expect(isolateFolioForMigration(k, head, list)).toBe(true);
  const rc = migratePages(k, list, allocMigrationTargetCb, null, { nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }, mode, MR_SYSCALL);
  putbackMovablePages(k, list);
  list.release();
  return rc;
}
