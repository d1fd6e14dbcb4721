/**
 * The filesystem hooks of the exchange (the seed's folio_exchange_fs_prepare(),
 * folio_exchange_fs_private() and folio_exchange_fs_finish()), dispatched to the backend that
 * owns each folio. Anonymous folios have none of them.
 */
import type { ExchangePrepareState } from "../backend/contract.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";
import { PG_private } from "../mm/page-flags.js";
import { swapBits } from "./exchange-mapping.js";
import { NO_QUIRKS, type ExchangeQuirks } from "./exchange-quirks.js";

export function folioExchangeFsPrepare(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState, point: string): number {
  const injected = k.faultInject.check(point);
  if (injected) return injected;
  const backend = k.backends.forFolio(k, head);
  return backend?.prepare ? backend.prepare(k, head, mode, state) : 0;
}

/**
 * Detach ->private from both and attach each to the other frame; the backend re-points what
 * refers back to the frame (every buffer head of a ring, not just the head: seed-defect-5). Called after
 * the mapping swap, so each folio's backend is already the one of the data it now holds.
 */
export function folioExchangeFsPrivate(k: Kernel, oldHead: number, newHead: number, quirks: Readonly<ExchangeQuirks> = NO_QUIRKS): void {
  const mem = k.mem;
  const priv = mem.private[oldHead]!;
  mem.private[oldHead] = mem.private[newHead]!;
  mem.private[newHead] = priv;
  swapBits(k, oldHead, newHead, 1 << PG_private);
  for (const head of [oldHead, newHead]) {
    const backend = k.backends.forFolio(k, head);
    if (backend?.exchangePrivate && mem.testFlag(head, PG_private)) backend.exchangePrivate(k, head === oldHead ? newHead : oldHead, head, quirks);
  }
}

export function folioExchangeFsFinish(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): void {
  if (!state.locked) return;
  const backend = k.backends.forFolio(k, head);
  backend?.finish?.(k, head, mode, state);
  state.locked = false;
}
