/**
 * The cross-backend conformance matrix: every ordered pair of the
 * built-in backends (BUILTIN_BACKENDS: anon, f2fs, fallback, and ext4/tmpfs when registered)
 * through runConformance(), every applicable case passing, plus one matrix-only case: the
 * per-node page-cache and mapping counters move with the data
 * (docs/kernel-facts.md#folio-migrate-mapping and #seed-exchange-move).
 * Then the same through `foliox conformance --json`, and seed-literal failing it.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import {
  MIGRATE_SYNC,
  NR_ANON_MAPPED,
  NR_FILE_DIRTY,
  NR_FILE_MAPPED,
  NR_FILE_PAGES,
  NR_SHMEM,
  PG_dirty,
  PG_swapbacked,
  folioAddressSpace,
  folioInPagecache,
  type Kernel,
} from "@foliox/core";
import { CONFORMANCE_CASES, check, checkEqual, checkHealthy, checkRc, probeBackends, runConformance, type ConformanceCase } from "@foliox/conformance";
import { BUILTIN_BACKENDS } from "../src/plugin.js";
import { main } from "../src/program.js";

const backends = BUILTIN_BACKENDS.flatMap((b) => probeBackends(b.register, b.source));
const names = backends.map((b) => b.manifest.name);
const ITEMS = [
  [NR_FILE_PAGES, "nr_file_pages"],
  [NR_FILE_DIRTY, "nr_file_dirty"],
  [NR_SHMEM, "nr_shmem"],
  [NR_FILE_MAPPED, "nr_file_mapped"],
  [NR_ANON_MAPPED, "nr_anon_mapped"],
] as const;

/** What one folio contributes to each ITEMS counter of its node (docs/kernel-facts.md#folio-migrate-mapping). */
function contribution(k: Kernel, head: number): number[] {
  const mem = k.mem;
  const nr = mem.folioNrPages(head);
  const cache = folioInPagecache(k, head);
  const mapped = mem.folioMapped(head);
  return [
    cache ? nr : 0,
    cache && mem.testFlag(head, PG_dirty) && folioAddressSpace(k, head)!.canWriteback ? nr : 0,
    cache && mem.testFlag(head, PG_swapbacked) ? nr : 0,
    cache && mapped ? nr : 0,
    mem.folioTestAnon(head) && mapped ? nr : 0,
  ];
}

const countersByNode: ConformanceCase = {
  id: "matrix.counters-by-node",
  title: "NR_FILE_PAGES, NR_FILE_DIRTY, NR_SHMEM, NR_FILE_MAPPED and NR_ANON_MAPPED move by node with the data",
  requires: "both backends exchange (manifest.exchange)",
  applies: (o, n) => o.exchange && n.exchange,
  run(ctx) {
    for (const dirty of [false, true]) {
      const k = ctx.system();
      // a dirty folio on the fallback path is written out or refused (fs.dirty covers that)
      const state = (m: typeof ctx.old) =>
        dirty && m.states?.includes("dirty") && m.migrateCallback !== "fallback_migrate_folio" ? ("dirty" as const) : undefined;
      const p = ctx.pair(k, { oldState: state(ctx.old), newState: state(ctx.new) });
      const read = () => [0, 1].map((nid) => ITEMS.map(([item]) => k.vmstat.nodePage(nid, item)));
      const before = read();
      check(!k.mem.folioTestSwapcache(p.old.head) && !k.mem.folioTestSwapcache(p.new.head), "a plain fixture folio is in the swap cache");
      const old = contribution(k, p.old.head); // on node 1
      const nw = contribution(k, p.new.head); // on node 0
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange (${dirty ? "dirty" : "clean"})`);
      // PG_dirty folded in from a dirty PTE by the unmap (docs/decisions.md#unchanged) travels with the data: count it.
      const oldNow = contribution(k, p.new.head);
      const nwNow = contribution(k, p.old.head);
      check(oldNow[0] === old[0] && nwNow[0] === nw[0], "a folio changed between page cache and anon");
      const want = [before[0]!.map((v, i) => v - nw[i]! + oldNow[i]!), before[1]!.map((v, i) => v - old[i]! + nwNow[i]!)];
      const label = (rows: number[][]) => rows.map((r, nid) => Object.fromEntries(ITEMS.map(([, name], i) => [`node${nid}.${name}`, r[i]])));
      checkEqual(label(read()), label(want), `${dirty ? "dirty" : "clean"} pair: counters by node`);
      checkHealthy(k, "after the exchange");
    }
  },
};

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

interface Report {
  backends: string[];
  pairs: { old: string; new: string; cases: { id: string; ok: boolean; status: string; detail?: string }[] }[];
  failed: number;
}

describe("cross-backend matrix: every ordered pair of the built-in backends", () => {
  it("registers anon, f2fs and fallback (and any other built-in)", () => {
    expect(names).toEqual(expect.arrayContaining(["anon", "f2fs", "fallback"]));
    expect(new Set(names).size).toBe(names.length);
  });

  const report = runConformance({ backends, cases: [...CONFORMANCE_CASES, countersByNode] });
  it("covers every ordered pair", () => {
    expect(report.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(names.flatMap((a) => names.map((b) => `${a}×${b}`)));
  });
  for (const pair of report.pairs) {
    it(`${pair.old} × ${pair.new}: every applicable case passes`, () => {
      expect(pair.cases.filter((c) => !c.ok).map((c) => `${c.id}: ${c.detail}`)).toEqual([]);
      for (const c of pair.cases.filter((x) => x.status === "n/a")) expect(c.detail).toMatch(/^manifest: /);
    });
  }
  it("file-backed pairs run the fs.* cases and the counters case", () => {
    const p = report.pairs.find((x) => x.old === "f2fs" && x.new === "anon")!;
    const status = Object.fromEntries(p.cases.map((c) => [c.id, c.status]));
    for (const id of ["fs.dirty", "fs.writeback", "fs.locked-buffers", "fs.private-follows-data", "fs.truncate-between-phases", "matrix.counters-by-node"])
      expect(status[id], id).toBe("pass");
    const fb = report.pairs.find((x) => x.old === "anon" && x.new === "fallback")!;
    expect(fb.cases.find((c) => c.id === "fs.dirty")!.status).toBe("pass");
  });
});

describe("foliox conformance with the built-in backends", () => {
  it("--json: every ordered pair, with the case ids, all passing; exit 0", { timeout: 300_000 }, async () => {
    const r = await run("conformance", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Report;
    expect(j.backends).toEqual(names);
    expect(j.pairs.map((p) => [p.old, p.new])).toEqual(names.flatMap((a) => names.map((b) => [a, b])));
    for (const p of j.pairs) {
      expect(p.cases.map((c) => c.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
      expect(p.cases.filter((c) => !c.ok)).toEqual([]);
    }
    expect(j.failed).toBe(0);
  });

  it("--mover seed-literal reports failures on the fallback pairs; exit 1", { timeout: 600_000 }, async () => {
    const r = await run("conformance", "--mover", "seed-literal", "--backend", "fallback", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Report & { defects: { id: string; status: string }[] };
    expect(j.failed).toBeGreaterThan(0);
    expect(j.pairs.find((p) => p.old === "f2fs" && p.new === "fallback")!.cases.some((c) => !c.ok)).toBe(true);
    // a page-cache backend shows seed-defect-3 (the freeze in a debug assertion)
    expect(j.defects.find((d) => d.id === "9b.3")!.status).toBe("caught");
    expect(j.defects.filter((d) => d.status === "missed")).toEqual([]);
  });
});
