/**
 * What the cases compare: "unchanged" as docs/decisions.md#unchanged defines it (snapshot),
 * and "healthy" (the model's invariants with no mover in flight, and the integrity shadow).
 */
import type { Kernel } from "@foliox/core";
import { checkIntegrity } from "@foliox/core";
import { checkInvariants } from "@foliox/core";
import { PG_dirty } from "@foliox/core";
import { EVENT_NAMES } from "@foliox/core";
import { check } from "./check.js";

export interface SnapshotOptions {
  /** also leave last_cpupid out (exchange twice = identity resets it to -1) */
  ignoreLastCpupid?: boolean;
}

/**
 * Everything docs/decisions.md#unchanged calls "unchanged": mem_map (minus LRU links: putback adds at the
 * head), PTEs, data, the integrity shadow's view, counters and anon_vma references — minus the
 * listed side effects: PG_dirty folded in from a dirty PTE by the unmap, and foliox's own
 * pgexchange_* events that a failure counts.
 */
export function snapshot(k: Kernel, opts: SnapshotOptions = {}): Record<string, unknown> {
  const notDirty = ~(1 << PG_dirty);
  const mem = k.mem;
  const ptes: number[] = [];
  for (const mm of k.mms) {
    for (const vma of mm.vmas) {
      for (let vpn = vma.vmStart / 4096; vpn < vma.vmEnd / 4096; vpn++) {
        ptes.push(k.pgtables.walk(mm.pgd, vpn, false) ? k.pgtables.leaf[k.pgtables.off]! : 0);
      }
    }
  }
  const events = Array.from(k.vmstat.events).filter((_, i) => !EVENT_NAMES[i]?.startsWith("pgexchange_"));
  return {
    flags: Array.from(mem.flags, (f) => f & notDirty),
    refcount: Array.from(mem.refcount),
    mapcount: Array.from(mem.mapcount),
    pincount: Array.from(mem.pincount),
    mapping: Array.from(mem.mapping),
    index: Array.from(mem.index),
    private: Array.from(mem.private),
    order: Array.from(mem.order),
    memcg: Array.from(mem.memcg),
    lastCpupid: opts.ignoreLastCpupid ? null : Array.from(mem.lastCpupid),
    content: Array.from(mem.content),
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
  check(integrity.ok, `${when}: integrity: ${integrity.violations.length} page(s) read the wrong data${v ? `, e.g. pid ${v.pid} at ${v.addr} reads pfn ${v.pfn}` : ""}`);
}
