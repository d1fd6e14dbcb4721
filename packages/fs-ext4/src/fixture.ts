/**
 * The ext4 conformance fixture: a one-page file on an ext4 mount of the backend (mounted on
 * first use in a system), written with write(2), written back and mapped MAP_SHARED and read by
 * a task on `nid`: a clean, mapped page-cache folio with a buffer ring whose buffers are mapped
 * to real blocks. States: dirty (a store through the mapping), writeback (the I/O submitted,
 * not completed), buffers-locked (the last buffer of the ring locked by "another I/O", as an
 * in-flight ll_rw_block read would hold it). On data=journal mounts each buffer was also looked
 * up through the per-CPU bh LRU, which holds a b_count reference (buffer_migrate_folio_norefs
 * must invalidate it).
 */
import { ACCESS_OK, MAP_SHARED, WB_SYNC_NONE, accessVirtual, createInode, createProcess, doMmapFile, filemapWrite, filemapWriteAndWait, folioWaitWriteback, folioWalkStart, mountFs, truncateSetsize, writeCachePages, type Backend, type ConformanceFixture, type FixtureFolio, type FixtureFolioOptions, type Kernel, type SuperBlock } from "@foliox/core";
import { bhLruInstall } from "./bh-lru.js";
import { BH_FixtureHeld, bufferHeads, folioBuffers } from "./buffer-head.js";
import { EXT4_SB } from "./ext4-super.js";

/** The ext4 mount of `backend` in system k (mounted on first use). */
export function ext4FixtureMount(k: Kernel, backend: Backend): SuperBlock {
  return k.fs.superBlocks.find((sb) => sb.backend === backend) ?? mountFs(k, backend, { raPages: 4 });
}

/** The per-backend fixture (each Ext4Backend gets its own, bound to it). */
export function ext4FixtureFor(backend: Backend): ConformanceFixture {
  return {
    makeFolio: (k, nid, order, opts) => makeExt4Folio(k, backend, nid, order, opts),
    privateRefs: (k, head) => {
      const t = bufferHeads(k);
      const ring = folioBuffers(k, head);
      return ring ? t.ring(ring).map((bh) => t.folio[bh]!) : [];
    },
    unlockPrivate: (k, head) => {
      const t = bufferHeads(k);
      const ring = folioBuffers(k, head);
      if (!ring) throw new Error(`ext4 fixture: pfn ${head} has no buffers`);
      for (const bh of t.ring(ring)) {
        if (t.testClear(bh, BH_FixtureHeld)) t.unlock(bh);
      }
    },
    endWriteback: (k, head) => folioWaitWriteback(k, head),
    truncate: (k, f) => {
      const vma = f.task.mm!.vmaLookup(f.addr);
      if (!vma?.vmFile) throw new Error("ext4 fixture: the folio's mapping is not a file");
      truncateSetsize(k, vma.vmFile, vma.linearPageIndex(f.addr) * 4096);
    },
  };
}

function makeExt4Folio(k: Kernel, backend: Backend, nid: number, order: number, opts: FixtureFolioOptions = {}): FixtureFolio {
  if (order !== 0) throw new Error(`ext4 fixture: order ${order}: ext4 page-cache folios are order 0 here (largeFolios false)`);
  const state = opts.state;
  if (state && state !== "dirty" && state !== "writeback" && state !== "buffers-locked") throw new Error(`ext4 fixture: no "${state}" state (manifest.states)`);
  const sb = ext4FixtureMount(k, backend);
  const inode = createInode(k, sb);
  const task = opts.task ?? createProcess(k, { nid });
  const mm = task.mm!;
  const home = mm.homeNid;
  mm.homeNid = nid;
  try {
    if (filemapWrite(k, inode, 0, nid) !== 4096) throw new Error("ext4 fixture: write failed");
    if (state !== "writeback" && filemapWriteAndWait(k, inode.mapping) !== 0) throw new Error("ext4 fixture: fsync failed");
    const addr = doMmapFile(k, mm, inode, 4096, { flags: MAP_SHARED });
    if (addr < 0) throw new Error(`ext4 fixture: mmap failed (${addr})`);
    const rc = accessVirtual(k, mm, addr, state === "dirty");
    if (rc !== ACCESS_OK) throw new Error(`ext4 fixture: fault failed (${rc})`);
    const head = folioWalkStart(k, mm, addr);
    if (head < 0 || k.folioNid(head) !== nid) throw new Error(`ext4 fixture: wanted a folio on node ${nid}, got pfn ${head}`);
    if (state === "writeback" && writeCachePages(k, inode.mapping, WB_SYNC_NONE) !== 1) throw new Error("ext4 fixture: writeback did not start");
    const t = bufferHeads(k);
    const ring = folioBuffers(k, head);
    if (!ring) throw new Error(`ext4 fixture: pfn ${head} has no buffers`);
    if (EXT4_SB(sb).dataJournal) {
      // a lookup through the bh LRU (__find_get_block + brelse): the LRU keeps its reference
      for (const bh of t.ring(ring)) bhLruInstall(k, bh, nid);
    }
    if (state === "buffers-locked") {
      const last = t.ring(ring).at(-1)!;
      if (!t.trylock(last)) throw new Error("ext4 fixture: buffer already locked");
      t.set(last, BH_FixtureHeld);
    }
    return { head, task, addr, len: 4096 };
  } finally {
    mm.homeNid = home;
  }
}
