// An out-of-tree foliox filesystem backend: "iomap-xfs-like", the data pages of an XFS-like
// filesystem that does buffered I/O through iomap (fs/iomap/buffered-io.c, v6.12) with 1 KiB
// blocks. See docs/adding-a-filesystem.md for the step-by-step walk-through.
//
// Plain ESM, no build step. It imports one small, versioned surface, @foliox/core/plugin (a
// peer dependency: the foliox that loads it provides it), and its default export is
// definePlugin({ name, apiVersion, backends }).
//
// What it models (xfs_address_space_operations, fs/xfs/xfs_aops.c, v6.12):
//   .read_folio       = iomap_read_folio        → readFolio()
//   .dirty_folio      = iomap_dirty_folio       → dirtyFolio()
//   .release_folio    = iomap_release_folio     → releaseFolio()
//   .invalidate_folio = iomap_invalidate_folio  → invalidateFolio()
//   .migrate_folio    = filemap_migrate_folio   → migrateFolio() = core's filemapMigrateFolio
//   .writepages       = iomap_writepages        → writepage() (iomap_writepage_map, one folio)
//
// The fs-private data is struct iomap_folio_state ("ifs"): per-block uptodate and dirty bits in
// one bitmap (ifs->state: bits [0, nr_blocks) uptodate, [nr_blocks, 2 * nr_blocks) dirty),
// attached as folio->private with PG_private and its folio reference (folio_attach_private).
// foliox's ->private is an Int32 word, so the ifs lives in a per-system table (a field of the
// backend: registerBackendFactory gives every system its own instance) and ->private holds its
// id (0 = none), the way @foliox/fs-ext4 keeps buffer heads. ifs_alloc() attaches no
// ifs when a folio holds a single block (block size == folio size), which is why this
// filesystem uses 1 KiB blocks: every order-0 folio has four blocks and so an ifs.
//
// Migration and exchange: the ifs has no pointer back to its folio (unlike a buffer head's
// b_page), so filemap_migrate_folio() moves it as a whole — folio_attach_private(dst,
// folio_detach_private(src)) — and the exchange swaps the two ->private words with the data.
// No prepare/finish is needed; exchangePrivate() only checks that the ifs fits the frame that
// now carries it (its bitmaps are sized by the folio).
//
// Left out: ifs->read_bytes_pending / write_bytes_pending (reads complete inline, and core's
// bio completion has no fs hook), the state_lock, iomap_is_partially_uptodate, the ioend
// chain, large folios (core's page cache makes order-0 folios), and extent mapping (core's
// backing store allocates one block per page).

import {
  KernelBug,
  PG_dirty,
  PG_locked,
  PG_private,
  PG_uptodate,
  PG_writeback,
  blockWriteFullFolio,
  definePlugin,
  fileFixture,
  filemapDirtyFolio,
  filemapLookup,
  filemapMigrateFolio,
  fixtureFail,
  fixtureMount,
  folioAddressSpace,
  folioAttachPrivate,
  folioCancelDirty,
  folioDetachPrivate,
  folioPut,
  makeFileFolio,
  mpageReadFolio,
  registerBackendFactory,
} from "@foliox/core/plugin";

/** @typedef {import("@foliox/core/plugin").Kernel} Kernel */

const NAME = "iomap-xfs-like";
const PAGE_SIZE = 4096;
/** sb->s_blocksize_bits: 1 KiB blocks */
const BLKBITS = 10;

/** @type {import("@foliox/core/plugin").CapabilityManifest} */
const MANIFEST = {
  name: NAME,
  kinds: ["file"],
  migrateCallback: "filemap_migrate_folio",
  exchange: true,
  largeFolios: false,
  fsPrivate: true,
  writeback: true,
  orders: [0],
  states: ["dirty", "writeback", "buffers-locked"],
  description: "example plugin: iomap buffered I/O (1 KiB blocks), iomap_folio_state moved as a whole by filemap_migrate_folio",
};

/**
 * struct iomap_folio_state (fs/iomap/buffered-io.c): the two per-block bitmaps in one word
 * array, as ifs->state[] is one unsigned long array.
 */
class IomapFolioState {
  /** @param {number} nrBlocks */
  constructor(nrBlocks) {
    this.nrBlocks = nrBlocks;
    this.state = new Uint32Array(Math.ceil((2 * nrBlocks) / 32));
  }
  test(bit) {
    return (this.state[bit >>> 5] & (1 << (bit & 31))) !== 0;
  }
  setRange(first, n) {
    for (let b = first; b < first + n; b++) this.state[b >>> 5] |= 1 << (b & 31);
  }
  clearRange(first, n) {
    for (let b = first; b < first + n; b++) this.state[b >>> 5] &= ~(1 << (b & 31));
  }
  /** ifs_is_fully_uptodate() */
  fullyUptodate() {
    for (let b = 0; b < this.nrBlocks; b++) if (!this.test(b)) return false;
    return true;
  }
  /** ifs_block_is_dirty() */
  blockDirty(block) {
    return this.test(this.nrBlocks + block);
  }
  /** "UUUU/D..D": uptodate and dirty bits, for tests and reports */
  toString() {
    let u = "";
    let d = "";
    for (let b = 0; b < this.nrBlocks; b++) {
      u += this.test(b) ? "U" : ".";
      d += this.blockDirty(b) ? "D" : ".";
    }
    return `${u}/${d}`;
  }
}

/** The ifs slab of one system: id → IomapFolioState (id 0 is never used). */
class IfsTable {
  constructor() {
    this.byId = new Map();
    this.nextId = 1;
    /** WARN_ON_ONCE()s hit (ifs_free's checks), for tests */
    this.warnings = [];
  }
  alloc(nrBlocks) {
    const id = this.nextId++;
    this.byId.set(id, new IomapFolioState(nrBlocks));
    return id;
  }
}

/** One instance per system (registerIomap): its fields are that system's state. */
class IomapBackend {
  constructor() {
    this.manifest = MANIFEST;
    /** this system's iomap_folio_states, by the id ->private holds */
    this.ifsTable = new IfsTable();
    this.conformance = makeFixture(this);
  }

  /** folio->private as an ifs, or null (no PG_private: none attached). */
  ifs(k, head) {
    if (!k.mem.testFlag(head, PG_private)) return null;
    return this.ifsTable.byId.get(k.mem.private[head]) ?? null;
  }

  /** i_blocks_per_folio() */
  blocksPerFolio(k, head) {
    return (k.mem.folioNrPages(head) * PAGE_SIZE) >> BLKBITS;
  }

  /** ifs_alloc(inode, folio, flags) (v6.12): attach an ifs unless there is one or the folio holds one block. */
  ifsAlloc(k, head) {
    const existing = this.ifs(k, head);
    const nr = this.blocksPerFolio(k, head);
    if (existing || nr <= 1) return existing;
    const id = this.ifsTable.alloc(nr);
    const ifs = this.ifsTable.byId.get(id);
    if (k.mem.testFlag(head, PG_uptodate)) ifs.setRange(0, nr);
    if (k.mem.testFlag(head, PG_dirty)) ifs.setRange(nr, nr);
    folioAttachPrivate(k, head, id);
    return ifs;
  }

  /** ifs_free(folio): folio_detach_private(), the WARN_ON_ONCE()s, kfree(). */
  ifsFree(k, head) {
    const ifs = this.ifs(k, head);
    if (!ifs) return;
    const t = this.ifsTable;
    const id = folioDetachPrivate(k, head);
    if (ifs.fullyUptodate() !== k.mem.testFlag(head, PG_uptodate)) t.warnings.push(`ifs_free: pfn ${head} ifs ${ifs} disagrees with PG_uptodate`);
    t.byId.delete(id);
  }

  /** iomap_set_range_uptodate(): the blocks' bits, and PG_uptodate once every block is. */
  setRangeUptodate(k, head, off, len) {
    const ifs = this.ifs(k, head);
    if (ifs) ifs.setRange(off >> BLKBITS, ((off + len - 1) >> BLKBITS) - (off >> BLKBITS) + 1);
    if (!ifs || ifs.fullyUptodate()) k.mem.setFlag(head, PG_uptodate);
  }

  /** iomap_set_range_dirty() */
  setRangeDirty(k, head, off, len) {
    const ifs = this.ifs(k, head);
    if (ifs) ifs.setRange(ifs.nrBlocks + (off >> BLKBITS), ((off + len - 1) >> BLKBITS) - (off >> BLKBITS) + 1);
  }

  /** folio_mapping(folio)->a_ops == &xfs_address_space_operations */
  owns(k, head) {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  /** xfs_fs_fill_super(), reduced: the block size. */
  fillSuper(_k, sb) {
    sb.fsInfo = { blkbits: BLKBITS };
  }

  /** .migrate_folio = filemap_migrate_folio: the ifs moves as a whole (mm/migrate.c). */
  migrateFolio(k, dst, src, mode) {
    return filemapMigrateFolio(k, dst, src, mode);
  }

  /**
   * folio_exchange_fs_private(): core already swapped ->private and PG_private. An ifs points
   * at nothing (no b_page), so there is nothing to re-point (and the seed's head-buffer-only
   * defect nothing to act on); check that the bitmaps fit the frame that carries it now.
   */
  exchangePrivate(k, _fromHead, toHead) {
    const ifs = this.ifs(k, toHead);
    if (ifs && ifs.nrBlocks !== this.blocksPerFolio(k, toHead)) {
      throw new KernelBug(`${NAME}: an ifs of ${ifs.nrBlocks} blocks on pfn ${toHead}, a folio of ${this.blocksPerFolio(k, toHead)} blocks`);
    }
  }

  /**
   * iomap_read_folio() → iomap_readpage_iter(): ifs_alloc(), read the blocks, and
   * iomap_set_range_uptodate() over the folio, which marks it uptodate; unlock.
   */
  readFolio(k, head) {
    this.ifsAlloc(k, head);
    const rc = mpageReadFolio(k, head); // reads every page, PG_uptodate, unlocks
    if (rc === 0) this.setRangeUptodate(k, head, 0, k.mem.folioNrPages(head) * PAGE_SIZE);
    return rc;
  }

  /**
   * iomap_dirty_folio() (v6.12): ifs_alloc(), iomap_set_range_dirty() over the whole folio,
   * then filemap_dirty_folio(). Reached through folio_mark_dirty() (a store through a shared
   * mapping, write(2)'s write_end in core); a partial write would dirty only its blocks.
   */
  dirtyFolio(k, head) {
    const as = folioAddressSpace(k, head);
    this.ifsAlloc(k, head);
    this.setRangeDirty(k, head, 0, k.mem.folioNrPages(head) * PAGE_SIZE);
    return filemapDirtyFolio(k, as, head);
  }

  /**
   * iomap_writepage_map(), one folio (the folio is locked, folio_clear_dirty_for_io() ran):
   * ifs_alloc(), write the dirty blocks, iomap_clear_range_dirty(), start writeback, unlock.
   * The block I/O is core's blockWriteFullFolio() (every page inside i_size).
   */
  writepage(k, head) {
    const ifs = this.ifsAlloc(k, head);
    if (ifs) ifs.clearRange(ifs.nrBlocks, ifs.nrBlocks);
    return blockWriteFullFolio(k, head);
  }

  /**
   * iomap_release_folio() (v6.12): "If the folio is dirty, we refuse to release our metadata
   * because it may be partially dirty." Otherwise ifs_free() and true.
   */
  releaseFolio(k, head, _gfp) {
    if (k.mem.testFlag(head, PG_dirty)) return false;
    this.ifsFree(k, head);
    return true;
  }

  /**
   * iomap_invalidate_folio() (v6.12): on a whole-folio invalidate (truncate), cancel the dirty
   * state and free the ifs (WARN_ON_ONCE(folio_test_writeback)); a partial one keeps it.
   */
  invalidateFolio(k, head, offset, length) {
    if (offset !== 0 || length !== k.mem.folioNrPages(head) * PAGE_SIZE) return;
    if (k.mem.testFlag(head, PG_writeback)) this.ifsTable.warnings.push(`iomap_invalidate_folio: pfn ${head} under writeback`);
    folioCancelDirty(k, head);
    this.ifsFree(k, head);
  }
}

/**
 * The conformance fixture: core's file fixture (makeFileFolio: a one-page file on the
 * filesystem, mounted once per system, written with write(2) and fsync'd — so its folio carries
 * a clean, fully uptodate ifs — mapped MAP_SHARED and faulted in; dirty and writeback states)
 * and what is iomap's own:
 * - every folio carries an iomap_folio_state (checked);
 * - buffers-locked: a buffered write(2) of block 1 is in progress: iomap_write_begin() holds
 *   the folio locked with a reference (__iomap_get_folio, FGP_WRITEBEGIN); unlockPrivate() is
 *   __iomap_write_end(): that block's uptodate and dirty bits, filemap_dirty_folio(), unlock, put.
 *
 * @param {IomapBackend} backend
 * @returns {import("@foliox/core/plugin").ConformanceFixture}
 */
function makeFixture(backend) {
  return {
    ...fileFixture(backend), // endWriteback and truncate
    makeFolio(k, nid, order, opts = {}) {
      const f = makeFileFolio(k, fixtureMount(k, backend), nid, order, opts);
      if (!backend.ifs(k, f.head)) fixtureFail(NAME, `pfn ${f.head} carries no iomap_folio_state`);
      if (opts.state === "buffers-locked") {
        k.mem.refcount[f.head]++;
        k.mem.setFlag(f.head, PG_locked);
      }
      return f;
    },
    /** The ifs points at no frame; the folio it belongs to is the one the page cache maps at its index. */
    privateRefs(k, head) {
      const ifs = backend.ifs(k, head);
      const as = folioAddressSpace(k, head);
      if (!ifs || !as || ifs.nrBlocks !== backend.blocksPerFolio(k, head)) return [];
      return [filemapLookup(as, k.mem.index[head])];
    },
    /** __iomap_write_end() of block 1, then the folio unlocked and put (iomap_write_iter). */
    unlockPrivate(k, head) {
      backend.setRangeUptodate(k, head, 1 << BLKBITS, 1 << BLKBITS);
      backend.setRangeDirty(k, head, 1 << BLKBITS, 1 << BLKBITS);
      filemapDirtyFolio(k, folioAddressSpace(k, head), head);
      k.mem.clearFlag(head, PG_locked);
      folioPut(k, head);
    },
  };
}

/**
 * The registration createSystem() calls with each system's container (and the CLI once more, to
 * read the manifest): the container builds one IomapBackend per system, on first use, so every
 * system's ifs table is its own.
 * @param {import("tsyringe").DependencyContainer} container
 */
export function registerIomap(container) {
  registerBackendFactory(container, () => new IomapBackend());
}

export default definePlugin({
  name: "iomap-fs",
  apiVersion: 1, // the plugin API this was written for (not API_VERSION: that is the host's)
  description: "an XFS-like filesystem doing buffered I/O through iomap (1 KiB blocks)",
  backends: [registerIomap],
});

export { IomapBackend, IomapFolioState, MANIFEST, BLKBITS };
