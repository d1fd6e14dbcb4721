/**
 * ext4's address_space_operations (fs/ext4/inode.c, v6.12: ext4_aops, ext4_da_aops,
 * ext4_journalled_aops), reduced to what core's page cache calls:
 *
 * - dirty_folio: core's write path has no ->write_begin hook, so the part of ext4_write_begin /
 *   ext4_da_write_begin (and ext4_page_mkwrite) that matters to migration runs here, on the first
 *   dirtying: folio_create_empty_buffers() and get_block for each buffer —
 *   ext4_da_get_block_prep() maps a hole to invalid_block with BH_New | BH_Delay and reserves
 *   the block (delalloc), ext4_get_block() allocates at once (nodelalloc, data=journal). Then
 *   block_dirty_folio(): every buffer BH_Dirty, then filemap's PG_dirty and its accounting.
 * - writepage: ext4_writepages() for one folio: mpage_map_and_submit_extent() allocates the
 *   delayed blocks (BH_Delay cleared, b_blocknr set), ext4_bio_write_folio() starts writeback
 *   and submits each dirty mapped buffer as its own device write (BH_Async_Write, BH_Dirty
 *   cleared). The bio carries the data at submission; the buffer-level completion
 *   (end_buffer_async_write clearing BH_Async_Write) is folded into the submission, and
 *   core's writeback completion ends PG_writeback.
 * - read_folio: ext4_mpage_readpages(): a page whose blocks are contiguous (always, here) is
 *   read with one bio and gets no buffer heads; holes read as zeroes.
 * - invalidate_folio: block_invalidate_folio(): discard_buffer() on each buffer in the range,
 *   and for the whole folio the release below.
 * - release_folio: ext4_release_folio() → try_to_free_buffers().
 */
import { KernelBug, PG_locked, PG_uptodate, folioAddressSpace, filemapDirtyFolio, folioStartWriteback, type Inode, type Kernel } from "@foliox/core";
import { bhLruForgetRing } from "./bh-lru.js";
import {
  BH_Async_Write,
  BH_Delay,
  BH_Dirty,
  BH_Lock,
  BH_Mapped,
  BH_New,
  BH_Req,
  BH_Unwritten,
  BH_Uptodate,
  INVALID_BLOCK,
  bufferHeads,
  folioBuffers,
  folioCreateEmptyBuffers,
  tryToFreeBuffers,
} from "./buffer-head.js";
import { EXT4_SB, PAGE_SIZE, type Ext4SbInfo } from "./ext4-super.js";

function inodeOf(k: Kernel, head: number, what: string): Inode {
  const as = folioAddressSpace(k, head);
  if (!as) throw new KernelBug(`${what}: pfn ${head} is not in the page cache`);
  return as.host;
}

/** The store block of page `index`, allocated when `create` (ext4_map_blocks with CREATE). */
function pageStoreBlock(inode: Inode, sbi: Ext4SbInfo, index: number, create: boolean): number {
  let b = inode.blocks.load(index) - 1;
  if (b < 0 && create) {
    b = inode.sb.store.allocBlock();
    inode.blocks.store(index, b + 1);
    sbi.blocksAllocated += sbi.bpp;
  }
  return b;
}

/**
 * get_block for every unmapped buffer of a folio being written (write_begin):
 * ext4_da_get_block_prep() with delalloc, ext4_get_block(create) otherwise.
 */
function ext4GetBlocksForWrite(k: Kernel, inode: Inode, sbi: Ext4SbInfo, folio: number, ring: number): void {
  const t = bufferHeads(k);
  const index = k.mem.index[folio]!;
  const hadBlock = inode.blocks.load(index) !== 0;
  let bh = ring;
  do {
    if (!t.test(bh, BH_Mapped)) {
      const off = t.offset[bh]!;
      const page = index + Math.floor(off / PAGE_SIZE);
      const j = (off % PAGE_SIZE) / sbi.blocksize;
      const b = pageStoreBlock(inode, sbi, page, !sbi.delalloc);
      if (b >= 0) {
        t.map(bh, b * sbi.bpp + j);
        if (!hadBlock) t.set(bh, BH_New); // allocated by this get_block
      } else {
        // ext4_insert_delayed_block(): reserve, then map_bh(bh, sb, invalid_block)
        sbi.dirtyClusters++;
        t.map(bh, INVALID_BLOCK);
        t.set(bh, BH_New);
        t.set(bh, BH_Delay);
      }
    }
    bh = t.thisPage[bh]!;
  } while (bh !== ring);
}

/**
 * ext4_dirty_folio() / ext4_journalled_dirty_folio() with write_begin's buffer setup (see the
 * header): create the ring if needed, get_block, block_dirty_folio().
 */
export function ext4DirtyFolio(k: Kernel, folio: number): boolean {
  const as = folioAddressSpace(k, folio);
  if (!as) throw new KernelBug(`ext4_dirty_folio: pfn ${folio} is not in the page cache`);
  const inode = as.host;
  const sbi = EXT4_SB(inode.sb);
  const t = bufferHeads(k);
  let ring = folioBuffers(k, folio);
  if (!ring) ring = folioCreateEmptyBuffers(k, folio, sbi.blocksize, 0);
  ext4GetBlocksForWrite(k, inode, sbi, folio, ring);
  // block_dirty_folio(): every buffer dirty (and uptodate: the write covered the page)
  let bh = ring;
  do {
    t.set(bh, BH_Uptodate);
    t.set(bh, BH_Dirty);
    bh = t.thisPage[bh]!;
  } while (bh !== ring);
  return filemapDirtyFolio(k, as, folio);
}

/**
 * ext4_writepages() for one locked folio cleaned for I/O: allocate delayed blocks
 * (mpage_map_and_submit_extent → mpage_process_page), then ext4_bio_write_folio(): writeback
 * starts and each dirty, mapped buffer is submitted as its own write. 0.
 */
export function ext4Writepage(k: Kernel, folio: number): number {
  const mem = k.mem;
  const inode = inodeOf(k, folio, "ext4_writepages");
  const sbi = EXT4_SB(inode.sb);
  const store = inode.sb.store;
  const t = bufferHeads(k);
  let ring = folioBuffers(k, folio);
  if (!ring) {
    ring = folioCreateEmptyBuffers(k, folio, sbi.blocksize, 0);
    ext4GetBlocksForWrite(k, inode, sbi, folio, ring);
    for (let bh = ring, first = true; first || bh !== ring; bh = t.thisPage[bh]!, first = false) t.set(bh, BH_Dirty);
  }
  const index = mem.index[folio]!;
  if (index >= inode.sizePages) {
    // beyond EOF (truncated under us): nothing to write; the buffers are clean
    for (let bh = ring, first = true; first || bh !== ring; bh = t.thisPage[bh]!, first = false) t.clear(bh, BH_Dirty);
    mem.clearFlag(folio, PG_locked);
    return 0;
  }
  // mpage_map_and_submit_extent(): the delayed buffers get real blocks
  let bh = ring;
  do {
    if (t.test(bh, BH_Delay)) {
      const off = t.offset[bh]!;
      const page = index + Math.floor(off / PAGE_SIZE);
      const b = pageStoreBlock(inode, sbi, page, true);
      t.clear(bh, BH_Delay);
      t.blocknr[bh] = b * sbi.bpp + (off % PAGE_SIZE) / sbi.blocksize;
      sbi.dirtyClusters--;
    }
    bh = t.thisPage[bh]!;
  } while (bh !== ring);
  folioStartWriteback(k, folio);
  // ext4_bio_write_folio(): one device write per dirty mapped buffer
  bh = ring;
  do {
    if (t.test(bh, BH_Dirty) && t.test(bh, BH_Mapped)) {
      t.clear(bh, BH_Dirty);
      t.set(bh, BH_Async_Write);
      t.set(bh, BH_Req);
      const n = t.blocknr[bh]!;
      const page = folio + Math.floor(t.offset[bh]! / PAGE_SIZE);
      store.writeBlockRange(k, Math.floor(n / sbi.bpp), page, (n % sbi.bpp) * sbi.blocksize, sbi.blocksize);
      sbi.bhWrites++;
      // ext4_end_bio → ext4_finish_bio: clear_buffer_async_write (folded, see header)
      t.clear(bh, BH_Async_Write);
      t.clear(bh, BH_New);
    }
    bh = t.thisPage[bh]!;
  } while (bh !== ring);
  mem.clearFlag(folio, PG_locked);
  return 0;
}

/** ext4_read_folio() → ext4_mpage_readpages(): one bio per page, no buffer heads. */
export function ext4ReadFolio(k: Kernel, folio: number): number {
  const mem = k.mem;
  const inode = inodeOf(k, folio, "ext4_read_folio");
  const nr = mem.folioNrPages(folio);
  const index = mem.index[folio]!;
  for (let i = 0; i < nr; i++) inode.sb.store.readBlock(k, inode.blocks.load(index + i) - 1, folio + i);
  mem.setFlag(folio, PG_uptodate);
  mem.clearFlag(folio, PG_locked);
  return 0;
}

/**
 * block_invalidate_folio(folio, offset, length) (fs/buffer.c) as ext4_invalidate_folio calls it:
 * discard_buffer() on every buffer wholly inside the range (BH_Dirty, BH_Mapped, BH_New,
 * BH_Req, BH_Delay, BH_Unwritten cleared; a delayed buffer gives back its reservation), then,
 * for the whole folio, try_to_release_folio(). The model's bh LRU references to the ring are
 * dropped first (the kernel would leave an orphaned folio for a later release).
 */
export function ext4InvalidateFolio(k: Kernel, folio: number, offset: number, length: number): void {
  const ring = folioBuffers(k, folio);
  if (!ring) return;
  const inode = inodeOf(k, folio, "ext4_invalidate_folio");
  const sbi = EXT4_SB(inode.sb);
  const t = bufferHeads(k);
  const stop = offset + length;
  let curr = 0;
  let bh = ring;
  do {
    const next = curr + t.size[bh]!;
    if (next > stop) break;
    if (offset <= curr) {
      if (t.test(bh, BH_Delay)) sbi.dirtyClusters--;
      t.state[bh]! &= ~((1 << BH_Dirty) | (1 << BH_Mapped) | (1 << BH_New) | (1 << BH_Req) | (1 << BH_Delay) | (1 << BH_Unwritten));
    }
    curr = next;
    bh = t.thisPage[bh]!;
  } while (bh !== ring);
  if (length === k.mem.folioNrPages(folio) * PAGE_SIZE) {
    bhLruForgetRing(k, ring);
    if (!tryToFreeBuffers(k, folio)) {
      throw new KernelBug(
        `block_invalidate_folio: pfn ${folio}: buffers still busy (${t
          .ring(ring)
          .map((b) => `${b}:${t.describe(b)}/count ${t.count[b]}`)
          .join(", ")})`,
      );
    }
  }
}

/** ext4_release_folio(): try_to_free_buffers() (no jbd2 journal heads in the model). */
export function ext4ReleaseFolio(k: Kernel, folio: number): boolean {
  const t = bufferHeads(k);
  const ring = folioBuffers(k, folio);
  if (ring && t.test(ring, BH_Lock)) return false;
  return tryToFreeBuffers(k, folio);
}
