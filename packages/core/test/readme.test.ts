/**
 * The README's example, run as written (keep the two in step), with core's test stand-in for
 * @foliox/anon: core never depends on a backend package.
 */
import { expect, it } from "vitest";
import {
  MIGRATE_SYNC,
  MPOL_MF_MOVE,
  accessVirtual,
  checkIntegrity,
  createProcess,
  createSystem,
  doMmap,
  folioExchange,
  folioWalkStart,
  syscalls,
} from "../src/index.js";
import { registerTestAnon as registerAnon } from "./helpers.js";

it("the README's example runs and does what its comments say", () => {
  const { kernel: k } = createSystem({ topology: "dram-cxl", memory: [64 << 20, 64 << 20], backends: [registerAnon] });
  const slow = createProcess(k, { nid: 1 }),
    fast = createProcess(k, { nid: 0 });
  const a = doMmap(k, slow.mm!, 2 * 4096),
    b = doMmap(k, fast.mm!, 4096);
  for (const [mm, addr] of [
    [slow.mm!, a],
    [slow.mm!, a + 4096],
    [fast.mm!, b],
  ] as const)
    accessVirtual(k, mm, addr, true);
  const seen: string[] = [];
  k.trace.on("mm_migrate_pages", (e) => seen.push(`migrate_pages: ${e.succeeded} moved (${e.reason})`));
  const status = new Int32Array(1);
  expect(k.folioNid(folioWalkStart(k, slow.mm!, a + 4096))).toBe(1);
  expect(syscalls(k, slow).movePages(0, 1, [a + 4096], [0], status, MPOL_MF_MOVE)).toBe(0);
  expect(status[0]).toBe(0);
  expect(k.folioNid(folioWalkStart(k, slow.mm!, a + 4096))).toBe(0);
  expect(seen).toEqual(["migrate_pages: 1 moved (MR_SYSCALL)"]);
  const allocs = k.alloc.nrAllocCalls;
  expect(folioExchange(k, folioWalkStart(k, slow.mm!, a), folioWalkStart(k, fast.mm!, b), MIGRATE_SYNC)).toBe(0);
  expect(k.alloc.nrAllocCalls).toBe(allocs);
  expect(k.folioNid(folioWalkStart(k, slow.mm!, a))).toBe(0);
  expect(checkIntegrity(k).ok).toBe(true);
});
