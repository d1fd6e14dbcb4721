/**
 * f2fs data pages as a foliox backend: f2fs_dblock_aops (fs/f2fs/data.c, v6.12) reduced to what
 * migration and exchange see.
 *
 * - .migrate_folio = filemap_migrate_folio (since "f2fs: Convert to filemap_migrate_folio()",
 *   v6.0): __migrate_folio() moves the private word as a whole; f2fs has no migrate hook of its
 *   own and no exchange hooks (the seed's fs_prepare does nothing for filemap_migrate_folio).
 * - .dirty_folio = f2fs_dirty_data_folio: filemap_dirty_folio() + f2fs_update_dirty_folio(),
 *   which sets PAGE_PRIVATE_REF_RESOURCE, so a dirtied data folio carries a private word (and
 *   the reference PG_private holds) from then until release or invalidate.
 * - .release_folio = f2fs_release_folio: a dirty folio keeps its private data (false); else
 *   clear_page_private_all() and true.
 * - .invalidate_folio = f2fs_invalidate_folio: clear_page_private_all() on a whole-folio
 *   invalidate (truncate).
 * - .writepage: f2fs_write_single_data_page() reduced to the generic block write; an atomic
 *   file's page with PAGE_PRIVATE_ATOMIC_WRITE is the commit write (f2fs_do_write_data_page
 *   clears the bit), and PAGE_PRIVATE_ONGOING_MIGRATION is cleared when the GC's write is
 *   issued (f2fs clears it at I/O completion; core's bio completion has no fs hook).
 *
 * What makes an f2fs data folio busy or unmovable for mm migration and exchange in v6.12:
 * nothing f2fs-specific — filemap_migrate_folio never looks inside the word. An atomic-write
 * folio (PAGE_PRIVATE_ATOMIC_WRITE) moves with the bit: it is "refused" only where f2fs itself
 * looks (f2fs_release_folio keeps a dirty folio's private data, so eviction and the fallback
 * path cannot drop it; f2fs GC skips atomic files). What does make it busy is generic: writeback
 * (ASYNC -EBUSY, SYNC waits), the folio lock and the extra reference of another path that holds
 * it (f2fs GC's move_data_page holds it through f2fs_get_lock_data_folio: -EAGAIN), which the
 * fixture's "buffers-locked" state models. Before v5.19 f2fs_migrate_page() took the inmem
 * lock for atomic-written pages (-EAGAIN when contended); that path is gone in v6.12.
 */
import {
  PG_dirty,
  PG_uptodate,
  blockWriteFullFolio,
  filemapDirtyFolio,
  filemapMigrateFolio,
  folioAddressSpace,
  type Backend,
  type CapabilityManifest,
  type Inode,
  type Kernel,
  type MigrateMode,
  type SuperBlock,
} from "@foliox/core";
import { f2fsFixtureFor } from "./fixture.js";
import {
  PAGE_PRIVATE_ATOMIC_WRITE,
  PAGE_PRIVATE_ONGOING_MIGRATION,
  PAGE_PRIVATE_REF_RESOURCE,
  clearPagePrivate,
  clearPagePrivateAll,
  pagePrivateTest,
  setPagePrivate,
} from "./page-private.js";

export const F2FS_MANIFEST: CapabilityManifest = {
  name: "f2fs",
  kinds: ["file"],
  migrateCallback: "filemap_migrate_folio",
  exchange: true,
  largeFolios: false,
  fsPrivate: true,
  writeback: true,
  orders: [0],
  states: ["dirty", "writeback", "buffers-locked"],
  description: "f2fs data pages: filemap_migrate_folio, the page-private flag word moves as a whole",
};

/** struct f2fs_sb_info, reduced: the inodes with FI_ATOMIC_FILE set. */
export interface F2fsSbInfo {
  atomicFiles: Set<Inode>;
}

export function f2fsSbInfo(sb: SuperBlock): F2fsSbInfo {
  return sb.fsInfo as F2fsSbInfo;
}

export class F2fsBackend implements Backend {
  readonly manifest = F2FS_MANIFEST;
  readonly conformance = f2fsFixtureFor(this);

  /** folio_mapping(folio)->a_ops == &f2fs_dblock_aops */
  owns(k: Kernel, head: number): boolean {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  /** filemap_migrate_folio(): the private word moves as a whole */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return filemapMigrateFolio(k, dst, src, mode);
  }

  /** f2fs_fill_super(), reduced */
  fillSuper(_k: Kernel, sb: SuperBlock): void {
    const info: F2fsSbInfo = { atomicFiles: new Set() };
    sb.fsInfo = info;
  }

  /** f2fs_dirty_data_folio() + f2fs_update_dirty_folio(): set_page_private_reference() */
  dirtyFolio(k: Kernel, head: number): boolean {
    const as = folioAddressSpace(k, head)!;
    if (!k.mem.testFlag(head, PG_uptodate)) k.mem.setFlag(head, PG_uptodate);
    if (!filemapDirtyFolio(k, as, head)) return false;
    setPagePrivate(k, head, PAGE_PRIVATE_REF_RESOURCE);
    return true;
  }

  /** f2fs_release_folio(): keep a dirty folio's private data; otherwise drop every flag. */
  releaseFolio(k: Kernel, head: number, _gfp: number): boolean {
    if (k.mem.testFlag(head, PG_dirty)) return false;
    clearPagePrivateAll(k, head);
    return true;
  }

  /** f2fs_invalidate_folio(): a whole-folio invalidate drops every flag. */
  invalidateFolio(k: Kernel, head: number, offset: number, length: number): void {
    if (offset !== 0 || length !== k.mem.folioNrPages(head) * 4096) return;
    clearPagePrivateAll(k, head);
  }

  /** f2fs_write_single_data_page(), reduced to the generic block write (see the header). */
  writepage(k: Kernel, head: number): number {
    if (pagePrivateTest(k, head, PAGE_PRIVATE_ATOMIC_WRITE)) clearPagePrivate(k, head, PAGE_PRIVATE_ATOMIC_WRITE);
    if (pagePrivateTest(k, head, PAGE_PRIVATE_ONGOING_MIGRATION)) clearPagePrivate(k, head, PAGE_PRIVATE_ONGOING_MIGRATION);
    return blockWriteFullFolio(k, head);
  }
}
