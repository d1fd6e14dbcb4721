/**
 * The shared conformance cases (@foliox/core/conformance) against this package's two backends,
 * f2fs and fallback: every ordered pair of them (the cross-backend matrix with anon and the
 * others is packages/cli/test/matrix.test.ts). The fallback pairs run once per kernel version.
 */
import { describe, expect, it } from "vitest";
import { defineConformanceSuite, probeBackends, runConformance } from "@foliox/conformance";
import { registerF2fs, registerFallback } from "../src/index.js";

const backends = [...probeBackends(registerF2fs, "@foliox/fs-f2fs"), ...probeBackends(registerFallback, "@foliox/fs-f2fs")];

defineConformanceSuite(describe, it, { backends });

describe("f2fs and fallback conformance report", () => {
  it("every ordered pair, every fs.* case applies and passes", () => {
    const r = runConformance({ backends });
    expect(r.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["f2fs×f2fs", "f2fs×fallback", "fallback×f2fs", "fallback×fallback"]);
    expect(r.pairs.flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => `${p.old}×${p.new} ${c.id}: ${c.detail}`))).toEqual([]);
    for (const p of r.pairs) {
      const fs = Object.fromEntries(p.cases.filter((c) => c.id.startsWith("fs.")).map((c) => [c.id, c.status]));
      const f2fsSide = p.old === "f2fs" || p.new === "f2fs";
      expect(fs).toEqual({
        "fs.dirty": "pass",
        "fs.writeback": "pass",
        "fs.locked-buffers": f2fsSide ? "pass" : "n/a",
        "fs.private-follows-data": f2fsSide ? "pass" : "n/a",
        "fs.truncate-between-phases": "pass",
      });
    }
    expect(r.failed).toBe(0);
  });
});
