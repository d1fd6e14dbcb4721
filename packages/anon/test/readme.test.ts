/** The README's library snippet, run as written (keep the two in step). */
import { createSystem, createProcess, doMmap, accessVirtual, folioWalkStart, folioExchange, checkIntegrity, MIGRATE_SYNC } from "@foliox/core";
import { expect, it } from "vitest";
import { registerAnon } from "../src/index.js";

it("the README's tour runs and does what it says", () => {
  const { kernel: k } = createSystem({ topology: "dram-cxl", memory: [64 << 20, 64 << 20], backends: [registerAnon] });
  const slow = createProcess(k, { nid: 1 });
  const fast = createProcess(k, { nid: 0 });
  const a = doMmap(k, slow.mm!, 4096),
    b = doMmap(k, fast.mm!, 4096);
  accessVirtual(k, slow.mm!, a, true);
  accessVirtual(k, fast.mm!, b, true);
  const hot = folioWalkStart(k, slow.mm!, a);
  const cold = folioWalkStart(k, fast.mm!, b);
  expect(k.folioNid(hot)).toBe(1);
  expect(folioExchange(k, hot, cold, MIGRATE_SYNC)).toBe(0);
  expect(checkIntegrity(k).ok).toBe(true);
  expect(k.folioNid(folioWalkStart(k, slow.mm!, a))).toBe(0);
});
