/**
 * Folio references: folio_get(), folio_put() and __folio_put() (mm/swap.c), and
 * folio_putback_lru() (mm/vmscan.c). The last put takes the folio off its LRU and frees it.
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import { PG_active, PG_lru, PG_unevictable } from "./page-flags.js";

export function folioGet(k: Kernel, head: number): void {
  if (k.mem.refcount[head]! <= 0) throw new KernelBug(`folio_get: pfn ${head} has refcount ${k.mem.refcount[head]}`);
  k.mem.refcount[head]!++;
}

/** folio_put(): drop a reference; the last one frees the folio. */
export function folioPut(k: Kernel, head: number): void {
  const mem = k.mem;
  const ref = --mem.refcount[head]!;
  if (ref > 0) return;
  if (ref < 0) throw new KernelBug(`folio_put: pfn ${head} refcount went negative`);
  folioPutFinal(k, head);
}

/** folio_put_refs() */
export function folioPutRefs(k: Kernel, head: number, refs: number): void {
  const mem = k.mem;
  mem.refcount[head]! -= refs;
  const ref = mem.refcount[head]!;
  if (ref > 0) return;
  if (ref < 0) throw new KernelBug(`folio_put_refs: pfn ${head} refcount went negative`);
  folioPutFinal(k, head);
}

/** __folio_put(): page_cache_release() (off the LRU), then free. */
function folioPutFinal(k: Kernel, head: number): void {
  const mem = k.mem;
  if (mem.testFlag(head, PG_lru)) {
    k.lru.lruvecDelFolio(head);
    mem.clearFlag(head, PG_lru);
  }
  mem.clearFlag(head, PG_active);
  mem.clearFlag(head, PG_unevictable);
  k.alloc.freeFolio(head);
}

/** folio_putback_lru(): back on its LRU, and drop the isolation reference. */
export function folioPutbackLru(k: Kernel, head: number): void {
  k.lru.folioAddLru(head);
  folioPut(k, head);
}
