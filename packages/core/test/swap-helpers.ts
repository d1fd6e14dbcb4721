/** Helpers for the swap tests: health checks and a full swap-out of one mapped page. */
import { expect } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import type { Task } from "../src/mm/mm-types.js";
import { doMmap } from "../src/mm/mmap.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { ptePresent } from "../src/mm/pgtable.js";
import { completeWriteback } from "../src/fs/page-writeback.js";
import { SWAPOUT_FREED, SWAPOUT_KEEP, reclaimFolio } from "../src/swap/swap-out.js";
import { frameAt, pteAt } from "./helpers.js";

export function healthy(k: Kernel, when = ""): void {
  expect(checkInvariants(k, { quiescent: true }), when).toEqual([]);
  const r = checkIntegrity(k);
  expect(r.violations, when).toEqual([]);
}

export function mapWritten(k: Kernel, task: Task, pages: number): number {
  const addr = doMmap(k, task.mm!, pages * 4096);
  for (let i = 0; i < pages; i++) expect(accessVirtual(k, task.mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
  return addr;
}

export function headAt(k: Kernel, task: Task, addr: number): number {
  const pte = pteAt(k, task.mm!, addr);
  expect(ptePresent(pte)).toBe(true);
  return k.mem.pageFolio(frameAt(k, task.mm!, addr));
}

/** swap a mapped page all the way out: writeback, completion, then the freeing pass */
export function swapOutPage(k: Kernel, task: Task, addr: number): void {
  const head = headAt(k, task, addr);
  // a clean swap-cache folio (swapped in by a read) is freed at once: its data is on the device
  const rc = reclaimFolio(k, head);
  healthy(k, "swap-out under writeback");
  if (rc === SWAPOUT_FREED) return;
  expect(rc).toBe(SWAPOUT_KEEP);
  completeWriteback(k);
  healthy(k, "writeback done");
  expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
  healthy(k, "freed");
}
