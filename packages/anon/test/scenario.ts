/** Test scenarios for the anon backend: small dram-cxl systems with processes on each node. */
import { accessVirtual, ACCESS_OK, PG_dirty, createProcess, createSystem, doMmap, folioWalkStart, type Kernel, type Task } from "@foliox/core";
import { registerAnon } from "../src/index.js";

export const MiB = 1024 * 1024;

export function makeSystem(opts: { bytes?: boolean; seed?: number; memory?: [number, number] } = {}): Kernel {
  return createSystem({ memory: opts.memory ?? [8 * MiB, 8 * MiB], backends: [registerAnon], bytes: opts.bytes, seed: opts.seed }).kernel;
}

/** A process on `nid` with `pages` written pages (order `thpOrder` folios); returns task and base address. */
export function populate(k: Kernel, nid: number, pages: number, thpOrder = 0): { task: Task; addr: number } {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm!, pages * 4096, { thpOrder });
  if (addr < 0) throw new Error(`mmap failed: ${addr}`);
  for (let i = 0; i < pages; i++) {
    const rc = accessVirtual(k, task.mm!, addr + i * 4096, true);
    if (rc !== ACCESS_OK) throw new Error(`write fault failed at page ${i}: ${rc}`);
  }
  return { task, addr };
}

/** The folio head pfn mapped at addr in task. */
export function folioAt(k: Kernel, task: Task, addr: number): number {
  const head = folioWalkStart(k, task.mm!, addr);
  if (head < 0) throw new Error(`no folio mapped at 0x${addr.toString(16)}`);
  return head;
}

/**
 * Everything reference §10 calls "unchanged": mem_map (minus LRU links), PTEs, contents,
 * page-table shadows and counters (minus the pgexchange_* events a failure adds).
 */
export function snapshot(k: Kernel): unknown {
  // PG_dirty may be set by the unmap: try_to_migrate_one() folds a dirty PTE into the folio
  // (folio_mark_dirty), one of §10's listed side effects. Everything else must be equal.
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
  const events = Array.from(k.vmstat.events);
  return {
    flags: Array.from(mem.flags, (f) => f & notDirty),
    refcount: Array.from(mem.refcount),
    mapcount: Array.from(mem.mapcount),
    mapping: Array.from(mem.mapping),
    index: Array.from(mem.index),
    private: Array.from(mem.private),
    order: Array.from(mem.order),
    memcg: Array.from(mem.memcg),
    lastCpupid: Array.from(mem.lastCpupid),
    content: Array.from(mem.content),
    bytes: k.content.bytes ? Buffer.from(k.content.bytes).toString("base64") : null,
    ptes,
    node: Array.from(k.vmstat.node),
    zone: Array.from(k.vmstat.zone),
    events: events.slice(0, events.length - 9),
    anonVmaRefs: k.anonVmas.map((av) => av?.refcount ?? -1),
  };
}
