/**
 * f2fs atomic writes (fs/f2fs/file.c f2fs_ioc_start_atomic_write, fs/f2fs/data.c
 * f2fs_write_end, v6.12), reduced to what the page-private word records: a page written to an
 * atomic file gets PAGE_PRIVATE_ATOMIC_WRITE after set_page_dirty(), so that its writeback goes
 * to the COW inode; the commit write clears it (f2fs_do_write_data_page).
 */
import { filemapLookup, filemapWrite, type Inode, type Kernel } from "@foliox/core";
import { f2fsSbInfo } from "./f2fs-backend.js";
import { PAGE_PRIVATE_ATOMIC_WRITE, setPagePrivate } from "./page-private.js";

/** F2FS_IOC_START_ATOMIC_WRITE: set FI_ATOMIC_FILE on the inode. */
export function f2fsIocStartAtomicWrite(inode: Inode): void {
  f2fsSbInfo(inode.sb).atomicFiles.add(inode);
}

/** f2fs_is_atomic_file() */
export function f2fsIsAtomicFile(inode: Inode): boolean {
  return f2fsSbInfo(inode.sb).atomicFiles.has(inode);
}

/**
 * write(2) of one page through f2fs_write_begin/f2fs_write_end: filemapWrite(), then
 * set_page_private_atomic() for an atomic file. Returns 4096 or a negative errno.
 */
export function f2fsWritePage(k: Kernel, inode: Inode, index: number, nid = 0, token?: number): number {
  const rc = filemapWrite(k, inode, index, nid, token);
  if (rc < 0 || !f2fsIsAtomicFile(inode)) return rc;
  const head = filemapLookup(inode.mapping, index);
  if (head >= 0) setPagePrivate(k, head, PAGE_PRIVATE_ATOMIC_WRITE);
  return rc;
}
