import { describe, expect, it } from "vitest";
import { filemapRead, filemapWrite } from "../src/fs/filemap.js";
import { WB_SYNC_NONE, completeWriteback, filemapWriteAndWait, writeCachePages } from "../src/fs/page-writeback.js";
import { createInode } from "../src/fs/super.js";
import { dropPagecache, invalidateMappingPages, truncateSetsize } from "../src/fs/truncate.js";
import { EAGAIN } from "../src/kernel/errno.js";
import { checkIntegrity } from "../src/debug/integrity.js";
import { checkInvariants } from "../src/debug/invariants.js";
import { PG_dirty, PG_locked, PG_readahead, PG_uptodate, PG_writeback } from "../src/mm/page-flags.js";
import { NR_FILE_DIRTY, NR_FILE_PAGES, NR_INACTIVE_FILE, NR_WRITEBACK, NR_ZONE_WRITE_PENDING } from "../src/mm/vmstat.js";
import { totalFreePages } from "./helpers.js";
import { cachedAt, healthy, makeFsSystem, writtenFile } from "./fs-helpers.js";

describe("page cache: write, dirty, writeback", () => {
  it("a write dirties the folio and counts NR_FILE_DIRTY / NR_ZONE_WRITE_PENDING; writeback is asynchronous", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 4);
    const zone = k.mem.zone[cachedAt(inode, 0)]!;
    expect(inode.size).toBe(4 * 4096);
    expect(inode.mapping.nrpages).toBe(4);
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(4);
    expect(k.vmstat.nodePage(0, NR_INACTIVE_FILE)).toBe(4);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(4);
    expect(k.vmstat.zonePage(zone, NR_ZONE_WRITE_PENDING)).toBe(4);
    for (let i = 0; i < 4; i++) expect(k.mem.testFlag(cachedAt(inode, i), PG_dirty)).toBe(true);
    healthy(k);

    expect(writeCachePages(k, inode.mapping, WB_SYNC_NONE)).toBe(4);
    expect(k.fs.writebackQueue.length).toBe(4);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(0);
    expect(k.vmstat.nodePage(0, NR_WRITEBACK)).toBe(4);
    expect(k.vmstat.zonePage(zone, NR_ZONE_WRITE_PENDING)).toBe(4);
    expect(k.mem.testFlag(cachedAt(inode, 0), PG_writeback)).toBe(true);
    expect(k.mem.testFlag(cachedAt(inode, 0), PG_locked)).toBe(false);
    expect(sb.store.blocksWritten).toBe(4);
    healthy(k);

    expect(completeWriteback(k, 1)).toBe(1);
    expect(k.vmstat.nodePage(0, NR_WRITEBACK)).toBe(3);
    expect(k.mem.testFlag(cachedAt(inode, 0), PG_writeback)).toBe(false);
    expect(k.mem.testFlag(cachedAt(inode, 1), PG_writeback)).toBe(true);
    healthy(k);
    expect(completeWriteback(k)).toBe(3);
    expect(k.vmstat.nodePage(0, NR_WRITEBACK)).toBe(0);
    expect(k.vmstat.zonePage(zone, NR_ZONE_WRITE_PENDING)).toBe(0);
    healthy(k);
  });

  it("a page redirtied during writeback stays dirty and is not written twice by WB_SYNC_NONE", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 1);
    writeCachePages(k, inode.mapping, WB_SYNC_NONE);
    expect(filemapWrite(k, inode, 0)).toBe(4096);
    expect(k.mem.testFlag(cachedAt(inode, 0), PG_dirty)).toBe(true);
    expect(k.mem.testFlag(cachedAt(inode, 0), PG_writeback)).toBe(true);
    expect(writeCachePages(k, inode.mapping, WB_SYNC_NONE)).toBe(0);
    healthy(k);
    // fsync waits for the first I/O and writes the new data.
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    expect(sb.store.blocksWritten).toBe(2);
    expect(k.fs.writebackQueue).toEqual([]);
    healthy(k);
  });

  it("fsync writes every dirty page and waits: nothing dirty or in flight, the store holds the data", () => {
    const { k, sb } = makeFsSystem();
    const { inode, tokens } = writtenFile(k, sb, 6);
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(0);
    expect(k.vmstat.nodePage(0, NR_WRITEBACK)).toBe(0);
    expect(k.fs.writebackQueue.length).toBe(0);
    for (let i = 0; i < 6; i++) expect(sb.store.token(inode.blocks.load(i) - 1)).toBe(tokens[i]);
    healthy(k);
  });

  it("a write to a folio locked by someone else would sleep: -EAGAIN, nothing changed", () => {
    const { k, sb } = makeFsSystem();
    const { inode, tokens } = writtenFile(k, sb, 1);
    const head = cachedAt(inode, 0);
    k.mem.setFlag(head, PG_locked);
    expect(filemapWrite(k, inode, 0)).toBe(-EAGAIN);
    expect(k.mem.content[head]).toBe(tokens[0]);
    k.mem.clearFlag(head, PG_locked);
    healthy(k);
  });
});

describe("page cache: read, readahead, eviction", () => {
  for (const bytes of [false, true]) {
    it(`evicting clean folios and reading again gets the same data back from the store (${bytes ? "bytes" : "token"} mode)`, () => {
      const { k, sb } = makeFsSystem({ bytes });
      const free0 = totalFreePages(k);
      const { inode, tokens } = writtenFile(k, sb, 16);
      // Dirty folios cannot be evicted.
      expect(invalidateMappingPages(k, inode.mapping)).toBe(0);
      expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
      expect(dropPagecache(k)).toBe(16);
      expect(inode.mapping.nrpages).toBe(0);
      expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(0);
      expect(totalFreePages(k)).toBe(free0);
      healthy(k);

      // A miss reads a window of sb.raPages (8) and marks the lookahead folio.
      expect(filemapRead(k, inode, 0)).toBe(4096);
      expect(k.fileIoState.lastToken).toBe(tokens[0]);
      expect(inode.mapping.nrpages).toBe(8);
      expect(sb.store.blocksRead).toBe(8);
      expect(k.mem.testFlag(cachedAt(inode, 6), PG_readahead)).toBe(true);
      expect(k.mem.testFlag(cachedAt(inode, 3), PG_uptodate)).toBe(true);
      healthy(k);
      // Hitting the PG_readahead folio reads the next window.
      expect(filemapRead(k, inode, 6)).toBe(4096);
      expect(k.mem.testFlag(cachedAt(inode, 6), PG_readahead)).toBe(false);
      expect(inode.mapping.nrpages).toBe(16);
      for (let i = 0; i < 16; i++) {
        expect(filemapRead(k, inode, i)).toBe(4096);
        expect(k.fileIoState.lastToken).toBe(tokens[i]);
        expect(k.content.holds(cachedAt(inode, i), tokens[i]!)).toBe(true);
      }
      expect(filemapRead(k, inode, 16)).toBe(0); // EOF
      healthy(k);
    });
  }

  it("reading a hole gives zeroes and needs no block", () => {
    const { k, sb } = makeFsSystem();
    const inode = createInode(k, sb);
    truncateSetsize(k, inode, 3 * 4096);
    expect(filemapRead(k, inode, 1)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(0);
    expect(sb.store.used).toBe(0);
    healthy(k);
  });

  it("the integrity check sees a store that lost data", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 2);
    filemapWriteAndWait(k, inode.mapping);
    dropPagecache(k);
    sb.store.writeBlock(k, inode.blocks.load(1) - 1, k.alloc.zeroPfn);
    const r = checkIntegrity(k);
    expect(r.ok).toBe(false);
    expect(r.violations[0]).toMatchObject({ ino: inode.ino, index: 1, where: "store" });
  });
});

describe("truncate", () => {
  it("removes and frees the folios past the new size, frees their blocks, and reads stop at EOF", () => {
    const { k, sb } = makeFsSystem();
    const free0 = totalFreePages(k);
    const { inode, tokens } = writtenFile(k, sb, 8);
    filemapWriteAndWait(k, inode.mapping);
    expect(sb.store.used).toBe(8);
    expect(filemapWrite(k, inode, 7)).toBe(4096); // one dirty page past the cut
    expect(truncateSetsize(k, inode, 3 * 4096)).toBe(0);
    expect(inode.mapping.nrpages).toBe(3);
    expect(sb.store.used).toBe(3);
    expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(3);
    expect(k.vmstat.nodePage(0, NR_FILE_DIRTY)).toBe(0);
    expect(filemapRead(k, inode, 3)).toBe(0);
    expect(filemapRead(k, inode, 2)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(tokens[2]);
    healthy(k);
    expect(truncateSetsize(k, inode, 0)).toBe(0);
    expect(totalFreePages(k)).toBe(free0);
    expect(checkInvariants(k, { quiescent: true })).toEqual([]);
  });

  it("waits for writeback and skips a folio a mover holds locked", () => {
    const { k, sb } = makeFsSystem();
    const { inode } = writtenFile(k, sb, 4);
    writeCachePages(k, inode.mapping, WB_SYNC_NONE);
    const locked = cachedAt(inode, 3);
    k.mem.setFlag(locked, PG_locked);
    expect(truncateSetsize(k, inode, 4096)).toBe(1);
    expect(inode.mapping.nrpages).toBe(2);
    expect(cachedAt(inode, 3)).toBe(locked);
    k.mem.clearFlag(locked, PG_locked);
    completeWriteback(k);
    healthy(k);
  });
});
