/**
 * The anon backend's conformance fixture: how the conformance suite makes an anonymous folio
 * (a private anonymous mmap, written page by page so the fault path allocates it) and the one
 * extra state anonymous folios have today, lazyfree.
 */
import { ACCESS_OK, PG_active, PG_dirty, PG_referenced, PG_swapbacked, accessVirtual, createProcess, doMmap, folioPut, folioWalkStart, type ConformanceFixture, type FixtureFolio, type FixtureFolioOptions, type Kernel } from "@foliox/core";

/**
 * folio_mark_lazyfree() → lru_lazyfree() (mm/swap.c), the LRU half of MADV_FREE: a clean,
 * swap-backed anon folio loses PG_swapbacked (and active/referenced) and moves to the inactive
 * file LRU, where reclaim may discard it. foliox has no madvise(2) yet, and reclaim never
 * discards here; the exchange only has to carry the LRU type with the data.
 */
export function folioMarkLazyfree(k: Kernel, head: number): void {
  const mem = k.mem;
  if (!mem.folioTestAnon(head) || !mem.testFlag(head, PG_swapbacked) || mem.folioTestSwapcache(head)) return;
  if (!k.lru.folioIsolateLru(head)) return;
  mem.clearFlag(head, PG_active);
  mem.clearFlag(head, PG_referenced);
  mem.clearFlag(head, PG_swapbacked);
  mem.clearFlag(head, PG_dirty); // madvise_free_pte_range(): folio_clear_dirty()
  k.lru.folioAddLru(head);
  folioPut(k, head);
}

export const anonFixture: ConformanceFixture = {
  makeFolio(k: Kernel, nid: number, order: number, opts: FixtureFolioOptions = {}): FixtureFolio {
    if (opts.state && opts.state !== "lazyfree") throw new Error(`anon fixture: no "${opts.state}" state (manifest.states)`);
    const task = opts.task ?? createProcess(k, { nid });
    const mm = task.mm!;
    const len = 4096 << order;
    const addr = doMmap(k, mm, len, { thpOrder: order });
    if (addr < 0) throw new Error(`anon fixture: mmap failed (${addr})`);
    // MPOL_DEFAULT allocates on the faulting task's node: fault as if running on `nid`.
    const home = mm.homeNid;
    mm.homeNid = nid;
    try {
      for (let off = 0; off < len; off += 4096) {
        const rc = accessVirtual(k, mm, addr + off, true);
        if (rc !== ACCESS_OK) throw new Error(`anon fixture: write fault at +${off} failed (${rc})`);
      }
    } finally {
      mm.homeNid = home;
    }
    const head = folioWalkStart(k, mm, addr);
    if (head < 0 || k.mem.order[head] !== order || k.folioNid(head) !== nid) {
      throw new Error(`anon fixture: wanted an order-${order} folio on node ${nid}, got pfn ${head} (order ${k.mem.order[head]}, node ${head < 0 ? "-" : k.folioNid(head)})`);
    }
    if (opts.state === "lazyfree") folioMarkLazyfree(k, head);
    return { head, task, addr, len };
  },
};
