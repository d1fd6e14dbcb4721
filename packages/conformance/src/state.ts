/**
 * What the cases compare: "unchanged" as docs/decisions.md#unchanged defines it (snapshot),
 * and "healthy" (the model's invariants with no mover in flight, and the integrity shadow).
 */
import type { Kernel } from "@foliox/core";
import { checkIntegrity } from "@foliox/core";
import { checkInvariants } from "@foliox/core";
import { PG_dirty } from "@foliox/core";
import { EVENT_NAMES } from "@foliox/core";
import { PAGES_PER_SECTION } from "@foliox/core";
import { check } from "./check.js";

export interface SnapshotOptions {
  /** also leave last_cpupid out (exchange twice = identity resets it to -1) */
  ignoreLastCpupid?: boolean;
}

/**
 * Everything docs/decisions.md#unchanged calls "unchanged": mem_map (minus LRU links: putback adds at the
 * head), PTEs, data, the integrity shadow's view, counters and anon_vma references — minus the
 * listed side effects: PG_dirty folded in from a dirty PTE by the unmap, and foliox's own
 * pgexchange_* events that a failure counts. mem_map is read in the sections whose memmap is
 * initialized, which are part of the state too; a deferred section is free memory nobody read.
 */
export function snapshot(k: Kernel, opts: SnapshotOptions = {}): Record<string, unknown> {
  const notDirty = ~(1 << PG_dirty);
  const mem = k.mem;
  const ptes: number[] = [];
  for (const mm of k.mms) {
    for (const vma of mm.vmas) {
      for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
        const pt = k.pgtables;
        // a PTE is its bits and its frame (the pfn or the entry's offset)
        if (pt.walk(mm.pgd, vpn, false)) ptes.push(pt.leaf[pt.off]!, pt.frame[pt.off]!);
        else ptes.push(0, 0);
      }
    }
  }
  const sections: number[] = [];
  for (let nr = 0; nr < mem.nrSections; nr++) if (mem.sectionHasMemMap(nr)) sections.push(nr);
  /** The array's values over the initialized sections, in pfn order. */
  const read = (a: ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> }, map?: (v: number) => number): number[] => {
    const out: number[] = [];
    for (const nr of sections) {
      const s = a.subarray(nr * PAGES_PER_SECTION, Math.min(mem.nrPages, (nr + 1) * PAGES_PER_SECTION));
      for (let i = 0; i < s.length; i++) out.push(map ? map(s[i]!) : s[i]!);
    }
    return out;
  };
  const events = Array.from(k.vmstat.events).filter((_, i) => !EVENT_NAMES[i]?.startsWith("pgexchange_"));
  return {
    sections,
    flags: read(mem.flags, (f) => f & notDirty),
    refcount: read(mem.refcount),
    mapcount: read(mem.mapcount),
    pincount: read(mem.pincount),
    mapping: read(mem.mapping),
    index: read(mem.index),
    private: read(mem.private),
    order: read(mem.order),
    memcg: read(mem.memcg),
    lastCpupid: opts.ignoreLastCpupid ? null : read(mem.lastCpupid),
    content: read(mem.content),
    bytes: k.content.bytes ? Buffer.from(k.content.bytes).toString("base64") : null,
    ptes,
    node: Array.from(k.vmstat.node),
    zone: Array.from(k.vmstat.zone),
    events,
    anonVmaRefs: k.anonVmas.map((av) => av?.refcount ?? -1),
  };
}

/** No mover in flight: invariants clean and every populated page reads back its own data. */
export function checkHealthy(k: Kernel, when: string): void {
  const bad = checkInvariants(k, { quiescent: true });
  check(bad.length === 0, `${when}: invariants: ${bad.slice(0, 3).join("; ")}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ""}`);
  const integrity = checkIntegrity(k);
  const v = integrity.violations[0];
  check(
    integrity.ok,
    `${when}: integrity: ${integrity.violations.length} page(s) read the wrong data${v ? `, e.g. pid ${v.pid} at ${v.addr} reads pfn ${v.pfn}` : ""}`,
  );
}
