import "reflect-metadata";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const example = fileURLToPath(new URL("../../../examples/anon-thp-only", import.meta.url));
const BUILTIN = ["anon", "ext4-4k", "ext4-1k", "ext4-journal", "f2fs", "fallback", "tmpfs"];

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe("foliox backends", () => {
  it("lists the built-in backends and their capabilities", async () => {
    const r = await run("backends");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^name\s+kinds\s+migrate_folio\s+exchange\s+orders/m);
    expect(r.out).toMatch(/^anon\s+anon,anon-swapcache,ksm\s+migrate_folio\s+true\s+0,9\s+false\s+false\s+lazyfree,swapcache,ksm\s+@foliox\/anon/m);
    expect(r.out).toMatch(/^ext4-1k\s+file\s+buffer_migrate_folio\s+true/m);
    expect(r.out).toMatch(/^tmpfs\s+shmem\s+migrate_folio\s+true/m);
  });

  it("--json prints the manifests", async () => {
    const r = await run("backends", "--json");
    const j = JSON.parse(r.out) as { backends: { name: string; orders: number[]; exchange: boolean }[] };
    expect(j.backends.map((b) => [b.name, b.orders, b.exchange])).toEqual([
      ["anon", [0, 9], true],
      ["ext4-4k", [0], true],
      ["ext4-1k", [0], true],
      ["ext4-journal", [0], true],
      ["f2fs", [0], true],
      ["fallback", [0], true],
      ["tmpfs", [0, 9], true],
    ]);
  });

  it("a --plugin from outside packages/ appears, as a global option or a command option", async () => {
    for (const args of [
      ["--plugin", example, "backends", "--json"],
      ["backends", "--plugin", example, "--json"],
    ]) {
      const r = await run(...args);
      expect(r.code, r.err).toBe(0);
      expect((JSON.parse(r.out) as { backends: { name: string }[] }).backends.map((b) => b.name)).toEqual(["anon-thp-only", ...BUILTIN]);
    }
  });

  it("a plugin that cannot load is a usage error: exit 2 with the reason", async () => {
    const r = await run("backends", "--plugin", "./nowhere");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plugin "\.\/nowhere": no such file or directory/);
  });
});
