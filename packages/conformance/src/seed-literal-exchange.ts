/**
 * SeedLiteralExchange: the seed author's mm/exchange.c as written, defects included
 * (docs/decisions.md#seed-defects), so that the conformance suite can prove it fails such code.
 * It is foliox's exchange template (FolioExchange, @foliox/core) with the steps overridden where
 * the seed's code differs, and only there: each override below names its defect, and applies
 * only when that defect is switched on for this instance (all of them by default, or a chosen
 * few: `new SeedLiteralExchange(["9b.4"])`). Subclassing the real template, not copying it, is
 * the point: a suite that fails a copy proves little about its power against the real code.
 *
 * SeedLiteralExchangeFolios does the same for the exchange_folios(2) syscall (ExchangeFolios).
 *
 * Not reproduced: seed-defect-7's memcg_data swapped before folio_undo_large_rmappable()
 * (foliox has no deferred-split queue).
 */
import {
  EOPNOTSUPP,
  ExchangeFolios,
  FolioExchange,
  NR_FILE_PAGES,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  folioAddressSpace,
  PG_swapbacked,
  PG_swapcache,
  folioExpectedRefs,
  xaLock,
  type ExchangeOp,
  type ExchangeSide,
  type Kernel,
  type MigrateMode,
  type UserIntOut,
  type XaLockable,
} from "@foliox/core";
import { SEED_DEFECTS } from "./seed-literal.js";

/** The ids of SEED_DEFECTS, checked: an unknown id is an error that lists the known ones. */
function defectSet(ids: readonly string[]): ReadonlySet<string> {
  for (const id of ids) {
    if (!SEED_DEFECTS.some((d) => d.id === id)) throw new RangeError(`unknown seed defect "${id}"; known: ${SEED_DEFECTS.map((d) => d.id).join(", ")}`);
  }
  return new Set(ids);
}

export class SeedLiteralExchange extends FolioExchange {
  /** the seed defects this instance puts back ("9b.1" … "9b.9") */
  readonly defects: ReadonlySet<string>;

  constructor(ids: readonly string[] = SEED_DEFECTS.map((d) => d.id)) {
    super();
    this.defects = defectSet(ids);
  }

  has(id: string): boolean {
    return this.defects.has(id);
  }

  /** seed-defect-1: folio_exchange_parallel() ignores the move's result: each side is remapped onto the other, and 0 returned. */
  override folioExchangeMove(op: ExchangeOp): number {
    const rc = super.folioExchangeMove(op);
    if (rc >= 0 || !this.has("9b.1")) return rc;
    op.exchanged = true;
    return 0;
  }

  /** seed-defect-2: nothing checks that try_to_migrate() left the folio unmapped. */
  override folioExchangeUnmapped(k: Kernel, head: number): number {
    return this.has("9b.2") ? 0 : super.folioExchangeUnmapped(k, head);
  }

  /**
   * seed-defect-2: no freeze for anon↔anon. seed-defect-3: on the paths with a file folio the
   * freeze sits inside VM_BUG_ON(), so without DEBUG_VM it never runs, and file↔file takes new's
   * expected count from old.
   */
  override folioExchangeFreeze(op: ExchangeOp): number {
    if (!this.skipsFreeze(op)) return super.folioExchangeFreeze(op);
    const { k, old, new: nw } = op;
    old.expected = folioExpectedRefs(k, k.mem.folioHasMapping(old.head), old.head);
    const fileFile = !k.mem.folioTestAnon(old.head) && !k.mem.folioTestAnon(nw.head);
    nw.expected = this.has("9b.3") && fileFile ? old.expected : folioExpectedRefs(k, k.mem.folioHasMapping(nw.head), nw.head);
    return 0;
  }

  /** seed-defect-3: folio_ref_unfreeze() is an atomic_set(), a plain store: an extra reference is lost. seed-defect-2: anon↔anon stores nothing. */
  override folioExchangeUnfreeze(op: ExchangeOp): void {
    if (!this.skipsFreeze(op)) return super.folioExchangeUnfreeze(op);
    const { k, old, new: nw } = op;
    if (this.anonAnon(op)) return;
    k.mem.refcount[old.head] = nw.expected;
    k.mem.refcount[nw.head] = old.expected;
  }

  /** seed-defect-4: the folio locks are taken in argument order, so (A,B) against a (B,A) locker is ABBA. */
  override folioExchangeLock(op: ExchangeOp): number {
    return this.has("9b.4") ? this.folioExchangeLockFolios(op, op.old, op.new) : super.folioExchangeLock(op);
  }

  /**
   * seed-defect-4: the two i_pages locks are taken in argument order, and a mapping both folios
   * share (one file, one swap space) is locked twice: the self-deadlock lockdep reports as
   * recursive locking (and (A,B) against (B,A) on two mappings is ABBA).
   */
  override folioExchangeXaLock(op: ExchangeOp, oldAs: XaLockable | null, newAs: XaLockable | null): void {
    if (!this.has("9b.4")) return super.folioExchangeXaLock(op, oldAs, newAs);
    if (oldAs) xaLock(op.k, oldAs, op);
    if (newAs) xaLock(op.k, newAs, op);
  }

  /**
   * seed-defect-5: the buffer loop calls folio_set_bh(head, …) for every buffer, so only the head
   * buffer is re-pointed. Replayed through the backend's conformance fixture (setPrivateRef), the
   * suite's only way to write one piece of a backend's private data; a backend without it is
   * re-pointed in full, and the defect cannot show on it.
   */
  override folioExchangeRepointPrivate(k: Kernel, fromHead: number, toHead: number): void {
    const fixture = k.backends.forFolio(k, toHead)?.conformance;
    if (!this.has("9b.5") || !fixture?.setPrivateRef) return super.folioExchangeRepointPrivate(k, fromHead, toHead);
    fixture.setPrivateRef(k, toHead, 0, toHead);
  }

  /** seed-defect-6: folio->swap (which shares ->private) is never moved: a swap-cache folio's entry stays with the frame. */
  override folioExchangeFsPrivate(k: Kernel, oldHead: number, newHead: number): void {
    super.folioExchangeFsPrivate(k, oldHead, newHead);
    if (!this.has("9b.6") || !(wasSwapcache(k, oldHead, newHead) || wasSwapcache(k, newHead, oldHead))) return;
    const mem = k.mem;
    const swap = mem.private[oldHead]!;
    mem.private[oldHead] = mem.private[newHead]!;
    mem.private[newHead] = swap;
  }

  /** seed-defect-7: each data's stats are moved under the memcg of the frame's previous occupant, the partner's. */
  override folioExchangeStatsMemcg(k: Kernel, head: number, partner: number): number {
    return this.has("9b.7") ? k.mem.memcg[head]! : super.folioExchangeStatsMemcg(k, head, partner);
  }

  /**
   * seed-defect-7: the NR_FILE_PAGES move is commented out: each page-cache data is counted on the
   * node it left. Invisible for file↔file of one size across two nodes (the counts cross), wrong
   * for file↔anon.
   */
  override folioExchangeMappingStats(
    k: Kernel,
    oldHead: number,
    newHead: number,
    oldSwap: number,
    newSwap: number,
    memcgInOld: number,
    memcgInNew: number,
  ): void {
    super.folioExchangeMappingStats(k, oldHead, newHead, oldSwap, newSwap, memcgInOld, memcgInNew);
    if (!this.has("9b.7")) return;
    const mem = k.mem;
    const nr = mem.folioNrPages(oldHead);
    for (const [head, partner, memcg] of [
      [oldHead, newHead, memcgInOld],
      [newHead, oldHead, memcgInNew],
    ] as const) {
      if (!folioAddressSpace(k, head) || mem.zone[head] === mem.zone[partner]) continue;
      k.vmstat.modLruvec(memcg, k.folioNid(head), NR_FILE_PAGES, -nr);
      k.vmstat.modLruvec(memcg, k.folioNid(partner), NR_FILE_PAGES, nr);
    }
  }

  /** seed-defect-7: NR_ISOLATED_* is put back with the LRU type the frame has after the exchange. */
  override folioExchangePutback(op: ExchangeOp, side: ExchangeSide): void {
    if (side.isolated && this.has("9b.7")) side.isolatedItem = op.k.lru.folioIsFileLru(side.head) ? NR_ISOLATED_FILE : NR_ISOLATED_ANON;
    super.folioExchangePutback(op, side);
  }

  /** seed-defect-8: the comment says KSM folios are excluded; they are not. */
  override folioExchangeSupported(k: Kernel, head: number, mode: MigrateMode): number {
    const rc = super.folioExchangeSupported(k, head, mode);
    return rc === -EOPNOTSUPP && this.has("9b.8") && k.mem.folioTestKsm(head) ? 0 : rc;
  }

  /** seed-defect-8: a KSM folio is frozen like any anon folio, so ksm_get_folio() sees refcount 0 and prunes the node. */
  override folioExchangeMayFreeze(k: Kernel, head: number): boolean {
    return (this.has("9b.8") && k.mem.folioTestKsm(head)) || super.folioExchangeMayFreeze(k, head);
  }

  /** seed-defect-8: folio->mapping is swapped like any anon one, bypassing the backend: stable_node->kpfn stays behind. */
  override folioExchangeMappingPointer(k: Kernel, oldHead: number, newHead: number): void {
    if (!this.has("9b.8")) return super.folioExchangeMappingPointer(k, oldHead, newHead);
    const mem = k.mem;
    const mapping = mem.mapping[oldHead]!;
    mem.mapping[oldHead] = mem.mapping[newHead]!;
    mem.mapping[newHead] = mapping;
  }

  /** seed-defect-9: the second isolation check tests old again, so new's failure goes unnoticed (and new counts as isolated). */
  override folioExchangeIsolate(op: ExchangeOp, side: ExchangeSide): number {
    const rc = super.folioExchangeIsolate(op, side);
    if (rc === 0 || side !== op.new || !this.has("9b.9")) return rc;
    this.folioExchangeIsolated(op, side);
    return 0;
  }

  /** seed-defect-9: mixed orders are only a VM_BUG_ON(), so a non-debug kernel goes on and the data swap overruns. */
  override folioExchangeCheckOrders(k: Kernel, oldHead: number, newHead: number): number {
    return this.has("9b.9") ? 0 : super.folioExchangeCheckOrders(k, oldHead, newHead);
  }

  private anonAnon(op: ExchangeOp): boolean {
    return op.k.mem.folioTestAnon(op.old.head) && op.k.mem.folioTestAnon(op.new.head);
  }

  /** Does the seed skip the freeze for this pair? anon↔anon under seed-defect-2, any pair with a file folio under seed-defect-3. */
  private skipsFreeze(op: ExchangeOp): boolean {
    return this.anonAnon(op) ? this.has("9b.2") : this.has("9b.3");
  }
}

/**
 * Was frame `head` in the swap cache before the exchange? Asked in fs_private, between the
 * mapping swap and folio_exchange_flags(): PG_swapbacked has moved with the data by then (it is
 * on `partner`), PG_swapcache (owner_priv_1) has not.
 */
function wasSwapcache(k: Kernel, head: number, partner: number): boolean {
  return k.mem.testFlag(head, PG_swapcache) && k.mem.testFlag(partner, PG_swapbacked);
}

/** exchange_folios(2) as the seed wrote it, over a SeedLiteralExchange (seed-defect-9). */
export class SeedLiteralExchangeFolios extends ExchangeFolios {
  private readonly seed: SeedLiteralExchange;

  constructor(seed: SeedLiteralExchange) {
    super(seed);
    this.seed = seed;
  }

  /** seed-defect-9: there is no MPOL_MF_MOVE_ALL rule. */
  override exchangeFoliosMoveAll(k: Kernel, src: number, dst: number, moveAll: boolean): number {
    return this.seed.has("9b.9") ? 0 : super.exchangeFoliosMoveAll(k, src, dst, moveAll);
  }

  /** seed-defect-9: err[] is never copied out, and the call always returns 0. */
  override exchangeFoliosStoreStatus(err: UserIntOut, i: number, rc: number): number {
    return this.seed.has("9b.9") ? 0 : super.exchangeFoliosStoreStatus(err, i, rc);
  }
}
