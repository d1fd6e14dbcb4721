/**
 * The exchange template: folio_exchange() and a batched folio_exchange_batch() (the seed's
 * mm/exchange.c folio_exchange_parallel(), with its intent, docs/kernel-facts.md#seed-exchange,
 * and none of its defects, docs/decisions.md#seed-defects: seed-defect-N below names one). Under memory pressure it swaps a hot slow-tier folio with a cold fast-tier folio in
 * place, with no free page:
 *
 *   isolate -> lock -> supported? -> unmap both -> TLB flush -> fs_prepare(old), fs_prepare(new)
 *   -> freeze + exchange_mapping -> exchange_fs_private -> exchange_data -> exchange_flags
 *   -> fs_finish(new), fs_finish(old) -> remap each side to the other -> unlock -> putback
 *
 * - On failure each folio is remapped to itself, never crosswise (seed-defect-1), and the error is
 *   returned; every acquired step is undone.
 * - After unmap both folios must be unmapped (mapcount 0), and both refcounts are frozen at
 *   their expected values before anything moves (seed-defect-2, seed-defect-3).
 * - Folio locks are taken in pfn order (seed-defect-4).
 * - Only MIGRATE_SYNC and MIGRATE_ASYNC are accepted; other modes, folios of different orders
 *   and a folio paired with itself get -EINVAL before anything is taken.
 * - Every check that can fail runs before the mapping swap; from there on nothing can fail,
 *   so the point of no return (the first byte of the data swap) is never crossed by a failure.
 * - The exchange never allocates a page.
 *
 * The steps are the methods of the template class FolioExchange (exchange-template.ts); an
 * ExchangeOp (exchange-op.ts) runs them as explicit phases so that a test can run a fault, a
 * pin or another exchange between two of them. The entry points below take the template as an
 * optional last argument: callers use foliox's own, FOLIO_EXCHANGE; the conformance suite passes
 * a subclass (its seed-literal mover) to show that its cases catch each of the seed's defects.
 */
import { EAGAIN, EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";
import { tryToUnmapFlush } from "../mm/rmap.js";
import { PGEXCHANGE_FAIL, PGEXCHANGE_FAIL_EINVAL } from "../mm/vmstat.js";
import { EXCHANGE_PHASE_INDEX, ExchangeOp, type ExchangePhase } from "./exchange-op.js";
import { EXCHANGE_WOULD_BLOCK } from "./exchange-supported.js";
import { FOLIO_EXCHANGE, type FolioExchange } from "./exchange-template.js";

export { EXCHANGE_WOULD_BLOCK };

/** -EINVAL checks made before anything is taken (FolioExchange.folioExchangeCheckArgs). */
export function folioExchangeCheckArgs(k: Kernel, oldHead: number, newHead: number, mode: number, ex: FolioExchange = FOLIO_EXCHANGE): number {
  return ex.folioExchangeCheckArgs(k, oldHead, newHead, mode);
}

/**
 * folio_exchange(): swap two folios of the same order in place. 0, or a negative errno with
 * both folios as they were ("unchanged" as docs/decisions.md#unchanged defines it).
 */
export function folioExchange(k: Kernel, oldHead: number, newHead: number, mode: number, ex: FolioExchange = FOLIO_EXCHANGE): number {
  const rc = ex.folioExchangeCheckArgs(k, oldHead, newHead, mode);
  if (rc) {
    countInvalid(k);
    return rc;
  }
  return new ExchangeOp(k, oldHead, newHead, mode as MigrateMode, false, ex).run();
}

function countInvalid(k: Kernel): void {
  k.vmstat.countEvents(PGEXCHANGE_FAIL, 1);
  k.vmstat.countEvents(PGEXCHANGE_FAIL_EINVAL, 1);
}

/**
 * folio_exchange_batch(): each phase runs over all pairs — isolate, lock and check, unmap all,
 * one TLB flush, move all, remap all, unlock and put back — so that one flush serves the batch.
 * A folio may appear in at most one pair. Returns one rc per pair.
 */
export function folioExchangeBatch(k: Kernel, pairs: readonly (readonly [number, number])[], mode: number, ex: FolioExchange = FOLIO_EXCHANGE): number[] {
  const rcs = new Array<number>(pairs.length).fill(0);
  const ops: (ExchangeOp | null)[] = [];
  const seen = new Set<number>();
  pairs.forEach(([a, b], i) => {
    let rc = ex.folioExchangeCheckArgs(k, a, b, mode);
    if (!rc && (seen.has(a) || seen.has(b))) rc = -EINVAL;
    seen.add(a);
    seen.add(b);
    if (rc) {
      rcs[i] = rc;
      countInvalid(k);
      ops.push(null);
    } else {
      ops.push(new ExchangeOp(k, a, b, mode as MigrateMode, pairs.length > 1, ex));
    }
  });
  const live = ops.filter((op): op is ExchangeOp => op !== null);
  // A phase that would sleep waits (ExchangeOp.wait(): a writeback completes; folio locks and
  // backend locks are only trylocked in a batch); one that cannot wait backs its pair out with
  // -EAGAIN, and the other pairs go on.
  const runUntil = (phase: ExchangePhase) => {
    const target = EXCHANGE_PHASE_INDEX[phase];
    for (const op of live) {
      while (!op.done && EXCHANGE_PHASE_INDEX[op.phase] < target) {
        if (op.step() === EXCHANGE_WOULD_BLOCK && !op.wait()) op.abort(-EAGAIN);
      }
    }
  };
  runUntil("flush");
  runUntil("move");
  tryToUnmapFlush(k);
  runUntil("remap");
  runUntil("done");
  ops.forEach((op, i) => {
    if (op) rcs[i] = op.rc;
  });
  return rcs;
}
