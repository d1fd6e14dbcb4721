/**
 * The tmpfs conformance fixture: a file on a tmpfs mount (huge=always for order 9), written with
 * write(2) (a swap-backed, dirty page-cache folio), mapped MAP_SHARED by a task and
 * write-faulted, so the folio is mapped.
 */
import { ACCESS_OK, HPAGE_PMD_ORDER, MAP_SHARED, accessVirtual, createInode, createProcess, doMmapFile, folioWalkStart, mountFs, truncateSetsize, type ConformanceFixture, type FixtureFolio, type FixtureFolioOptions, type Inode, type Kernel, type SuperBlock } from "@foliox/core";

const mounts = new WeakMap<Kernel, Map<string, SuperBlock>>();

/** The tmpfs mount with huge=`huge` of system k, mounted on first use. */
export function fixtureTmpfs(k: Kernel, huge: "never" | "always"): SuperBlock {
  let m = mounts.get(k);
  if (!m) mounts.set(k, (m = new Map()));
  let sb = m.get(huge);
  if (!sb) {
    sb = mountFs(k, "tmpfs", { raPages: 1, huge });
    m.set(huge, sb);
  }
  return sb;
}

function fixtureInode(f: FixtureFolio): Inode {
  const inode = f.task.mm!.vmaLookup(f.addr)?.vmFile;
  if (!inode) throw new Error(`tmpfs fixture: no file mapped at 0x${f.addr.toString(16)}`);
  return inode;
}

export const tmpfsFixture: ConformanceFixture = {
  makeFolio(k: Kernel, nid: number, order: number, opts: FixtureFolioOptions = {}): FixtureFolio {
    if (opts.state) throw new Error(`tmpfs fixture: no "${opts.state}" state (manifest.states)`);
    if (order !== 0 && order !== HPAGE_PMD_ORDER) throw new Error(`tmpfs fixture: order ${order} (0, or ${HPAGE_PMD_ORDER} with huge=always)`);
    const sb = fixtureTmpfs(k, order ? "always" : "never");
    const inode = createInode(k, sb);
    const nr = 1 << order;
    // late import: shmem.ts imports this file
    for (let i = 0; i < nr; i++) {
      if (shmemWriteRef.fn!(k, inode, i, nid) !== 4096) throw new Error("tmpfs fixture: write(2) failed");
    }
    const task = opts.task ?? createProcess(k, { nid });
    const mm = task.mm!;
    const len = 4096 * nr;
    const addr = doMmapFile(k, mm, inode, len, { flags: MAP_SHARED });
    if (addr < 0) throw new Error(`tmpfs fixture: mmap failed (${addr})`);
    for (let off = 0; off < len; off += 4096) {
      const rc = accessVirtual(k, mm, addr + off, true);
      if (rc !== ACCESS_OK) throw new Error(`tmpfs fixture: fault at +${off} failed (${rc})`);
    }
    const head = folioWalkStart(k, mm, addr);
    if (head < 0 || k.mem.order[head] !== order || k.folioNid(head) !== nid) {
      throw new Error(`tmpfs fixture: wanted an order-${order} folio on node ${nid}, got pfn ${head} (order ${k.mem.order[head]})`);
    }
    return { head, task, addr, len };
  },
  truncate(k: Kernel, folio: FixtureFolio): void {
    truncateSetsize(k, fixtureInode(folio), 0);
  },
};

/** shmemWrite, set by shmem.ts (breaks the import cycle) */
export const shmemWriteRef: { fn: ((k: Kernel, inode: Inode, index: number, nid: number) => number) | null } = { fn: null };
