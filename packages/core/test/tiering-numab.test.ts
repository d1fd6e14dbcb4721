import "reflect-metadata";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { pteProtnone, ptePresent } from "../src/mm/pgtable.js";
import { installVmscan } from "../src/reclaim/vmscan.js";
import { NUMA_PAGE_MIGRATE, PGPROMOTE_CANDIDATE, PGPROMOTE_SUCCESS } from "../src/mm/vmstat.js";
import { enableNumaBalancing, taskNumaWork } from "../src/numa/numa-balancing.js";
import { PAGE, makeSystem, pteAt, shadowAt } from "./helpers.js";
import { fillNode, pfnAt, populatedRegion, releasePages } from "./migrate-helpers.js";

function quiet(k: Kernel): void {
  expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  expect(checkIntegrity(k).ok).toBe(true);
}

/** Pages written by a task on the slow node, whose task then runs on the fast node. */
function slowRegion(k: Kernel, nr: number) {
  const r = populatedRegion(k, 1, nr);
  r.mm.homeNid = 0;
  r.task.nid = 0;
  return r;
}

describe("NUMA balancing, tiering mode", () => {
  it("the scanner makes hint PTEs; a hint fault promotes a hot slow page when there is room", () => {
    const k = makeSystem();
    installVmscan(k);
    const nb = enableNumaBalancing(k);
    const r = slowRegion(k, 4);
    expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(1);
    expect(taskNumaWork(k, r.mm, true)).toBe(4);
    expect(nb.numaPteUpdates).toBe(4);
    expect(pteProtnone(pteAt(k, r.mm, r.addr))).toBe(true);
    // slow-tier folios got the scan time in last_cpupid
    expect(k.mem.lastCpupid[pfnAt(k, r.mm, r.addr)]).toBe(0);
    k.clock.advance(100e6); // 100 ms later: below the 1000 ms hot threshold
    expect(accessVirtual(k, r.mm, r.addr, false)).toBe(ACCESS_OK);
    expect(k.faultState.lastToken).toBe(shadowAt(k, r.mm, r.addr));
    expect(nb.numaHintFaults).toBe(1);
    expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(0);
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBe(1);
    expect(k.vmstat.nodePage(0, PGPROMOTE_CANDIDATE)).toBe(1);
    expect(k.vmstat.event(NUMA_PAGE_MIGRATE)).toBe(1);
    // the other pages keep their hint PTEs until touched
    expect(pteProtnone(pteAt(k, r.mm, r.addr + PAGE))).toBe(true);
    quiet(k);
  });

  it("a fault after the hot threshold is not a candidate: the PTE is restored and the page stays", () => {
    const k = makeSystem();
    const nb = enableNumaBalancing(k);
    const r = slowRegion(k, 1);
    taskNumaWork(k, r.mm, true);
    k.clock.advance(1500e6);
    expect(accessVirtual(k, r.mm, r.addr, true)).toBe(ACCESS_OK);
    expect(nb.numaHintFaults).toBe(1);
    expect(k.folioNid(pfnAt(k, r.mm, r.addr))).toBe(1);
    expect(k.vmstat.nodePage(0, PGPROMOTE_CANDIDATE)).toBe(0);
    const pte = pteAt(k, r.mm, r.addr);
    expect(ptePresent(pte) && !pteProtnone(pte)).toBe(true);
    quiet(k);
  });

  it("under pressure promotion fails (candidate > success) and wakes kswapd on the fast node", () => {
    const k = makeSystem();
    installVmscan(k);
    const nb = enableNumaBalancing(k);
    const r = slowRegion(k, 8);
    const held = fillNode(k, 0);
    taskNumaWork(k, r.mm, true);
    const wakeups = k.alloc.kswapdWakeups[0]!;
    for (let i = 0; i < 8; i++) expect(accessVirtual(k, r.mm, r.addr + i * PAGE, false)).toBe(ACCESS_OK);
    expect(nb.numaHintFaults).toBe(8);
    expect(k.vmstat.nodePage(0, PGPROMOTE_CANDIDATE)).toBe(8);
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBe(0);
    expect(k.alloc.kswapdWakeups[0]! - wakeups).toBe(8);
    expect(k.alloc.kswapdPending[0]).toBe(1);
    for (let i = 0; i < 8; i++) {
      expect(k.folioNid(pfnAt(k, r.mm, r.addr + i * PAGE))).toBe(1);
      expect(pteProtnone(pteAt(k, r.mm, r.addr + i * PAGE))).toBe(false);
    }
    quiet(k);
    releasePages(k, held);
  });

  it("the promotion rate limit refuses candidates beyond the window's budget", () => {
    const k = makeSystem();
    // 1 MB/s = 256 pages per kernel second; the fast node must not have 'plenty' of room
    const nb = enableNumaBalancing(k, { promoteRateLimitMBps: 1 / 128 }); // 2 pages per second
    const r = slowRegion(k, 6);
    taskNumaWork(k, r.mm, true);
    k.clock.advance(10e6);
    for (let i = 0; i < 6; i++) accessVirtual(k, r.mm, r.addr + i * PAGE, false);
    expect(nb.numaHintFaults).toBe(6);
    expect(k.vmstat.nodePage(0, PGPROMOTE_CANDIDATE)).toBe(6);
    // the first candidate opens the window; two fit under the limit
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBeLessThan(6);
    expect(k.vmstat.nodePage(0, PGPROMOTE_SUCCESS)).toBeGreaterThan(0);
    quiet(k);
  });
});
