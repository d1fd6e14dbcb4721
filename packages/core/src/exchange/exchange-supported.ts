/**
 * folio_exchange_supported() (the seed's mm/exchange.c) with foliox's errno policy
 * (docs/decisions.md#errno-policy): transient conditions return -EAGAIN or -EBUSY so callers retry;
 * -EOPNOTSUPP is kept for permanent refusals (mlocked, no backend that can exchange, KSM
 * without a backend that declares the "ksm" kind and implements Backend.exchangeMapping).
 */
import { EAGAIN, EBUSY, ENOENT, EOPNOTSUPP } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { MIGRATE_SYNC, type MigrateMode } from "../migrate/migrate-mode.js";
import { PAGE_MAPPING_ANON, PAGE_MAPPING_KSM } from "../mm/mem-map.js";
import { PG_mlocked, PG_private, PG_writeback } from "../mm/page-flags.js";
import { folioExpectedRefs } from "../migrate/migrate-folio.js";
import { AS_UNMOVABLE } from "../fs/address-space.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";

/** Returned by a phase that would sleep (folio lock, writeback): retry it later. */
export const EXCHANGE_WOULD_BLOCK = 1;

/** What a phase that returned EXCHANGE_WOULD_BLOCK waits for (ExchangeOp.blockedOn). */
export const EXCHANGE_WAIT_NONE = 0;
/** folio_lock() on `blockedPfn`, held by someone else */
export const EXCHANGE_WAIT_FOLIO_LOCK = 1;
/** folio_wait_writeback() on `blockedPfn` */
export const EXCHANGE_WAIT_WRITEBACK = 2;
/** a backend's sleeping lock (ksm_thread_mutex): the lock class in `blockedPfn` */
export const EXCHANGE_WAIT_LOCK_CLASS = 3;

/**
 * folio_exchange_supported(): 0, EXCHANGE_WOULD_BLOCK (SYNC waits for writeback), or an errno.
 * The refcount test compares against expected + mapcount, so any extra reference or pin is
 * caught here, before anything is unmapped.
 */
export function folioExchangeSupported(k: Kernel, head: number, mode: MigrateMode): number {
  const mem = k.mem;
  if (mem.refcount[head] === 1) {
    // Freed under us: only our isolation reference is left (it was unmapped everywhere).
    return -ENOENT;
  }
  if (mem.testFlag(head, PG_writeback)) {
    if (mode !== MIGRATE_SYNC) return -EBUSY;
    return EXCHANGE_WOULD_BLOCK;
  }
  if (mem.mapping[head] === 0 && mem.testFlag(head, PG_private)) return -EBUSY;
  if (mem.testFlag(head, PG_mlocked)) return -EOPNOTSUPP;
  const backend = k.backends.forFolio(k, head);
  if (!backend || !backend.manifest.exchange) return -EOPNOTSUPP;
  const tag = mem.mapping[head]! & 3;
  if (tag === PAGE_MAPPING_KSM) {
    // KSM: only a backend that declares the kind and owns the stable-node half of the mapping swap.
    if (!backend.manifest.kinds.includes("ksm") || !backend.exchangeMapping) return -EOPNOTSUPP;
  } else if (tag !== PAGE_MAPPING_ANON && tag !== 0) {
    return -EOPNOTSUPP;
  }
  // mapping_unmovable(): a permanent refusal
  if ((folioAddressSpace(k, head)?.flags ?? 0) & AS_UNMOVABLE) return -EOPNOTSUPP;
  // 1 (isolation) + nr (page cache) + PG_private, plus one per mapping PTE: any extra pin fails.
  if (mem.refcount[head] !== folioExpectedRefs(k, mem.folioHasMapping(head), head) + mem.folioMapcount(head)) return -EAGAIN;
  return 0;
}
