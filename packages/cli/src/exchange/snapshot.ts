/**
 * What a user sees of one folio at one instant: its struct page fields and every PTE or
 * migration entry, in any process, that names one of its pages.
 */
import {
  PAGE_MAPPING_ANON,
  PAGE_MAPPING_KSM,
  PAGE_MAPPING_MOVABLE,
  isMigrationEntry,
  pageFlagNames,
  pteKind,
  ptePresent,
  pteSpecial,
  pteYoung,
  isMigrationEntryYoung,
  type Kernel,
} from "@foliox/core";

export interface PteRef {
  pid: number;
  /** the virtual address, "0x…" */
  addr: string;
  /** pteKind(): present-rw, present-ro, migration-write, … */
  kind: string;
  /** the accessed bit (of the PTE, or carried in the migration entry) */
  young: boolean;
}

export interface FolioState {
  pfn: number;
  nid: number;
  order: number;
  flags: string[];
  /** "anon_vma:3", "ksm:2", "movable:1", "mapping:5" (an address_space), or "none" */
  mapping: string;
  index: number;
  refcount: number;
  mapcount: number;
  ptes: PteRef[];
}

/** folio->mapping in words. */
export function mappingName(k: Kernel, head: number): string {
  const m = k.mem.mapping[head]!;
  if (m === 0) return "none";
  const id = m >> 2;
  switch (m & 3) {
    case PAGE_MAPPING_ANON:
      return `anon_vma:${id}`;
    case PAGE_MAPPING_KSM:
      return `ksm:${id}`;
    case PAGE_MAPPING_MOVABLE:
      return `movable:${id}`;
    default:
      return `mapping:${id}`;
  }
}

/**
 * One page-table scan over every process (in pid order) for the entries that name a page of
 * any of the given folios: present PTEs (not the zero page) and migration entries.
 */
export function findPtes(k: Kernel, heads: readonly number[]): Map<number, PteRef[]> {
  const out = new Map<number, PteRef[]>(heads.map((h) => [h, []]));
  const ranges = heads.map((h) => [h, h + k.mem.folioNrPages(h)] as const);
  const pt = k.pgtables;
  const tasks = [...k.tasks.values()].sort((a, b) => a.pid - b.pid);
  for (const task of tasks) {
    const mm = task.mm;
    if (!mm) continue;
    for (const vma of mm.vmas) {
      for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
        if (!pt.walk(mm.pgd, vpn, false)) {
          vpn += 511 - (vpn % 512); // no leaf table: skip the rest of its 512 entries (vpn exceeds 2^31: no bit ops)
          continue;
        }
        const pte = pt.leaf[pt.off]!;
        if (pte === 0) continue;
        let pfn: number;
        if (ptePresent(pte)) {
          if (pteSpecial(pte)) continue;
          pfn = pt.frame[pt.off]!;
        } else if (isMigrationEntry(pte)) {
          pfn = pt.frame[pt.off]!;
        } else {
          continue;
        }
        for (const [head, end] of ranges) {
          if (pfn >= head && pfn < end) {
            out.get(head)!.push({
              pid: task.pid,
              addr: `0x${(vpn * 4096).toString(16)}`,
              kind: pteKind(pte),
              young: ptePresent(pte) ? pteYoung(pte) : isMigrationEntryYoung(pte),
            });
          }
        }
      }
    }
  }
  return out;
}

/** The state of the folio whose head is `head`, with its PTEs from findPtes(). */
export function folioState(k: Kernel, head: number, ptes: PteRef[]): FolioState {
  const mem = k.mem;
  return {
    pfn: head,
    nid: k.folioNid(head),
    order: mem.order[head]!,
    flags: pageFlagNames(mem.flags[head]!, mem.folioTestAnon(head)),
    mapping: mappingName(k, head),
    index: mem.index[head]!,
    refcount: mem.refcount[head]!,
    mapcount: mem.folioMapcount(head),
    ptes,
  };
}

/** Both folios of a pair, from one scan. */
export function pairState(k: Kernel, oldHead: number, newHead: number): { old: FolioState; new: FolioState } {
  const ptes = findPtes(k, [oldHead, newHead]);
  return { old: folioState(k, oldHead, ptes.get(oldHead)!), new: folioState(k, newHead, ptes.get(newHead)!) };
}
