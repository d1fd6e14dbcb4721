/**
 * The anon backend's "swapcache" conformance state (kind "anon-swapcache"): an anonymous folio
 * in core's swap cache and mapped. The fixture writes the folio as usual, swaps it out through
 * core (reclaim_pages: add_to_swap, try_to_unmap, swap_writepage), completes the write, and
 * faults every page back in by reading: do_swap_page maps the pages of the folio still in the
 * swap cache (exclusive, so writable). The system gets a swap device if it has none.
 */
import {
  SWAPOUT_KEEP,
  completeWriteback,
  fixtureFail,
  fixtureFaultIn,
  folioWalkStart,
  reclaimFolio,
  swapon,
  type ConformanceFixture,
  type FixtureFolio,
  type Kernel,
} from "@foliox/core";

/** Swap slots the fixture gives a system without swap: room for a few order-9 folios. */
export const FIXTURE_SWAP_PAGES = 4096;

/** Put a mapped anon folio into the swap cache and map it back (see the header). */
export function makeSwapcacheFolio(k: Kernel, f: FixtureFolio): FixtureFolio {
  if (!k.swap) swapon(k, FIXTURE_SWAP_PAGES);
  const mm = f.task.mm!;
  const rc = reclaimFolio(k, f.head);
  if (rc !== SWAPOUT_KEEP) fixtureFail("anon", `swap-out of pfn ${f.head} gave ${rc}, not a write in flight`);
  completeWriteback(k);
  fixtureFaultIn(k, "anon", mm, f.addr, f.len, k.folioNid(f.head), false);
  const head = folioWalkStart(k, mm, f.addr);
  if (head !== f.head || !k.mem.folioTestSwapcache(head)) fixtureFail("anon", `pfn ${f.head} did not come back from the swap cache mapped`);
  return f;
}

/** The fixture with the "swapcache" state and swapEntry() (folio->swap). */
export function withSwapcacheFixture(base: ConformanceFixture): ConformanceFixture {
  return {
    ...base,
    makeFolio: (k, nid, order, opts = {}) =>
      opts.state === "swapcache" ? makeSwapcacheFolio(k, base.makeFolio(k, nid, order, { ...opts, state: undefined })) : base.makeFolio(k, nid, order, opts),
    swapEntry: (k, head) => (k.mem.folioTestSwapcache(head) ? k.mem.private[head]! : 0),
  };
}
