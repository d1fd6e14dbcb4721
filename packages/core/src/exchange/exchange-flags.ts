/**
 * folio_exchange_flags() (the seed's mm/exchange.c) with the frame rule (docs/decisions.md#frame-bits): PG_locked,
 * PG_waiters, PG_lru, PG_head and PG_hwpoison stay with the frame; PG_anon_exclusive is mapping
 * state that travels in the migration entries (it is clear on both folios here, after unmap).
 * Everything else that describes the data moves with it. last_cpupid becomes -1 on both (on a
 * slow tier it holds an access time), and the memcg moves with the data.
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";
import {
  PG_active,
  PG_anon_exclusive,
  PG_idle,
  PG_mappedtodisk,
  PG_owner_priv_1,
  PG_readahead,
  PG_referenced,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
  PG_young,
} from "../mm/page-flags.js";
import { swapBits } from "./exchange-mapping.js";

/** Bits folio_exchange_flags() swaps. owner_priv_1 is PG_checked (file) / PG_swapcache (anon). */
export const EXCHANGE_FLAGS_MASK =
  (1 << PG_referenced) |
  (1 << PG_uptodate) |
  (1 << PG_active) |
  (1 << PG_unevictable) |
  (1 << PG_workingset) |
  (1 << PG_owner_priv_1) |
  (1 << PG_mappedtodisk) |
  (1 << PG_young) |
  (1 << PG_idle) |
  (1 << PG_writeback) |
  (1 << PG_readahead);

export function folioExchangeFlags(k: Kernel, oldHead: number, newHead: number): void {
  const mem = k.mem;
  const nr = mem.folioNrPages(oldHead);
  const flags = mem.flags;
  const exclusive = 1 << PG_anon_exclusive;
  for (const head of [oldHead, newHead]) {
    if (!mem.folioTestAnon(head)) continue;
    for (let p = head; p < head + nr; p++) {
      if ((flags[p]! & exclusive) === 0) continue;
      if (mem.mapcount[p] !== 0) throw new KernelBug(`folio_exchange_flags: pfn ${p} is still PG_anon_exclusive after unmap`);
      // A sub-page of an anon THP that was already unmapped (a partial munmap) keeps a stale
      // PG_anon_exclusive; the kernel drops it the same way in __split_huge_page_tail(). Left on
      // the frame it would mark the other folio's page, remapped here non-exclusive, exclusive.
      flags[p] = flags[p]! & ~exclusive;
    }
  }
  swapBits(k, oldHead, newHead, EXCHANGE_FLAGS_MASK);
  mem.lastCpupid[oldHead] = -1;
  mem.lastCpupid[newHead] = -1;
  const memcg = mem.memcg[oldHead]!;
  mem.memcg[oldHead] = mem.memcg[newHead]!;
  mem.memcg[newHead] = memcg;
}
