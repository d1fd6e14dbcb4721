/**
 * The shared conformance cases (@foliox/conformance) against ext4 — every ordered pair of
 * ext4-4k, ext4-1k, ext4-journal and anon with foliox's own mover, one test per case — and proof
 * that fs.private-follows-data catches the seed's defect 5 (docs/decisions.md#seed-defect-5: only
 * the head buffer re-pointed) once the block size is below the page size.
 */
import { describe, expect, it } from "vitest";
import { defineConformanceSuite, probeBackends, runConformance, runDefects } from "@foliox/conformance";
import { registerAnon } from "@foliox/anon";
import { registerExt4 } from "../src/index.js";

const ext4 = probeBackends(registerExt4, "@foliox/fs-ext4");
const backends = [...ext4, ...probeBackends(registerAnon, "@foliox/anon")];

defineConformanceSuite(describe, it, { backends });

describe("the ext4 manifests", () => {
  it("registers ext4-4k, ext4-1k and ext4-journal, told apart by block size and callback", () => {
    expect(ext4.map((b) => [b.manifest.name, b.manifest.migrateCallback])).toEqual([
      ["ext4-4k", "buffer_migrate_folio"],
      ["ext4-1k", "buffer_migrate_folio"],
      ["ext4-journal", "buffer_migrate_folio_norefs"],
    ]);
    for (const b of ext4) {
      expect(b.manifest).toMatchObject({ kinds: ["file"], fsPrivate: true, writeback: true, largeFolios: false, exchange: true });
    }
  });
});

describe("seed-defect-5 (headBufferOnly) against ext4", () => {
  it("fs.private-follows-data fails for every pair with ext4-1k, and passes for ext4-4k × ext4-4k", () => {
    const report = runConformance({ backends, mover: "seed-literal:9b.5", only: ["ext4-1k", "ext4-4k", "anon"] });
    const pfd = (o: string, n: string) => report.pairs.find((p) => p.old === o && p.new === n)!.cases.find((c) => c.id === "fs.private-follows-data")!;
    for (const [o, n] of [
      ["ext4-1k", "ext4-1k"],
      ["ext4-1k", "anon"],
      ["anon", "ext4-1k"],
      ["ext4-1k", "ext4-4k"],
    ] as const) {
      const c = pfd(o, n);
      expect(c.status, `${o}×${n}`).toBe("fail");
      expect(c.detail).toMatch(/3 of 4 private refs \(buffer heads\)/);
    }
    // one buffer per page: re-pointing the head is re-pointing all of them
    expect(pfd("ext4-4k", "ext4-4k").status).toBe("pass");
    expect(pfd("ext4-4k", "anon").status).toBe("pass");
  });

  it("runDefects reports seed defect 9b.5 caught, by fs.private-follows-data (on ext4-1k × ext4-1k: every defect reruns the matrix)", () => {
    const d = runDefects(
      ext4.filter((b) => b.manifest.name === "ext4-1k"),
      undefined,
    ).find((x) => x.id === "9b.5")!;
    expect(d.status).toBe("caught");
    expect(d.failedCases.some((c) => c.endsWith(":fs.private-follows-data"))).toBe(true);
  });
});
