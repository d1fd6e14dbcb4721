/**
 * Mounting a backend's filesystem and creating files: fs/super.c (sget_fc + fill_super, reduced
 * to "a new super_block with a backing store"), fs/inode.c new_inode(), and vfs_truncate's
 * size change lives in truncate.ts.
 */
import type { Backend } from "../backend/contract.js";
import type { Kernel } from "../kernel/kernel.js";
import { BackingStore } from "./backing-store.js";
import { Inode, SuperBlock, type MountOptions } from "./inode.js";

/**
 * mount(): a new filesystem instance of `backend` (or the registered backend of that name),
 * with an empty backing store. The backend's fillSuper sets up its per-mount state.
 */
export function mountFs(k: Kernel, backend: Backend | string, options: MountOptions = {}): SuperBlock {
  const b = typeof backend === "string" ? k.backends.byName(backend) : backend;
  if (!b) throw new Error(`mount: no backend "${String(backend)}" is registered`);
  if (!k.backends.all.includes(b)) throw new Error(`mount: backend "${b.manifest.name}" is not registered in this system`);
  const sb = new SuperBlock(k.fs.superBlocks.length + 1, b, new BackingStore(k.content.bytesMode), options);
  k.fs.superBlocks.push(sb);
  b.fillSuper?.(k, sb);
  return sb;
}

/** new_inode() + d_instantiate(): an empty regular file on sb. */
export function createInode(k: Kernel, sb: SuperBlock): Inode {
  const id = k.fs.addressSpaces.length;
  const inode = new Inode(k.fs.nextIno++, sb, id);
  k.fs.addressSpaces.push(inode.mapping);
  sb.inodes.push(inode);
  return inode;
}
