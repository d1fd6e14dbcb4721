import "reflect-metadata";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BACKENDS, createSystem } from "@foliox/core";
import { loadPlugin, loadPlugins, resolveBackends } from "../src/plugin.js";

const example = fileURLToPath(new URL("../../../examples/anon-thp-only", import.meta.url));

describe("--plugin loading", () => {
  it("loads the example backend from outside packages/ by directory: a definePlugin() with its manifest", async () => {
    const p = await loadPlugin(example);
    expect(p.plugin.name).toBe("anon-thp-only");
    expect(p.plugin.apiVersion).toBe(1);
    expect(p.where).toBe(`plugin "anon-thp-only" (${example})`);
    expect(p.backends.map((b) => b.manifest.name)).toEqual(["anon-thp-only"]);
    expect(p.backends[0]!.manifest.orders).toEqual([9]);
    expect(p.backends[0]!.source).toBe(example);
  });

  it("loads it by file path too, and registers into a real system, one backend instance per system", async () => {
    const { backends } = await loadPlugin(`${example}/index.js`);
    const a = createSystem({ backends: [backends[0]!.register] });
    const b = createSystem({ backends: [backends[0]!.register] });
    expect(a.container.resolveAll(BACKENDS).map((x) => x.manifest.name)).toEqual(["anon-thp-only"]);
    expect(a.kernel.backends.byName("anon-thp-only")?.conformance).toBeDefined();
    expect(a.kernel.backends.byName("anon-thp-only")).not.toBe(b.kernel.backends.byName("anon-thp-only"));
  });

  it("lists plugins first, then the built-in backends; registrations once each", async () => {
    const builtin = ["anon", "ext4-4k", "ext4-1k", "ext4-journal", "f2fs", "fallback", "tmpfs"];
    expect((await resolveBackends([example])).map((b) => b.manifest.name)).toEqual(["anon-thp-only", ...builtin]);
    expect((await resolveBackends([])).map((b) => b.manifest.name)).toEqual(builtin);
    const all = await loadPlugins([example]);
    expect(new Set(all.registrations).size).toBe(all.registrations.length);
    expect(all.registrations.length).toBeLessThan(all.backends.length); // ext4's registration registers three
  });

  it("says what is wrong with a bad plugin", async () => {
    await expect(loadPlugin("./no/such/plugin")).rejects.toThrow(/no such file or directory/);
    await expect(loadPlugin(fileURLToPath(new URL("../package.json", import.meta.url)))).rejects.toThrow(/cannot be loaded|default export/);
    await expect(loadPlugins([example, example])).rejects.toThrow(/a plugin named "anon-thp-only" is loaded already/);
  });
});
