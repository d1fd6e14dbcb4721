/**
 * The per-CPU buffer-head LRU of fs/buffer.c (struct bh_lru, BH_LRU_SIZE 16): bh_lru_install()
 * puts a looked-up buffer at the front of the current CPU's array with its own b_count
 * reference (the one falling off the end is brelse'd), and invalidate_bh_lrus() empties every
 * CPU's array, dropping those references. buffer_migrate_folio_norefs() calls it when it finds
 * a buffer with b_count held, then checks again (docs/kernel-facts.md#buffer-migrate-folio).
 *
 * One table per simulated system, NR_CPUS arrays of 16 bh ids (0 = empty slot), held by the
 * system's ext4 backends (registerExt4 injects the same one into each flavour).
 */
import type { Kernel } from "@foliox/core";
import { bufferHeads } from "./buffer-head.js";

export const BH_LRU_SIZE = 16;
/** CPUs with a bh_lru in the model */
export const BH_LRU_CPUS = 4;

export class BhLru {
  /** cpu * BH_LRU_SIZE + i -> bh id, 0 when empty */
  readonly bhs = new Int32Array(BH_LRU_CPUS * BH_LRU_SIZE);
  /** invalidate_bh_lrus() calls (for tests) */
  invalidations = 0;
}

/** The bh LRUs of system k: the ones its ext4 backends hold (Ext4Backend.bhLru). */
export function bhLru(k: Kernel): BhLru {
  for (const b of k.backends.all) {
    const l = (b as { bhLru?: unknown }).bhLru;
    if (l instanceof BhLru) return l;
  }
  throw new Error("the bh LRU lives in @foliox/fs-ext4's backends, which this system does not have: createSystem({ backends: [registerAnon, registerExt4] })");
}

/**
 * bh_lru_install(bh) (fs/buffer.c): bh goes to the front of cpu's LRU with a reference of its
 * own (get_bh); a bh already in the array just moves to the front; the evicted one is brelse'd.
 */
export function bhLruInstall(k: Kernel, bh: number, cpu = 0): void {
  const lru = bhLru(k).bhs;
  const base = (cpu % BH_LRU_CPUS) * BH_LRU_SIZE;
  let evictee = bh;
  for (let i = 0; i < BH_LRU_SIZE; i++) {
    const cur = lru[base + i]!;
    lru[base + i] = evictee;
    evictee = cur;
    if (evictee === bh) return;
  }
  const t = bufferHeads(k);
  t.get(bh);
  if (evictee) t.put(evictee);
}

/** lookup_bh_lru(): is bh in cpu's LRU? (moves nothing; for tests) */
export function bhLruHolds(k: Kernel, bh: number): boolean {
  const lru = bhLru(k).bhs;
  for (let i = 0; i < lru.length; i++) if (lru[i] === bh) return true;
  return false;
}

/**
 * invalidate_bh_lrus() (fs/buffer.c): on every CPU with buffers in its LRU
 * (has_bh_in_lru), invalidate_bh_lru(): brelse each and empty the array.
 */
export function invalidateBhLrus(k: Kernel): void {
  const l = bhLru(k);
  const t = bufferHeads(k);
  const lru = l.bhs;
  for (let i = 0; i < lru.length; i++) {
    const bh = lru[i]!;
    if (bh) {
      t.put(bh);
      lru[i] = 0;
    }
  }
  l.invalidations++;
}

/** Drop the LRU references to the buffers of one ring (before its buffer heads are freed). */
export function bhLruForgetRing(k: Kernel, head: number): void {
  const lru = bhLru(k).bhs;
  const t = bufferHeads(k);
  let bh = head;
  do {
    for (let i = 0; i < lru.length; i++) {
      if (lru[i] === bh) {
        t.put(bh);
        lru[i] = 0;
      }
    }
    bh = t.thisPage[bh]!;
  } while (bh !== head);
}
