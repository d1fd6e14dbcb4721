/**
 * Dirtying a folio: folio_mark_dirty(), filemap_dirty_folio() and folio_account_dirtied/
 * cleaned() (mm/page-writeback.c). In mm because mm's own paths dirty folios — try_to_migrate()
 * and zap fold a dirty PTE into its folio, a write fault dirties a shared file page — and call
 * down into the filesystem only through a_ops->dirty_folio (Backend.dirtyFolio). Writeback
 * itself (clear_dirty_for_io, start/end writeback, write_cache_pages) is the page cache's:
 * fs/page-writeback.ts.
 */
import type { AddressSpace } from "../fs/address-space.js";
import type { Kernel } from "../kernel/kernel.js";
import { folioAddressSpace } from "./folio-mapping.js";
import { PG_dirty } from "./page-flags.js";
import { NR_FILE_DIRTY, NR_ZONE_WRITE_PENDING, lruvecStatModFolio } from "./vmstat.js";

/** folio_account_dirtied(): NR_FILE_DIRTY and the zone's NR_ZONE_WRITE_PENDING go up. */
function folioAccountDirtied(k: Kernel, head: number, as: AddressSpace): void {
  if (!as.canWriteback) return;
  const nr = k.mem.folioNrPages(head);
  lruvecStatModFolio(k, head, NR_FILE_DIRTY, nr);
  k.vmstat.modZone(k.mem.zone[head]!, NR_ZONE_WRITE_PENDING, nr);
}

/** folio_account_cleaned(): the reverse, when a dirty folio is cleaned without writeback. */
export function folioAccountCleaned(k: Kernel, head: number, as: AddressSpace): void {
  if (!as.canWriteback) return;
  const nr = k.mem.folioNrPages(head);
  lruvecStatModFolio(k, head, NR_FILE_DIRTY, -nr);
  k.vmstat.modZone(k.mem.zone[head]!, NR_ZONE_WRITE_PENDING, -nr);
}

/** filemap_dirty_folio() (mm/page-writeback.c): set PG_dirty and account it once. */
export function filemapDirtyFolio(k: Kernel, as: AddressSpace, head: number): boolean {
  if (k.mem.testSetFlag(head, PG_dirty)) return false;
  folioAccountDirtied(k, head, as);
  return true;
}

/**
 * folio_mark_dirty(): a_ops->dirty_folio for a page-cache folio (filemap_dirty_folio by
 * default), or just PG_dirty for a folio without a mapping (anon: noop_dirty_folio-alike).
 */
export function folioMarkDirty(k: Kernel, head: number): boolean {
  const as = folioAddressSpace(k, head);
  if (!as) return !k.mem.testSetFlag(head, PG_dirty);
  if (as.aOps.dirtyFolio) return as.aOps.dirtyFolio(k, head);
  return filemapDirtyFolio(k, as, head);
}
