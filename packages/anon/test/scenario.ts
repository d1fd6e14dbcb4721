/** Test scenarios for the anon backend: small dram-cxl systems with processes on each node. */
import { expect } from "vitest";
import {
  accessVirtual,
  ACCESS_OK,
  checkIntegrity,
  checkInvariants,
  createProcess,
  createSystem,
  doMmap,
  folioWalkStart,
  type Kernel,
  type Task,
} from "@foliox/core";
import { registerAnon } from "../src/index.js";

export const MiB = 1024 * 1024;

export function makeSystem(opts: { bytes?: boolean; seed?: number; memory?: [number, number] } = {}): Kernel {
  return createSystem({ memory: opts.memory ?? [8 * MiB, 8 * MiB], backends: [registerAnon], bytes: opts.bytes, seed: opts.seed }).kernel;
}

/** A process on `nid` with `pages` written pages (order `thpOrder` folios); returns task and base address. */
export function populate(k: Kernel, nid: number, pages: number, thpOrder = 0): { task: Task; addr: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, pages * 4096, { thpOrder });
  if (addr < 0) throw new Error(`mmap failed: ${addr}`);
  for (let i = 0; i < pages; i++) {
    const rc = accessVirtual(k, task.mm!, addr + i * 4096, true);
    if (rc !== ACCESS_OK) throw new Error(`write fault failed at page ${i}: ${rc}`);
  }
  return { task, addr };
}

/** The folio head pfn mapped at addr in task. */
export function folioAt(k: Kernel, task: Task, addr: number): number {
  const head = folioWalkStart(k, task.mm!, addr);
  if (head < 0) throw new Error(`no folio mapped at 0x${addr.toString(16)}`);
  return head;
}

/** "unchanged" (docs/decisions.md#unchanged), as the conformance cases compare it. */
/** Invariants hold at rest and integrity finds every page's data where its mappings say. */
export function healthy(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  const integrity = checkIntegrity(k);
  expect(integrity.violations).toEqual([]);
  expect(integrity.ok).toBe(true);
}

export { snapshot } from "@foliox/conformance";
