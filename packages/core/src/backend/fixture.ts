/**
 * The conformance fixture a backend may supply (Backend.conformance): how to make a folio of
 * this backend in a test system, and how to observe and poke the state only the backend knows
 * (buffer heads, writeback completion, the swap entry, KSM's stable node). The conformance
 * suite (core/src/conformance) builds every case on it, so a case never needs to know a
 * backend's type; the capability manifest says which cases apply.
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Task } from "../mm/mm-types.js";

/**
 * Folio states, beyond mapped and clean, that a fixture can make (manifest.states):
 * - lazyfree: an anon folio after MADV_FREE (!PG_swapbacked, on the file LRU);
 * - dirty, writeback: a file folio that is dirty, or under writeback;
 * - buffers-locked: a folio whose private buffers another I/O holds locked;
 * - swapcache: a swap-backed folio in the swap cache; ksm: a KSM folio on a stable node.
 */
export type FixtureState = "lazyfree" | "dirty" | "writeback" | "buffers-locked" | "swapcache" | "ksm";

export interface FixtureFolioOptions {
  /** map it into this task rather than a new process (the folio still goes on `nid`) */
  task?: Task;
  /** one of the manifest's `states` */
  state?: FixtureState;
}

/** A folio the fixture made: its head pfn and the user mapping [addr, addr + len) of `task`. */
export interface FixtureFolio {
  head: number;
  task: Task;
  addr: number;
  len: number;
}

export interface ConformanceFixture {
  /** A mapped, written folio of this backend of `order` on node `nid`. */
  makeFolio(k: Kernel, nid: number, order: number, opts?: FixtureFolioOptions): FixtureFolio;
  /** fsPrivate: the frame every piece of private data of the folio points at (each bh's b_page) */
  privateRefs?(k: Kernel, head: number): number[];
  /**
   * fsPrivate: point piece `index` of the folio's private data (the index-th buffer head of the
   * ring, in privateRefs() order) at frame `frame` (folio_set_bh() on one bh). The suite's
   * seed-literal mover replays the seed's buffer loop with it (docs/decisions.md#seed-defect-5);
   * a buffer-head backend supplies it so that the suite can show it catches that defect.
   */
  setPrivateRef?(k: Kernel, head: number, index: number, frame: number): void;
  /** buffers-locked: release the buffer lock the fixture's "other I/O" holds */
  unlockPrivate?(k: Kernel, head: number): void;
  /** writeback: complete the folio's writeback (folio_end_writeback) */
  endWriteback?(k: Kernel, head: number): void;
  /** file/shmem kinds: truncate the folio's page out of its file */
  truncate?(k: Kernel, folio: FixtureFolio): void;
  /** swapcache: the swap entry (folio->swap) of the frame `head` */
  swapEntry?(k: Kernel, head: number): number;
  /** ksm: ksm_get_folio() on the stable node the fixture made for `folio`: the frame, or -1 (pruned) */
  ksmGetFolio?(k: Kernel, folio: FixtureFolio): number;
}
