/**
 * tmpfs / shmem (mm/shmem.c, v6.12) as a foliox backend: swap-backed page-cache folios
 * (PG_swapbacked, NR_SHMEM, on the anon LRU), shmem_aops.migrate_folio = migrate_folio, swap-out
 * into the swap cache and swap-in on access (core's swap/shmem-swap.ts: shmem_writepage,
 * shmem_swapin_folio; a swapped-out page's xarray slot holds its swap entry as a value entry),
 * and the huge= mount option: with huge=always a page-cache miss allocates an order-9
 * (HPAGE_PMD_ORDER) folio covering the aligned 2 MiB (shmem_alloc_and_add_folio with a huge
 * order), falling back to order 0 when none is free.
 *
 * MAP_SHARED|MAP_ANONYMOUS memory (shmem_zero_setup) is a mapping of an unlinked tmpfs file:
 * shmemZeroSetup().
 */
import {
  EINVAL,
  GFP_TRANSHUGE_LIGHT,
  HPAGE_PMD_ORDER,
  MAP_SHARED,
  PG_dirty,
  PG_locked,
  PG_uptodate,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_ZERO,
  createInode,
  doMmapFile,
  filemapAddFolio,
  filemapWrite,
  filemapRead,
  folioAddressSpace,
  folioPut,
  migrateFolio,
  mountFs,
  type AddressSpace,
  type Backend,
  type CapabilityManifest,
  type Inode,
  type Kernel,
  type MigrateMode,
  type MmStruct,
  type MountOptions,
  type SuperBlock,
} from "@foliox/core";
import { tmpfsFixtureFor } from "./fixture.js";

export const TMPFS_MANIFEST: CapabilityManifest = {
  name: "tmpfs",
  kinds: ["shmem"],
  migrateCallback: "migrate_folio",
  exchange: true,
  largeFolios: true,
  fsPrivate: false,
  writeback: false,
  orders: [0, 9],
  description: "tmpfs/shmem: swap-backed page-cache folios (NR_SHMEM), migrate_folio, swap-out into the swap cache, huge=always order-9 folios",
};

/** The tmpfs mount options foliox models. */
export interface TmpfsMountOptions extends MountOptions {
  /** huge=: "always" gives order-9 folios; default "never" */
  huge?: "never" | "always";
}

/** s_fs_info of a tmpfs mount (struct shmem_sb_info, reduced) */
export interface ShmemSbInfo {
  huge: "never" | "always";
}

export function shmemSbInfo(sb: SuperBlock): ShmemSbInfo {
  return sb.fsInfo as ShmemSbInfo;
}

export class TmpfsBackend implements Backend {
  readonly manifest = TMPFS_MANIFEST;
  readonly conformance = tmpfsFixtureFor(this);

  /** a page-cache folio of a tmpfs mount */
  owns(k: Kernel, head: number): boolean {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  /** shmem_get_folio() on a miss: a huge folio on a huge=always mount, faults included */
  allocFolioOnMiss(k: Kernel, as: AddressSpace, index: number, nid: number): number {
    return shmemAllocHuge(k, as.host, index, nid);
  }

  /** shmem_aops.migrate_folio = migrate_folio */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return migrateFolio(k, dst, src, mode);
  }

  /**
   * shmem_writepage() outside reclaim (fsync, write_cache_pages): WARN_ON_ONCE(!for_reclaim)
   * → redirty. tmpfs has nothing to write back to; reclaim swaps it out (core swapOutFolio).
   */
  writepage(k: Kernel, head: number): number {
    k.mem.setFlag(head, PG_dirty);
    k.mem.clearFlag(head, PG_locked);
    return 0;
  }

  /** shmem_fill_super(): swap-backed mapping, the huge= option */
  fillSuper(_k: Kernel, sb: SuperBlock): void {
    const huge = (sb.options as TmpfsMountOptions).huge ?? "never";
    if (huge !== "never" && huge !== "always") throw new Error(`tmpfs: huge=${String(huge)} is not supported (never, always)`);
    sb.options.swapBacked = true;
    const info: ShmemSbInfo = { huge };
    sb.fsInfo = info;
  }
}

/** mount -t tmpfs [-o huge=always] */
export function mountTmpfs(k: Kernel, opts: TmpfsMountOptions = {}): SuperBlock {
  return mountFs(k, "tmpfs", { raPages: 1, ...opts });
}

/**
 * shmem_get_folio() for a page-cache miss at `index` on a huge=always mount: an order-9 zeroed
 * folio for the aligned range when every index of it is empty, added to the page cache
 * (uptodate: shmem zeroes new folios). Returns the head, or -1 when nothing was allocated (the
 * caller's order-0 path then runs).
 */
export function shmemAllocHuge(k: Kernel, inode: Inode, index: number, nid: number): number {
  if (shmemSbInfo(inode.sb).huge !== "always") return -1;
  const nr = 1 << HPAGE_PMD_ORDER;
  const base = index - (index % nr);
  const xa = inode.mapping.iPages;
  if (xa.findNext(base, base + nr - 1) >= 0) return -1;
  const head = k.alloc.allocPages(GFP_TRANSHUGE_LIGHT | __GFP_ZERO | __GFP_NORETRY | __GFP_NOWARN, HPAGE_PMD_ORDER, nid);
  if (head < 0) return -1;
  filemapAddFolio(k, inode.mapping, head, base);
  k.mem.setFlag(head, PG_uptodate);
  k.mem.clearFlag(head, PG_locked);
  folioPut(k, head);
  return head;
}

/**
 * write(2) of one whole page of a tmpfs file: 4096 or a negative errno. filemapWrite() asks
 * allocFolioOnMiss() on a miss (a huge folio on a huge=always mount) and swaps a swapped-out
 * page back in.
 */
export function shmemWrite(k: Kernel, inode: Inode, index: number, nid = 0, token?: number): number {
  return filemapWrite(k, inode, index, nid, token);
}

/** read(2) of one page of a tmpfs file (swap-in of a swapped-out page included). */
export function shmemRead(k: Kernel, inode: Inode, index: number, nid = 0): number {
  return filemapRead(k, inode, index, nid);
}

/**
 * shmem_zero_setup(): MAP_SHARED|MAP_ANONYMOUS of `len` bytes is a shared mapping of a new,
 * unlinked tmpfs file of that size on `sb`. Returns the address (or a negative errno) and the
 * file.
 */
export function shmemZeroSetup(k: Kernel, sb: SuperBlock, mm: MmStruct, len: number): { addr: number; inode: Inode | null } {
  if (!Number.isInteger(len) || len <= 0 || len % 4096 !== 0) return { addr: -EINVAL, inode: null };
  const inode = createInode(k, sb);
  inode.size = len;
  const addr = doMmapFile(k, mm, inode, len, { flags: MAP_SHARED });
  return { addr, inode: addr < 0 ? null : inode };
}
