/**
 * The conformance fixtures of the f2fs and fallback backends: core's file fixture (a one-page
 * file written with write(2) and fsync'd, mapped MAP_SHARED and faulted in: a mapped, clean
 * page-cache folio; dirty and writeback states) plus what is each filesystem's own:
 * - f2fs, buffers-locked: f2fs GC's move_data_page() holds the folio — f2fs_get_lock_data_folio()
 *   took its lock and a reference — and set PAGE_PRIVATE_ONGOING_MIGRATION; unlockPrivate() is
 *   the GC finishing (folio_mark_dirty, f2fs_put_page(folio, 1)).
 * - fallback: the private data ->writepage attached is dropped once the fsync is done (a clean
 *   folio's buffers are freeable), so a plain fallback folio carries none.
 */
import {
  GFP_KERNEL,
  PG_locked,
  fileFixture,
  filemapLookup,
  filemapReleaseFolio,
  fixtureMount,
  folioAddressSpace,
  folioMarkDirty,
  folioPut,
  makeFileFolio,
  type Backend,
  type ConformanceFixture,
} from "@foliox/core";
import { PAGE_PRIVATE_ONGOING_MIGRATION, setPagePrivate } from "./page-private.js";

export function f2fsFixtureFor(backend: Backend): ConformanceFixture {
  return {
    ...fileFixture(backend),
    makeFolio(k, nid, order, opts = {}) {
      const f = makeFileFolio(k, fixtureMount(k, backend), nid, order, opts);
      if (opts.state === "buffers-locked") {
        // move_data_page(): f2fs_get_lock_data_folio() — the lock and a reference — then the GC mark.
        k.mem.refcount[f.head]!++;
        k.mem.setFlag(f.head, PG_locked);
        setPagePrivate(k, f.head, PAGE_PRIVATE_ONGOING_MIGRATION);
      }
      return f;
    },
    /** The private word is flags, not a pointer: the one frame it belongs to is the page cache's. */
    privateRefs(k, head) {
      const as = folioAddressSpace(k, head);
      return as ? [filemapLookup(as, k.mem.index[head]!)] : [];
    },
    /** The GC's move_data_page() finishes: folio_mark_dirty(), f2fs_put_page(folio, 1). */
    unlockPrivate(k, head) {
      folioMarkDirty(k, head);
      k.mem.clearFlag(head, PG_locked);
      folioPut(k, head);
    },
  };
}

export function fallbackFixtureFor(backend: Backend): ConformanceFixture {
  return fileFixture(backend, {
    // The clean folio's buffers are freeable (try_to_free_buffers()): drop them.
    afterFsync(k, head) {
      k.mem.setFlag(head, PG_locked);
      filemapReleaseFolio(k, backend, head, GFP_KERNEL);
      k.mem.clearFlag(head, PG_locked);
    },
  });
}
