/**
 * createSystem() as the composition root: the container constructs every subsystem once per
 * system (the Kernel's fields are the container's instances, also seen from a child container),
 * and two systems share none of them.
 */
import { describe, expect, it } from "vitest";
import type { InjectionToken } from "tsyringe";
import type { Kernel } from "../src/kernel/kernel.js";
import { disableNumaBalancing, enableNumaBalancing } from "../src/numa/numa-balancing.js";
import { createSystem } from "../src/system.js";
import {
  BACKEND_REGISTRY,
  CLOCK,
  CONTENT,
  FAULT_INJECTION,
  FS_STATE,
  KERNEL,
  LIST_HEADS,
  LRU,
  MEM_MAP,
  MEMORY_TIERS,
  NUMA_BALANCING,
  PAGE_ALLOC,
  PGTABLES,
  PRNG,
  SWAP_DEVICES,
  TLB_FLUSH_BATCH,
  TOPOLOGY,
  TRACEPOINTS,
  VMSCAN,
  VMSTAT,
} from "../src/tokens.js";
import { MiB, registerTestAnon } from "./helpers.js";

/** Each token and the Kernel field that holds what it resolves to. */
const FIELDS: [InjectionToken<unknown>, (k: Kernel) => unknown][] = [
  [TOPOLOGY, (k) => k.topo],
  [MEM_MAP, (k) => k.mem],
  [LIST_HEADS, (k) => k.lists],
  [MEMORY_TIERS, (k) => k.tiers],
  [VMSTAT, (k) => k.vmstat],
  [TRACEPOINTS, (k) => k.trace],
  [CONTENT, (k) => k.content],
  [PAGE_ALLOC, (k) => k.alloc],
  [LRU, (k) => k.lru],
  [PGTABLES, (k) => k.pgtables],
  [TLB_FLUSH_BATCH, (k) => k.tlb],
  [FAULT_INJECTION, (k) => k.faultInject],
  [FS_STATE, (k) => k.fs],
  [NUMA_BALANCING, (k) => k.numaBalancing],
  [VMSCAN, (k) => k.reclaim],
  [SWAP_DEVICES, (k) => k.swapDevices],
  [PRNG, (k) => k.rng],
  [CLOCK, (k) => k.clock],
  [BACKEND_REGISTRY, (k) => k.backends],
  [KERNEL, (k) => k],
];

const system = () => createSystem({ memory: [8 * MiB, 8 * MiB], backends: [registerTestAnon] });

describe("createSystem: the composition root", () => {
  it("holds in the Kernel's fields the very objects its container constructed, once, also for a child container", () => {
    const { container, kernel: k } = system();
    const child = container.createChildContainer();
    for (const [token, field] of FIELDS) {
      const name = String(token);
      expect(container.resolve(token) === field(k), `${name}: the Kernel's field`).toBe(true);
      const again = container.resolve(token);
      expect(again === field(k), `${name}: resolved once`).toBe(true);
      expect(child.resolve(token) === field(k), `${name}: the same from a child container`).toBe(true);
    }
  });

  it("gives two systems no subsystem in common", () => {
    const a = system().kernel;
    const b = system().kernel;
    for (const [token, field] of FIELDS) expect(field(a) === field(b), String(token)).toBe(false);
  });

  it("leaves NUMA balancing, reclaim and swap off until they are set up", () => {
    const { kernel: k } = system();
    expect(k.numab).toBeNull();
    expect(k.vmscan).toBeNull();
    expect(k.swap).toBeNull();
    const { kernel: s } = createSystem({ memory: [8 * MiB, 8 * MiB], backends: [registerTestAnon], swapPages: 64 });
    expect(s.swap === s.swapDevices.si).toBe(true);
    expect(s.swap?.pages).toBe(64);
  });

  it("enableNumaBalancing() starts the system's one NumaBalancing afresh; disableNumaBalancing() stops it", () => {
    const { kernel: k } = system();
    const nb = enableNumaBalancing(k, { hotThresholdMs: 5 });
    expect(nb === k.numaBalancing && k.numab === nb).toBe(true);
    nb.numaHintFaults = 3;
    nb.onHintFault = () => {};
    disableNumaBalancing(k);
    expect(k.numab).toBeNull();
    enableNumaBalancing(k);
    expect(k.numab === nb).toBe(true);
    expect([nb.hotThresholdMs, nb.numaHintFaults, nb.onHintFault]).toEqual([1000, 0, null]);
  });
});
