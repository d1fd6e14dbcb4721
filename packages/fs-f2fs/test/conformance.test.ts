/**
 * The shared conformance cases (@foliox/conformance) against this package's two backends, f2fs
 * and fallback: every ordered pair of them, one test per case (the cross-backend matrix with anon
 * and the others is packages/cli/test/matrix.test.ts). The matrix runs once: the test after it
 * checks from the manifests alone which pairs exist and which fs.* cases apply to them.
 */
import { describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, conformancePairs, defineConformanceSuite, probeBackends } from "@foliox/conformance";
import { registerF2fs, registerFallback } from "../src/index.js";

const backends = [...probeBackends(registerF2fs, "@foliox/fs-f2fs"), ...probeBackends(registerFallback, "@foliox/fs-f2fs")];

defineConformanceSuite(describe, it, { backends });

describe("f2fs and fallback conformance matrix", () => {
  it("every ordered pair; every fs.* case applies, the fs-private ones only with f2fs on a side (each passes above)", () => {
    const pairs = conformancePairs(backends);
    expect(pairs.map(([a, b]) => `${a.manifest.name}×${b.manifest.name}`)).toEqual(["f2fs×f2fs", "f2fs×fallback", "fallback×f2fs", "fallback×fallback"]);
    const fsCases = CONFORMANCE_CASES.filter((c) => c.id.startsWith("fs."));
    for (const [a, b] of pairs) {
      const f2fsSide = a.manifest.name === "f2fs" || b.manifest.name === "f2fs";
      expect(Object.fromEntries(fsCases.map((c) => [c.id, c.applies(a.manifest, b.manifest)])), `${a.manifest.name}×${b.manifest.name}`).toEqual({
        "fs.dirty": true,
        "fs.writeback": true,
        "fs.locked-buffers": f2fsSide,
        "fs.locked-buffers-sync": f2fsSide,
        "fs.private-follows-data": f2fsSide,
        "fs.truncate-between-phases": true,
      });
    }
  });
});
