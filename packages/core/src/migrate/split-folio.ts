/**
 * Splitting an isolated large folio — anonymous, or a page-cache one (a tmpfs huge=always folio)
 * — into order-0 folios, as migration does when it cannot get a large destination: try_split_folio() (mm/migrate.c, v6.12) and
 * split_folio_to_list() -> split_huge_page_to_list_to_order(…, 0) -> __split_huge_page() ->
 * __split_huge_page_tail(), lru_add_split_folio(), remap_page() (mm/huge_memory.c, v6.12).
 *
 * The folio is locked and isolated (off the LRU, holding the caller's reference). It is unmapped
 * with migration entries, its refcount is frozen at 1, every tail becomes a folio of its own
 * (flags, mapping, index, memcg and last_cpupid from the head; a reference of its own plus an
 * isolation reference, and onto `list`), and the entries are turned back into PTEs of each new
 * folio. Since v6.12 a subpage that holds only zeroes is remapped to the shared zero page
 * instead (RMP_USE_SHARED_ZEROPAGE). Afterwards each piece holds its isolation reference plus
 * one per PTE, exactly as if it had been isolated on its own; NR_ISOLATED_* is unchanged. A
 * swap-cache folio's pieces keep their own slots (folio->swap + i, and the swap cache's slot
 * names the piece), as do a page-cache folio's pieces (the file's slot index + i names piece i,
 * stored under the mapping's i_pages lock, each piece keeping the page cache's reference); a
 * folio under writeback, or a page-cache folio with private data, is not split (-EBUSY).
 *
 * Left out: splitting to a
 * non-zero order, the deferred-split queue and partially-mapped accounting, mTHP split counters.
 */
import { EAGAIN, EBUSY, EINVAL } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { FolioList } from "../mm/list.js";
import { HPAGE_PMD_ORDER } from "../mm/mem-map.js";
import { VM_LOCKED } from "../mm/mm-types.js";
import {
  PG_active,
  PG_dirty,
  PG_head,
  PG_hwpoison,
  PG_locked,
  PG_mlocked,
  PG_private,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_uptodate,
  PG_workingset,
  PG_writeback,
} from "../mm/page-flags.js";
import { _PAGE_SPECIAL, isMigrationEntry, swpOffset } from "../mm/pgtable.js";
import { TTU_BATCH_FLUSH, folioGetAnonVma, putAnonVma, removeMigrationPtes, rmapWalk, tryToMigrate, tryToUnmapFlush } from "../mm/rmap.js";
import { folioPut } from "../mm/swap.js";
import { THP_SPLIT_PAGE } from "../mm/vmstat.js";
import { MIGRATE_ASYNC, type MigrateMode } from "./migrate-mode.js";
import { folioLock, folioTrylock, folioUnlock } from "../mm/folio-lock.js";
import { folioAddressSpace } from "../mm/folio-mapping.js";
import { xaLock, xaUnlock } from "../fs/address-space.js";

/** TTU_SPLIT_HUGE_PMD | TTU_SYNC: no PMD mappings in this model, so only the flush batching counts. */
const TTU_SPLIT = TTU_BATCH_FLUSH;

/** The head flags a tail inherits in __split_huge_page_tail() (PG_locked included). */
const SPLIT_TAIL_FLAGS =
  (1 << PG_referenced) |
  (1 << PG_swapbacked) |
  (1 << PG_swapcache) |
  (1 << PG_mlocked) |
  (1 << PG_uptodate) |
  (1 << PG_active) |
  (1 << PG_workingset) |
  (1 << PG_locked) |
  (1 << PG_unevictable) |
  (1 << PG_dirty);

/**
 * try_split_folio() (v6.12): lock (ASYNC only tries; other modes sleep in folio_lock(), which
 * runs the holder forward — kernel/wait.ts — and gives -EAGAIN only if it cannot move), split
 * onto `splitFolios`, unlock, and move the head piece to the end of `splitFolios` too.
 */
export function trySplitFolio(k: Kernel, folio: number, splitFolios: FolioList, mode: MigrateMode): number {
  if (!folioTrylock(k, folio)) {
    if (mode === MIGRATE_ASYNC || folioLock(k, folio) !== 0) return -EAGAIN;
  }
  const rc = splitFolioToList(k, folio, splitFolios);
  folioUnlock(k, folio);
  if (!rc) splitFolios.moveTail(folio);
  return rc;
}

/**
 * split_folio_to_list(): split a locked large folio — anonymous, or in the page cache (a tmpfs
 * huge=always folio, a large file folio) — into order-0 folios, tails onto `list` (the folio is
 * isolated, so lru_add_split_folio() lists them instead of adding them to the LRU). 0, -EBUSY
 * (no anon_vma, KSM, truncated, private data, or under writeback), -EAGAIN (extra references),
 * -EINVAL (already order 0).
 */
export function splitFolioToList(k: Kernel, head: number, list: FolioList): number {
  const mem = k.mem;
  const order = mem.order[head]!;
  if (order === 0) return -EINVAL;
  // split_huge_page_to_list_to_order(): a folio under writeback is not split
  if (mem.testFlag(head, PG_writeback)) return -EBUSY;
  if (mem.folioTestKsm(head)) return -EBUSY;
  const anon = mem.folioTestAnon(head);
  const nr = 1 << order;
  let anonVma = null;
  let as = null;
  if (anon) {
    anonVma = folioGetAnonVma(k, head);
    if (!anonVma) return -EBUSY;
  } else {
    // a page-cache folio: truncated under us (no mapping) or holding fs-private data that
    // filemap_release_folio() would have to drop first is not split here
    as = folioAddressSpace(k, head);
    if (!as || mem.testFlag(head, PG_private)) return -EBUSY;
  }

  // can_split_folio(folio, 1, &extra_pins): only the caller's pin besides the mappings and the
  // page cache's (or swap cache's) one per page.
  const extraPins = !anon || mem.folioTestSwapcache(head) ? nr : 0;
  if (mem.folioMapcount(head) !== mem.refcount[head]! - extraPins - 1) {
    if (anonVma) putAnonVma(k, anonVma);
    return -EAGAIN;
  }

  // unmap_folio()
  tryToMigrate(k, head, TTU_SPLIT);
  tryToUnmapFlush(k);

  // folio_ref_freeze(folio, 1 + extra_pins), under the mapping's i_pages lock for a page-cache folio
  if (as) xaLock(k, as);
  if (mem.refcount[head] !== 1 + extraPins) {
    if (as) xaUnlock(k, as);
    remapPage(k, head, nr, false);
    if (anonVma) putAnonVma(k, anonVma);
    return -EAGAIN;
  }

  splitHugePage(k, head, nr, list);
  if (as) xaUnlock(k, as);
  remapPage(k, head, nr, anon);
  if (order >= HPAGE_PMD_ORDER) k.vmstat.countEvents(THP_SPLIT_PAGE, 1);
  if (anonVma) putAnonVma(k, anonVma);
  return 0;
}

/**
 * __split_huge_page() for an isolated, unmapped, frozen folio: anonymous (in the swap cache or
 * not), or in the page cache, whose slots then name each piece (under the caller's i_pages lock).
 */
function splitHugePage(k: Kernel, head: number, nr: number, list: FolioList): void {
  const mem = k.mem;
  const headFlags = mem.flags[head]!;
  const swapcache = mem.folioTestSwapcache(head);
  const as = folioAddressSpace(k, head);
  // a page-cache or swap-cache piece keeps its own reference from that cache
  const cacheRef = swapcache || as ? 1 : 0;
  for (let i = 1; i < nr; i++) {
    const t = head + i;
    // __split_huge_page_tail(): PG_anon_exclusive of a mapped subpage rides in its migration
    // entry; on an unmapped one it is dropped with the rest of the tail's own bits.
    mem.flags[t] = (mem.flags[t]! & (1 << PG_hwpoison)) | (headFlags & SPLIT_TAIL_FLAGS);
    mem.mapping[t] = mem.mapping[head]!;
    mem.index[t] = mem.index[head]! + i;
    // a swap-cache piece keeps its own slot: new_folio->swap = folio->swap + i
    mem.private[t] = swapcache ? mem.private[head]! + i : 0;
    mem.lastCpupid[t] = mem.lastCpupid[head]!;
    mem.memcg[t] = mem.memcg[head]!; // split_page_memcg()
    mem.pincount[t] = 0;
    mem.order[t] = 0;
    mem.largeMapcount[t] = mem.mapcount[t]!;
    // page_ref_unfreeze(page_tail, 1 + (!folio_test_anon(folio) || folio_test_swapcache(folio)))
    mem.refcount[t] = 1 + cacheRef;
    // lru_add_split_folio(): the folio is isolated, so the tail gets a reference and the list.
    mem.refcount[t]!++;
    list.addTail(t);
    // the cache's slot for the piece names the piece now (__xa_store under its i_pages lock)
    if (swapcache) k.swap!.space.iPages.store(swpOffset(mem.private[t]!), t + 1);
    else if (as) as.iPages.store(mem.index[t]!, t + 1);
  }
  mem.order[head] = 0;
  mem.largeMapcount[head] = mem.mapcount[head]!;
  mem.clearFlag(head, PG_head);
  // folio_ref_unfreeze(folio, 1 + extra pins), the head now an order-0 folio: 1, plus its cache ref
  mem.refcount[head] = 1 + cacheRef;

  for (let i = 1; i < nr; i++) {
    const t = head + i;
    mem.clearFlag(t, PG_locked);
    // free_page_and_swap_cache(): drop the unfreeze reference; the isolation one stays.
    folioPut(k, t);
  }
}

/**
 * remap_page(): turn the migration entries back into PTEs, folio by folio (after a split each
 * page is its own folio). With RMP_USE_SHARED_ZEROPAGE an all-zero subpage of a folio that is
 * not mlocked is mapped to the shared zero page instead (try_to_map_unused_to_zeropage()).
 */
function remapPage(k: Kernel, head: number, nr: number, useSharedZeropage: boolean): void {
  const mem = k.mem;
  if (!useSharedZeropage) {
    // still one folio (a failed split), or its pieces one by one
    if (mem.order[head]! > 0) removeMigrationPtes(k, head, head);
    else for (let i = 0; i < nr; i++) removeMigrationPtes(k, head + i, head + i);
    return;
  }
  const pt = k.pgtables;
  const zeroPfn = k.alloc.zeroPfn;
  for (let i = 0; i < nr; i++) {
    const page = head + i;
    if (mem.content[page] === 0 && !mem.testFlag(page, PG_mlocked)) {
      rmapWalk(k, page, (vma, _j, _addr) => {
        const pte = pt.leaf[pt.off]!;
        if (!isMigrationEntry(pte) || pt.frame[pt.off]! !== page) return true;
        if (vma.vmFlags & VM_LOCKED) return true;
        pt.setPfnPte(zeroPfn, _PAGE_SPECIAL);
        vma.mm.rssAnon--;
        return true;
      });
    }
    removeMigrationPtes(k, page, page);
  }
}
