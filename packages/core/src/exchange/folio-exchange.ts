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
 *
 * Both entry points reuse finished ops and the batch's scratch (k.exchangeScratch), so that an
 * exchange in steady state allocates nothing; folioExchangeBatch() writes its results into the
 * caller's array when given one.
 */
import { EAGAIN, EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";
import { tryToUnmapFlush } from "../mm/rmap.js";
import { PGEXCHANGE_FAIL, PGEXCHANGE_FAIL_EINVAL } from "../mm/vmstat.js";
import { PfnMap } from "../kernel/pfn-map.js";
import { EXCHANGE_PHASE_INDEX, ExchangeOp } from "./exchange-op.js";
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
  const op = getExchangeOp(k, oldHead, newHead, mode as MigrateMode, false, ex);
  const result = op.run();
  putExchangeOp(k, op);
  return result;
}

/** An op for (old, new): a finished one reinitialized, or a new one. */
function getExchangeOp(k: Kernel, oldHead: number, newHead: number, mode: MigrateMode, batched: boolean, ex: FolioExchange): ExchangeOp {
  const op = k.exchangeScratch.free.pop();
  return op ? op.reinit(oldHead, newHead, mode, batched, ex) : new ExchangeOp(k, oldHead, newHead, mode, batched, ex);
}

/** A finished op, for the next exchange (nothing else refers to it once it is done). */
function putExchangeOp(k: Kernel, op: ExchangeOp): void {
  if (op.done) k.exchangeScratch.free.push(op);
}

function countInvalid(k: Kernel): void {
  k.vmstat.countEvents(PGEXCHANGE_FAIL, 1);
  k.vmstat.countEvents(PGEXCHANGE_FAIL_EINVAL, 1);
}

/**
 * folio_exchange_batch(): each phase runs over all pairs — isolate, lock and check, unmap all,
 * one TLB flush, move all, remap all, unlock and put back — so that one flush serves the batch.
 * A folio may appear in at most one pair. Returns one rc per pair: in `out` when given (its
 * length set to the number of pairs), else in a new array.
 */
export function folioExchangeBatch(
  k: Kernel,
  pairs: readonly (readonly [number, number])[],
  mode: number,
  ex: FolioExchange = FOLIO_EXCHANGE,
  out?: number[],
): number[] {
  const n = pairs.length;
  const rcs = out ?? new Array<number>(n);
  rcs.length = n;
  const scratch = k.exchangeScratch;
  const nested = scratch.batchBusy;
  scratch.batchBusy = true;
  // the scratch's arrays are never truncated (that frees their storage): entries past n are null
  const ops = nested ? [] : scratch.batch;
  const seen = nested ? new PfnMap<boolean>() : scratch.seen;
  const nrPages = k.mem.nrPages;
  for (let i = 0; i < n; i++) {
    const a = pairs[i]![0];
    const b = pairs[i]![1];
    let rc = ex.folioExchangeCheckArgs(k, a, b, mode);
    if (!rc && (seen.has(a) || seen.has(b))) rc = -EINVAL;
    if (Number.isInteger(a) && a >= 0 && a < nrPages) seen.set(a, true);
    if (Number.isInteger(b) && b >= 0 && b < nrPages) seen.set(b, true);
    rcs[i] = rc;
    if (rc) countInvalid(k);
    ops[i] = rc ? null : getExchangeOp(k, a, b, mode as MigrateMode, n > 1, ex);
  }
  runBatchUntil(ops, n, EXCHANGE_PHASE_INDEX.flush);
  runBatchUntil(ops, n, EXCHANGE_PHASE_INDEX.move);
  tryToUnmapFlush(k);
  runBatchUntil(ops, n, EXCHANGE_PHASE_INDEX.remap);
  runBatchUntil(ops, n, EXCHANGE_PHASE_INDEX.done);
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (op) {
      rcs[i] = op.rc;
      putExchangeOp(k, op);
    }
    ops[i] = null;
    seen.delete(pairs[i]![0]);
    seen.delete(pairs[i]![1]);
  }
  scratch.batchBusy = nested;
  return rcs;
}

/**
 * Run every live op of the batch up to phase index `target`. A phase that would sleep waits
 * (ExchangeOp.wait(): a writeback completes; folio locks and backend locks are only trylocked
 * in a batch); one that cannot wait backs its pair out with -EAGAIN, and the other pairs go on.
 */
function runBatchUntil(ops: readonly (ExchangeOp | null)[], n: number, target: number): void {
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (!op) continue;
    while (!op.done && op.phaseIndex < target) {
      if (op.step() === EXCHANGE_WOULD_BLOCK && !op.wait()) op.abort(-EAGAIN);
    }
  }
}
