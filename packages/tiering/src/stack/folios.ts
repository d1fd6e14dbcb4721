/**
 * Folio enumeration for placement policies: the folios on a node's LRU lists (what a kernel
 * actor can find without scanning mem_map), each head once.
 */
import type { Kernel } from "@foliox/core";
import { NR_LRU_LISTS } from "@foliox/core";

/** Visit every folio on nid's LRU lists, inactive lists first, each from its tail (oldest). */
export function forEachLruFolio(k: Kernel, nid: number, visit: (head: number) => boolean | void): void {
  const mem = k.mem;
  const order = [0, 2, 1, 3, 4].filter((l) => l < NR_LRU_LISTS);
  for (const l of order) {
    const list = k.lru.lists[nid]![l]!;
    for (let p = mem.lruPrev[list.head]!; p !== list.head; ) {
      const prev = mem.lruPrev[p]!;
      if (visit(p) === false) return;
      p = prev;
    }
  }
}

/** Free pages on nid above its high watermark (what a promotion may take without pressure). */
export function roomAboveHigh(k: Kernel, nid: number): number {
  let room = 0;
  for (const z of k.topo.nodes[nid]!.zones) room += Math.max(0, k.alloc.zoneFreePages(z) - z.watermark[2]! - 1);
  return room;
}
