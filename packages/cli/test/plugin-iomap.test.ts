import "reflect-metadata";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as api from "@foliox/core";
import { CONFORMANCE_CASES } from "@foliox/conformance";
import { main } from "../src/program.js";
import { loadPlugin } from "../src/plugin.js";

// examples/iomap-fs: an iomap-style filesystem (filemap_migrate_folio, iomap_folio_state as
// ->private), loaded with --plugin from outside packages/. docs/adding-a-filesystem.md walks through it.
const example = fileURLToPath(new URL("../../../examples/iomap-fs", import.meta.url));
const NAME = "iomap-xfs-like";
const BUILTIN = ["anon", "ext4-4k", "ext4-1k", "ext4-journal", "f2fs", "fallback", "tmpfs"];

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

const FS_CASES = ["fs.dirty", "fs.writeback", "fs.locked-buffers", "fs.private-follows-data", "fs.truncate-between-phases"];

describe("examples/iomap-fs (--plugin)", () => {
  it("appears in `foliox backends --plugin …` with its manifest, ahead of the built-in backends", async () => {
    const r = await run("backends", "--plugin", example, "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as {
      backends: { name: string; kinds: string[]; migrateCallback: string; fsPrivate: boolean; writeback: boolean; exchange: boolean }[];
    };
    expect(j.backends.map((b) => b.name)).toEqual([NAME, ...BUILTIN]);
    expect(j.backends[0]).toMatchObject({ kinds: ["file"], migrateCallback: "filemap_migrate_folio", fsPrivate: true, writeback: true, exchange: true });
    const text = await run("--plugin", example, "backends");
    expect(text.out).toMatch(/^iomap-xfs-like\s+file\s+filemap_migrate_folio\s+true\s+0\s+true\s+true\s+dirty,writeback,buffers-locked\s/m);
  });

  it("its pairs with anon pass every applicable case, the fs.* cases included; exit 0", async () => {
    const r = await run("conformance", "--plugin", example, "--backend", NAME, "--backend", "anon", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Report;
    expect(j.backends).toEqual([NAME, ...BUILTIN]);
    expect(j.pairs.map((p) => `${p.old}×${p.new}`)).toEqual([`${NAME}×${NAME}`, `${NAME}×anon`, `anon×${NAME}`, "anon×anon"]);
    expect(j.failed).toBe(0);
    for (const p of j.pairs) {
      expect(p.cases.map((c) => c.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
      expect(p.cases.filter((c) => !c.ok)).toEqual([]);
      if (p.old === NAME || p.new === NAME) {
        // every filesystem case runs (and passes) wherever the plugin is one side of the pair
        for (const id of FS_CASES)
          expect(
            p.cases.find((c) => c.id === id),
            `${p.old}×${p.new} ${id}`,
          ).toMatchObject({ ok: true, status: "pass" });
      }
    }
    // n/a only where the manifest says so
    const own = j.pairs[0]!.cases.filter((c) => c.status === "n/a").map((c) => c.id);
    expect(own.sort()).toEqual(["exchange.mixed-orders", "ksm.get-folio-every-phase", "swapcache.entry-follows-data", "swapcache.same-swap-space"]);
  });

  it("--mover seed-literal:9b.1 (move result ignored) makes its cases fail; exit 1", async () => {
    const r = await run("conformance", "--plugin", example, "--backend", NAME, "--backend", "anon", "--mover", "seed-literal:9b.1", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Report;
    expect(j.failed).toBeGreaterThan(0);
    const mine = j.pairs.filter((p) => p.old === NAME || p.new === NAME).flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => c.id));
    expect(mine.length).toBeGreaterThan(0);
    expect(mine).toContain("exchange.rollback");
  });

  it("models iomap_folio_state: attached by iomap_dirty_folio, kept dirty by iomap_release_folio, moved whole by filemap_migrate_folio, freed by iomap_invalidate_folio", async () => {
    const { plugin, backends } = await loadPlugin(example);
    expect(plugin).toMatchObject({ name: "iomap-fs", apiVersion: 1 });
    const { kernel: k } = api.createSystem({ backends: [backends[0]!.register] });
    const backend = k.backends.byName(NAME) as unknown as {
      ifs(k: api.Kernel, head: number): { nrBlocks: number; toString(): string } | null;
      releaseFolio(k: api.Kernel, head: number, gfp: number): boolean;
      migrateFolio(k: api.Kernel, dst: number, src: number, mode: api.MigrateMode): number;
      ifsTable: { byId: Map<number, unknown>; warnings: string[] };
      conformance: api.ConformanceFixture;
    };
    const fx = backend.conformance;
    // a buffered write in progress (buffers-locked), then __iomap_write_end of block 1 only
    const f = fx.makeFolio(k, 0, 0, { state: "buffers-locked" });
    expect(backend.ifs(k, f.head)!.nrBlocks).toBe(4); // 1 KiB blocks in a 4 KiB folio
    expect(String(backend.ifs(k, f.head))).toBe("UUUU/....");
    fx.unlockPrivate!(k, f.head);
    expect(String(backend.ifs(k, f.head))).toBe("UUUU/.D..");
    expect(k.mem.testFlag(f.head, api.PG_dirty)).toBe(true);
    expect(k.mem.testFlag(f.head, api.PG_private)).toBe(true);
    // iomap_release_folio refuses a dirty folio: the ifs may be partially dirty
    k.mem.setFlag(f.head, api.PG_locked);
    expect(backend.releaseFolio(k, f.head, api.GFP_KERNEL)).toBe(false);
    k.mem.clearFlag(f.head, api.PG_locked);
    // filemap_migrate_folio moves the ifs (the ->private id) as a whole, with its reference
    const id = k.mem.private[f.head]!;
    const list = k.lists.alloc();
    expect(api.isolateFolioForMigration(k, f.head, list)).toBe(true);
    const rc = api.migratePages(
      k,
      list,
      api.allocMigrationTargetCb,
      null,
      { nid: 1, nmask: null, gfpMask: api.GFP_HIGHUSER_MOVABLE | api.__GFP_THISNODE },
      api.MIGRATE_SYNC,
      api.MR_SYSCALL,
    );
    api.putbackMovablePages(k, list);
    list.release();
    expect(rc).toBe(0);
    const moved = api.folioWalkStart(k, f.task.mm!, f.addr);
    expect(moved).not.toBe(f.head);
    expect(k.folioNid(moved)).toBe(1);
    expect(k.mem.private[moved]).toBe(id);
    expect(String(backend.ifs(k, moved))).toBe("UUUU/.D..");
    expect(k.mem.testFlag(f.head, api.PG_private)).toBe(false);
    expect(api.checkInvariants(k, { quiescent: true })).toEqual([]);
    // truncate: iomap_invalidate_folio cancels the dirty state and frees the ifs
    fx.truncate!(k, f);
    expect(backend.ifsTable.byId.size).toBe(0);
    expect(backend.ifsTable.warnings).toEqual([]);
  });
});
