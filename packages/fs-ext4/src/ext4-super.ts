/**
 * struct ext4_sb_info, reduced (fs/ext4/ext4.h): the mount options that shape the page cache —
 * the block size (blocksize=1024|2048|4096, a mkfs choice in reality, a mount option here),
 * delalloc (the default; "nodelalloc" turns it off) and data=journal (which implies nodelalloc
 * and selects ext4_journalled_aops) — plus s_dirtyclusters_counter and I/O counters.
 *
 * Block numbers and the backing store. Core's backing store has one 4 KiB store block per file
 * page (the integrity checker reads a page's data from inode.blocks[index]). ext4 allocates
 * whole store blocks and numbers its filesystem blocks inside them: with blocksize bs and
 * bpp = PAGE_SIZE / bs blocks per page, filesystem block n lives in store block n / bpp at byte
 * (n % bpp) * bs. A page's blocks are allocated together (what mballoc's per-page extent gives
 * for a delalloc page), so buffer j of page index i maps to block storeBlock(i) * bpp + j, and
 * a buffer write (submit_bh) writes exactly its bs bytes of that store block.
 */
import type { SuperBlock } from "@foliox/core";

export const PAGE_SIZE = 4096;

export interface Ext4MountOptions {
  /** filesystem block size in bytes: 1024, 2048 or 4096 (default 4096) */
  blocksize?: number;
  /** delayed allocation (default true; forced off by data=journal) */
  delalloc?: boolean;
  /** data=journal: ext4_journalled_aops, buffer_migrate_folio_norefs (default false) */
  dataJournal?: boolean;
}

export class Ext4SbInfo {
  readonly blocksize: number;
  /** blocks per page */
  readonly bpp: number;
  readonly delalloc: boolean;
  readonly dataJournal: boolean;
  /** s_dirtyclusters_counter: blocks reserved for delayed buffers, not allocated yet */
  dirtyClusters = 0;
  /** blocks allocated (ext4_map_blocks with create) */
  blocksAllocated = 0;
  /** buffer I/O submitted (submit_bh of a write / read) */
  bhWrites = 0;
  bhReads = 0;

  constructor(opts: Ext4MountOptions) {
    const bs = opts.blocksize ?? PAGE_SIZE;
    if (bs !== 1024 && bs !== 2048 && bs !== 4096) throw new RangeError(`ext4: blocksize=${bs}: must be 1024, 2048 or 4096 (at most PAGE_SIZE)`);
    this.blocksize = bs;
    this.bpp = PAGE_SIZE / bs;
    this.dataJournal = opts.dataJournal === true;
    // ext4_fill_super(): data=journal disables delalloc ("nodelalloc" is implied)
    this.delalloc = !this.dataJournal && opts.delalloc !== false;
  }
}

/** EXT4_SB(sb) */
export function EXT4_SB(sb: SuperBlock): Ext4SbInfo {
  const sbi = sb.fsInfo;
  if (!(sbi instanceof Ext4SbInfo)) throw new Error(`super_block ${sb.id} is not an ext4 mount`);
  return sbi;
}
