/**
 * struct inode and struct super_block (include/linux/fs.h), reduced: an inode has a size, its
 * page cache (address_space), the filesystem's block map (page index -> block of the backing
 * store, what ext4's extents or f2fs's node blocks resolve to) and an integrity shadow (page
 * index -> the token last written to the file by any path: write(), or a store through a
 * shared mapping). A super_block is one mounted filesystem of a backend: its backing store,
 * its inodes and the backend's private s_fs_info.
 */
import type { Backend } from "../backend/contract.js";
import { AddressSpace } from "./address-space.js";
import type { BackingStore } from "./backing-store.js";
import { XArray } from "./xarray.js";

export interface MountOptions {
  /** shmem-like: page-cache folios are swap-backed */
  swapBacked?: boolean;
  /** bdi->ra_pages: the readahead window in pages (VM_READAHEAD_PAGES = 32 by default) */
  raPages?: number;
  /** anything the backend reads in fillSuper */
  [key: string]: unknown;
}

export class SuperBlock {
  readonly inodes: Inode[] = [];
  /** s_fs_info: the backend's own per-mount state */
  fsInfo: unknown = null;
  /** bdi->ra_pages */
  raPages: number;

  constructor(
    readonly id: number,
    /** s_type with its a_ops */
    readonly backend: Backend,
    readonly store: BackingStore,
    readonly options: MountOptions,
  ) {
    this.raPages = options.raPages ?? 32;
  }
}

export class Inode {
  /** i_size in bytes */
  size = 0;
  /** i_mapping */
  readonly mapping: AddressSpace;
  /** page index -> block + 1 on the backing store */
  readonly blocks = new XArray();
  /** page index -> token last written (0: never written, reads as zeroes) */
  readonly shadow = new XArray();

  constructor(
    readonly ino: number,
    readonly sb: SuperBlock,
    mappingId: number,
  ) {
    this.mapping = new AddressSpace(mappingId, this, sb.backend, sb.options.swapBacked === true);
  }

  /** pages covered by i_size */
  get sizePages(): number {
    return Math.ceil(this.size / 4096);
  }
}
