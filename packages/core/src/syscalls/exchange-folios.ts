/**
 * exchange_folios(pid, nr_pages, src[], dst[], err[]): the seed's syscall (memory-meld/linux
 * mm/exchange.c, SYSCALL_DEFINE5(exchange_folios) -> kernel_exchange_folios), with its intent
 * (docs/kernel-facts.md#seed-exchange) and without its defects (docs/decisions.md#seed-defect-9:
 * it never copied err[] out, always returned 0, and had no MPOL_MF_MOVE_ALL rule).
 *
 * Whole-call errors (a negative errno; pairs before the failure point stay done):
 * - nr_pages is an unsigned long: a negative count is taken modulo 2^64 and faults at the end
 *   of the arrays; a count no C caller could pass (a fraction) → -EINVAL.
 * - find_mm_struct(): pid 0 = current; unknown pid → -ESRCH; ptrace_may_access() fails →
 *   -EPERM; no mm → -EINVAL.
 * - reading src[i] or dst[i] faults → -EFAULT; writing err[i] faults → -EFAULT.
 *
 * Per pair, err[i] is written with 0 (exchanged) or a negative errno:
 * - resolve_folio() on src[i], then on dst[i]: no VMA or !vma_migratable → -EFAULT; not
 *   present (pte_none, swap or migration entry) → -ENOENT; the zero page → -EFAULT (a special
 *   page, as move_pages(2) reports it). Hugetlb and zone-device folios (-EINVAL in the seed) do
 *   not exist in the model.
 * - foliox's MPOL_MF_MOVE_ALL rule (the seed had none): exchanging a folio moves the data of
 *   every process that maps it, so a folio that is maybe mapped by more than one mm
 *   (folio_likely_mapped_shared() on v6.12, folio_maybe_mapped_shared() from v6.15) gets
 *   -EACCES unless the caller has CAP_SYS_NICE — the rule migrate_pages(2) applies, which
 *   also has no flags argument and picks MOVE_ALL exactly when capable(CAP_SYS_NICE).
 * - folio_exchange(src, dst, MIGRATE_SYNC), tried up to 3 times while it returns -EAGAIN;
 *   its last result goes to err[i] (e.g. -EBUSY when a folio cannot be isolated, -EINVAL for
 *   two folios of different orders or one folio paired with itself).
 *
 * Return value (foliox's definition): the number of pairs that were not exchanged (those
 * whose err[i] is not 0), so 0 means every pair was exchanged — like move_pages(2), which
 * returns the number of pages it could not move — or a negative errno for the whole call.
 *
 * No lookup reference is held across folio_exchange(): the exchange takes its own through
 * LRU isolation, and its support check counts references exactly (an extra one would read
 * as a GUP pin). Nothing else runs during the syscall, so the folio cannot go away between.
 * lru_add_drain_all() is a no-op: folio_add_lru() reaches the list at once in the model.
 */
import { EACCES, EAGAIN, EFAULT, EINVAL, ENOENT } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_MMAP, lockAcquire, lockRelease } from "../kernel/lockdep.js";
import { MIGRATE_SYNC } from "../migrate/migrate-mode.js";
import type { MmStruct, Task } from "../mm/mm-types.js";
import { folioExchange } from "../exchange/folio-exchange.js";
import { FOLIO_EXCHANGE, type FolioExchange } from "../exchange/exchange-template.js";
import { findMmStruct } from "./find-mm-struct.js";
import { folioMappedSharedTest } from "../mm/mapped-shared.js";
import { FW_ZEROPAGE, folioWalkStartVma, isZeroFolio, vmaLookupUser, vmaMigratable } from "./folio-walk.js";
import { capable } from "./ptrace.js";
import { getUserPtr, putUserInt, toUlong, ulongBound, type UserIntOut, type UserPtrArray } from "./uaccess.js";

/** Attempts per pair while folio_exchange() returns -EAGAIN (the seed's loop). */
export const EXCHANGE_FOLIOS_TRIES = 3;

const INT_MAX = 0x7fffffff;

/**
 * resolve_folio(): the head pfn of the folio mapped at addr in mm, or a negative errno
 * (-EFAULT: no VMA, not migratable, or the zero page; -ENOENT: not present).
 */
export function resolveFolio(k: Kernel, mm: MmStruct, addr: number): number {
  // the lookup under mmap_read_lock(), as move_pages(2) does its own
  lockAcquire(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  const folio = resolveFolioLocked(k, mm, addr);
  lockRelease(k.lockdep, LOCK_MMAP, mm.id, k.waits.current);
  return folio;
}

function resolveFolioLocked(k: Kernel, mm: MmStruct, addr: number): number {
  const vma = vmaLookupUser(mm, addr);
  if (!vma || !vmaMigratable(vma)) return -EFAULT;
  const fw = folioWalkStartVma(k, vma, addr, FW_ZEROPAGE);
  if (!fw) return -ENOENT;
  if (isZeroFolio(k, fw.folio)) return -EFAULT;
  return fw.folio;
}

/**
 * exchange_folios(2)'s steps as methods, over one exchange template (`exchange`, foliox's by
 * default). The class holds no state; EXCHANGE_FOLIOS is the instance the syscall uses. The
 * conformance suite's seed-literal mover subclasses it to put back the seed's syscall defects
 * (docs/decisions.md#seed-defect-9), as it subclasses FolioExchange for the exchange's.
 */
export class ExchangeFolios {
  constructor(readonly exchange: FolioExchange = FOLIO_EXCHANGE) {}

  /**
   * kernel_exchange_folios(): exchange each pair of the target mm, writing err[i]. Returns the
   * number of pairs not exchanged, or -EFAULT when the arrays cannot be read or written.
   */
  kernelExchangeFolios(k: Kernel, current: Task, mm: MmStruct, nrPages: bigint, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number {
    const moveAll = capable(current, "CAP_SYS_NICE");
    let notExchanged = 0;
    const n = ulongBound(nrPages);
    for (let i = 0; i < n; i++) {
      const srcAddr = getUserPtr(src, i);
      const dstAddr = getUserPtr(dst, i);
      if (srcAddr === undefined || dstAddr === undefined) return -EFAULT;
      const counted = this.exchangeFoliosStoreStatus(err, i, this.exchangeFoliosPair(k, mm, srcAddr, dstAddr, moveAll));
      if (counted < 0) return counted;
      notExchanged += counted;
    }
    return Math.min(notExchanged, INT_MAX);
  }

  /** One pair: 0 when exchanged, else the errno that goes to err[i]. */
  exchangeFoliosPair(k: Kernel, mm: MmStruct, srcAddr: number, dstAddr: number, moveAll: boolean): number {
    const src = resolveFolio(k, mm, srcAddr);
    if (src < 0) return src;
    const dst = resolveFolio(k, mm, dstAddr);
    if (dst < 0) return dst;
    const denied = this.exchangeFoliosMoveAll(k, src, dst, moveAll);
    if (denied) return denied;
    let rc = -EAGAIN;
    for (let tries = 0; tries < EXCHANGE_FOLIOS_TRIES && rc === -EAGAIN; tries++) {
      rc = folioExchange(k, src, dst, MIGRATE_SYNC, this.exchange);
    }
    return rc;
  }

  /** foliox's MPOL_MF_MOVE_ALL rule (the seed had none): a folio maybe mapped by another mm needs CAP_SYS_NICE, else -EACCES. */
  exchangeFoliosMoveAll(k: Kernel, src: number, dst: number, moveAll: boolean): number {
    return !moveAll && (folioMappedSharedTest(k, src) || folioMappedSharedTest(k, dst)) ? -EACCES : 0;
  }

  /** store_status() for err[i]: 1 if the pair counts as not exchanged, 0 if it was, -EFAULT if err[] cannot be written. */
  exchangeFoliosStoreStatus(err: UserIntOut, i: number, rc: number): number {
    if (!putUserInt(err, i, rc)) return -EFAULT;
    return rc !== 0 ? 1 : 0;
  }

  /** SYSCALL_DEFINE5(exchange_folios, pid, nr_pages, src, dst, err) */
  sysExchangeFolios(k: Kernel, current: Task, pid: number, nrPages: number, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number {
    const nr = toUlong(nrPages);
    if (nr === null) return -EINVAL;
    const found = findMmStruct(k, current, pid);
    if (typeof found === "number") return found;
    return this.kernelExchangeFolios(k, current, found.mm, nr, src, dst, err);
  }
}

/** The exchange_folios(2) every system uses: foliox's steps over foliox's exchange. */
export const EXCHANGE_FOLIOS: ExchangeFolios = Object.freeze(new ExchangeFolios());

/** kernel_exchange_folios() (ExchangeFolios.kernelExchangeFolios). */
export function kernelExchangeFolios(k: Kernel, current: Task, mm: MmStruct, nrPages: bigint, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number {
  return EXCHANGE_FOLIOS.kernelExchangeFolios(k, current, mm, nrPages, src, dst, err);
}

/** SYSCALL_DEFINE5(exchange_folios, pid, nr_pages, src, dst, err) (ExchangeFolios.sysExchangeFolios). */
export function sysExchangeFolios(k: Kernel, current: Task, pid: number, nrPages: number, src: UserPtrArray, dst: UserPtrArray, err: UserIntOut): number {
  return EXCHANGE_FOLIOS.sysExchangeFolios(k, current, pid, nrPages, src, dst, err);
}
