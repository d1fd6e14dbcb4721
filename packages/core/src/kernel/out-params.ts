/**
 * What kernel functions hand back through pointer arguments or per-task state, kept once per
 * system on the Kernel (k.faultState, k.fileIoState, k.migrateFolioExtracted) and overwritten by
 * the next call, so that the hot paths return a number and allocate nothing. Read a field right
 * after the call that fills it.
 */
import type { ExchangeOp } from "../exchange/exchange-op.js";
import type { MigrateBatch, MigratePagesStats } from "../migrate/migrate-pages-batch.js";
import type { AnonVma } from "../mm/mm-types.js";
import { PfnMap } from "./pfn-map.js";

/** accessVirtual() (mm/memory.ts): where a blocked access sleeps, and what the last load read. */
export class FaultState {
  /**
   * the folio an ACCESS_BLOCKED access waits on: the one its migration entry names
   * (migration_entry_wait), or the locked folio of a page-cache or swap-cache fault
   * (folio_lock_or_retry)
   */
  waitPfn = -1;
  /** the content token the last successful load read */
  lastToken = 0;
}

/** filemapRead() (fs/filemap.ts): the content token of the page it read last. */
export class FileIoState {
  lastToken = 0;
}

/** __migrate_folio_extract(dst, &old_page_state, &anon_vma) (migrate/unmap-and-move.ts). */
export class MigrateFolioExtracted {
  oldPageState = 0;
  anonVma: AnonVma | null = null;
}

/**
 * The buffers checkInvariants() (debug/invariants.ts) counts into, kept from one call to the
 * next: one count per pfn and one per swap slot would otherwise be allocated on every call
 * (1 GiB of counts for a 1 TiB machine). Each call leaves them all zero again.
 */
export class InvariantScratch {
  /** present PTEs per pfn */
  ptes = new Int32Array(0);
  /** references per swap slot */
  swapRefs = new Int32Array(0);
}

/**
 * rwc->arg of the allocation-free rmap walks (mm/rmap.ts rmapWalkOne): what try_to_migrate()
 * and remove_migration_ptes() hand their rmap_one, and the address of the PTE visited. Set
 * just before the walk and read only by its rmap_one, which starts no walk of its own.
 */
export class RmapArgs {
  /** the folio walked (remove_migration_ptes: dst) */
  head = 0;
  /** remove_migration_ptes: the folio the entries name */
  src = 0;
  /** ttu_flags */
  flags = 0;
  anon = false;
  /** the address of the page visited (a double: written in place, never boxed per visit) */
  addr = 0.5;
  /** PTEs the walk changed, and pages whose mapcount it took to or from 0 (stats and refs applied once after it) */
  nrPtes = 0;
  nrPages = 0;
}

/**
 * What folio_exchange() and folio_exchange_batch() (exchange/folio-exchange.ts) reuse from one
 * call to the next, so that an exchange in steady state allocates nothing: finished ops, and
 * the batch's list of ops and set of folios seen.
 */
export class ExchangeScratch {
  /** finished ExchangeOps, handed out again by reinit() */
  readonly free: ExchangeOp[] = [];
  /** folioExchangeBatch(): one op per pair (null for a pair refused before anything is taken) */
  readonly batch: (ExchangeOp | null)[] = [];
  /** folioExchangeBatch(): the folios named so far (a folio may appear in one pair only) */
  readonly seen = new PfnMap<boolean>();
  /** a batch is using `batch` and `seen` (a nested one gets its own) */
  batchBusy = false;
}

/**
 * What migrate_pages() (migrate/migrate-pages.ts, migrate-pages-batch.ts) reuses from one call to
 * the next: finished batches and stats structs, taken and given back like a stack, so that a
 * nested migrate_pages() (direct reclaim's demotion inside a migration's allocation) gets its own.
 */
export class MigrateScratch {
  readonly batches: MigrateBatch[] = [];
  readonly stats: MigratePagesStats[] = [];
}
