/**
 * The syscall facade: sys.movePages (move_pages(2)), sys.migratePages (migrate_pages(2)) and
 * sys.exchangeFolios (the seed's exchange_folios), against docs/kernel-facts.md#syscalls and
 * #seed-exchange, and docs/decisions.md#eacces-rule, #exchange-folios-syscall and #seed-defect-9.
 */
import {
  ACCESS_OK,
  EXCHANGE_FOLIOS_TRIES,
  MAX_NUMNODES,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  MPOL_MF_STRICT,
  NR_ISOLATED_ANON,
  PGEXCHANGE_FAIL,
  PGEXCHANGE_FAIL_EAGAIN,
  PGEXCHANGE_SUCCESS,
  PGMIGRATE_SUCCESS,
  Task,
  accessVirtual,
  copyProcess,
  createProcess,
  createSystem,
  doMmap,
  doMunmap,
  dramCxl,
  folioGet,
  folioPut,
  folioPutbackLru,
  syscalls,
  userNodemask,
  type Kernel,
} from "@foliox/core";
import { describe, expect, it } from "vitest";
import { registerAnon } from "../src/index.js";
import { folioAt, healthy, makeSystem, MiB, populate } from "./scenario.js";

const EPERM = -1;
const ENOENT = -2;
const ESRCH = -3;
const EAGAIN = -11;
const EACCES = -13;
const EFAULT = -14;
const EBUSY = -16;
const ENODEV = -19;
const EINVAL = -22;

/** A value no syscall writes: shows that a status/err slot was left alone. */
const UNTOUCHED = 12345;

function pagesOf(addr: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => addr + i * 4096);
}

function nidAt(k: Kernel, task: Task, addr: number): number {
  return k.folioNid(folioAt(k, task, addr));
}

function untouched(n: number): Int32Array {
  return new Int32Array(n).fill(UNTOUCHED);
}

function isolated(k: Kernel): number {
  return k.vmstat.nodePage(0, NR_ISOLATED_ANON) + k.vmstat.nodePage(1, NR_ISOLATED_ANON);
}

/** A process whose first `slow` pages sit on node 1 and the next `fast` pages on node 0. */
function twoTierProcess(k: Kernel, slow = 2, fast = 2, opts: { cred?: Partial<Task["cred"]> } = {}) {
  const task = createProcess(k, { nid: 1, cred: opts.cred });
  const mm = task.mm!;
  const addr = doMmap(k, mm, (slow + fast + 2) * 4096);
  expect(addr).toBeGreaterThan(0);
  for (let i = 0; i < slow; i++) expect(accessVirtual(k, mm, addr + i * 4096, true)).toBe(ACCESS_OK);
  mm.homeNid = 0;
  for (let i = slow; i < slow + fast; i++) expect(accessVirtual(k, mm, addr + i * 4096, true)).toBe(ACCESS_OK);
  return { task, addr, slowAddrs: pagesOf(addr, slow), fastAddrs: pagesOf(addr + slow * 4096, fast) };
}

describe("sys.movePages", () => {
  it("moves every page to the requested node, writes status[] and keeps the data", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 4);
    const pages = pagesOf(addr, 4);
    const tokens = pages.map((a) => k.mem.content[folioAt(k, task, a)]);
    const before = pages.map((a) => folioAt(k, task, a));
    const status = untouched(4);
    const sys = syscalls(k, task);
    expect(sys.movePages(0, 4, pages, [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([1, 1, 1, 1]);
    pages.forEach((a, i) => {
      expect(nidAt(k, task, a)).toBe(1);
      expect(folioAt(k, task, a)).not.toBe(before[i]);
      expect(k.mem.content[folioAt(k, task, a)]).toBe(tokens[i]);
    });
    expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(4);
    expect(isolated(k)).toBe(0);
    healthy(k);
    // The process still writes its pages without a fault.
    for (const a of pages) expect(accessVirtual(k, task.mm!, a, true)).toBe(ACCESS_OK);
    healthy(k);
  });

  it("reports a page already on its target node with that node, batching runs of the same node", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 4);
    const pages = pagesOf(addr, 4);
    const status = untouched(4);
    const pfn2 = folioAt(k, task, pages[2]!);
    expect(syscalls(k, task).movePages(0, 4, pages, [1, 1, 0, 1], status, 0)).toBe(0);
    expect(Array.from(status)).toEqual([1, 1, 0, 1]);
    expect(pages.map((a) => nidAt(k, task, a))).toEqual([1, 1, 0, 1]);
    expect(folioAt(k, task, pages[2]!)).toBe(pfn2);
    healthy(k);
  });

  it("moves a whole large folio when one of its pages is named", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 16, 4);
    const head = folioAt(k, task, addr);
    expect(k.mem.order[head]).toBe(4);
    const status = untouched(1);
    expect(syscalls(k, task).movePages(0, 1, [addr + 5 * 4096], [1], status, MPOL_MF_MOVE)).toBe(0);
    expect(status[0]).toBe(1);
    for (const a of pagesOf(addr, 16)) expect(nidAt(k, task, a)).toBe(1);
    expect(k.mem.order[folioAt(k, task, addr)]).toBe(4);
    healthy(k);
  });

  it("reports per-page errors in status[] without failing the call: -EFAULT unmapped or zero page, -ENOENT untouched", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 2);
    const mm = task.mm!;
    const extra = doMmap(k, mm, 2 * 4096);
    // a read fault maps the shared zero page
    expect(accessVirtual(k, mm, extra, false)).toBe(ACCESS_OK);
    const unmapped = 0x1000_0000;
    const pages = [addr, unmapped, extra, extra + 4096, addr + 4096];
    const status = untouched(5);
    expect(syscalls(k, task).movePages(0, 5, pages, [1, 1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([1, EFAULT, EFAULT, ENOENT, 1]);
    expect(nidAt(k, task, addr)).toBe(1);
    expect(nidAt(k, task, addr + 4096)).toBe(1);
    healthy(k);
  });

  describe("query mode (nodes == NULL)", () => {
    it("writes each page's node id, -ENOENT for an untouched page, -EFAULT for an unmapped address and the zero page", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 1, 2);
      const mm = task.mm!;
      const extra = doMmap(k, mm, 2 * 4096);
      expect(accessVirtual(k, mm, extra, false)).toBe(ACCESS_OK);
      const sys = syscalls(k, task);
      const status = untouched(5);
      expect(sys.movePages(0, 5, [addr, addr + 4096, extra + 4096, 0x1000_0000, extra], null, status, 0)).toBe(0);
      expect(Array.from(status)).toEqual([1, 1, ENOENT, EFAULT, EFAULT]);
      // After a move the query sees the new node; nothing moved by querying.
      const moved = untouched(1);
      expect(sys.movePages(0, 1, [addr], [0], moved, 0)).toBe(0);
      const again = untouched(2);
      expect(sys.movePages(0, 2, [addr, addr + 4096], null, again, 0)).toBe(0);
      expect(Array.from(again)).toEqual([0, 1]);
      healthy(k);
    });

    it("works in chunks of 16: a status array too short faults after the whole chunks that fit", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 20);
      const sys = syscalls(k, task);
      const pages = pagesOf(addr, 20);
      const status = untouched(20);
      expect(sys.movePages(0, 20, pages, null, status, 0)).toBe(0);
      expect(Array.from(status)).toEqual(new Array(20).fill(0));
      // status holds 18 ints: the first chunk (16) is written, the second faults.
      const short = untouched(18);
      expect(sys.movePages(0, 20, pages, null, short, 0)).toBe(EFAULT);
      expect(Array.from(short.subarray(0, 16))).toEqual(new Array(16).fill(0));
      // pages[] too short: the second chunk cannot be read; its status is not written.
      const st = untouched(20);
      expect(sys.movePages(0, 20, pages.slice(0, 17), null, st, 0)).toBe(EFAULT);
      expect(Array.from(st.subarray(16))).toEqual(new Array(4).fill(UNTOUCHED));
    });
  });

  describe("whole-call errors", () => {
    it("-EINVAL for flags outside MPOL_MF_MOVE | MPOL_MF_MOVE_ALL", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const sys = syscalls(k, task);
      for (const flags of [MPOL_MF_STRICT, MPOL_MF_MOVE | (1 << 3), 1 << 8]) {
        const status = untouched(1);
        expect(sys.movePages(0, 1, [addr], [1], status, flags)).toBe(EINVAL);
        expect(status[0]).toBe(UNTOUCHED);
      }
      expect(nidAt(k, task, addr)).toBe(0);
    });

    it("-EPERM for MPOL_MF_MOVE_ALL without CAP_SYS_NICE; allowed with it", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      expect(syscalls(k, task).movePages(0, 1, [addr], [1], untouched(1), MPOL_MF_MOVE_ALL)).toBe(EPERM);
      expect(nidAt(k, task, addr)).toBe(0);
      task.cred.capSysNice = true;
      const status = untouched(1);
      expect(syscalls(k, task).movePages(0, 1, [addr], [1], status, MPOL_MF_MOVE_ALL)).toBe(0);
      expect(status[0]).toBe(1);
      healthy(k);
    });

    it("-ESRCH for an unknown pid; -EPERM across uids without CAP_SYS_PTRACE; same uid or CAP_SYS_PTRACE may", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 2);
      const stranger = createProcess(k, { cred: { uid: 2000 } });
      const sameUid = createProcess(k, { cred: { uid: task.cred.uid } });
      const tracer = createProcess(k, { cred: { uid: 2001, capSysPtrace: true } });
      expect(syscalls(k, stranger).movePages(99999, 1, [addr], [1], untouched(1), 0)).toBe(ESRCH);
      expect(syscalls(k, stranger).movePages(-5, 1, [addr], [1], untouched(1), 0)).toBe(ESRCH);
      expect(syscalls(k, stranger).movePages(task.pid, 1, [addr], [1], untouched(1), 0)).toBe(EPERM);
      expect(syscalls(k, stranger).movePages(task.pid, 1, [addr], null, untouched(1), 0)).toBe(EPERM);
      expect(nidAt(k, task, addr)).toBe(0);
      const s1 = untouched(1);
      expect(syscalls(k, sameUid).movePages(task.pid, 1, [addr], [1], s1, 0)).toBe(0);
      expect(s1[0]).toBe(1);
      const s2 = untouched(1);
      expect(syscalls(k, tracer).movePages(task.pid, 1, [addr + 4096], [1], s2, 0)).toBe(0);
      expect(s2[0]).toBe(1);
      healthy(k);
    });

    it("-EINVAL for a target task without an mm", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const kthread = new Task(k.nextPid++, null, { uid: task.cred.uid, capSysNice: false, capSysPtrace: false }, [0, 1], 0);
      k.tasks.set(kthread.pid, kthread);
      expect(syscalls(k, task).movePages(kthread.pid, 1, [addr], [1], untouched(1), 0)).toBe(EINVAL);
      k.tasks.delete(kthread.pid);
    });

    it("-ENODEV for a node < 0, >= MAX_NUMNODES or without memory", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const sys = syscalls(k, task);
      for (const node of [-1, 2, 7, MAX_NUMNODES - 1, MAX_NUMNODES, 5000]) {
        const status = untouched(1);
        expect(sys.movePages(0, 1, [addr], [node], status, MPOL_MF_MOVE)).toBe(ENODEV);
        expect(status[0]).toBe(UNTOUCHED);
      }
      expect(nidAt(k, task, addr)).toBe(0);
      healthy(k);
    });

    it("-EACCES for a node outside the target's cpuset mems", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      task.memsAllowed = [0];
      const status = untouched(1);
      expect(syscalls(k, task).movePages(0, 1, [addr], [1], status, MPOL_MF_MOVE)).toBe(EACCES);
      expect(status[0]).toBe(UNTOUCHED);
      expect(nidAt(k, task, addr)).toBe(0);
      // The cpuset of the target counts, not the caller's.
      const other = createProcess(k, { cred: { uid: task.cred.uid }, memsAllowed: [0, 1] });
      expect(syscalls(k, other).movePages(task.pid, 1, [addr], [1], untouched(1), 0)).toBe(EACCES);
      task.memsAllowed = [0, 1];
      other.memsAllowed = [0];
      expect(syscalls(k, other).movePages(task.pid, 1, [addr], [1], untouched(1), 0)).toBe(0);
      expect(nidAt(k, task, addr)).toBe(1);
      healthy(k);
    });

    it("a bad node fails the call, but the batch queued before it is still migrated (out_flush)", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 3);
      const status = untouched(3);
      expect(syscalls(k, task).movePages(0, 3, pagesOf(addr, 3), [1, 1, 9], status, 0)).toBe(ENODEV);
      expect(Array.from(status)).toEqual([1, 1, UNTOUCHED]);
      expect(pagesOf(addr, 3).map((a) => nidAt(k, task, a))).toEqual([1, 1, 0]);
      expect(isolated(k)).toBe(0);
      healthy(k);
    });

    it("-EFAULT when pages[], nodes[] or status[] is shorter than nr_pages, or nr_pages is negative", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 3);
      const sys = syscalls(k, task);
      const pages = pagesOf(addr, 3);
      expect(sys.movePages(0, 3, pages.slice(0, 2), [1, 1, 1], untouched(3), 0)).toBe(EFAULT);
      expect(sys.movePages(0, 3, pages, [0, 0], untouched(3), 0)).toBe(EFAULT);
      expect(sys.movePages(0, 3, null, [0, 0, 0], untouched(3), 0)).toBe(EFAULT);
      expect(sys.movePages(0, 3, pages, [0, 0, 0], untouched(2), 0)).toBe(EFAULT);
      expect(sys.movePages(0, 3, pages, [0, 0, 0], null, 0)).toBe(EFAULT);
      // (unsigned long)-1: reads run past the end of the arrays
      expect(sys.movePages(0, -1, pages, [0, 0, 0], untouched(3), 0)).toBe(EFAULT);
      expect(sys.movePages(0, -1, pages, null, untouched(3), 0)).toBe(EFAULT);
      // a node that is not an int cannot be read
      expect(sys.movePages(0, 1, pages, [0.5], untouched(1), 0)).toBe(EFAULT);
      expect(sys.movePages(0, 0, null, null, null, 0)).toBe(0);
      expect(sys.movePages(0, 0, null, [], null, 0)).toBe(0);
      healthy(k);
    });
  });

  it("-EACCES per page for a page shared with a forked child, unless MPOL_MF_MOVE_ALL", () => {
    const k = makeSystem();
    const { task: parent, addr } = populate(k, 0, 2);
    const child = copyProcess(k, parent);
    if (typeof child === "number") throw new Error(`fork failed: ${child}`);
    // The parent writes page 1 again: COW gives it a private copy.
    expect(accessVirtual(k, parent.mm!, addr + 4096, true)).toBe(ACCESS_OK);
    const status = untouched(2);
    expect(syscalls(k, parent).movePages(0, 2, pagesOf(addr, 2), [1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([EACCES, 1]);
    expect(nidAt(k, parent, addr)).toBe(0);
    expect(nidAt(k, parent, addr + 4096)).toBe(1);
    expect(nidAt(k, child, addr + 4096)).toBe(0);
    healthy(k);

    parent.cred.capSysNice = true;
    const all = untouched(1);
    expect(syscalls(k, parent).movePages(0, 1, [addr], [1], all, MPOL_MF_MOVE_ALL)).toBe(0);
    expect(all[0]).toBe(1);
    // The shared folio moved for both processes.
    expect(folioAt(k, parent, addr)).toBe(folioAt(k, child, addr));
    expect(nidAt(k, child, addr)).toBe(1);
    healthy(k);
  });

  it("-EACCES for a large folio that another mm maps too (folio_likely_mapped_shared), not for one mapped by one mm", () => {
    const k = makeSystem();
    const { task: parent, addr } = populate(k, 0, 16, 4);
    const { task: solo, addr: soloAddr } = populate(k, 0, 16, 4);
    const child = copyProcess(k, parent);
    if (typeof child === "number") throw new Error(`fork failed: ${child}`);
    const status = untouched(1);
    expect(syscalls(k, parent).movePages(0, 1, [addr + 3 * 4096], [1], status, MPOL_MF_MOVE)).toBe(0);
    expect(status[0]).toBe(EACCES);
    const s2 = untouched(1);
    expect(syscalls(k, solo).movePages(0, 1, [soloAddr + 3 * 4096], [1], s2, MPOL_MF_MOVE)).toBe(0);
    expect(s2[0]).toBe(1);
    healthy(k);
  });

  it("the -EACCES rule follows the kernel version: v6.12 guesses from the first page, v6.16 knows the mms", () => {
    // A large folio the parent maps only at its first page and the child only at page 8:
    // two mms, but a total mapcount of 2 and a first page mapped once. folio_likely_mapped_shared()
    // (v6.9–v6.14) answers "not shared"; folio_maybe_mapped_shared() (v6.15+) answers "shared".
    const results: number[] = [];
    for (const kernelVersion of ["6.12", "6.16"] as const) {
      const k = createSystem({ memory: [8 * MiB, 8 * MiB], backends: [registerAnon], kernel: kernelVersion }).kernel;
      const { task: parent, addr } = populate(k, 0, 16, 4);
      const child = copyProcess(k, parent);
      if (typeof child === "number") throw new Error(`fork failed: ${child}`);
      expect(doMunmap(k, parent.mm!, addr + 4096, 15 * 4096)).toBe(0);
      expect(doMunmap(k, child.mm!, addr, 8 * 4096)).toBe(0);
      expect(doMunmap(k, child.mm!, addr + 9 * 4096, 7 * 4096)).toBe(0);
      const head = folioAt(k, parent, addr);
      expect(folioAt(k, child, addr + 8 * 4096)).toBe(head);
      expect(k.mem.folioMapcount(head)).toBe(2);
      const status = untouched(1);
      expect(syscalls(k, parent).movePages(0, 1, [addr], [1], status, MPOL_MF_MOVE)).toBe(0);
      results.push(status[0]!);
      healthy(k);
    }
    expect(results).toEqual([1, EACCES]);
  });

  it("keeps every byte in bytes mode", () => {
    const k = makeSystem({ bytes: true });
    const { task, addr } = populate(k, 0, 3);
    const status = untouched(3);
    expect(syscalls(k, task).movePages(0, 3, pagesOf(addr, 3), [1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([1, 1, 1]);
    healthy(k);
  });

  it("-EBUSY when LRU isolation fails", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 2);
    const busy = folioAt(k, task, addr);
    // Someone else holds it isolated (e.g. another mover).
    expect(k.lru.folioIsolateLru(busy)).toBe(true);
    const status = untouched(2);
    expect(syscalls(k, task).movePages(0, 2, pagesOf(addr, 2), [1, 1], status, MPOL_MF_MOVE)).toBe(0);
    expect(Array.from(status)).toEqual([EBUSY, 1]);
    expect(folioAt(k, task, addr)).toBe(busy);
    folioPutbackLru(k, busy);
    healthy(k);
  });

  it("a batch migrate_pages() cannot finish returns its failures plus the untried pages, and leaves status[] of the batch unwritten", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 4);
    const pages = pagesOf(addr, 4);
    const pinned = folioAt(k, task, pages[0]!);
    folioGet(k, pinned); // an extra reference: migration keeps failing with -EAGAIN
    const status = untouched(4);
    // Batch [0, 1] to node 1 is flushed when page 2 asks for node 0: one failure + 2 untried.
    expect(syscalls(k, task).movePages(0, 4, pages, [1, 1, 0, 1], status, MPOL_MF_MOVE)).toBe(3);
    expect(Array.from(status)).toEqual([UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED]);
    expect(folioAt(k, task, pages[0]!)).toBe(pinned);
    expect(nidAt(k, task, pages[1]!)).toBe(1);
    expect(nidAt(k, task, pages[3]!)).toBe(0);
    expect(isolated(k)).toBe(0);
    folioPut(k, pinned);
    healthy(k);
  });

  it("the failure count of the last batch is returned as is", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 3);
    const pages = pagesOf(addr, 3);
    const pinned = folioAt(k, task, pages[1]!);
    folioGet(k, pinned);
    const status = untouched(3);
    expect(syscalls(k, task).movePages(0, 3, pages, [1, 1, 1], status, MPOL_MF_MOVE)).toBe(1);
    expect([nidAt(k, task, pages[0]!), nidAt(k, task, pages[1]!), nidAt(k, task, pages[2]!)]).toEqual([1, 0, 1]);
    folioPut(k, pinned);
    healthy(k);
  });
});

describe("sys.migratePages", () => {
  it("moves every page of the process from the old nodes to the new ones", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 6);
    const tokens = pagesOf(addr, 6).map((a) => k.mem.content[folioAt(k, task, a)]);
    const sys = syscalls(k, task);
    expect(sys.migratePages(0, MAX_NUMNODES + 1, userNodemask([0]), userNodemask([1]))).toBe(0);
    pagesOf(addr, 6).forEach((a, i) => {
      expect(nidAt(k, task, a)).toBe(1);
      expect(k.mem.content[folioAt(k, task, a)]).toBe(tokens[i]);
    });
    expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(6);
    healthy(k);
    // libnuma-style short masks: maxnode 3 reads 2 bits of one word.
    expect(sys.migratePages(0, 3, userNodemask([1], 3), userNodemask([0], 3))).toBe(0);
    for (const a of pagesOf(addr, 6)) expect(nidAt(k, task, a)).toBe(0);
    healthy(k);
  });

  it("leaves pages of other processes alone, and with MPOL_MF_MOVE skips shared pages without counting them", () => {
    const k = makeSystem();
    const { task: parent, addr } = populate(k, 0, 4);
    const { task: other, addr: otherAddr } = populate(k, 0, 2);
    const child = copyProcess(k, parent);
    if (typeof child === "number") throw new Error(`fork failed: ${child}`);
    // Pages 2 and 3 become the parent's own again (COW).
    for (const a of pagesOf(addr + 2 * 4096, 2)) expect(accessVirtual(k, parent.mm!, a, true)).toBe(ACCESS_OK);
    const sys = syscalls(k, parent);
    expect(sys.migratePages(0, 65, userNodemask([0], 65), userNodemask([1], 65))).toBe(0);
    expect(pagesOf(addr, 4).map((a) => nidAt(k, parent, a))).toEqual([0, 0, 1, 1]);
    expect(pagesOf(otherAddr, 2).map((a) => nidAt(k, other, a))).toEqual([0, 0]);
    healthy(k);
    // CAP_SYS_NICE: MPOL_MF_MOVE_ALL, the shared pages move too, for both processes.
    parent.cred.capSysNice = true;
    expect(sys.migratePages(0, 65, userNodemask([0], 65), userNodemask([1], 65))).toBe(0);
    expect(pagesOf(addr, 4).map((a) => nidAt(k, parent, a))).toEqual([1, 1, 1, 1]);
    expect(pagesOf(addr, 2).map((a) => nidAt(k, child, a))).toEqual([1, 1]);
    healthy(k);
  });

  it("returns the number of pages that could not be moved", () => {
    const k = makeSystem();
    const { task, addr } = populate(k, 0, 4);
    const pinned = folioAt(k, task, addr + 4096);
    folioGet(k, pinned);
    expect(syscalls(k, task).migratePages(0, 65, userNodemask([0], 65), userNodemask([1], 65))).toBe(1);
    expect(pagesOf(addr, 4).map((a) => nidAt(k, task, a))).toEqual([1, 0, 1, 1]);
    expect(isolated(k)).toBe(0);
    folioPut(k, pinned);
    healthy(k);
  });

  it("moves node by node in the kernel's order: [0,1] -> [1,2] empties node 1 before filling it", () => {
    const spec = dramCxl(8 * MiB, 8 * MiB);
    spec.nodes.push({ ...spec.nodes[1]!, name: "CXL2" });
    spec.distance = [
      [10, 20, 20],
      [20, 10, 20],
      [20, 20, 10],
    ];
    const k = createSystem({ topology: spec, backends: [registerAnon] }).kernel;
    const task = createProcess(k, { nid: 0 });
    const mm = task.mm!;
    const addr = doMmap(k, mm, 4 * 4096);
    for (let i = 0; i < 4; i++) {
      mm.homeNid = i < 2 ? 0 : 1;
      expect(accessVirtual(k, mm, addr + i * 4096, true)).toBe(ACCESS_OK);
    }
    expect(pagesOf(addr, 4).map((a) => nidAt(k, task, a))).toEqual([0, 0, 1, 1]);
    expect(syscalls(k, task).migratePages(0, 65, userNodemask([0, 1], 65), userNodemask([1, 2], 65))).toBe(0);
    // Had 0 -> 1 run first, the pages from node 0 would have been carried on to node 2.
    expect(pagesOf(addr, 4).map((a) => nidAt(k, task, a))).toEqual([1, 1, 2, 2]);
    healthy(k);
  });

  describe("node masks (get_nodes)", () => {
    it("-EINVAL when maxnode - 1 exceeds PAGE_SIZE * 8 bits; a mask that big but zero above the nodes is fine", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const sys = syscalls(k, task);
      const big = (nids: number[]) => userNodemask(nids, 32768 + 64);
      expect(sys.migratePages(0, 32770, big([0]), big([1]))).toBe(EINVAL);
      expect(nidAt(k, task, addr)).toBe(0);
      expect(sys.migratePages(0, 32769, big([0]), big([1]))).toBe(0);
      expect(nidAt(k, task, addr)).toBe(1);
      healthy(k);
    });

    it("-EINVAL for a bit at or above MAX_NUMNODES, in either mask", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const sys = syscalls(k, task);
      expect(sys.migratePages(0, 2049, userNodemask([0, 1500], 2049), userNodemask([1], 2049))).toBe(EINVAL);
      expect(sys.migratePages(0, 2049, userNodemask([0], 2049), userNodemask([1, MAX_NUMNODES], 2049))).toBe(EINVAL);
      expect(nidAt(k, task, addr)).toBe(0);
      // Bits at or above maxnode - 1 inside the last word are masked off, not rejected.
      const m = userNodemask([1], 128);
      m[0] = m[0]! | (1n << 40n);
      expect(sys.migratePages(0, 3, userNodemask([0], 3), m)).toBe(0);
      expect(nidAt(k, task, addr)).toBe(1);
      healthy(k);
    });

    it("a new mask naming only nodes past the node count: -EPERM without CAP_SYS_NICE, -EINVAL with it", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      expect(syscalls(k, task).migratePages(0, 65, userNodemask([0], 65), userNodemask([2], 65))).toBe(EPERM);
      expect(syscalls(k, task).migratePages(0, MAX_NUMNODES + 1, userNodemask([0]), userNodemask([MAX_NUMNODES - 1]))).toBe(EPERM);
      task.cred.capSysNice = true;
      expect(syscalls(k, task).migratePages(0, 65, userNodemask([0], 65), userNodemask([2], 65))).toBe(EINVAL);
      expect(nidAt(k, task, addr)).toBe(0);
      healthy(k);
    });

    it("-EFAULT for a mask shorter than BITS_TO_LONGS(maxnode - 1) words; NULL masks are empty", () => {
      const k = makeSystem();
      const { task } = populate(k, 0, 1);
      const sys = syscalls(k, task);
      expect(sys.migratePages(0, MAX_NUMNODES + 1, userNodemask([0], 64), userNodemask([1]))).toBe(EFAULT);
      expect(sys.migratePages(0, 65, [1n], [])).toBe(EFAULT);
      // NULL new mask: nothing to move to → -EINVAL; maxnode 0 wraps to ULONG_MAX → -EINVAL
      expect(sys.migratePages(0, 65, userNodemask([0], 65), null)).toBe(EINVAL);
      expect(sys.migratePages(0, 0, userNodemask([0], 65), userNodemask([1], 65))).toBe(EINVAL);
      // maxnode 1 reads no bits at all: both masks are empty
      expect(sys.migratePages(0, 1, userNodemask([0], 65), userNodemask([1], 65))).toBe(EINVAL);
      // empty old mask with a valid new one: nothing to do
      expect(sys.migratePages(0, 65, null, userNodemask([1], 65))).toBe(0);
    });
  });

  describe("whole-call errors", () => {
    it("-ESRCH, -EPERM across uids, allowed with CAP_SYS_PTRACE", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      const stranger = createProcess(k, { cred: { uid: 4242 } });
      const masks = [userNodemask([0], 65), userNodemask([1], 65)] as const;
      expect(syscalls(k, stranger).migratePages(31337, 65, ...masks)).toBe(ESRCH);
      expect(syscalls(k, stranger).migratePages(task.pid, 65, ...masks)).toBe(EPERM);
      expect(nidAt(k, task, addr)).toBe(0);
      stranger.cred.capSysPtrace = true;
      expect(syscalls(k, stranger).migratePages(task.pid, 65, ...masks)).toBe(0);
      expect(nidAt(k, task, addr)).toBe(1);
      healthy(k);
    });

    it("-EPERM for new nodes outside the target's cpuset without CAP_SYS_NICE; -EINVAL when none is in the caller's", () => {
      const k = makeSystem();
      const { task, addr } = populate(k, 0, 1);
      task.memsAllowed = [0];
      const masks = [userNodemask([0], 65), userNodemask([1], 65)] as const;
      expect(syscalls(k, task).migratePages(0, 65, ...masks)).toBe(EPERM);
      task.cred.capSysNice = true;
      // new &= current's mems = {0} ∩ {1}: empty
      expect(syscalls(k, task).migratePages(0, 65, ...masks)).toBe(EINVAL);
      expect(nidAt(k, task, addr)).toBe(0);
      const admin = createProcess(k, { cred: { uid: 0, capSysNice: true, capSysPtrace: true } });
      expect(syscalls(k, admin).migratePages(task.pid, 65, ...masks)).toBe(0);
      expect(nidAt(k, task, addr)).toBe(1);
      healthy(k);
    });
  });
});

describe("sys.exchangeFolios", () => {
  it("exchanges each pair in place, writes err[] and returns 0, with no allocation", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const slowFolios = slowAddrs.map((a) => folioAt(k, task, a));
    const fastFolios = fastAddrs.map((a) => folioAt(k, task, a));
    const slowTokens = slowFolios.map((f) => k.mem.content[f]);
    const err = untouched(2);
    const calls = k.alloc.nrAllocCalls;
    expect(syscalls(k, task).exchangeFolios(0, 2, slowAddrs, fastAddrs, err)).toBe(0);
    expect(Array.from(err)).toEqual([0, 0]);
    expect(k.alloc.nrAllocCalls).toBe(calls);
    // The hot (slow-tier) data now lives in the fast frames, and the other way round.
    slowAddrs.forEach((a, i) => {
      expect(folioAt(k, task, a)).toBe(fastFolios[i]);
      expect(nidAt(k, task, a)).toBe(0);
      expect(k.mem.content[fastFolios[i]!]).toBe(slowTokens[i]);
    });
    fastAddrs.forEach((a, i) => expect(folioAt(k, task, a)).toBe(slowFolios[i]));
    expect(k.vmstat.event(PGEXCHANGE_SUCCESS)).toBe(2);
    healthy(k);
    for (const a of [...slowAddrs, ...fastAddrs]) expect(accessVirtual(k, task.mm!, a, true)).toBe(ACCESS_OK);
    healthy(k);
  });

  it("keeps every byte in bytes mode", () => {
    const k = makeSystem({ bytes: true });
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const err = untouched(2);
    expect(syscalls(k, task).exchangeFolios(0, 2, slowAddrs, fastAddrs, err)).toBe(0);
    expect(Array.from(err)).toEqual([0, 0]);
    healthy(k);
  });

  it("works on another process of the same uid, or with CAP_SYS_PTRACE; -EPERM otherwise, -ESRCH for no such pid", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const before = folioAt(k, task, slowAddrs[0]!);
    const stranger = createProcess(k, { cred: { uid: 777 } });
    const err = untouched(1);
    expect(syscalls(k, stranger).exchangeFolios(task.pid, 1, slowAddrs, fastAddrs, err)).toBe(EPERM);
    expect(syscalls(k, stranger).exchangeFolios(4321, 1, slowAddrs, fastAddrs, err)).toBe(ESRCH);
    expect(err[0]).toBe(UNTOUCHED);
    expect(folioAt(k, task, slowAddrs[0]!)).toBe(before);
    const sibling = createProcess(k, { cred: { uid: task.cred.uid } });
    expect(syscalls(k, sibling).exchangeFolios(task.pid, 1, slowAddrs, fastAddrs, err)).toBe(0);
    expect(err[0]).toBe(0);
    stranger.cred.capSysPtrace = true;
    expect(syscalls(k, stranger).exchangeFolios(task.pid, 1, slowAddrs, fastAddrs, err)).toBe(0);
    // exchanged twice: back where it started
    expect(folioAt(k, task, slowAddrs[0]!)).toBe(before);
    healthy(k);
  });

  it("per-pair -ENOENT (not present) and -EFAULT (unmapped, zero page) in err[]; returns the pairs not exchanged", () => {
    const k = makeSystem();
    const { task, addr, slowAddrs, fastAddrs } = twoTierProcess(k);
    const mm = task.mm!;
    const untouchedPage = addr + 4 * 4096;
    const zeroPage = addr + 5 * 4096;
    expect(accessVirtual(k, mm, zeroPage, false)).toBe(ACCESS_OK);
    const unmapped = 0x2000_0000;
    const src = [slowAddrs[0]!, untouchedPage, slowAddrs[1]!, zeroPage, slowAddrs[1]!];
    const dst = [fastAddrs[0]!, fastAddrs[1]!, unmapped, fastAddrs[1]!, untouchedPage];
    const err = untouched(5);
    expect(syscalls(k, task).exchangeFolios(0, 5, src, dst, err)).toBe(4);
    expect(Array.from(err)).toEqual([0, ENOENT, EFAULT, EFAULT, ENOENT]);
    expect(nidAt(k, task, slowAddrs[0]!)).toBe(0);
    expect(nidAt(k, task, slowAddrs[1]!)).toBe(1);
    healthy(k);
  });

  it("per-pair -EINVAL for a folio paired with itself or with a folio of another order", () => {
    const k = makeSystem();
    const { task, slowAddrs } = twoTierProcess(k);
    const mm = task.mm!;
    const thp = doMmap(k, mm, 16 * 4096, { thpOrder: 4 });
    expect(accessVirtual(k, mm, thp, true)).toBe(ACCESS_OK);
    expect(k.mem.order[folioAt(k, task, thp)]).toBe(4);
    const err = untouched(2);
    expect(syscalls(k, task).exchangeFolios(0, 2, [slowAddrs[0]!, slowAddrs[1]!], [slowAddrs[0]!, thp + 4096], err)).toBe(2);
    expect(Array.from(err)).toEqual([EINVAL, EINVAL]);
    healthy(k);
  });

  it("retries -EAGAIN: a lock contended once succeeds on the second try", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const fast = folioAt(k, task, fastAddrs[0]!);
    k.faultInject.arm("folio_exchange_lock(old)", EAGAIN);
    const err = untouched(1);
    expect(syscalls(k, task).exchangeFolios(0, 1, slowAddrs, fastAddrs, err)).toBe(0);
    expect(err[0]).toBe(0);
    expect(folioAt(k, task, slowAddrs[0]!)).toBe(fast);
    expect(k.vmstat.event(PGEXCHANGE_FAIL_EAGAIN)).toBe(1);
    expect(k.vmstat.event(PGEXCHANGE_SUCCESS)).toBe(1);
    healthy(k);
  });

  it(`gives up after ${EXCHANGE_FOLIOS_TRIES} tries of -EAGAIN and leaves both folios as they were`, () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const slow = folioAt(k, task, slowAddrs[0]!);
    folioGet(k, slow); // an extra reference: the support check answers -EAGAIN every time
    const err = untouched(1);
    expect(syscalls(k, task).exchangeFolios(0, 1, slowAddrs, fastAddrs, err)).toBe(1);
    expect(err[0]).toBe(EAGAIN);
    expect(k.vmstat.event(PGEXCHANGE_FAIL_EAGAIN)).toBe(EXCHANGE_FOLIOS_TRIES);
    expect(k.vmstat.event(PGEXCHANGE_FAIL)).toBe(EXCHANGE_FOLIOS_TRIES);
    expect(folioAt(k, task, slowAddrs[0]!)).toBe(slow);
    folioPut(k, slow);
    healthy(k);
  });

  it("-EBUSY in err[] when a folio cannot be isolated", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const fast = folioAt(k, task, fastAddrs[0]!);
    expect(k.lru.folioIsolateLru(fast)).toBe(true);
    const err = untouched(1);
    expect(syscalls(k, task).exchangeFolios(0, 1, slowAddrs, fastAddrs, err)).toBe(1);
    expect(err[0]).toBe(EBUSY);
    folioPutbackLru(k, fast);
    healthy(k);
  });

  it("-EACCES for a folio shared with another mm unless the caller has CAP_SYS_NICE (the MOVE_ALL rule)", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const child = copyProcess(k, task);
    if (typeof child === "number") throw new Error(`fork failed: ${child}`);
    // The parent rewrites fast page 0 (COW): it is its own again; slow page 0 stays shared.
    expect(accessVirtual(k, task.mm!, fastAddrs[0]!, true)).toBe(ACCESS_OK);
    const shared = folioAt(k, task, slowAddrs[0]!);
    const err = untouched(2);
    expect(syscalls(k, task).exchangeFolios(0, 2, [slowAddrs[0]!, fastAddrs[0]!], [fastAddrs[0]!, slowAddrs[0]!], err)).toBe(2);
    expect(Array.from(err)).toEqual([EACCES, EACCES]);
    expect(folioAt(k, task, slowAddrs[0]!)).toBe(shared);
    healthy(k);
    task.cred.capSysNice = true;
    expect(syscalls(k, task).exchangeFolios(0, 1, [slowAddrs[0]!], [fastAddrs[0]!], err)).toBe(0);
    expect(err[0]).toBe(0);
    // Both processes now find the shared data in the fast frame.
    expect(nidAt(k, task, slowAddrs[0]!)).toBe(0);
    expect(folioAt(k, child, slowAddrs[0]!)).toBe(folioAt(k, task, slowAddrs[0]!));
    healthy(k);
  });

  it("-EFAULT for arrays shorter than nr_pages or a negative count, after the pairs that could be read; -EINVAL for a fractional count", () => {
    const k = makeSystem();
    const { task, slowAddrs, fastAddrs } = twoTierProcess(k);
    const sys = syscalls(k, task);
    const err = untouched(2);
    expect(sys.exchangeFolios(0, 2, slowAddrs, fastAddrs.slice(0, 1), err)).toBe(EFAULT);
    // The first pair was exchanged and reported before the fault.
    expect(Array.from(err)).toEqual([0, UNTOUCHED]);
    expect(nidAt(k, task, slowAddrs[0]!)).toBe(0);
    expect(sys.exchangeFolios(0, 1, slowAddrs, fastAddrs, null)).toBe(EFAULT);
    expect(sys.exchangeFolios(0, -1, [], [], untouched(1))).toBe(EFAULT);
    expect(sys.exchangeFolios(0, 1.5, slowAddrs, fastAddrs, untouched(2))).toBe(EINVAL);
    expect(sys.exchangeFolios(0, 0, null, null, null)).toBe(0);
    healthy(k);
  });
});
