/**
 * ExchangeQuirks: the defect switches of the exchange template, one per defect of the seed
 * author's mm/exchange.c (docs/decisions.md#seed-defects). Production code never sets one: NO_QUIRKS (every
 * switch off) is the default everywhere, and with it the template is exactly foliox's fixed
 * exchange. The conformance suite's deliberately defective mover, `seed-literal`
 * (exchange/seed-literal.ts), is the same template with switches on, so that the suite can show
 * that each defect makes at least one of its cases fail.
 *
 * Design. The seed's defects are small deviations at a handful of precise places in an
 * otherwise sound algorithm, so foliox does not keep a second copy of the template (a copy would
 * drift from the real one, and a suite that fails a copy proves little about the suite's power
 * against the real code). Instead the real ExchangeOp takes a frozen switch object and consults
 * it at exactly the places the seed went wrong, and nowhere else (N: seed-defect-N):
 *
 * | switch                            | N    | consulted in (folio-exchange.ts unless said)       |
 * |-----------------------------------|------|----------------------------------------------------|
 * | moveResultIgnored                 | 1    | step(): the "move" phase's result                  |
 * | noUnmapCheckNoAnonFreeze          | 2    | unmap(): mapcount 0 check; move(): anon↔anon freeze |
 * | freezeInDebugAssert               | 3    | move(): freeze/unfreeze when a file folio is involved |
 * | noLockOrdering                    | 4    | lock(): old, then new, instead of pfn order        |
 * | headBufferOnly                    | 5    | Backend.exchangePrivate() (exchange-fs.ts passes it) |
 * | swapEntryNotMoved                 | 6    | move(): folio->swap stays with the frame           |
 * | isolatedPutbackPostExchangeType   | 7    | putback(): NR_ISOLATED_* item re-read after the swap |
 * | statsUnderPartnerMemcg            | 7    | exchange-mapping.ts: lruvec stats moved under the partner's memcg |
 * | ksmNotExcluded                    | 8    | exchange-mapping.ts: KSM mapping swapped, kpfn not |
 * | secondIsolationTestsOld           | 9    | isolate(): new's isolation result goes unchecked   |
 * | mixedOrdersDebugOnly              | 9    | folioExchangeCheckArgs(): the order check          |
 * | syscallErrNotCopied, noMoveAllRule| 9    | syscalls/exchange-folios.ts                        |
 *
 * Each check is a property read on a frozen object, taken only on the path where the seed
 * deviates (mostly an error path), so the all-off template runs the same instructions as
 * before but for a few predictable branches.
 *
 * Not modelled yet: seed-defect-7's commented-out NR_FILE_PAGES move, and memcg_data swapped before
 * folio_undo_large_rmappable(). seed-defect-8: with
 * ksmNotExcluded the KSM folio is let through even without a KSM-aware backend, swapped like a
 * plain anon folio (its mapping moves, the backend's exchangeMapping that moves kpfn is
 * bypassed) and frozen like one, so ksm_get_folio() prunes the stable node.
 */
export interface ExchangeQuirks {
  /** seed-defect-1: folio_exchange_move()'s result is ignored: remap crosswise and return 0 */
  readonly moveResultIgnored: boolean;
  /** seed-defect-2: no mapcount-0 check after unmap, and no refcount freeze for anon↔anon */
  readonly noUnmapCheckNoAnonFreeze: boolean;
  /**
   * seed-defect-3: folio_ref_freeze() sits in VM_BUG_ON (never runs without DEBUG_VM) on the paths with
   * a file folio, the unfreeze becomes a plain refcount store, and file↔file freezes new with
   * old's expected count
   */
  readonly freezeInDebugAssert: boolean;
  /** seed-defect-4: locks taken in argument order (old, then new), so (A,B) vs (B,A) is ABBA */
  readonly noLockOrdering: boolean;
  /** seed-defect-5: folio_set_bh(head, …) for every buffer: only the head buffer is re-pointed */
  readonly headBufferOnly: boolean;
  /** seed-defect-6: the swap-cache entry (folio->swap) is never moved */
  readonly swapEntryNotMoved: boolean;
  /** seed-defect-7: NR_ISOLATED_* is put back with the LRU type the folio has after the exchange */
  readonly isolatedPutbackPostExchangeType: boolean;
  /** seed-defect-7: each data's per-memcg lruvec stats are moved under the partner's memcg */
  readonly statsUnderPartnerMemcg: boolean;
  /** seed-defect-8: the comment says KSM folios are excluded; they are not */
  readonly ksmNotExcluded: boolean;
  /** seed-defect-9: the second isolation check tests old again, so new's failure goes unnoticed */
  readonly secondIsolationTestsOld: boolean;
  /** seed-defect-9: mixed folio orders are only a debug assertion, so the data swap overruns */
  readonly mixedOrdersDebugOnly: boolean;
  /** seed-defect-9: exchange_folios() never copies err[] out and always returns 0 */
  readonly syscallErrNotCopied: boolean;
  /** seed-defect-9: exchange_folios() has no MPOL_MF_MOVE_ALL (-EACCES) rule */
  readonly noMoveAllRule: boolean;
}

export type ExchangeQuirk = keyof ExchangeQuirks;

/** Every switch off: foliox's exchange. */
export const NO_QUIRKS: Readonly<ExchangeQuirks> = Object.freeze({
  moveResultIgnored: false,
  noUnmapCheckNoAnonFreeze: false,
  freezeInDebugAssert: false,
  noLockOrdering: false,
  headBufferOnly: false,
  swapEntryNotMoved: false,
  isolatedPutbackPostExchangeType: false,
  statsUnderPartnerMemcg: false,
  ksmNotExcluded: false,
  secondIsolationTestsOld: false,
  mixedOrdersDebugOnly: false,
  syscallErrNotCopied: false,
  noMoveAllRule: false,
});

export const EXCHANGE_QUIRKS = Object.keys(NO_QUIRKS) as ExchangeQuirk[];

/** A frozen switch object with the named switches on. */
export function exchangeQuirks(on: readonly ExchangeQuirk[]): Readonly<ExchangeQuirks> {
  const q: Record<string, boolean> = { ...NO_QUIRKS };
  for (const name of on) {
    if (!(name in NO_QUIRKS)) throw new RangeError(`unknown exchange quirk "${name}"; known: ${EXCHANGE_QUIRKS.join(", ")}`);
    q[name] = true;
  }
  return Object.freeze(q as unknown as ExchangeQuirks);
}
