/**
 * The uapi the NUMA syscalls share: the MPOL_MF_* flags (include/uapi/linux/mempolicy.h),
 * MAX_NUMNODES (include/linux/numa.h, CONFIG_NODES_SHIFT = 10) and the nodemask_t helpers
 * the syscalls need (include/linux/nodemask.h, lib/bitmap.c).
 *
 * A nodemask_t is a Uint8Array of MAX_NUMNODES entries, 1 where the node bit is set.
 */
import type { Kernel } from "../kernel/kernel.js";

export const MPOL_MF_STRICT = 1 << 0;
/** move pages mapped by this process alone */
export const MPOL_MF_MOVE = 1 << 1;
/** move shared pages too; needs CAP_SYS_NICE */
export const MPOL_MF_MOVE_ALL = 1 << 2;
export const MPOL_MF_LAZY = 1 << 3;
export const MPOL_MF_INTERNAL = 1 << 4;
export const MPOL_MF_VALID = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;
/** internal: walk the whole range even across holes (mm/mempolicy.c) */
export const MPOL_MF_DISCONTIG_OK = MPOL_MF_INTERNAL << 0;

/** CONFIG_NODES_SHIFT = 10 (x86-64 with MAXSMP off picks 6..10; foliox picks 10) */
export const NODES_SHIFT = 10;
export const MAX_NUMNODES = 1 << NODES_SHIFT;
export const BITS_PER_LONG = 64;
export const PAGE_SIZE_BITS = 4096 * 8;

export type Nodemask = Uint8Array;

/** nodes_clear() into a new mask */
export function nodemaskEmpty(): Nodemask {
  return new Uint8Array(MAX_NUMNODES);
}

/** A mask with the listed nodes set. */
export function nodemaskOf(nids: readonly number[]): Nodemask {
  const m = nodemaskEmpty();
  for (const nid of nids) if (nid >= 0 && nid < MAX_NUMNODES) m[nid] = 1;
  return m;
}

/** node_isset() */
export function nodeIsset(nid: number, m: Nodemask): boolean {
  return nid >= 0 && nid < MAX_NUMNODES && m[nid] === 1;
}

/** nodes_weight() */
export function nodesWeight(m: Nodemask): number {
  let w = 0;
  for (let i = 0; i < MAX_NUMNODES; i++) w += m[i]!;
  return w;
}

/** nodes_empty() */
export function nodesEmpty(m: Nodemask): boolean {
  return nodesWeight(m) === 0;
}

/** nodes_subset(a, b): every node of a is in b */
export function nodesSubset(a: Nodemask, b: Nodemask): boolean {
  for (let i = 0; i < MAX_NUMNODES; i++) if (a[i] && !b[i]) return false;
  return true;
}

/** The set nodes, ascending (for_each_node_mask). */
export function nodemaskNodes(m: Nodemask): number[] {
  const out: number[] = [];
  for (let i = 0; i < MAX_NUMNODES; i++) if (m[i]) out.push(i);
  return out;
}

/**
 * node_remap(oldnode, old, new) = bitmap_bitremap(): the n-th set node of `old` maps to the
 * (n mod weight(new))-th set node of `new`; a node not in old, or an empty new, maps to itself.
 */
export function nodeRemap(oldnode: number, oldMask: Nodemask, newMask: Nodemask): number {
  const w = nodesWeight(newMask);
  if (!nodeIsset(oldnode, oldMask) || w === 0) return oldnode;
  let n = 0;
  for (let i = 0; i < oldnode; i++) n += oldMask[i]!;
  let ord = n % w;
  for (let i = 0; i < MAX_NUMNODES; i++) {
    if (!newMask[i]) continue;
    if (ord === 0) return i;
    ord--;
  }
  return oldnode;
}

/** node_state(nid, N_MEMORY): the node exists in the topology and has memory. */
export function nodeStateMemory(k: Kernel, nid: number): boolean {
  if (!Number.isInteger(nid) || nid < 0 || nid >= k.topo.nrNodes) return false;
  return k.topo.nodes[nid]!.nrPages > 0;
}

/** cpuset_mems_allowed() of a task's memsAllowed list, as a mask. */
export function cpusetMemsAllowed(memsAllowed: readonly number[]): Nodemask {
  return nodemaskOf(memsAllowed);
}

/**
 * A user nodemask (unsigned long words) with the listed nodes set, BITS_TO_LONGS(maxnode)
 * words long: what a libnuma caller builds for migrate_pages(2).
 */
export function userNodemask(nids: readonly number[], maxnode = MAX_NUMNODES + 1): BigUint64Array {
  const words = new BigUint64Array(Math.max(1, Math.ceil(maxnode / BITS_PER_LONG)));
  for (const nid of nids) {
    const w = Math.floor(nid / BITS_PER_LONG);
    if (nid < 0 || w >= words.length) throw new RangeError(`userNodemask: node ${nid} does not fit in ${maxnode} bits`);
    words[w] = words[w]! | (1n << BigInt(nid % BITS_PER_LONG));
  }
  return words;
}
