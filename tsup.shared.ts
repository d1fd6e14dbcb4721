/** The tsup options every package shares; each package's tsup.config.ts names its entries. */
import { defineConfig, type Options } from "tsup";

// Declarations resolve workspace siblings through their built dist/*.d.ts (turbo builds them
// first), not through the @foliox/source condition: that condition would make every package's
// d.ts step type-check all its siblings' sources again. The output is the same; clean builds
// take a third less CPU.
export const dts: Exclude<Options["dts"], boolean | string | undefined> = { compilerOptions: { customConditions: [] } };

export function packageConfig(entry: Options["entry"], overrides: Options = {}) {
  return defineConfig({ entry, format: ["esm"], dts, sourcemap: true, clean: true, target: "node20", ...overrides });
}
