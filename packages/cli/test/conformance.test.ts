import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CONFORMANCE_CASES, SEED_DEFECTS } from "@foliox/conformance";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const example = fileURLToPath(new URL("../../../examples/anon-thp-only", import.meta.url));
const BUILTIN = ["anon", "ext4-4k", "ext4-1k", "ext4-journal", "f2fs", "fallback", "tmpfs"];
// The whole built-in matrix runs in matrix.test.ts; here two or three backends keep each test short.

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
  defects?: { id: string; status: string; failedCases: string[] }[];
}

describe("foliox conformance", () => {
  it("--json: the pairs among the named backends, every case listed by id, every one passing; exit 0", async () => {
    const r = await run("conformance", "--backend", "anon", "--backend", "f2fs", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Report;
    expect(j.backends).toEqual(BUILTIN);
    expect(j.pairs.map((p) => [p.old, p.new])).toEqual([
      ["anon", "anon"],
      ["anon", "f2fs"],
      ["f2fs", "anon"],
      ["f2fs", "f2fs"],
    ]);
    for (const p of j.pairs) expect(p.cases.map((c) => c.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
    expect(j.pairs.every((p) => p.cases.every((c) => c.ok))).toBe(true);
    expect(j.pairs[0]!.cases.map((c) => c.id)).toEqual(CONFORMANCE_CASES.map((c) => c.id));
    expect(j.pairs[0]!.cases.every((c) => c.ok)).toBe(true);
    expect(j.failed).toBe(0);
    expect(j.pairs[0]!.cases.find((c) => c.id === "fs.writeback")).toMatchObject({ ok: true, status: "n/a", detail: "manifest: writeback on either side" });
  });

  it("the text matrix says pass and n/a (manifest: …) explicitly", async () => {
    const r = await run("conformance", "--backend", "anon", "--backend", "tmpfs");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^exchange\.rollback\s+pass\s+pass\s+pass\s+pass$/m);
    expect(r.out).toMatch(/anon×anon fs\.dirty: n\/a \(manifest: writeback on either side\)/);
    expect(r.out).toMatch(/0 case\(s\) failed over 4 pair\(s\)/);
  });

  it("--mover seed-literal fails, exit 1, with failures for every seed defect", { timeout: 300_000 }, async () => {
    // anon (swap cache, KSM) and ext4-1k (file↔file, 1 KiB buffer rings) let every defect show.
    const r = await run("conformance", "--mover", "seed-literal", "--backend", "anon", "--backend", "ext4-1k", "--json");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Report;
    expect(j.failed).toBeGreaterThan(0);
    expect(j.pairs[0]!.cases.some((c) => !c.ok)).toBe(true);
    const status = Object.fromEntries(j.defects!.map((d) => [d.id, d.status]));
    expect(status).toEqual({
      "9b.1": "caught",
      "9b.2": "caught",
      "9b.3": "caught",
      "9b.4": "caught",
      "9b.5": "caught",
      "9b.6": "caught",
      "9b.7": "caught",
      "9b.8": "caught",
      "9b.9": "caught",
    });
    for (const d of j.defects!.filter((x) => x.status === "caught")) expect(d.failedCases.length).toBeGreaterThan(0);
    expect(j.defects!.map((d) => d.id)).toEqual(SEED_DEFECTS.map((d) => d.id));
    expect(r.err).toMatch(/case\(s\) failed \(mover seed-literal\)/);
  });

  it("a plugin from outside packages/ joins the matrix: every ordered pair, all passing", async () => {
    const r = await run("--plugin", example, "conformance", "--backend", "anon-thp-only", "--backend", "anon", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as Report;
    expect(j.backends).toEqual(["anon-thp-only", ...BUILTIN]);
    expect(j.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["anon-thp-only×anon-thp-only", "anon-thp-only×anon", "anon×anon-thp-only", "anon×anon"]);
    expect(j.failed).toBe(0);
    // anon-thp-only makes only order-9 folios: no two orders, so no mixed-orders case on its own
    const own = j.pairs[0]!.cases.find((c) => c.id === "exchange.mixed-orders");
    expect(own).toMatchObject({ status: "n/a" });
    expect(j.pairs[1]!.cases.find((c) => c.id === "exchange.mixed-orders")).toMatchObject({ status: "pass" });
  });

  it("--backend: one name keeps the pairs that involve it, several the pairs among them; unknown names and movers are errors", async () => {
    const one = await run("--plugin", example, "conformance", "--backend", "anon-thp-only", "--mover", "seed-literal:9b.4", "--json");
    const pairs = (JSON.parse(one.out) as Report).pairs.map((p) => `${p.old}×${p.new}`);
    expect(pairs).toHaveLength(1 + 2 * BUILTIN.length);
    expect(pairs.every((p) => p.includes("anon-thp-only"))).toBe(true);
    const r = await run("--plugin", example, "conformance", "--backend", "anon-thp-only", "--backend", "anon", "--mover", "seed-literal:9b.4", "--json");
    const j = JSON.parse(r.out) as Report;
    expect(j.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["anon-thp-only×anon-thp-only", "anon-thp-only×anon", "anon×anon-thp-only", "anon×anon"]);
    expect(r.code).toBe(1);
    expect(j.pairs.flatMap((p) => p.cases.filter((c) => !c.ok).map((c) => c.id))).toContain("exchange.concurrent-abba");
    const unknown = await run("conformance", "--backend", "ext4");
    expect([unknown.code, unknown.out]).toEqual([2, ""]);
    expect(unknown.err).toMatch(/--backend: "ext4" is not a registered backend; registered: anon, ext4-4k/);
    const bad = await run("conformance", "--mover", "nope");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/seed-literal/);
  });

  it("works from the built CLI (bin/foliox.js), with the plugin", () => {
    const r = spawnSync(process.execPath, [bin, "conformance", "--plugin", example, "--backend", "anon-thp-only", "--backend", "anon", "--json"], {
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Report).backends).toEqual(["anon-thp-only", ...BUILTIN]);
  });
});
