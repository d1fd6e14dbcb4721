// Building blocks for the benchmarks, copied from packages/anon/test/scenario.ts (test files are
// not imported): a dram-cxl system with anon memory, processes that write their pages, and the
// folio mapped at an address.
import { accessVirtual, ACCESS_OK, createProcess, createSystem, doMmap, folioWalkStart } from "@foliox/core";
import { registerAnon } from "@foliox/anon";

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/**
 * A system as simulation runs build it: lockdep off (a scenario's `lockdep: false` default; it
 * records every lock order, a cost on every lock that grows with the locks held, e.g. a
 * 256-folio migrate batch). The model's own tests run with it on.
 */
export function makeSystem({ memory = [8 * MiB, 8 * MiB], bytes = false, seed = 1, lockdep = false } = {}) {
  return createSystem({ memory, backends: [registerAnon], bytes, seed, lockdep }).kernel;
}

/** A process on `nid` with `pages` written pages (order `thpOrder` folios); returns task and base address. */
export function populate(k, nid, pages, thpOrder = 0) {
  const task = createProcess(k, { nid });
  const addr = doMmap(k, task.mm, pages * 4096, { thpOrder });
  if (addr < 0) throw new Error(`mmap failed: ${addr}`);
  for (let i = 0; i < pages; i++) {
    const rc = accessVirtual(k, task.mm, addr + i * 4096, true);
    if (rc !== ACCESS_OK) throw new Error(`write fault failed at page ${i} of ${pages} on node ${nid}: ${rc}`);
  }
  return { task, addr };
}

/** The folio head pfn mapped at addr in task. */
export function folioAt(k, task, addr) {
  const head = folioWalkStart(k, task.mm, addr);
  if (head < 0) throw new Error(`no folio mapped at 0x${addr.toString(16)}`);
  return head;
}

/**
 * `n` folios of order `order` on each node: returns the two processes and a function that finds
 * the current pairs (folio i of node 0's process with folio i of node 1's) by page-table lookup.
 */
export function folioPairs(k, n, order) {
  const nr = 1 << order;
  const p0 = populate(k, 0, n * nr, order);
  const p1 = populate(k, 1, n * nr, order);
  const find = () => {
    const pairs = [];
    for (let i = 0; i < n; i++) pairs.push([folioAt(k, p0.task, p0.addr + i * nr * 4096), folioAt(k, p1.task, p1.addr + i * nr * 4096)]);
    return pairs;
  };
  const pairs = find();
  for (const [a, b] of pairs) {
    if (k.mem.order[a] !== order || k.mem.order[b] !== order) throw new Error(`expected order-${order} folios, got ${k.mem.order[a]}/${k.mem.order[b]}`);
    if (k.folioNid(a) !== 0 || k.folioNid(b) !== 1) throw new Error("pair not split across nodes");
  }
  return { p0, p1, find, pairs };
}
