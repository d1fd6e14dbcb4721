/**
 * mlock on folios (mm/mlock.c, v6.12): mlock_folio(), munlock_folio(), mlock_vma_folio(),
 * munlock_vma_folio(). A folio mapped by a VM_LOCKED vma is PG_mlocked and lives on the
 * unevictable LRU (PG_unevictable): reclaim never takes it, and folio exchange refuses it
 * (-EOPNOTSUPP, a permanent refusal). The fault paths mlock a folio they map into a VM_LOCKED
 * vma, the remap of migration entries mlocks the new folio, and an unmap or munlock(2) munlocks
 * a folio no VM_LOCKED vma maps any more; mlock(2) and munlock(2) are syscalls/mlock.ts.
 *
 * The kernel counts VM_LOCKED mappings in folio->mlock_count (an approximation it lets drift);
 * foliox asks the rmap instead (folioMappedLocked() in rmap.ts, the old try_to_munlock()): a
 * folio is munlocked when no VM_LOCKED vma maps it. The per-cpu mlock folio batches are drained
 * at once.
 */
import type { Kernel } from "../kernel/kernel.js";
import { VM_LOCKED, type VmArea } from "./mm-types.js";
import { PG_active, PG_lru, PG_mlocked, PG_unevictable } from "./page-flags.js";
import { NR_MLOCK, UNEVICTABLE_PGMLOCKED, UNEVICTABLE_PGMUNLOCKED } from "./vmstat.js";

/** Move a folio between LRU lists after its PG_unevictable changed: lruvec_del_folio() and add again. */
function relru(k: Kernel, head: number, unevictable: boolean): void {
  const mem = k.mem;
  const onLru = mem.testFlag(head, PG_lru);
  if (onLru) {
    k.lru.lruvecDelFolio(head);
    mem.clearFlag(head, PG_lru);
  }
  if (unevictable) {
    mem.clearFlag(head, PG_active);
    mem.setFlag(head, PG_unevictable);
  } else {
    mem.clearFlag(head, PG_unevictable);
  }
  // an isolated folio keeps the flag for its putback (folio_putback_lru → lru_add)
  if (onLru) k.lru.folioAddLru(head);
}

/** mlock_folio(): PG_mlocked (NR_MLOCK, unevictable_pgs_mlocked the first time), onto the unevictable LRU. */
export function mlockFolio(k: Kernel, head: number): void {
  const mem = k.mem;
  if (!mem.testSetFlag(head, PG_mlocked)) {
    const nr = mem.folioNrPages(head);
    k.vmstat.modZone(mem.zone[head]!, NR_MLOCK, nr);
    k.vmstat.countEvents(UNEVICTABLE_PGMLOCKED, nr);
  }
  if (!mem.testFlag(head, PG_unevictable)) relru(k, head, true);
}

/** munlock_folio() once the last VM_LOCKED mapping is gone: PG_mlocked clear, back to an evictable LRU. */
export function munlockFolio(k: Kernel, head: number): void {
  const mem = k.mem;
  if (!mem.testClearFlag(head, PG_mlocked)) return;
  const nr = mem.folioNrPages(head);
  k.vmstat.modZone(mem.zone[head]!, NR_MLOCK, -nr);
  k.vmstat.countEvents(UNEVICTABLE_PGMUNLOCKED, nr);
  if (mem.testFlag(head, PG_unevictable)) relru(k, head, false);
}

/**
 * mlock_vma_folio(): the folio of `page`, just mapped at `addr` of `vma` (a fault, a remap), is mlocked if the vma is
 * VM_LOCKED. A large folio only if the vma covers it whole (folio_within_vma()): a partly
 * covered one would be unevictable for pages that are not locked.
 */
export function mlockVmaFolio(k: Kernel, page: number, vma: VmArea, addr: number): void {
  if ((vma.vmFlags & VM_LOCKED) === 0) return;
  const head = k.mem.pageFolio(page);
  const nr = k.mem.folioNrPages(head);
  if (nr > 1) {
    const start = addr - (page - head) * 4096;
    if (start < vma.vmStart || start + nr * 4096 > vma.vmEnd) return;
  }
  mlockFolio(k, head);
}
