/**
 * The shared conformance cases (@foliox/core/conformance) against tmpfs, and tmpfs × anon (so
 * that anon-swapcache ↔ shmem is exercised): every case gated by the manifests.
 */
import { describe, expect, it } from "vitest";
import { defineConformanceSuite, probeBackends, runConformance } from "@foliox/conformance";
import { registerAnon } from "@foliox/anon";
import { registerTmpfs } from "../src/index.js";

const tmpfs = probeBackends(registerTmpfs, "@foliox/fs-tmpfs");
const backends = [...probeBackends(registerAnon, "@foliox/anon"), ...tmpfs];

defineConformanceSuite(describe, it, { backends: tmpfs });

describe("tmpfs conformance report", () => {
  it("tmpfs × tmpfs and tmpfs × anon: every applicable case passes, swap entry follows the data", () => {
    const r = runConformance({ backends });
    expect(r.pairs.flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => `${p.old}×${p.new} ${c.id}: ${c.detail}`))).toEqual([]);
    const sc = r.pairs.filter((p) => p.old !== p.new).map((p) => p.cases.find((c) => c.id === "swapcache.entry-follows-data")!.status);
    expect(sc).toEqual(["pass", "pass"]);
  });
});
