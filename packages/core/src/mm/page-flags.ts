/**
 * Page flags: `enum pageflags` of include/linux/page-flags.h at v6.12 (PG_error is gone in
 * v6.12; PG_young/PG_idle are real bits on 64-bit with CONFIG_PAGE_IDLE_FLAG).
 *
 * Aliases are aliases, exactly as in the kernel: PG_swapcache and PG_checked are both
 * PG_owner_priv_1; PG_anon_exclusive and PG_mappedtodisk are both PG_owner_2; PG_readahead
 * is PG_reclaim. Setting one sets the other, which is what the kernel does.
 */
export const PG_locked = 0;
export const PG_writeback = 1;
export const PG_referenced = 2;
export const PG_uptodate = 3;
export const PG_dirty = 4;
export const PG_lru = 5;
export const PG_head = 6;
export const PG_waiters = 7;
export const PG_active = 8;
export const PG_workingset = 9;
export const PG_owner_priv_1 = 10;
export const PG_owner_2 = 11;
export const PG_arch_1 = 12;
export const PG_reserved = 13;
export const PG_private = 14;
export const PG_private_2 = 15;
export const PG_reclaim = 16;
export const PG_swapbacked = 17;
export const PG_unevictable = 18;
export const PG_mlocked = 19;
export const PG_hwpoison = 20;
export const PG_young = 21;
export const PG_idle = 22;
export const NR_PAGEFLAGS = 23;

export const PG_readahead = PG_reclaim;
export const PG_checked = PG_owner_priv_1;
export const PG_swapcache = PG_owner_priv_1;
export const PG_anon_exclusive = PG_owner_2;
export const PG_mappedtodisk = PG_owner_2;
export const PG_fscache = PG_private_2;
/** Non-LRU movable pages only; never used for LRU isolation (docs/decisions.md#lru-isolation). */
export const PG_isolated = PG_reclaim;

/** Bit names in bit order; the kernel's primary name for each bit. */
export const PAGE_FLAG_NAMES: readonly string[] = [
  "PG_locked",
  "PG_writeback",
  "PG_referenced",
  "PG_uptodate",
  "PG_dirty",
  "PG_lru",
  "PG_head",
  "PG_waiters",
  "PG_active",
  "PG_workingset",
  "PG_owner_priv_1",
  "PG_owner_2",
  "PG_arch_1",
  "PG_reserved",
  "PG_private",
  "PG_private_2",
  "PG_reclaim",
  "PG_swapbacked",
  "PG_unevictable",
  "PG_mlocked",
  "PG_hwpoison",
  "PG_young",
  "PG_idle",
];

/**
 * Names a user reads for a set of flag bits. Aliased bits are named by their meaning for the
 * folio at hand (as /proc/kpageflags and dump_page do): an anon folio's owner_priv_1 is
 * PG_swapcache only together with PG_swapbacked, owner_2 is PG_anon_exclusive on anon pages.
 */
export function pageFlagNames(flags: number, anon: boolean): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < NR_PAGEFLAGS; bit++) {
    if ((flags & (1 << bit)) === 0) continue;
    if (bit === PG_owner_priv_1) {
      out.push(flags & (1 << PG_swapbacked) ? "PG_swapcache" : "PG_checked");
    } else if (bit === PG_owner_2) {
      out.push(anon ? "PG_anon_exclusive" : "PG_mappedtodisk");
    } else {
      out.push(PAGE_FLAG_NAMES[bit]!);
    }
  }
  return out;
}

/**
 * Bits that stay with the physical frame and are never exchanged (docs/decisions.md#frame-bits):
 * PG_locked, PG_waiters, PG_lru, PG_head, PG_hwpoison.
 */
export const FRAME_FLAGS_MASK = (1 << PG_locked) | (1 << PG_waiters) | (1 << PG_lru) | (1 << PG_head) | (1 << PG_hwpoison);
