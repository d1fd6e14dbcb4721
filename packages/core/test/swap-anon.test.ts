/**
 * Swap in core with anonymous memory: swap-out (add_to_swap, try_to_unmap, asynchronous
 * swap_writepage, __remove_mapping) and swap-in (do_swap_page) keep the data, tokens and bytes;
 * fork shares swap entries (swap_duplicate), munmap frees them (free_swap_and_cache); reclaim
 * swaps when demotion is impossible. Invariants and integrity after every step.
 */
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { createProcess, copyProcess } from "../src/syscalls/fork.js";
import type { Task } from "../src/mm/mm-types.js";
import { doMunmap } from "../src/mm/mmap.js";
import { ACCESS_OK, accessVirtual } from "../src/mm/memory.js";
import { isSwapPte, ptePresent, pteSwpExclusive, pteWrite } from "../src/mm/pgtable.js";
import { PG_anon_exclusive } from "../src/mm/page-flags.js";
import { NR_SWAPCACHE } from "../src/mm/vmstat.js";
import { completeWriteback } from "../src/fs/page-writeback.js";
import { SWAPOUT_FREED, SWAPOUT_KEEP, reclaimFolio } from "../src/swap/swap-out.js";
import { frameAt, makeSystem, pteAt } from "./helpers.js";
import { installVmscan } from "../src/reclaim/vmscan.js";
import { GFP_HIGHUSER_MOVABLE } from "../src/mm/gfp.js";
import { headAt, healthy, mapWritten, swapOutPage } from "./swap-helpers.js";

function read(k: Kernel, task: Task, addr: number): number {
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  return k.faultState.lastToken;
}

for (const bytes of [false, true]) {
  describe(`swap round trip (${bytes ? "bytes" : "tokens"})`, () => {
    it("swap-out then swap-in keeps the data; exclusive maps writable; a second swap-out rewrites", () => {
      const k = makeSystem({ swapPages: 64, bytes });
      const t = createProcess(k);
      const addr = mapWritten(k, t, 4);
      healthy(k, "written");
      const token = k.mem.content[headAt(k, t, addr)]!;
      const head = headAt(k, t, addr);
      expect(reclaimFolio(k, head)).toBe(SWAPOUT_KEEP);
      const pte = pteAt(k, t.mm!, addr);
      expect(isSwapPte(pte)).toBe(true);
      expect(pteSwpExclusive(pte)).toBe(true);
      expect(k.mem.folioTestSwapcache(head)).toBe(true);
      expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(1);
      healthy(k, "under writeback");
      completeWriteback(k);
      expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
      expect(k.mem.refcount[head]).toBe(0);
      expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(0);
      expect(k.swap!.inusePages).toBe(1);
      healthy(k, "swapped out");
      // swap-in by a read fault: exclusive, so mapped writable
      expect(read(k, t, addr)).toBe(token);
      const pin = pteAt(k, t.mm!, addr);
      expect(ptePresent(pin) && pteWrite(pin)).toBe(true);
      expect(k.mem.testFlag(frameAt(k, t.mm!, addr), PG_anon_exclusive)).toBe(true);
      healthy(k, "swapped in");
      // a write, then out and in again
      expect(accessVirtual(k, t.mm!, addr, true)).toBe(ACCESS_OK);
      const t2 = k.mem.content[frameAt(k, t.mm!, addr)]!;
      healthy(k, "rewritten");
      swapOutPage(k, t, addr);
      expect(read(k, t, addr)).toBe(t2);
      healthy(k, "second round trip");
      // a write fault straight on a swap entry frees the swap cache (should_try_to_free_swap)
      swapOutPage(k, t, addr);
      expect(accessVirtual(k, t.mm!, addr, true)).toBe(ACCESS_OK);
      const h = headAt(k, t, addr);
      expect(k.mem.folioTestSwapcache(h)).toBe(false);
      expect(k.swap!.inusePages).toBe(0);
      healthy(k, "write-fault swap-in");
    });
  });
}

describe("swap and fork, munmap", () => {
  it("fork shares a swap entry (swap_duplicate); each side reads it back; a write COWs", () => {
    const k = makeSystem({ swapPages: 64, bytes: true });
    const p = createProcess(k);
    const addr = mapWritten(k, p, 2);
    const token = k.mem.content[headAt(k, p, addr)]!;
    swapOutPage(k, p, addr);
    const c = copyProcess(k, p) as Task;
    expect(typeof c).toBe("object");
    const off = frameAt(k, p.mm!, addr);
    expect(k.swap!.count(off)).toBe(2);
    expect(pteSwpExclusive(pteAt(k, p.mm!, addr))).toBe(false);
    expect(pteSwpExclusive(pteAt(k, c.mm!, addr))).toBe(false);
    healthy(k, "forked");
    expect(read(k, c, addr)).toBe(token);
    expect(pteWrite(pteAt(k, c.mm!, addr))).toBe(false);
    healthy(k, "child swapped in");
    expect(read(k, p, addr)).toBe(token);
    expect(frameAt(k, p.mm!, addr)).toBe(frameAt(k, c.mm!, addr));
    healthy(k, "parent swapped in from the swap cache");
    expect(accessVirtual(k, c.mm!, addr, true)).toBe(ACCESS_OK);
    expect(frameAt(k, p.mm!, addr)).not.toBe(frameAt(k, c.mm!, addr));
    expect(read(k, p, addr)).toBe(token);
    healthy(k, "child wrote (COW)");
  });

  it("munmap of swapped-out pages frees their slots (free_swap_and_cache)", () => {
    const k = makeSystem({ swapPages: 64 });
    const t = createProcess(k);
    const addr = mapWritten(k, t, 3);
    for (let i = 0; i < 3; i++) swapOutPage(k, t, addr + i * 4096);
    expect(k.swap!.inusePages).toBe(3);
    // one page still in the swap cache under writeback while unmapped
    expect(accessVirtual(k, t.mm!, addr, true)).toBe(ACCESS_OK);
    expect(reclaimFolio(k, headAt(k, t, addr))).toBe(SWAPOUT_KEEP);
    expect(doMunmap(k, t.mm!, addr, 3 * 4096)).toBe(0);
    healthy(k, "unmapped with writeback in flight");
    completeWriteback(k);
    expect(k.swap!.inusePages).toBe(1); // the cached folio holds its slot until reclaim frees it
    healthy(k, "writeback done");
  });

  it("fork then munmap in one process: the other still reads its data", () => {
    const k = makeSystem({ swapPages: 64 });
    const p = createProcess(k);
    const addr = mapWritten(k, p, 1);
    const token = k.mem.content[headAt(k, p, addr)]!;
    swapOutPage(k, p, addr);
    const c = copyProcess(k, p) as Task;
    expect(doMunmap(k, p.mm!, addr, 4096)).toBe(0);
    expect(k.swap!.count(frameAt(k, c.mm!, addr))).toBe(1);
    healthy(k, "parent unmapped");
    expect(read(k, c, addr)).toBe(token);
    healthy(k, "child read");
  });
});

describe("reclaim swaps anon when demotion is impossible", () => {
  it("direct reclaim (demotion off) writes anon folios to swap and frees them once written", () => {
    const k = makeSystem({ swapPages: 1024 });
    installVmscan(k, { demotionEnabled: false });
    const t = createProcess(k);
    const addr = mapWritten(k, t, 256);
    const before = k.alloc.nodeFreePages(0);
    let reclaimed = 0;
    for (let round = 0; round < 6; round++) {
      reclaimed += k.vmscan!.tryToFreePages(0, GFP_HIGHUSER_MOVABLE, [0]);
      healthy(k, `round ${round}`);
      completeWriteback(k);
      healthy(k, `round ${round} written`);
    }
    expect(reclaimed).toBeGreaterThan(0);
    expect(k.alloc.nodeFreePages(0)).toBeGreaterThan(before);
    expect(k.swap!.pswpout).toBeGreaterThan(0);
    // every page still reads what was written
    for (let i = 0; i < 256; i++) expect(accessVirtual(k, t.mm!, addr + i * 4096, false)).toBe(ACCESS_OK);
    healthy(k, "read back");
  });
});
