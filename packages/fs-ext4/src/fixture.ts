/**
 * The ext4 conformance fixture: core's file fixture (a one-page file on an ext4 mount of the
 * backend, written with write(2), written back, mapped MAP_SHARED and read by a task on `nid`:
 * a clean, mapped page-cache folio) and what is ext4's own: the folio's buffer ring, whose
 * buffers are mapped to real blocks. States: dirty (a store through the mapping), writeback
 * (the first writeback of the write(2)'s dirty folio submitted, not completed: delalloc
 * allocates its blocks then), buffers-locked (the last buffer of the ring locked by "another
 * I/O", as an in-flight ll_rw_block read would hold it). On data=journal mounts each buffer was
 * also looked up through the per-CPU bh LRU, which holds a b_count reference
 * (buffer_migrate_folio_norefs must invalidate it).
 */
import {
  fixtureEndWriteback,
  fixtureFail,
  fixtureMount,
  fixtureTruncate,
  makeFileFolio,
  type Backend,
  type ConformanceFixture,
  type FixtureFolio,
  type FixtureFolioOptions,
  type Kernel,
} from "@foliox/core";
import { bhLruInstall } from "./bh-lru.js";
import { BH_FixtureHeld, bufferHeads, folioBuffers } from "./buffer-head.js";
import { EXT4_SB } from "./ext4-super.js";

/** The per-backend fixture (each Ext4Backend gets its own, bound to it). */
export function ext4FixtureFor(backend: Backend): ConformanceFixture {
  return {
    makeFolio: (k, nid, order, opts) => makeExt4Folio(k, backend, nid, order, opts),
    privateRefs: (k, head) => {
      const t = bufferHeads(k);
      const ring = folioBuffers(k, head);
      return ring ? t.ring(ring).map((bh) => t.folio[bh]!) : [];
    },
    setPrivateRef: (k, head, index, frame) => {
      const t = bufferHeads(k);
      const ring = folioBuffers(k, head);
      const bh = ring ? t.ring(ring)[index] : undefined;
      if (bh === undefined) fixtureFail(backend.manifest.name, `pfn ${head} has no buffer head ${index}`);
      t.setBh(bh, frame, t.offset[bh]!);
    },
    unlockPrivate: (k, head) => {
      const t = bufferHeads(k);
      const ring = folioBuffers(k, head);
      if (!ring) fixtureFail(backend.manifest.name, `pfn ${head} has no buffers`);
      for (const bh of t.ring(ring)) {
        if (t.testClear(bh, BH_FixtureHeld)) t.unlock(bh);
      }
    },
    endWriteback: fixtureEndWriteback,
    truncate: fixtureTruncate,
  };
}

function makeExt4Folio(k: Kernel, backend: Backend, nid: number, order: number, opts: FixtureFolioOptions = {}): FixtureFolio {
  const name = backend.manifest.name;
  const sb = fixtureMount(k, backend);
  // writeback: the write(2)'s own writeback, not a second one after an fsync; read faults unless dirty
  const f = makeFileFolio(k, sb, nid, order, opts, { fsync: opts.state !== "writeback", writeFault: opts.state === "dirty" });
  const t = bufferHeads(k);
  const ring = folioBuffers(k, f.head);
  if (!ring) fixtureFail(name, `pfn ${f.head} has no buffers`);
  if (EXT4_SB(sb).dataJournal) {
    // a lookup through the bh LRU (__find_get_block + brelse): the LRU keeps its reference
    for (const bh of t.ring(ring)) bhLruInstall(k, bh, nid);
  }
  if (opts.state === "buffers-locked") {
    const last = t.ring(ring).at(-1)!;
    if (!t.trylock(last)) fixtureFail(name, "buffer already locked");
    t.set(last, BH_FixtureHeld);
  }
  return f;
}
