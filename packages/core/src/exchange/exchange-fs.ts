/**
 * The filesystem hooks of the exchange (the seed's folio_exchange_fs_prepare() and
 * folio_exchange_fs_finish()), dispatched to the backend that owns each folio. Anonymous folios
 * have none of them. folio_exchange_fs_private() is FolioExchange.folioExchangeFsPrivate()
 * (exchange-template.ts), which calls the backend's exchangePrivate hook.
 */
import type { ExchangePrepareState } from "../backend/contract.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";

/** folio_exchange_fs_prepare(): the failure point, then the backend's prepare hook: 0 or an errno before anything moved. */
export function folioExchangeFsPrepare(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState, point: string): number {
  const injected = k.faultInject.check(point);
  if (injected) return injected;
  const backend = k.backends.forFolio(k, head);
  return backend?.prepare ? backend.prepare(k, head, mode, state) : 0;
}

/** folio_exchange_fs_finish(): release what fs_prepare took (the buffer locks), once. */
export function folioExchangeFsFinish(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): void {
  if (!state.locked) return;
  const backend = k.backends.forFolio(k, head);
  backend?.finish?.(k, head, mode, state);
  state.locked = false;
}
