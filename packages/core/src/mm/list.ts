/**
 * Intrusive doubly linked lists through mem_map's lru links: include/linux/list.h over
 * `folio->lru`. As in the kernel one link serves the LRU lists, the buddy free lists and the
 * private lists of the migration path, so a folio is on at most one list at a time.
 *
 * A list head is a slot at index >= nrPages of the link arrays. Permanent heads (LRU, free
 * lists) are taken once at boot; transient heads (migration lists) come from the same pool
 * and are given back with `release()`, the FolioList object with its slot, so that a list
 * taken and given back per migration allocates nothing.
 */
import "reflect-metadata";
import { inject, injectable } from "tsyringe";
import { MEM_MAP } from "../tokens.js";
import type { MemMap } from "./mem-map.js";

@injectable()
export class ListHeads {
  private readonly freeSlots: Int32Array;
  private nrFree: number;
  /** released lists, empty, each still owning its slot: handed out again first */
  private readonly released: FolioList[] = [];

  constructor(@inject(MEM_MAP) private readonly mem: MemMap) {
    this.freeSlots = new Int32Array(mem.nrListHeads);
    this.nrFree = mem.nrListHeads;
    for (let i = 0; i < mem.nrListHeads; i++) this.freeSlots[i] = mem.nrPages + mem.nrListHeads - 1 - i;
  }

  /** A new, empty list. */
  alloc(): FolioList {
    const reused = this.released.pop();
    if (reused) {
      reused.inPool = false;
      return reused;
    }
    if (this.nrFree === 0) throw new Error("list heads exhausted: raise nrListHeads in the system options");
    const slot = this.freeSlots[--this.nrFree]!;
    return new FolioList(this.mem, slot, this);
  }

  /** @internal */
  giveBack(list: FolioList): void {
    this.released.push(list);
  }
}

/** A list_head whose entries are folio head pfns. */
export class FolioList {
  /** @internal given back with release() and not handed out again yet */
  inPool = false;
  constructor(
    private readonly mem: MemMap,
    readonly head: number,
    private readonly owner: ListHeads,
  ) {
    mem.lruNext[head] = head;
    mem.lruPrev[head] = head;
  }

  isEmpty(): boolean {
    return this.mem.lruNext[this.head] === this.head;
  }
  /** First entry, or -1 if empty. */
  first(): number {
    const n = this.mem.lruNext[this.head]!;
    return n === this.head ? -1 : n;
  }
  /** Entry after pfn, or -1 at the end. */
  next(pfn: number): number {
    const n = this.mem.lruNext[pfn]!;
    return n === this.head ? -1 : n;
  }
  /** list_add: at the head. */
  add(pfn: number): void {
    listInsert(this.mem, pfn, this.head, this.mem.lruNext[this.head]!);
  }
  /** list_add_tail */
  addTail(pfn: number): void {
    listInsert(this.mem, pfn, this.mem.lruPrev[this.head]!, this.head);
  }
  /** list_move_tail: unlink pfn from whatever list holds it and append it here. */
  moveTail(pfn: number): void {
    listDel(this.mem, pfn);
    this.addTail(pfn);
  }
  /** list_splice_tail_init: move every entry of `other` to the end of this list. */
  spliceTail(other: FolioList): void {
    for (let p = other.first(); p !== -1; p = other.first()) this.moveTail(p);
  }
  count(): number {
    let n = 0;
    for (let p = this.first(); p !== -1; p = this.next(p)) n++;
    return n;
  }
  toArray(): number[] {
    const out: number[] = [];
    for (let p = this.first(); p !== -1; p = this.next(p)) out.push(p);
    return out;
  }
  /** Give the head back to the pool; the list must be empty. */
  release(): void {
    if (!this.isEmpty()) throw new Error("FolioList.release: list is not empty");
    if (this.inPool) throw new Error("FolioList.release: the list was already released");
    this.inPool = true;
    this.owner.giveBack(this);
  }
}

function listInsert(mem: MemMap, entry: number, prev: number, next: number): void {
  mem.lruNext[prev] = entry;
  mem.lruPrev[entry] = prev;
  mem.lruNext[entry] = next;
  mem.lruPrev[next] = entry;
}

/** list_del: unlink; the entry's links point at itself afterwards (list_del_init). */
export function listDel(mem: MemMap, entry: number): void {
  const prev = mem.lruPrev[entry]!;
  const next = mem.lruNext[entry]!;
  mem.lruNext[prev] = next;
  mem.lruPrev[next] = prev;
  mem.lruNext[entry] = entry;
  mem.lruPrev[entry] = entry;
}
