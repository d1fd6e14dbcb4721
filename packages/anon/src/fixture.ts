/**
 * The anon backend's conformance fixture: how the conformance suite makes an anonymous folio
 * (a private anonymous mmap, write-faulted page by page on the folio's node with core's fixture
 * helpers, so the fault path allocates it) and the one extra state it makes itself, lazyfree.
 */
import {
  PG_active,
  PG_dirty,
  PG_referenced,
  PG_swapbacked,
  createProcess,
  doMmap,
  fixtureFail,
  fixtureFaultIn,
  fixtureFolioAt,
  folioPut,
  type ConformanceFixture,
  type FixtureFolio,
  type FixtureFolioOptions,
  type Kernel,
} from "@foliox/core";

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
    // swapcache and ksm are the wrappers' (swapcache-fixture.ts, ksm/fixture.ts); lazyfree is made here
    if (opts.state && opts.state !== "lazyfree") fixtureFail("anon", `no "${opts.state}" state (manifest.states)`);
    const task = opts.task ?? createProcess(k, { nid });
    const mm = task.mm!;
    const len = 4096 << order;
    const addr = doMmap(k, mm, len, { thpOrder: order });
    if (addr < 0) fixtureFail("anon", `mmap failed (${addr})`);
    fixtureFaultIn(k, "anon", mm, addr, len, nid, true);
    const head = fixtureFolioAt(k, "anon", mm, addr, nid, order);
    if (opts.state === "lazyfree") folioMarkLazyfree(k, head);
    return { head, task, addr, len };
  },
};
