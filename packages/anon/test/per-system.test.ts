/**
 * The anon backend's KSM state is per system: each system's container constructs its own
 * AnonBackend, which holds that system's stable tree and counters; another system never sees it.
 */
import { BACKENDS, createSystem, type Backend } from "@foliox/core";
import { describe, expect, it } from "vitest";
import { AnonBackend, ksmMadviseMergeable, ksmOf, ksmStats, ksmdRun, registerAnon } from "../src/index.js";
import { folioAt, makeSystem, populate } from "./scenario.js";

describe("AnonBackend: one instance and one KSM state per system", () => {
  it("is constructed by the system's container, once, also when resolved again or from a child container", () => {
    const { container, kernel: k } = createSystem({ memory: [8 << 20, 8 << 20], backends: [registerAnon] });
    const [b] = k.backends.all;
    expect(b).toBeInstanceOf(AnonBackend);
    expect(container.resolveAll<Backend>(BACKENDS)[0] === b).toBe(true);
    expect(container.createChildContainer().resolveAll<Backend>(BACKENDS)[0] === b).toBe(true);
    expect(ksmOf(k) === (b as AnonBackend).ksm).toBe(true);
  });

  it("KSM merging in one system leaves another system's KSM state untouched", () => {
    const k1 = makeSystem();
    const k2 = makeSystem();
    expect(ksmOf(k1) === ksmOf(k2)).toBe(false);
    const a = populate(k1, 0, 2);
    const b = populate(k1, 1, 2);
    // same data in both pages of both tasks
    for (const [t, addr] of [
      [a.task, a.addr],
      [b.task, b.addr],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const pfn = folioAt(k1, t, addr + i * 4096);
        k1.content.writePage(pfn, 7 + i);
        k1.pgtables.walk(t.mm!.pgd, (addr + i * 4096) / 4096, false);
        k1.pgtables.shadow[k1.pgtables.off] = 7 + i;
      }
    }
    expect(ksmMadviseMergeable(k1, a.task.mm!, a.addr, 2 * 4096)).toBe(0);
    expect(ksmMadviseMergeable(k1, b.task.mm!, b.addr, 2 * 4096)).toBe(0);
    ksmdRun(k1, 2);
    expect(ksmStats(k1).pagesShared).toBe(2);
    expect(ksmStats(k2)).toMatchObject({ pagesShared: 0, pagesSharing: 0, stableNodes: 0, fullScans: 0 });
    expect(ksmOf(k2).slots).toHaveLength(0);
  });

  it("says how to fix a system without the anon backend", () => {
    const other: Backend = { manifest: { ...new AnonBackend().manifest, name: "not-anon" }, owns: () => false };
    const { kernel: k } = createSystem({ memory: [8 << 20, 8 << 20], backends: [(c) => c.register(BACKENDS, { useValue: other })] });
    expect(() => ksmOf(k)).toThrow(/registerAnon/);
  });
});
