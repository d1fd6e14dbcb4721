/**
 * The file-backed state of one system: every super_block, the address_spaces by id (what
 * folio->mapping names), and the queue of in-flight writeback I/O. Kept on the Kernel as k.fs.
 */
import type { AddressSpace } from "./address-space.js";
import type { SuperBlock } from "./inode.js";

export class FsState {
  readonly superBlocks: SuperBlock[] = [];
  /** address_spaces by id; id 0 is none */
  readonly addressSpaces: (AddressSpace | undefined)[] = [undefined];
  /** folios under writeback whose I/O has not completed yet, in submission order (head pfns) */
  readonly writebackQueue: number[] = [];
  nextIno = 1;
}
