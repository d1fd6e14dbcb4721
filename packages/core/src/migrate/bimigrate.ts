/**
 * folio_bimigrate() (mm/exchange.c in the seed author's tree, memory-meld/linux): the fallback
 * for a folio exchange that does two one-way migrations instead — `a` to `b`'s node, then `b` to
 * `a`'s node — through migrate_pages() with alloc_migration_target(). Each move needs a free
 * page on its target node (the first can make room for the second: `a`'s frame is freed before
 * `b` moves), which is exactly what an exchange does not need.
 *
 * foliox's choices where the seed leaves them open: both folios are isolated first (a folio that
 * is not on an LRU gives -EBUSY, as in move_pages()); the destinations are allocated with
 * GFP_HIGHUSER_MOVABLE | __GFP_THISNODE (move_pages()'s mask); if the first migration fails the
 * second is not tried; a migrate_pages() that ran out of retries (a positive count) is reported
 * as -EAGAIN. Whatever did not move is put back on its LRU.
 */
import { EAGAIN, EBUSY } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import { GFP_HIGHUSER_MOVABLE, __GFP_THISNODE } from "../mm/gfp.js";
import type { FolioList } from "../mm/list.js";
import { MR_SYSCALL, type MigrateMode } from "./migrate-mode.js";
import { migratePages } from "./migrate-pages.js";
import { allocMigrationTargetCb, type MigrationTargetControl } from "./migration-target.js";
import { isolateFolioForMigration, putbackMovablePages } from "./unmap-and-move.js";

/** One direction: migrate the folio on `list` to `nid`. 0, or a negative errno. */
function bimigrateOne(k: Kernel, list: FolioList, nid: number, mode: MigrateMode, reason: number): number {
  const mtc: MigrationTargetControl = { nid, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE };
  const rc = migratePages(k, list, allocMigrationTargetCb, null, mtc, mode, reason);
  if (rc < 0) return rc;
  return rc > 0 ? -EAGAIN : 0;
}

/**
 * folio_bimigrate(a, b, mode): 0 when both moved, else the first error (-ENOMEM when a target
 * node has no free page, -EBUSY when a folio cannot be isolated, -EAGAIN when retries ran out).
 */
export function folioBimigrate(k: Kernel, a: number, b: number, mode: MigrateMode, reason: number = MR_SYSCALL): number {
  const nidA = k.folioNid(a);
  const nidB = k.folioNid(b);
  const la = k.lists.alloc();
  const lb = k.lists.alloc();
  let rc = 0;
  if (!isolateFolioForMigration(k, a, la)) rc = -EBUSY;
  else if (!isolateFolioForMigration(k, b, lb)) rc = -EBUSY;
  if (rc === 0) rc = bimigrateOne(k, la, nidB, mode, reason);
  if (rc === 0) rc = bimigrateOne(k, lb, nidA, mode, reason);
  putbackMovablePages(k, la);
  putbackMovablePages(k, lb);
  la.release();
  lb.release();
  return rc;
}
