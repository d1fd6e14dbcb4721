/**
 * Swap I/O: swap_writepage() (mm/page_io.c), the writepage of the swap cache (swap_aops), used
 * by reclaim's pageout() of an anonymous folio and by shmem_writepage(). A module of its own so
 * that swap-out and shmem's swap both build on it.
 */
import { folioStartWriteback } from "../fs/page-writeback.js";
import type { Kernel } from "../kernel/kernel.js";
import { PG_locked } from "../mm/page-flags.js";
import { swpOffset } from "../mm/pgtable.js";

/**
 * swap_writepage() (mm/page_io.c) → __swap_writepage(): the folio is locked and was cleaned for
 * I/O; start writeback, write every page to its slot, unlock. The I/O completes later.
 */
export function swapWritepage(k: Kernel, head: number): number {
  const mem = k.mem;
  const si = k.swap!;
  const off = swpOffset(mem.private[head]!);
  const nr = mem.folioNrPages(head);
  folioStartWriteback(k, head);
  for (let i = 0; i < nr; i++) si.writeSlot(k, off + i, head + i);
  mem.clearFlag(head, PG_locked);
  return 0;
}
