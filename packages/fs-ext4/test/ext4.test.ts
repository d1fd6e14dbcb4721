import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EXCHANGE_WOULD_BLOCK,
  ExchangeOp,
  LOCK_BUFFER,
  LOCK_FOLIO,
  LOCK_I_PAGES,
  NR_LOCK_CLASSES,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  NR_FILE_PAGES,
  PG_private,
  createInode,
  dropPagecache,
  filemapWrite,
  mountFs,
  filemapRead,
  filemapWriteAndWait,
  folioExchange,
  type Kernel,
  type MigrateMode,
} from "@foliox/core";
import {
  BH_Delay,
  BH_Dirty,
  BH_Lock,
  BH_Mapped,
  BH_New,
  BH_Uptodate,
  EXT4_SB,
  INVALID_BLOCK,
  bhLru,
  bhLruHolds,
  bhLruInstall,
  bufferHeads,
  folioBuffers,
} from "../src/index.js";
import { anonPage, cachedAt, ext4System, healthy, mappedAt, mappedFile, migrateOne, mount } from "./helpers.js";

/** Every buffer of the ring on `frame` points at `frame`, at offsets 0, bs, 2bs, … */
function expectRing(k: Kernel, frame: number, n: number, bs: number): number[] {
  const t = bufferHeads(k);
  const ring = folioBuffers(k, frame);
  expect(ring).toBeGreaterThan(0);
  expect(k.mem.testFlag(frame, PG_private)).toBe(true);
  const bhs = t.ring(ring);
  expect(bhs).toHaveLength(n);
  expect(bhs.map((bh) => t.folio[bh])).toEqual(Array(n).fill(frame));
  expect(bhs.map((bh) => t.offset[bh])).toEqual(Array.from({ length: n }, (_, i) => i * bs));
  expect(bhs.map((bh) => t.size[bh])).toEqual(Array(n).fill(bs));
  return bhs;
}

describe("buffer rings", () => {
  for (const [name, n, bs] of [
    ["ext4-4k", 1, 4096],
    ["ext4-1k", 4, 1024],
  ] as const) {
    it(`${name}: a write attaches a ring of ${n} buffer head(s) of ${bs} bytes, ->private = head`, () => {
      const k = ext4System();
      const sb = mount(k, name);
      expect(EXT4_SB(sb).blocksize).toBe(bs);
      const f = mappedFile(k, sb, 0, 2);
      const t = bufferHeads(k);
      for (let i = 0; i < 2; i++) {
        const bhs = expectRing(k, cachedAt(f.inode, i), n, bs);
        for (const bh of bhs) {
          expect(t.test(bh, BH_Uptodate)).toBe(true);
          expect(t.test(bh, BH_Mapped)).toBe(true);
          expect(t.count[bh]).toBe(0);
        }
      }
      expect(t.inUse).toBe(2 * n);
      healthy(k);
    });
  }

  it("blocksize is a mount option, validated", () => {
    const k = ext4System();
    expect(EXT4_SB(mount(k, "ext4-4k")).bpp).toBe(1);
    expect(() => mountFs(k, "ext4-4k", { blocksize: 512 })).toThrow(/blocksize=512/);
  });
});

describe("delayed allocation (ext4_da_aops)", () => {
  it("buffers stay BH_Delay on invalid_block until writeback allocates; each buffer is its own device write", () => {
    const k = ext4System(true);
    const sb = mount(k, "ext4-1k");
    const sbi = EXT4_SB(sb);
    const f = mappedFile(k, sb, 0, 1);
    const t = bufferHeads(k);
    const head = cachedAt(f.inode, 0);
    const bhs = expectRing(k, head, 4, 1024);
    for (const bh of bhs) {
      expect(t.test(bh, BH_Delay) && t.test(bh, BH_New) && t.test(bh, BH_Dirty)).toBe(true);
      expect(t.blocknr[bh]).toBe(INVALID_BLOCK);
    }
    expect(f.inode.blocks.load(0)).toBe(0);
    expect(sbi.dirtyClusters).toBe(4);
    healthy(k);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const b = f.inode.blocks.load(0) - 1;
    expect(b).toBeGreaterThanOrEqual(0);
    expect(bhs.map((bh) => t.blocknr[bh])).toEqual([0, 1, 2, 3].map((j) => b * 4 + j));
    for (const bh of bhs) expect(t.test(bh, BH_Delay) || t.test(bh, BH_Dirty) || t.test(bh, BH_New)).toBe(false);
    expect(sbi.dirtyClusters).toBe(0);
    expect(sbi.bhWrites).toBe(4);
    expect(sb.store.rangesWritten).toBe(4);
    healthy(k);
  });

  it("nodelalloc (data=journal) allocates at write time; a read-back after drop_caches has the data", () => {
    const k = ext4System(true);
    const sb = mount(k, "ext4-journal");
    const { inode } = mappedFile(k, sb, 0, 1);
    const t = bufferHeads(k);
    const bhs = t.ring(folioBuffers(k, cachedAt(inode, 0)));
    for (const bh of bhs) expect(t.test(bh, BH_Delay)).toBe(false);
    expect(inode.blocks.load(0)).toBeGreaterThan(0);
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    healthy(k);
  });

  it("unmapped clean folios are evicted by drop_caches (buffers freed) and re-read from the blocks", () => {
    const k = ext4System(true);
    const sb = mount(k, "ext4-1k");
    // an unmapped file: write(2) only
    const inode = createInode(k, sb);
    expect(filemapWrite(k, inode, 0, 0)).toBe(4096);
    expect(filemapWriteAndWait(k, inode.mapping)).toBe(0);
    healthy(k);
    const token = inode.shadow.load(0);
    expect(bufferHeads(k).inUse).toBe(4);
    expect(dropPagecache(k)).toBe(1);
    healthy(k);
    expect(bufferHeads(k).inUse).toBe(0);
    expect(inode.mapping.nrpages).toBe(0);
    expect(filemapRead(k, inode, 0, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(token);
    expect(folioBuffers(k, cachedAt(inode, 0))).toBe(0); // ext4_mpage_readpages attaches none
    healthy(k);
  });
});

describe("buffer_migrate_folio", () => {
  for (const name of ["ext4-4k", "ext4-1k"] as const) {
    it(`${name}: data, the ring (every bh re-pointed) and NR_FILE_PAGES move to the new node`, () => {
      const k = ext4System();
      const sb = mount(k, name);
      const f = mappedFile(k, sb, 1, 1);
      expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
      const old = cachedAt(f.inode, 0);
      const ring = folioBuffers(k, old);
      const token = k.mem.content[old];
      expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(1);
      expect(migrateOne(k, old, 0, MIGRATE_SYNC)).toBe(0);
      const nw = cachedAt(f.inode, 0);
      expect(nw).not.toBe(old);
      expect(k.folioNid(nw)).toBe(0);
      expect(k.mem.content[nw]).toBe(token);
      expect(mappedAt(k, f.task, f.addr)).toBe(nw);
      expect(folioBuffers(k, nw)).toBe(ring);
      expectRing(k, nw, name === "ext4-1k" ? 4 : 1, name === "ext4-1k" ? 1024 : 4096);
      const t = bufferHeads(k);
      for (const bh of t.ring(ring)) expect(t.test(bh, BH_Lock)).toBe(false);
      expect(k.vmstat.nodePage(0, NR_FILE_PAGES)).toBe(1);
      expect(k.vmstat.nodePage(1, NR_FILE_PAGES)).toBe(0);
      healthy(k);
    });
  }

  it("lockdep: a migration takes the ring's buffer lock inside the folio lock, i_pages inside it, and releases it", () => {
    const k = ext4System();
    const sb = mount(k, "ext4-1k");
    const f = mappedFile(k, sb, 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const old = cachedAt(f.inode, 0);
    k.lockdep.reset();
    // migrate_pages(SYNC) tries an ASYNC pass first: the buffers are trylocked, inside the folio locks
    expect(migrateOne(k, old, 0, MIGRATE_SYNC)).toBe(0);
    const ld = k.lockdep;
    expect(ld.dep[LOCK_BUFFER * NR_LOCK_CLASSES + LOCK_I_PAGES]).toBe(1);
    expect(ld.dep[LOCK_BUFFER * NR_LOCK_CLASSES + LOCK_FOLIO]).toBe(0);
    expect(ld.depChain[LOCK_BUFFER * NR_LOCK_CLASSES + LOCK_I_PAGES]).toMatch(
      /^current: folio_lock#\d+ -> folio_lock#\d+ -> buffer_head lock#\d+ -> &mapping->i_pages#\d+$/,
    );
    expect(k.waits.current.heldLocks).toBeNull();
    healthy(k);
  });

  it("ASYNC on a locked buffer: -EAGAIN, the folio stays; SYNC would sleep: -EAGAIN too (retried by the caller)", () => {
    for (const mode of [MIGRATE_ASYNC, MIGRATE_SYNC] as MigrateMode[]) {
      const k = ext4System();
      const sb = mount(k, "ext4-1k");
      const f = mappedFile(k, sb, 1, 1);
      expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
      const old = cachedAt(f.inode, 0);
      const t = bufferHeads(k);
      const bh = t.ring(folioBuffers(k, old))[2]!;
      expect(t.trylock(bh)).toBe(true);
      expect(migrateOne(k, old, 0, mode)).toBe(1);
      expect(cachedAt(f.inode, 0)).toBe(old);
      expect(t.ring(folioBuffers(k, old)).filter((x) => t.test(x, BH_Lock))).toEqual([bh]);
      healthy(k);
      t.unlock(bh);
      expect(migrateOne(k, old, 0, mode)).toBe(0);
      healthy(k);
    }
  });

  it("_norefs (data=journal): a b_count held by the bh LRU is dropped by invalidate_bh_lrus() and the move goes on", () => {
    const k = ext4System();
    const sb = mount(k, "ext4-journal");
    const f = mappedFile(k, sb, 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const old = cachedAt(f.inode, 0);
    const t = bufferHeads(k);
    const bhs = t.ring(folioBuffers(k, old));
    for (const bh of bhs) bhLruInstall(k, bh, 1);
    expect(bhs.map((bh) => t.count[bh])).toEqual([1, 1, 1, 1]);
    const inv = bhLru(k).invalidations;
    expect(migrateOne(k, old, 0, MIGRATE_SYNC)).toBe(0);
    expect(bhLru(k).invalidations).toBe(inv + 1);
    expect(bhs.map((bh) => t.count[bh])).toEqual([0, 0, 0, 0]);
    expect(bhs.some((bh) => bhLruHolds(k, bh))).toBe(false);
    expectRing(k, cachedAt(f.inode, 0), 4, 1024);
    healthy(k);
  });

  it("_norefs: a b_count held elsewhere survives the invalidation: -EAGAIN the second time", () => {
    const k = ext4System();
    const sb = mount(k, "ext4-journal");
    const f = mappedFile(k, sb, 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const old = cachedAt(f.inode, 0);
    const t = bufferHeads(k);
    const bh = t.ring(folioBuffers(k, old))[1]!;
    t.get(bh); // e.g. a jbd2 journal_head
    bhLruInstall(k, bh, 0);
    const inv = bhLru(k).invalidations;
    expect(migrateOne(k, old, 0, MIGRATE_ASYNC)).toBe(1);
    expect(bhLru(k).invalidations).toBeGreaterThan(inv); // retried after invalidate_bh_lrus()
    expect(t.count[bh]).toBe(1); // the LRU's reference is gone, ours is not
    expect(cachedAt(f.inode, 0)).toBe(old);
    for (const x of t.ring(folioBuffers(k, old))) expect(t.test(x, BH_Lock)).toBe(false);
    healthy(k);
    t.put(bh);
    expect(migrateOne(k, old, 0, MIGRATE_ASYNC)).toBe(0);
    healthy(k);
  });
});

describe("folio exchange with ext4", () => {
  it("ext4-1k ↔ anon: data, mapping and the ring cross over; every buffer head points at its new frame", () => {
    const k = ext4System(true);
    const sb = mount(k, "ext4-1k");
    const f = mappedFile(k, sb, 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const a = anonPage(k, 0);
    const fileHead = cachedAt(f.inode, 0);
    const ring = folioBuffers(k, fileHead);
    const fileToken = k.mem.content[fileHead];
    const anonToken = k.mem.content[a.head];
    const op = new ExchangeOp(k, fileHead, a.head, MIGRATE_SYNC);
    while (!op.done) {
      expect(op.step()).not.toBe(EXCHANGE_WOULD_BLOCK);
    }
    expect(op.rc).toBe(0);
    expect(cachedAt(f.inode, 0)).toBe(a.head);
    expect(k.mem.content[a.head]).toBe(fileToken);
    expect(k.mem.content[fileHead]).toBe(anonToken);
    expect(folioBuffers(k, a.head)).toBe(ring);
    expect(folioBuffers(k, fileHead)).toBe(0);
    expectRing(k, a.head, 4, 1024);
    expect(mappedAt(k, f.task, f.addr)).toBe(a.head);
    expect(mappedAt(k, a.task, a.addr)).toBe(fileHead);
    healthy(k);
    expect(folioExchange(k, fileHead, a.head, MIGRATE_SYNC)).toBe(0);
    expectRing(k, fileHead, 4, 1024);
    healthy(k);
  });

  it("ext4-1k ↔ ext4-4k, and two pages of one file (the shared i_pages lock once)", () => {
    const k = ext4System();
    const f1 = mappedFile(k, mount(k, "ext4-1k"), 1, 2);
    const f4 = mappedFile(k, mount(k, "ext4-4k"), 0, 1);
    const a = cachedAt(f1.inode, 0);
    const b = cachedAt(f4.inode, 0);
    const ra = folioBuffers(k, a);
    const rb = folioBuffers(k, b);
    expect(folioExchange(k, a, b, MIGRATE_ASYNC)).toBe(0);
    expect(folioBuffers(k, b)).toBe(ra);
    expect(folioBuffers(k, a)).toBe(rb);
    expectRing(k, b, 4, 1024);
    expectRing(k, a, 1, 4096);
    healthy(k);
    // same file: index 0 (now on b) and index 1
    const c = cachedAt(f1.inode, 1);
    expect(folioExchange(k, b, c, MIGRATE_SYNC)).toBe(0);
    expect(cachedAt(f1.inode, 0)).toBe(c);
    expect(cachedAt(f1.inode, 1)).toBe(b);
    expectRing(k, c, 4, 1024);
    expectRing(k, b, 4, 1024);
    healthy(k);
    expect(filemapWriteAndWait(k, f1.inode.mapping)).toBe(0);
    healthy(k);
  });

  it("prepare: ASYNC on a locked buffer gives -EAGAIN; SYNC blocks in move, then completes once it is unlocked", () => {
    const k = ext4System();
    const f = mappedFile(k, mount(k, "ext4-1k"), 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const a = anonPage(k, 0);
    const head = cachedAt(f.inode, 0);
    const t = bufferHeads(k);
    const bh = t.ring(folioBuffers(k, head))[3]!;
    t.trylock(bh);
    expect(folioExchange(k, head, a.head, MIGRATE_ASYNC)).toBe(-EAGAIN);
    for (const x of t.ring(folioBuffers(k, head))) expect(t.test(x, BH_Lock)).toBe(x === bh);
    healthy(k);
    const op = new ExchangeOp(k, head, a.head, MIGRATE_SYNC);
    let blocked = false;
    while (!op.done && !blocked) blocked = op.step() === EXCHANGE_WOULD_BLOCK;
    expect(blocked).toBe(true);
    expect(op.phase).toBe("move");
    t.unlock(bh);
    while (!op.done) expect(op.step()).not.toBe(EXCHANGE_WOULD_BLOCK);
    expect(op.rc).toBe(0);
    for (const x of t.ring(folioBuffers(k, a.head))) expect(t.test(x, BH_Lock)).toBe(false);
    expectRing(k, a.head, 4, 1024);
    healthy(k);
  });

  it("data=journal: prepare invalidates the bh LRU and exchanges; an extra b_count gives -EAGAIN", () => {
    const k = ext4System();
    const f = mappedFile(k, mount(k, "ext4-journal"), 1, 1);
    expect(filemapWriteAndWait(k, f.inode.mapping)).toBe(0);
    const a = anonPage(k, 0);
    const head = cachedAt(f.inode, 0);
    const t = bufferHeads(k);
    const bhs = t.ring(folioBuffers(k, head));
    for (const bh of bhs) bhLruInstall(k, bh, 0);
    t.get(bhs[0]!);
    expect(folioExchange(k, head, a.head, MIGRATE_SYNC)).toBe(-EAGAIN);
    expect(bhs.map((bh) => t.count[bh])).toEqual([1, 0, 0, 0]);
    healthy(k);
    t.put(bhs[0]!);
    for (const bh of bhs) bhLruInstall(k, bh, 2);
    expect(folioExchange(k, head, a.head, MIGRATE_SYNC)).toBe(0);
    expectRing(k, a.head, 4, 1024);
    healthy(k);
  });
});
