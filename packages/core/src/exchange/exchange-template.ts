/**
 * FolioExchange: the exchange template's steps, one method per step of the seed's
 * mm/exchange.c (folio_exchange_isolate, _lock, _supported, _unmap, _move with _fs_prepare,
 * the freeze, _mapping, _fs_private, _data, _flags, the unfreeze and _fs_finish, then _remap,
 * the unlock and _putback), written the way foliox fixes them (docs/decisions.md, "The seed's
 * defects"). ExchangeOp (exchange-op.ts) runs the steps in order as phases and owns the
 * failure points, tracepoints and undo path; folioExchange() and folioExchangeBatch()
 * (folio-exchange.ts) are the entry points.
 *
 * Why a class: the template is the contract, and a variant is a subclass that overrides the
 * steps it does differently. The conformance suite's deliberately defective `seed-literal`
 * mover (@foliox/conformance) is such a subclass: it overrides the steps where the seed's code
 * goes wrong, so that the suite can show it catches each defect, and the production path carries
 * no switch for any of them. Some steps are split finer than the kernel's functions
 * (folioExchangeUnmapped, folioExchangeMappingPointer, folioExchangeStatsMemcg,
 * folioExchangeRepointPrivate, folioExchangeCheckOrders) so that an override replaces one
 * decision, not a copy of a whole step.
 *
 * The class holds no state: FOLIO_EXCHANGE, the one instance every system shares, is frozen, and
 * each op's state lives in its ExchangeOp. Nothing here allocates.
 */
import type { ExchangePrepareState } from "../backend/contract.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import type { XaLockable } from "../fs/address-space.js";
import { folioLockAcquired, folioUnlock } from "../mm/folio-lock.js";
import { EAGAIN, EBUSY, EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { folioExpectedRefs } from "../migrate/migrate-folio.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC, type MigrateMode } from "../migrate/migrate-mode.js";
import { PG_dirty, PG_locked, PG_private, PG_swapbacked } from "../mm/page-flags.js";
import { TTU_BATCH_FLUSH, folioGetAnonVma, putAnonVma, removeMigrationPtes, tryToMigrate } from "../mm/rmap.js";
import { folioPut } from "../mm/swap.js";
import { folioRefFreeze, folioRefUnfreeze } from "../mm/page-ref.js";
import { KernelBug } from "../kernel/bug.js";
import { NR_ISOLATED_ANON, NR_ISOLATED_FILE } from "../mm/vmstat.js";
import { folioSwapSpace } from "../swap/swap-state.js";
import { folioExchangeData } from "./exchange-data.js";
import { folioExchangeFlags } from "./exchange-flags.js";
import { folioExchangeFsFinish, folioExchangeFsPrepare } from "./exchange-fs.js";
import {
  backendExchangeMapping,
  folioExchangeFreeze,
  folioExchangeMappingStats,
  folioExchangeUnfreeze,
  folioExchangeXaLock,
  folioExchangeXaUnlock,
  swapBits,
} from "./exchange-mapping.js";
import type { ExchangeOp, ExchangeSide } from "./exchange-op.js";
import { EXCHANGE_WAIT_FOLIO_LOCK, folioExchangeSupported } from "./exchange-supported.js";

/** Bits folio_exchange_mapping() swaps with the mapping: PG_swapbacked and PG_dirty. */
const MAPPING_BITS = (1 << PG_swapbacked) | (1 << PG_dirty);

export class FolioExchange {
  /** -EINVAL checks made before anything is taken: the mode, a folio paired with itself, heads. */
  folioExchangeCheckArgs(k: Kernel, oldHead: number, newHead: number, mode: number): number {
    if (mode !== MIGRATE_SYNC && mode !== MIGRATE_ASYNC) return -EINVAL;
    const mem = k.mem;
    if (oldHead === newHead) return -EINVAL;
    if (!Number.isInteger(oldHead) || oldHead < 0 || oldHead >= mem.nrPages || mem.pageFolio(oldHead) !== oldHead) return -EINVAL;
    if (!Number.isInteger(newHead) || newHead < 0 || newHead >= mem.nrPages || mem.pageFolio(newHead) !== newHead) return -EINVAL;
    return this.folioExchangeCheckOrders(k, oldHead, newHead);
  }

  /** Two folios of different orders cannot be swapped in place: -EINVAL. */
  folioExchangeCheckOrders(k: Kernel, oldHead: number, newHead: number): number {
    return k.mem.order[oldHead] !== k.mem.order[newHead] ? -EINVAL : 0;
  }

  /** folio_exchange_isolate() on one side: folio_isolate_lru(), 0 or -EBUSY (or the injected errno). */
  folioExchangeIsolate(op: ExchangeOp, side: ExchangeSide): number {
    const k = op.k;
    const injected = k.faultInject.check(side.points.isolate);
    if (injected || !k.lru.folioIsolateLru(side.head)) return injected || -EBUSY;
    this.folioExchangeIsolated(op, side);
    return 0;
  }

  /** NR_ISOLATED_ANON/FILE += nr, with the item and node recorded for the putback. */
  folioExchangeIsolated(op: ExchangeOp, side: ExchangeSide): void {
    const k = op.k;
    side.isolated = true;
    side.isolatedItem = k.lru.folioIsFileLru(side.head) ? NR_ISOLATED_FILE : NR_ISOLATED_ANON;
    side.isolatedNid = k.folioNid(side.head);
    k.vmstat.modNode(side.isolatedNid, side.isolatedItem, k.mem.folioNrPages(side.head));
  }

  /** folio_exchange_lock() on both, lower pfn first so that (A,B) and (B,A) cannot deadlock. */
  folioExchangeLock(op: ExchangeOp): number {
    return op.old.head < op.new.head ? this.folioExchangeLockFolios(op, op.old, op.new) : this.folioExchangeLockFolios(op, op.new, op.old);
  }

  /** Lock `first`, then `second`: 0, EXCHANGE_WOULD_BLOCK, or the errno (recorded at its point). */
  folioExchangeLockFolios(op: ExchangeOp, first: ExchangeSide, second: ExchangeSide): number {
    let rc = this.folioExchangeLockFolio(op, first);
    if (rc === 0) rc = this.folioExchangeLockFolio(op, second);
    return rc;
  }

  /**
   * One folio lock: trylock; contended, ASYNC never sleeps, a batch holding other locks only
   * trylocks, SYNC sleeps (EXCHANGE_WOULD_BLOCK on the folio lock: ExchangeOp.wait() runs its
   * holder forward). The op is the lock's holder; in SYNC lockdep records it as folio_lock(), a
   * sleeping acquisition ordered after what the op holds, in ASYNC or a batch as a trylock.
   */
  folioExchangeLockFolio(op: ExchangeOp, side: ExchangeSide): number {
    if (side.locked) return 0;
    const k = op.k;
    const injected = k.faultInject.check(side.points.lock);
    if (injected) return op.fail(side.points.lock, injected);
    const sleeps = op.mode === MIGRATE_SYNC && !op.batched;
    if (!k.mem.testSetFlag(side.head, PG_locked)) {
      folioLockAcquired(k, side.head, op, !sleeps);
      side.locked = true;
      return 0;
    }
    if (!sleeps) return op.fail(side.points.lock, -EAGAIN);
    return op.blockOn(EXCHANGE_WAIT_FOLIO_LOCK, side.head);
  }

  /** folio_exchange_supported() (exchange-supported.ts): 0, EXCHANGE_WOULD_BLOCK or an errno. */
  folioExchangeSupported(k: Kernel, head: number, mode: MigrateMode): number {
    return folioExchangeSupported(k, head, mode);
  }

  /**
   * folio_exchange_unmap() on one side: the anon_vma pin, migration entries, then mapcount must
   * be 0. The flush is always deferred to the one try_to_unmap_flush() that follows both unmaps
   * (the seed defers only in ASYNC): no data moves before it, and one shootdown serves both.
   */
  folioExchangeUnmap(op: ExchangeOp, side: ExchangeSide): number {
    const k = op.k;
    const injected = k.faultInject.check(side.points.unmap);
    if (injected) return injected;
    const mem = k.mem;
    if (mem.folioTestAnon(side.head) && !mem.folioTestKsm(side.head)) side.anonVma = folioGetAnonVma(k, side.head);
    if (mem.mapping[side.head] !== 0 && mem.folioMapped(side.head)) {
      tryToMigrate(k, side.head, TTU_BATCH_FLUSH, op);
      side.unmapped = true;
    }
    return this.folioExchangeUnmapped(k, side.head);
  }

  /** After try_to_migrate(): a pinned exclusive page stays mapped by design; the exchange must not go on. */
  folioExchangeUnmapped(k: Kernel, head: number): number {
    return k.mem.folioMapped(head) ? -EAGAIN : 0;
  }

  /**
   * folio_exchange_move(): the fs hooks, the freeze, and the swaps. Every check that can fail
   * runs before the mapping swap; from there on nothing can fail, so the point of no return (the
   * first byte of the data swap) is never crossed by a failure.
   */
  folioExchangeMove(op: ExchangeOp): number {
    const { k, old, new: nw, mode } = op;
    if (mode !== MIGRATE_SYNC && mode !== MIGRATE_ASYNC) return op.fail("folio_exchange_move", -EINVAL);
    let rc = this.folioExchangeFsPrepare(k, old.head, mode, old.prepare, old.points.fsPrepare);
    if (rc) return this.folioExchangeMoveFailed(op, old.points.fsPrepare, rc);
    op.trace(old.points.fsPrepare, 0);
    rc = this.folioExchangeFsPrepare(k, nw.head, mode, nw.prepare, nw.points.fsPrepare);
    if (rc) return this.folioExchangeMoveFailed(op, nw.points.fsPrepare, rc);
    op.trace(nw.points.fsPrepare, 0);
    // The freeze and the mapping swap run under the page-cache (or swap-cache) mappings' i_pages
    // locks, taken in mapping order and once for a mapping both folios share.
    const oldAs = folioAddressSpace(k, old.head) ?? folioSwapSpace(k, old.head);
    const newAs = folioAddressSpace(k, nw.head) ?? folioSwapSpace(k, nw.head);
    this.folioExchangeXaLock(op, oldAs, newAs);
    rc = this.folioExchangeFreeze(op);
    if (rc) {
      folioExchangeXaUnlock(k, oldAs, newAs, op);
      return this.folioExchangeMoveFailed(op, "folio_exchange_mapping", rc);
    }
    // From here on nothing can fail.
    this.folioExchangeMapping(k, old.head, nw.head);
    this.folioExchangeRefreeze(op);
    folioExchangeXaUnlock(k, oldAs, newAs, op);
    op.exchanged = true;
    op.trace("folio_exchange_mapping", 0);
    this.folioExchangeFsPrivate(k, old.head, nw.head);
    // The locks fs_prepare took now guard the other frame's private data.
    const held = old.prepare.locked;
    old.prepare.locked = nw.prepare.locked;
    nw.prepare.locked = held;
    op.trace("folio_exchange_fs_private", 0);
    this.folioExchangeData(k, old.head, nw.head);
    op.trace("folio_exchange_data", 0);
    this.folioExchangeFlags(k, old.head, nw.head);
    op.trace("folio_exchange_flags", 0);
    this.folioExchangeUnfreeze(op);
    this.folioExchangeFsFinish(k, nw.head, mode, nw.prepare);
    op.trace(nw.points.fsFinish, 0);
    this.folioExchangeFsFinish(k, old.head, mode, old.prepare);
    op.trace(old.points.fsFinish, 0);
    return 0;
  }

  /** A failure before the mapping swap: release what fs_prepare took, record the step. */
  folioExchangeMoveFailed(op: ExchangeOp, step: string, rc: number): number {
    this.folioExchangeFsFinish(op.k, op.new.head, op.mode, op.new.prepare);
    this.folioExchangeFsFinish(op.k, op.old.head, op.mode, op.old.prepare);
    return op.fail(step, rc);
  }

  /**
   * The i_pages locks of both mappings (page cache or swap cache), in mapping-id order and a
   * shared mapping once (exchange-mapping.ts), held by the op.
   */
  folioExchangeXaLock(op: ExchangeOp, oldAs: XaLockable | null, newAs: XaLockable | null): void {
    folioExchangeXaLock(op.k, oldAs, newAs, op);
  }

  /** folio_exchange_fs_prepare() (exchange-fs.ts): the backend's prepare hook, 0 or an errno. */
  folioExchangeFsPrepare(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState, point: string): number {
    return folioExchangeFsPrepare(k, head, mode, state, point);
  }

  /**
   * folio_ref_freeze() on both at their expected counts (recorded on each side for the
   * unfreeze), or neither: 0 or -EAGAIN. The seed leaves this out for anon↔anon and hides it
   * in a debug assertion elsewhere; an extra reference taken after the support check must fail
   * here, while nothing has moved.
   */
  folioExchangeFreeze(op: ExchangeOp): number {
    const { k, old, new: nw } = op;
    old.expected = folioExpectedRefs(k, k.mem.folioHasMapping(old.head), old.head);
    nw.expected = folioExpectedRefs(k, k.mem.folioHasMapping(nw.head), nw.head);
    old.freeze = this.folioExchangeMayFreeze(k, old.head);
    nw.freeze = this.folioExchangeMayFreeze(k, nw.head);
    return folioExchangeFreeze(k, old.head, old.expected, nw.head, nw.expected, old.freeze, nw.freeze);
  }

  /** Never freeze a KSM folio outside the swap cache (Backend.exchangeMayFreeze): check its count instead. */
  folioExchangeMayFreeze(k: Kernel, head: number): boolean {
    const b = k.backends.forFolio(k, head);
    return b?.exchangeMayFreeze ? b.exchangeMayFreeze(k, head) : true;
  }

  /**
   * After the mapping swap, a frame is frozen only if it may be with the mapping it now carries
   * (Backend.exchangeMayFreeze): a frame that received a KSM stable node is unfrozen at once —
   * ksm_get_folio() takes a frozen folio outside the swap cache for freed and would prune the
   * node — and its partner, which gave the node up and now carries the other mapping (a page
   * cache's, an anon_vma), is frozen in its place, so that a page-cache lookup retries rather
   * than reach the data before it arrives. The counts cannot have moved within the step: the
   * frozen side is unfrozen at its own expected count, the other frozen at its own, and the
   * final unfreeze settles each frame at the count of the data it holds.
   */
  folioExchangeRefreeze(op: ExchangeOp): void {
    const k = op.k;
    for (const side of op.sides) {
      const may = this.folioExchangeMayFreeze(k, side.head);
      if (side.freeze === may) continue;
      if (side.freeze) folioRefUnfreeze(k, side.head, side.expected);
      else if (!folioRefFreeze(k, side.head, side.expected)) {
        throw new KernelBug(
          `folio_exchange_mapping: pfn ${side.head} refcount ${k.mem.refcount[side.head]} moved from ${side.expected} under the i_pages lock`,
        );
      }
      side.freeze = may;
    }
  }

  /** folio_ref_unfreeze(): each frame gets the references of the data it now holds. */
  folioExchangeUnfreeze(op: ExchangeOp): void {
    const { k, old, new: nw } = op;
    folioExchangeUnfreeze(k, old.head, old.expected, nw.head, nw.expected, old.freeze, nw.freeze);
  }

  /**
   * folio_exchange_mapping(): anon↔anon, file↔anon and file↔file, both frozen under their
   * mappings' i_pages locks. Swaps index, mapping, PG_swapbacked and PG_dirty (the dirty bit
   * travels with the data), stores each page-cache folio into the slot(s) the other held, points
   * the swap cache's slots at the frame that will hold the data, and moves each data's mapping
   * stats from the node and zone it left to the one it now lives on (exchange-mapping.ts).
   * Cannot fail.
   */
  folioExchangeMapping(k: Kernel, oldHead: number, newHead: number): void {
    const mem = k.mem;
    // Swap cache: read before anything moves. PG_swapcache moves with the data in
    // folio_exchange_flags() (owner_priv_1), folio->swap with ->private in fs_private.
    const oldSwap = mem.folioTestSwapcache(oldHead) ? mem.private[oldHead]! : 0;
    const newSwap = mem.folioTestSwapcache(newHead) ? mem.private[newHead]! : 0;
    const index = mem.index[oldHead]!;
    mem.index[oldHead] = mem.index[newHead]!;
    mem.index[newHead] = index;
    this.folioExchangeMappingPointer(k, oldHead, newHead);
    swapBits(k, oldHead, newHead, MAPPING_BITS);
    // Read before folio_exchange_flags() moves memcg_data with the data.
    const memcgInOld = this.folioExchangeStatsMemcg(k, oldHead, newHead);
    const memcgInNew = this.folioExchangeStatsMemcg(k, newHead, oldHead);
    this.folioExchangeMappingStats(k, oldHead, newHead, oldSwap, newSwap, memcgInOld, memcgInNew);
  }

  /**
   * The stats half of the mapping swap (exchange-mapping.ts folioExchangeMappingStats()): the
   * page-cache and swap-cache slots follow the data, and so do NR_FILE_PAGES, NR_SHMEM,
   * NR_SWAPCACHE, NR_FILE_DIRTY and NR_ZONE_WRITE_PENDING, under `memcgInOld` / `memcgInNew`.
   */
  folioExchangeMappingStats(k: Kernel, oldHead: number, newHead: number, oldSwap: number, newSwap: number, memcgInOld: number, memcgInNew: number): void {
    folioExchangeMappingStats(k, oldHead, newHead, oldSwap, newSwap, memcgInOld, memcgInNew);
  }

  /**
   * Swap folio->mapping. A mapping that is pointed back at (KSM: stable_node->kpfn) is swapped
   * by its backend, in the order the back pointer needs (Backend.exchangeMapping).
   */
  folioExchangeMappingPointer(k: Kernel, oldHead: number, newHead: number): void {
    if (backendExchangeMapping(k, oldHead, newHead)) return;
    const mem = k.mem;
    const mapping = mem.mapping[oldHead]!;
    mem.mapping[oldHead] = mem.mapping[newHead]!;
    mem.mapping[newHead] = mapping;
  }

  /**
   * The memcg whose lruvec stats the data now on frame `head` is moved under: its own, which
   * is still recorded on `partner`, the frame it came from, until folio_exchange_flags() moves
   * memcg_data with the data. Never the partner's (the seed's mistake).
   */
  folioExchangeStatsMemcg(k: Kernel, _head: number, partner: number): number {
    return k.mem.memcg[partner]!;
  }

  /**
   * folio_exchange_fs_private(): detach ->private from both and attach each to the other frame
   * (folio->swap, which shares the field, follows the data too), then let the backend re-point
   * what refers back to the frame. After the mapping swap, so each folio's backend is already
   * the one of the data it now holds.
   */
  folioExchangeFsPrivate(k: Kernel, oldHead: number, newHead: number): void {
    const mem = k.mem;
    const priv = mem.private[oldHead]!;
    mem.private[oldHead] = mem.private[newHead]!;
    mem.private[newHead] = priv;
    swapBits(k, oldHead, newHead, 1 << PG_private);
    if (mem.testFlag(oldHead, PG_private)) this.folioExchangeRepointPrivate(k, newHead, oldHead);
    if (mem.testFlag(newHead, PG_private)) this.folioExchangeRepointPrivate(k, oldHead, newHead);
  }

  /** The private data that was on `fromHead` is now on `toHead`: every piece of it (every buffer head) is re-pointed. */
  folioExchangeRepointPrivate(k: Kernel, fromHead: number, toHead: number): void {
    k.backends.forFolio(k, toHead)?.exchangePrivate?.(k, fromHead, toHead);
  }

  /** folio_exchange_data() (exchange-data.ts): the contents, page by page; the point of no return. */
  folioExchangeData(k: Kernel, oldHead: number, newHead: number): void {
    folioExchangeData(k, oldHead, newHead);
  }

  /** folio_exchange_flags() (exchange-flags.ts): what describes the data moves with it. */
  folioExchangeFlags(k: Kernel, oldHead: number, newHead: number): void {
    folioExchangeFlags(k, oldHead, newHead);
  }

  /** folio_exchange_fs_finish() (exchange-fs.ts): release what fs_prepare took. */
  folioExchangeFsFinish(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): void {
    folioExchangeFsFinish(k, head, mode, state);
  }

  /** folio_exchange_remap(): crosswise after an exchange, each to itself after a failure. */
  folioExchangeRemap(op: ExchangeOp): void {
    const { k, old, new: nw } = op;
    if (old.unmapped) removeMigrationPtes(k, old.head, op.exchanged ? nw.head : old.head, op);
    if (nw.unmapped) removeMigrationPtes(k, nw.head, op.exchanged ? old.head : nw.head, op);
    for (const side of op.sides) {
      if (side.anonVma) putAnonVma(k, side.anonVma);
      side.anonVma = null;
      side.unmapped = false;
    }
  }

  /** What exchangeBegin() took is released (Backend.exchangeEnd), then both folio locks. */
  folioExchangeUnlock(op: ExchangeOp): void {
    const begun = op.begun;
    for (let i = 0; i < op.nrBegun; i++) {
      begun[i]!.exchangeEnd?.(op.k, op.old.head, op.new.head, op);
      begun[i] = null;
    }
    op.nrBegun = 0;
    for (const side of op.sides) {
      if (side.locked) folioUnlock(op.k, side.head);
      side.locked = false;
    }
  }

  /** folio_exchange_putback(): NR_ISOLATED_* as recorded at isolation, and back on the LRU of the data the frame now holds. */
  folioExchangePutback(op: ExchangeOp, side: ExchangeSide): void {
    if (!side.isolated) return;
    const k = op.k;
    k.vmstat.modNode(side.isolatedNid, side.isolatedItem, -k.mem.folioNrPages(side.head));
    k.lru.folioAddLru(side.head);
    folioPut(k, side.head);
    side.isolated = false;
  }
}

/** foliox's exchange template: the one instance every caller uses unless it passes another. */
export const FOLIO_EXCHANGE: FolioExchange = Object.freeze(new FolioExchange());
