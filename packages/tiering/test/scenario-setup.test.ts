import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { folioWalkStart } from "@foliox/core";
import { ptePresent, _PAGE_ACCESSED } from "@foliox/core";
import { builtinScenario, parseScenario } from "../src/scenario/load.js";
import { prepareScenario } from "../src/scenario/setup.js";
import { registerTestAnon } from "./helpers.js";

describe("prepareScenario", () => {
  it("pressure: workload mapped and resident, both nodes full (docs/decisions.md#memory-pressure), every PTE old, file region noted as anon", () => {
    const s = builtinScenario("pressure", { epochs: 1 });
    const p = prepareScenario(s, { backends: [registerTestAnon] });
    const k = p.kernel;
    expect(p.nodes.map((n) => n.full)).toEqual([true, true]);
    expect(p.pids.length).toBe(1);
    expect(k.tasks.get(p.pids[0]!)!.nid).toBe(0);
    // the workload's pages are all resident, some on each node
    const [heap, cache] = p.workload.layout.processes[0]!.regions;
    let onFast = 0;
    let young = 0;
    const mm = p.tasks[0]!.mm!;
    for (const r of [heap!, cache!]) {
      for (let i = 0; i < r.pages; i++) {
        expect(k.pgtables.walk(mm.pgd, r.start / 4096 + i, false)).toBe(true);
        const pte = k.pgtables.leaf[k.pgtables.off]!;
        expect(ptePresent(pte)).toBe(true);
        if ((pte & _PAGE_ACCESSED) !== 0) young++;
      }
    }
    const perNode = [0, 0];
    for (const r of [heap!, cache!]) for (let i = 0; i < r.pages; i++) perNode[k.folioNid(folioWalkStart(k, mm, r.start + i * 4096))]!++;
    onFast = perNode[0]!;
    expect(onFast).toBeGreaterThan(0);
    expect(perNode[1]).toBeGreaterThan(0);
    expect(onFast + perNode[1]!).toBe(heap!.pages + cache!.pages);
    expect(young).toBe(0);
    expect(p.filled[1]).toBeGreaterThan(0);
    expect(p.notes.join("\n")).toMatch(/region "pagecache" is file in the workload but mapped as anon memory/);
    expect(p.notes.join("\n")).toMatch(/pressure full \(docs\/decisions\.md#memory-pressure\)/);
    // the access stream uses the real pids and lands in mapped regions
    const [b] = p.workload.batches(p.pids, 1000);
    expect(b!.pid[0]).toBe(p.pids[0]);
  });

  it("pressure none: regions mapped, nothing faulted, nodes not full", () => {
    const s = parseScenario(
      { memory: { fast: "8MiB", slow: "8MiB" }, workload: { pattern: { type: "uniform" }, processes: 2, regions: [{ name: "h", size: "2MiB", thpOrder: 9 }] } },
      "inline",
    );
    const p = prepareScenario(s, { backends: [registerTestAnon] });
    expect(p.tasks.map((t) => t.mm!.vmas.map((v) => [v.vmStart, v.vmEnd - v.vmStart, v.thpOrder]))).toEqual([
      [[64 * 2 ** 30, 2 * 2 ** 20, 9]],
      [[64 * 2 ** 30, 2 * 2 ** 20, 9]],
    ]);
    expect(p.nodes.map((n) => n.full)).toEqual([false, false]);
    expect(p.fillers).toEqual([]);
  });

  it("a workload that does not fit says what to change", () => {
    const s = parseScenario(
      { memory: { fast: "4MiB", slow: "4MiB" }, pressure: "full", workload: { pattern: { type: "uniform" }, regions: [{ name: "h", size: "16MiB" }] } },
      "inline",
    );
    expect(() => prepareScenario(s, { backends: [registerTestAnon] })).toThrow(
      /does not fit in memory .*give the nodes more memory or shrink workload\.regions/,
    );
  });
});

describe("prepareScenario with a file backend registered", () => {
  it("a file region is a MAP_SHARED file mapping whose folios are page cache, not anon; shmem still falls back, and says so", async () => {
    const { makeTestFsBackend } = await import("./helpers.js");
    const { BACKENDS } = await import("@foliox/core");
    const { accessVirtual, ACCESS_OK } = await import("@foliox/core");
    const { folioWalkStart } = await import("@foliox/core");
    const fsb = makeTestFsBackend();
    const s = parseScenario(
      {
        memory: { fast: "8MiB", slow: "8MiB" },
        workload: {
          pattern: { type: "uniform" },
          regions: [
            { name: "heap", kind: "anon", size: "1MiB" },
            { name: "db", kind: "file", size: "1MiB" },
            { name: "shm", kind: "shmem", size: "1MiB" },
          ],
        },
      },
      "inline",
    );
    const p = prepareScenario(s, { backends: [registerTestAnon, (c) => c.register(BACKENDS, { useValue: fsb })] });
    const rs = p.workload.layout.processes[0]!.regions;
    expect(rs.map((r) => r.backing)).toEqual(["anon", "file", "anon"]);
    expect(p.notes).toEqual([expect.stringMatching(/region "shm" is shmem .* no registered backend owns shmem folios/)]);
    const k = p.kernel;
    const mm = p.tasks[0]!.mm!;
    for (const r of rs) expect(accessVirtual(k, mm, r.start, true)).toBe(ACCESS_OK);
    expect(k.mem.folioTestAnon(folioWalkStart(k, mm, rs[0]!.start))).toBe(true);
    expect(k.mem.folioTestAnon(folioWalkStart(k, mm, rs[1]!.start))).toBe(false);
    expect(k.mem.folioTestAnon(folioWalkStart(k, mm, rs[2]!.start))).toBe(true);
  });
});
