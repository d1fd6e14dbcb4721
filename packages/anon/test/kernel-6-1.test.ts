/**
 * createSystem({ kernel: "6.1" }): the v6.1 behaviour of the migration syscalls and the list
 * mover, against docs/kernel-facts.md#differences-6-1-6-12 (kernel-check/ compares the same
 * paths with a running v6.1 kernel).
 */
import {
  ACCESS_OK,
  MPOL_MF_MOVE,
  PGMIGRATE_SUCCESS,
  THP_MIGRATION_FAIL,
  THP_MIGRATION_SPLIT,
  accessVirtual,
  copyProcess,
  createProcess,
  createSystem,
  doMmap,
  doMunmap,
  folioPutbackLru,
  syscalls,
  userNodemask,
  type Kernel,
  type KernelVersion,
} from "@foliox/core";
import { describe, expect, it } from "vitest";
import { registerAnon } from "../src/index.js";
import { folioAt, healthy, MiB, populate } from "./scenario.js";

const ENOENT = -2;
const EACCES = -13;
const EFAULT = -14;
const ENOMEM = -12;
const UNTOUCHED = 12345;

function system(kernel: KernelVersion, memory: [number, number] = [8 * MiB, 8 * MiB]): Kernel {
  return createSystem({ memory, backends: [registerAnon], kernel }).kernel;
}

describe('kernel: "6.1"', () => {
  it("is accepted by createSystem, 6.12 stays the default, and a wrong value is refused by name", () => {
    expect(system("6.1").options.kernel).toBe("6.1");
    expect(createSystem({ backends: [registerAnon] }).kernel.options.kernel).toBe("6.12");
    expect(createSystem({ backends: [registerAnon], kernelVersion: "6.16" }).kernel.options.kernel).toBe("6.16");
    expect(() => createSystem({ backends: [registerAnon], kernel: "5.15" as KernelVersion })).toThrow(/unknown kernel "5.15"; choose one of: 6.1, 6.12, 6.16/);
    expect(() => createSystem({ backends: [registerAnon], kernel: "6.1", kernelVersion: "6.12" })).toThrow(/disagree/);
  });

  it("move_pages reports a page never touched as -EFAULT on 6.1 (follow_page FOLL_DUMP) and -ENOENT on 6.12, in both modes", () => {
    const got: Record<string, number[]> = {};
    for (const kernel of ["6.1", "6.12"] as const) {
      const k = system(kernel);
      const task = createProcess(k, { nid: 0 });
      const addr = doMmap(k, task.mm!, 4 * 4096);
      expect(accessVirtual(k, task.mm!, addr, true)).toBe(ACCESS_OK);
      expect(accessVirtual(k, task.mm!, addr + 2 * 4096, false)).toBe(ACCESS_OK); // the zero page
      const pages = [addr, addr + 4096, addr + 2 * 4096, addr + 3 * 4096];
      const query = new Int32Array(4).fill(UNTOUCHED);
      expect(syscalls(k, task).movePages(0, 4, pages, null, query, 0)).toBe(0);
      const status = new Int32Array(4).fill(UNTOUCHED);
      expect(syscalls(k, task).movePages(0, 4, pages, [1, 1, 1, 1], status, MPOL_MF_MOVE)).toBe(0);
      got[kernel] = [...query, ...status];
      healthy(k);
    }
    expect(got["6.1"]).toEqual([0, EFAULT, EFAULT, EFAULT, 1, EFAULT, EFAULT, EFAULT]);
    expect(got["6.12"]).toEqual([0, ENOENT, EFAULT, ENOENT, 1, ENOENT, EFAULT, ENOENT]);
  });

  it("the -EACCES test is page_mapcount() of the named page on 6.1, folio_likely_mapped_shared() on 6.12", () => {
    // The parent maps all 16 pages of a large folio, the child only page 8: a folio mapcount of
    // 17 (> 16 pages: "shared" for 6.12), but page 0 is mapped once.
    const got: Record<string, number[]> = {};
    for (const kernel of ["6.1", "6.12"] as const) {
      const k = system(kernel);
      const { task: parent, addr } = populate(k, 0, 16, 4);
      const child = copyProcess(k, parent);
      if (typeof child === "number") throw new Error(`fork failed: ${child}`);
      expect(doMunmap(k, child.mm!, addr, 8 * 4096)).toBe(0);
      expect(doMunmap(k, child.mm!, addr + 9 * 4096, 7 * 4096)).toBe(0);
      expect(k.mem.folioMapcount(folioAt(k, parent, addr))).toBe(17);
      const status = new Int32Array(2).fill(UNTOUCHED);
      // page 8 first (mapped twice), then page 0 alone
      expect(syscalls(k, parent).movePages(0, 1, [addr + 8 * 4096], [1], status.subarray(0, 1), MPOL_MF_MOVE)).toBe(0);
      expect(syscalls(k, parent).movePages(0, 1, [addr], [1], status.subarray(1), MPOL_MF_MOVE)).toBe(0);
      got[kernel] = [...status];
      healthy(k);
    }
    expect(got["6.1"]).toEqual([EACCES, 1]);
    expect(got["6.12"]).toEqual([EACCES, EACCES]);
  });

  it("migrate_pages(2) does not count folios it could not isolate on 6.1; 6.12 does", () => {
    const got: Record<string, number> = {};
    for (const kernel of ["6.1", "6.12"] as const) {
      const k = system(kernel);
      const { task, addr } = populate(k, 0, 4);
      const busy = folioAt(k, task, addr + 4096);
      expect(k.lru.folioIsolateLru(busy)).toBe(true); // held isolated by someone else
      got[kernel] = syscalls(k, task).migratePages(0, 3, userNodemask([0]), userNodemask([1]));
      expect(k.vmstat.event(PGMIGRATE_SUCCESS)).toBe(3);
      folioPutbackLru(k, busy);
      healthy(k);
    }
    expect(got).toEqual({ "6.1": 0, "6.12": 1 });
  });

  it("-ENOMEM for a piece of a large folio split for want of memory ends the call on 6.1; 6.12 counts the folio as one failure", () => {
    const got: Record<string, { rc: number; split: number; fail: number }> = {};
    for (const kernel of ["6.1", "6.12"] as const) {
      // Node 1 has room for some base pages but no order-9 block: fill it with small pages.
      const k = system(kernel, [16 * MiB, 4 * MiB]);
      const { task, addr } = populate(k, 0, 512, 9);
      const filler = createProcess(k, { nid: 1 });
      const fill = doMmap(k, filler.mm!, 4 * MiB);
      for (let i = 0; i < 1024; i++) {
        if (accessVirtual(k, filler.mm!, fill + i * 4096, true) !== ACCESS_OK) break;
        if (k.folioNid(folioAt(k, filler, fill + i * 4096)) !== 1) break;
      }
      const status = new Int32Array(1).fill(UNTOUCHED);
      const rc = syscalls(k, task).movePages(0, 1, [addr], [1], status, MPOL_MF_MOVE);
      got[kernel] = { rc, split: k.vmstat.event(THP_MIGRATION_SPLIT), fail: k.vmstat.event(THP_MIGRATION_FAIL) };
      healthy(k);
    }
    expect(got["6.1"]).toEqual({ rc: ENOMEM, split: 1, fail: 1 });
    expect(got["6.12"]!.rc).toBe(1);
    expect(got["6.12"]!.split).toBe(1);
  });
});
