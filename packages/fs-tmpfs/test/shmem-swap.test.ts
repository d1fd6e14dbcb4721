/**
 * tmpfs: shmem swap-out into the swap cache (the file's xarray keeps a value entry), swap-in on
 * read, write and fault, truncate of a swapped-out page, huge=always, shmem_zero_setup, and the
 * exchange of an anon swap-cache folio with a shmem folio. Invariants and integrity after every
 * step.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import {
  ACCESS_OK,
  MAP_SHARED,
  MIGRATE_SYNC,
  NR_SHMEM,
  NR_SWAPCACHE,
  SWAPOUT_FREED,
  SWAPOUT_KEEP,
  accessVirtual,
  completeWriteback,
  createInode,
  createProcess,
  createSystem,
  doMmapFile,
  folioExchange,
  folioWalkStart,
  reclaimFolio,
  swapCacheLookup,
  truncateSetsize,
  xaIsValue,
  xaToValue,
  type Kernel,
} from "@foliox/core";
import { makeSwapcacheFolio, anonFixture, registerAnon } from "@foliox/anon";
import { mountTmpfs, registerTmpfs, shmemRead, shmemWrite, shmemZeroSetup } from "../src/index.js";
import { healthy } from "./helpers.js";

const MiB = 1 << 20;

function system(bytes = false): Kernel {
  return createSystem({ memory: [16 * MiB, 16 * MiB], bytes, swapPages: 2048, backends: [registerAnon, registerTmpfs] }).kernel;
}

for (const bytes of [false, true]) {
  describe(`shmem swap (${bytes ? "bytes" : "tokens"})`, () => {
    it("swap-out leaves a value entry; read, write and a fault swap it back in", () => {
      const k = system(bytes);
      const sb = mountTmpfs(k);
      const inode = createInode(k, sb);
      for (let i = 0; i < 3; i++) expect(shmemWrite(k, inode, i, 0)).toBe(4096);
      const tokens = [0, 1, 2].map((i) => inode.shadow.load(i));
      healthy(k, "written");
      const task = createProcess(k);
      const addr = doMmapFile(k, task.mm!, inode, 3 * 4096, { flags: MAP_SHARED });
      expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
      tokens[0] = inode.shadow.load(0);
      healthy(k, "mapped");
      for (let i = 0; i < 3; i++) {
        const head = inode.mapping.iPages.load(i) - 1;
        expect(reclaimFolio(k, head)).toBe(SWAPOUT_KEEP);
        expect(xaIsValue(inode.mapping.iPages.load(i))).toBe(true);
        expect(swapCacheLookup(k, xaToValue(inode.mapping.iPages.load(i)))).toBe(head);
        healthy(k, `page ${i} in the swap cache`);
        completeWriteback(k);
        expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
        healthy(k, `page ${i} swapped out`);
      }
      expect(k.vmstat.nodePage(0, NR_SHMEM)).toBe(0);
      expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(0);
      expect(k.swap!.inusePages).toBe(3);
      // read(2)
      expect(shmemRead(k, inode, 1, 0)).toBe(4096);
      expect(k.fileIoState.lastToken).toBe(tokens[1]);
      healthy(k, "read swapped in");
      // a fault through the shared mapping
      expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
      expect(k.faultState.lastToken).toBe(tokens[0]);
      healthy(k, "fault swapped in");
      // write(2)
      expect(shmemWrite(k, inode, 2, 0)).toBe(4096);
      healthy(k, "write swapped in");
      expect(k.swap!.inusePages).toBe(0);
      expect(k.vmstat.nodePage(0, NR_SHMEM)).toBe(3);
    });
  });
}

describe("tmpfs", () => {
  it("truncate frees a swapped-out page's swap", () => {
    const k = system();
    const inode = createInode(k, mountTmpfs(k));
    expect(shmemWrite(k, inode, 0, 0)).toBe(4096);
    const head = inode.mapping.iPages.load(0) - 1;
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_KEEP);
    completeWriteback(k);
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
    expect(truncateSetsize(k, inode, 0)).toBe(0);
    expect(k.swap!.inusePages).toBe(0);
    healthy(k, "truncated");
  });

  it("huge=always gives order-9 folios, which swap out and back in", () => {
    const k = system();
    const inode = createInode(k, mountTmpfs(k, { huge: "always" }));
    for (let i = 0; i < 512; i++) expect(shmemWrite(k, inode, i, 0)).toBe(4096);
    const head = inode.mapping.iPages.load(0) - 1;
    expect(k.mem.order[head]).toBe(9);
    expect(inode.mapping.iPages.load(511) - 1).toBe(head);
    healthy(k, "huge written");
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_KEEP);
    healthy(k, "huge in the swap cache");
    // swap-in while still cached takes the whole large folio back
    expect(shmemRead(k, inode, 7, 0)).toBe(4096);
    expect(inode.mapping.iPages.load(0) - 1).toBe(head);
    healthy(k, "huge back from the swap cache");
    completeWriteback(k);
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_KEEP);
    completeWriteback(k);
    expect(reclaimFolio(k, head)).toBe(SWAPOUT_FREED);
    healthy(k, "huge swapped out");
    expect(shmemRead(k, inode, 300, 0)).toBe(4096);
    expect(k.fileIoState.lastToken).toBe(inode.shadow.load(300));
    healthy(k, "one page swapped in");
  });

  it("huge=always gives an order-9 folio to a fault on a never-touched range too", () => {
    const k = system();
    const sb = mountTmpfs(k, { huge: "always" });
    const t = createProcess(k);
    const { addr, inode } = shmemZeroSetup(k, sb, t.mm!, 2 * MiB);
    expect(addr).toBeGreaterThan(0);
    expect(accessVirtual(k, t.mm!, addr + 5 * 4096, true)).toBe(ACCESS_OK);
    const head = inode!.mapping.iPages.load(5) - 1;
    expect(k.mem.order[head]).toBe(9);
    expect(inode!.mapping.iPages.load(0) - 1).toBe(head);
    expect(accessVirtual(k, t.mm!, addr + 300 * 4096, false)).toBe(ACCESS_OK);
    expect(inode!.mapping.iPages.load(300) - 1).toBe(head);
    healthy(k, "huge faulted");
  });

  it("MAP_SHARED|MAP_ANONYMOUS (shmem_zero_setup) is shared across fork-free tasks' writes", () => {
    const k = system();
    const sb = mountTmpfs(k);
    const t = createProcess(k);
    const { addr, inode } = shmemZeroSetup(k, sb, t.mm!, 2 * 4096);
    expect(addr).toBeGreaterThan(0);
    expect(accessVirtual(k, t.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    expect(inode!.shadow.load(1)).not.toBe(0);
    healthy(k, "shared anonymous");
  });

  it("exchange an anon swap-cache folio with a shmem folio: the entry follows the data", () => {
    const k = system();
    const a = makeSwapcacheFolio(k, anonFixture.makeFolio(k, 1, 0));
    const inode = createInode(k, mountTmpfs(k));
    expect(shmemWrite(k, inode, 0, 0)).toBe(4096);
    const t = createProcess(k);
    const addr = doMmapFile(k, t.mm!, inode, 4096, { flags: MAP_SHARED });
    expect(accessVirtual(k, t.mm!, addr, false)).toBe(ACCESS_OK);
    const s = folioWalkStart(k, t.mm!, addr);
    const entry = k.mem.private[a.head]!;
    healthy(k, "before");
    expect(folioExchange(k, a.head, s, MIGRATE_SYNC)).toBe(0);
    expect(k.mem.private[s]).toBe(entry);
    expect(swapCacheLookup(k, entry)).toBe(s);
    expect(inode.mapping.iPages.load(0) - 1).toBe(a.head);
    expect(k.vmstat.nodePage(0, NR_SWAPCACHE)).toBe(1);
    expect(k.vmstat.nodePage(1, NR_SHMEM)).toBe(1);
    healthy(k, "exchanged");
    expect(folioExchange(k, s, a.head, MIGRATE_SYNC)).toBe(0);
    healthy(k, "exchanged back");
  });
});
