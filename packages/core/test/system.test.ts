import { describe, expect, it } from "vitest";
import { checkInvariants } from "../src/debug/invariants.js";
import { NR_FREE_PAGES } from "../src/mm/vmstat.js";
import { createSystem } from "../src/system.js";
import { MiB, makeSystem } from "./helpers.js";

describe("createSystem", () => {
  it("boots a dram-cxl system whose free pages account for all memory but the zero page", () => {
    const k = makeSystem({ memory: [8 * MiB, 16 * MiB] });
    expect(k.topo.nrNodes).toBe(2);
    const free = k.vmstat.zonePage(k.topo.nodes[0]!.zones[0]!.idx, NR_FREE_PAGES) + k.vmstat.zonePage(k.topo.nodes[1]!.zones[0]!.idx, NR_FREE_PAGES);
    expect(free).toBe((24 * MiB) / 4096 - 1);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  });

  it("refuses to build a system with no backend, and says how to fix it", () => {
    expect(() => createSystem({ memory: [8 * MiB, 8 * MiB] })).toThrow(/registerAnon/);
  });

  it("gives every system its own container and state", () => {
    const a = makeSystem();
    const b = makeSystem();
    // Compare identities as booleans: printing a Kernel for a message would be slow.
    expect(a === b).toBe(false);
    expect(a.mem === b.mem).toBe(false);
  });
});
