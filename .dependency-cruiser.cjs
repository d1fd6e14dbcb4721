/**
 * dependency-cruiser rules for foliox (`npm run lint:deps`, part of `npm run lint`).
 *
 * - no circular value import in any package (an `import type` leaves no runtime edge, so type
 *   imports may point anywhere: the Kernel type names every subsystem);
 * - which @foliox package may import which;
 * - @foliox/core's layers: a folder imports only its own layer and the layers below it.
 *
 * docs/architecture.md, "Layers", explains the order and the function tables that carry the
 * calls that go up.
 */

/** Dependency types that vanish at runtime: `import type` and `import("…").T` in a type. */
const TYPE_ONLY = ["type-only", "type-import"];

/** @foliox/core's layers, bottom first: [name, the src paths in it]. Keep in step with the docs. */
const CORE_LAYERS = [
  ["kernel", ["kernel/", "tokens\\.ts$"]],
  ["mm", ["mm/"]],
  ["fs", ["fs/"]],
  ["swap", ["swap/"]],
  ["migrate", ["migrate/"]],
  ["exchange", ["exchange/"]],
  ["numa-reclaim", ["numa/", "reclaim/"]],
  ["syscalls", ["syscalls/"]],
  ["debug", ["debug/"]],
  ["root", ["backend/", "fixture/", "plugin/", "system\\.ts$", "index\\.ts$"]],
];
const CORE_SRC = "^packages/core/src/";
const corePaths = (layers) => layers.flatMap(([, paths]) => paths.map((p) => CORE_SRC + p));

const layerRules = CORE_LAYERS.slice(0, -1).map(([name, paths], i) => ({
  name: `core-layer-${name}`,
  comment: `core's ${name} layer may value-import only itself and the layers below it (docs/architecture.md#layers); a call upward goes through a function table`,
  severity: "error",
  from: { path: paths.map((p) => CORE_SRC + p) },
  to: { path: corePaths(CORE_LAYERS.slice(i + 1)), dependencyTypesNot: TYPE_ONLY },
}));

const BACKENDS = "anon|fs-ext4|fs-f2fs|fs-tmpfs";

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no cycle of value imports: break it with a function table, or move the primitive down (docs/architecture.md#layers)",
      severity: "error",
      from: {},
      to: { circular: true, dependencyTypesNot: TYPE_ONLY, viaOnly: { dependencyTypesNot: TYPE_ONLY } },
    },
    {
      name: "packages-by-name",
      comment: "another package is imported by its name (@foliox/…), never by a relative path into its files",
      severity: "error",
      from: { path: "^packages/([^/]+)/" },
      to: { path: "^packages/", pathNot: "^packages/$1/", dependencyTypes: ["local"] },
    },
    {
      name: "core-stands-alone",
      comment: "@foliox/core is the kernel model: it imports no other @foliox package",
      severity: "error",
      from: { path: "^packages/core/" },
      to: { path: "^packages/", pathNot: "^packages/core/" },
    },
    {
      name: "trace-stands-alone",
      comment: "@foliox/trace is usable alone: it imports no @foliox package",
      severity: "error",
      from: { path: "^packages/trace/" },
      to: { path: "^packages/", pathNot: "^packages/trace/" },
    },
    {
      name: "tiering-on-core-and-trace",
      comment: "@foliox/tiering builds on @foliox/core and @foliox/trace only (its tests may build systems with @foliox/anon)",
      severity: "error",
      from: { path: "^packages/tiering/src/" },
      to: { path: "^packages/", pathNot: "^packages/(tiering|core|trace)/" },
    },
    {
      name: "tiering-tests",
      severity: "error",
      from: { path: "^packages/tiering/(?!src/)" },
      to: { path: "^packages/", pathNot: "^packages/(tiering|core|trace|anon)/" },
    },
    {
      name: "conformance-on-core",
      comment: "@foliox/conformance tests backends through @foliox/core only: it never names a backend",
      severity: "error",
      from: { path: "^packages/conformance/" },
      to: { path: "^packages/", pathNot: "^packages/(conformance|core)/" },
    },
    {
      name: "backends-on-core",
      comment: "a backend plugin builds on @foliox/core only (its tests may use @foliox/conformance and @foliox/anon)",
      severity: "error",
      from: { path: `^packages/(${BACKENDS})/src/` },
      to: { path: "^packages/", pathNot: ["^packages/$1/", "^packages/core/"] },
    },
    {
      name: "backend-tests",
      severity: "error",
      from: { path: `^packages/(${BACKENDS})/(?!src/)` },
      to: { path: "^packages/", pathNot: ["^packages/$1/", "^packages/(core|conformance|anon)/"] },
    },
    {
      name: "core-file-in-a-layer",
      comment: "every file of core's src belongs to a layer: add a new folder to CORE_LAYERS (and to docs/architecture.md#layers)",
      severity: "error",
      from: { path: CORE_SRC, pathNot: corePaths(CORE_LAYERS) },
      to: {},
    },
    ...layerRules,
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    exclude: { path: "(^|/)(node_modules|dist|\\.vitest|coverage)/" },
    doNotFollow: { path: "node_modules" },
    // workspace packages resolve to their sources, as tsc and vitest resolve them
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@foliox/source", "import", "require", "node", "default"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
