/**
 * The fallback path as a backend: a block filesystem whose address_space_operations have
 * ->writepage and ->release_folio but no ->migrate_folio, so move_to_new_folio() takes
 * fallback_migrate_folio() (mm/migrate.c), and the seed's exchange takes its fallback
 * fs_prepare (docs/kernel-facts.md#seed-fs-prepare). Core owns both algorithms (unmap-and-move.ts:
 * fallbackMigrateFolio, writeout, filemapReleaseFolio); this backend supplies the a_ops they call.
 *
 * Kernel version (createSystem's kernel option; docs/kernel-facts.md#fallback-migrate-folio and
 * docs/decisions.md#kernel-baseline):
 * - "6.12" (the baseline): a dirty folio is written out in MIGRATE_SYNC (writeout(): never a
 *   direct success, -EAGAIN) and refused with -EBUSY otherwise;
 * - "6.16" (commit 7ee3647243e5 "migrate: Remove call to ->writepage"): dirty is -EBUSY in
 *   every mode.
 * A clean folio's private data must be released (filemap_release_folio()); if that fails:
 * MIGRATE_SYNC -EAGAIN, otherwise -EBUSY.
 *
 * Private data: like a buffer-head filesystem, ->writepage attaches the folio's private data
 * (block_write_full_folio() → folio_create_buffers()), and ->release_folio drops it
 * (try_to_free_buffers()) unless the filesystem's journal still holds it
 * (FALLBACK_PRIVATE_PINNED, e.g. jbd2 refusing to free buffers). This matters for v6.12's
 * SYNC retry: writeout() returns -EAGAIN with the I/O in flight, and migrate_pages_batch()
 * retries migrate_folio_move() — not migrate_folio_unmap() — so the retry finds the folio clean
 * and under writeback; filemap_release_folio() refuses a folio under writeback, so the retry
 * gets -EAGAIN instead of reaching migrate_folio()'s BUG_ON(folio_test_writeback()). A
 * filesystem with no private data at all would reach that BUG_ON in v6.12 whenever the I/O
 * outlives the retry (a real window in the kernel; in this synchronous model it always does).
 */
import {
  EBUSY,
  EAGAIN,
  GFP_KERNEL,
  MIGRATE_SYNC,
  PG_dirty,
  PG_private,
  blockWriteFullFolio,
  filemapReleaseFolio,
  folioAddressSpace,
  folioAttachPrivate,
  folioDetachPrivate,
  writeout,
  type Backend,
  type CapabilityManifest,
  type ExchangePrepareState,
  type Kernel,
  type MigrateMode,
} from "@foliox/core";
import { fallbackFixtureFor } from "./fixture.js";

/** The private word of a fallback-fs folio: buffers attached by ->writepage */
export const FALLBACK_PRIVATE_BUFFERS = 1 << 0;
/** … and still held by the journal: ->release_folio refuses */
export const FALLBACK_PRIVATE_PINNED = 1 << 1;

export const FALLBACK_MANIFEST: CapabilityManifest = {
  name: "fallback",
  kinds: ["file"],
  migrateCallback: "fallback_migrate_folio",
  exchange: true,
  largeFolios: false,
  fsPrivate: false,
  writeback: true,
  orders: [0],
  states: ["dirty", "writeback"],
  description: "a filesystem without ->migrate_folio: fallback_migrate_folio (writeout in SYNC ≤6.15, -EBUSY ≥6.16)",
};

/** Attach (or extend) the fallback private word; the first bit takes PG_private's reference. */
export function fallbackAttachPrivate(k: Kernel, head: number, bits: number): void {
  if (!k.mem.testFlag(head, PG_private)) folioAttachPrivate(k, head, 0);
  k.mem.private[head] = k.mem.private[head]! | bits;
}

export class FallbackBackend implements Backend {
  readonly manifest = FALLBACK_MANIFEST;
  readonly conformance = fallbackFixtureFor(this);

  owns(k: Kernel, head: number): boolean {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  // No migrateFolio: move_to_new_folio() calls fallback_migrate_folio() (core).

  /**
   * The seed's folio_exchange_fs_prepare() for a mapping without ->migrate_folio: a dirty
   * folio is written out in SYNC (v6.12; the attempt is over: -EAGAIN or -EIO) and refused with
   * -EBUSY in ASYNC (and in every mode from 6.16); a clean one must have its private data
   * released, failing which SYNC gives -EAGAIN and ASYNC -EBUSY.
   */
  prepare(k: Kernel, head: number, mode: MigrateMode, _state: ExchangePrepareState): number {
    if (k.mem.testFlag(head, PG_dirty)) {
      if (k.options.kernel === "6.16" || mode !== MIGRATE_SYNC) return -EBUSY;
      return writeout(k, this, head);
    }
    if (!filemapReleaseFolio(k, this, head, GFP_KERNEL)) return mode === MIGRATE_SYNC ? -EAGAIN : -EBUSY;
    return 0;
  }

  /** block_write_full_folio(): buffers are created (private data), then the generic write. */
  writepage(k: Kernel, head: number): number {
    fallbackAttachPrivate(k, head, FALLBACK_PRIVATE_BUFFERS);
    return blockWriteFullFolio(k, head);
  }

  /** ->release_folio (try_to_free_buffers()): refused while the journal holds the buffers. */
  releaseFolio(k: Kernel, head: number, _gfp: number): boolean {
    if (k.mem.private[head]! & FALLBACK_PRIVATE_PINNED) return false;
    folioDetachPrivate(k, head);
    return true;
  }

  /** block_invalidate_folio() of the whole folio: the buffers go. */
  invalidateFolio(k: Kernel, head: number, _offset: number, _length: number): void {
    if (k.mem.testFlag(head, PG_private)) folioDetachPrivate(k, head);
  }
}
