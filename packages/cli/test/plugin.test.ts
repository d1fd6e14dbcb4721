import "reflect-metadata";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { BACKENDS, createSystem } from "@foliox/core";
import { loadPlugin, resolveBackends } from "../src/plugin.js";

const example = fileURLToPath(new URL("../../../examples/anon-thp-only", import.meta.url));

describe("--plugin loading", () => {
  it("loads the example backend from outside packages/ by directory, with its manifest", async () => {
    const backends = await loadPlugin(example);
    expect(backends.map((b) => b.manifest.name)).toEqual(["anon-thp-only"]);
    expect(backends[0]!.manifest.orders).toEqual([9]);
    expect(backends[0]!.source).toBe(example);
  });

  it("loads it by file path too, and registers into a real system", async () => {
    const [b] = await loadPlugin(`${example}/index.js`);
    const { container, kernel } = createSystem({ backends: [b!.register] });
    expect(container.resolveAll(BACKENDS).map((x) => x.manifest.name)).toEqual(["anon-thp-only"]);
    expect(kernel.backends.byName("anon-thp-only")?.conformance).toBeDefined();
  });

  it("lists plugins first, then the built-in backends", async () => {
    const builtin = ["anon", "ext4-4k", "ext4-1k", "ext4-journal", "f2fs", "fallback", "tmpfs"];
    expect((await resolveBackends([example])).map((b) => b.manifest.name)).toEqual(["anon-thp-only", ...builtin]);
    expect((await resolveBackends([])).map((b) => b.manifest.name)).toEqual(builtin);
  });

  it("says what is wrong with a bad plugin", async () => {
    await expect(loadPlugin("./no/such/plugin")).rejects.toThrow(/no such file or directory/);
    await expect(loadPlugin(fileURLToPath(new URL("../package.json", import.meta.url)))).rejects.toThrow(/cannot be loaded|default export/);
    await expect(resolveBackends([example, example])).rejects.toThrow(/registered twice/);
  });
});
