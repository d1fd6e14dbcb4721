/**
 * definePlugin() and the plugin API's version (src/plugin/define.ts): the shape a plugin must
 * have, the refusal of another major version naming both, and a registration that names its
 * plugin when it throws.
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { container } from "tsyringe";
import * as surface from "../src/plugin/index.js";
import { API_VERSION, checkPluginApiVersion, definePlugin, isFolioxPlugin, namedRegistration, PluginError } from "../src/plugin/index.js";

describe("definePlugin", () => {
  it("returns the definition frozen and marked; the mark is shared by every copy of core (Symbol.for)", () => {
    const p = definePlugin({ name: "p", apiVersion: 1, backends: [() => {}] });
    expect(Object.isFrozen(p)).toBe(true);
    expect(isFolioxPlugin(p)).toBe(true);
    expect(p[Symbol.for("@foliox/core:plugin") as typeof surface.FOLIOX_PLUGIN]).toBe(true);
    expect(isFolioxPlugin({ name: "p", apiVersion: 1 })).toBe(false);
  });

  it("lists every problem of a malformed definition, naming the plugin", () => {
    const bad = () =>
      definePlugin({
        name: "p",
        apiVersion: 1.5,
        backends: ["registerX"],
        stackParts: { placement: {}, movers: { m: 3 } },
        presets: [{}],
        color: "red",
      } as never);
    expect(bad).toThrow(PluginError);
    expect(bad).toThrow(/plugin "p" is not well defined:/);
    expect(bad).toThrow(/unknown field "color"; a plugin has: name, apiVersion, description, backends, stackParts, presets, workloads, traceFormats/);
    expect(bad).toThrow(/apiVersion must be the integer major version of the plugin API it was written for \(this foliox: 1\), got 1.5/);
    expect(bad).toThrow(/backends\[0\] must be a registration function/);
    expect(bad).toThrow(/stackParts.placement is not a kind of stack part; use: samplers, hotness, placements, movers, rateLimiters/);
    expect(bad).toThrow(/stackParts.movers\["m"\] must be a factory/);
    expect(bad).toThrow(/presets\[0\] must be a stack with a non-empty name/);
    expect(() => definePlugin(null as never)).toThrow(/takes an object \{ name, apiVersion, ... \}, got null/);
  });
});

describe("API_VERSION", () => {
  it("is 1, and a plugin for another major version is refused with both versions named", () => {
    expect(API_VERSION).toBe(1);
    expect(() => checkPluginApiVersion({ apiVersion: 1 }, "plugin x")).not.toThrow();
    expect(() => checkPluginApiVersion({ apiVersion: 2 }, 'plugin "x" (./x)')).toThrow(
      /^plugin "x" \(\.\/x\) was written for plugin API version 2, but this foliox provides plugin API version 1; use a foliox whose plugin API is version 2/,
    );
    expect(() => checkPluginApiVersion({ apiVersion: 0 }, "plugin x")).toThrow(/version 0, .* version 1; update the plugin to version 1/);
  });

  it("the surface is small: the backend contract and its helpers, not the core namespace", async () => {
    const core = await import("../src/index.js");
    const names = Object.keys(surface);
    expect(names.length).toBeLessThan(Object.keys(core).length / 3);
    for (const n of [
      "definePlugin",
      "API_VERSION",
      "BACKENDS",
      "registerBackend",
      "registerBackendFactory",
      "migrateFolio",
      "filemapMigrateFolio",
      "makeFileFolio",
      "PG_dirty",
      "EAGAIN",
    ])
      expect(names).toContain(n);
  });
});

describe("namedRegistration", () => {
  it("passes the container through, and names the plugin and the registration when it throws", () => {
    const seen: unknown[] = [];
    namedRegistration((c) => seen.push(c), "plugin p", 0)(container);
    expect(seen).toEqual([container]);
    const broken = namedRegistration(
      function registerBroken() {
        throw new Error("disk on fire");
      },
      'plugin "p" (./p)',
      2,
    );
    expect(broken.name).toBe("registerBroken");
    expect(() => broken(container)).toThrow(/^plugin "p" \(\.\/p\): backends\[2\] \(registerBroken\) threw while registering: disk on fire$/);
  });
});
