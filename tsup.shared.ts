/** The tsup options every package shares; each package's tsup.config.ts names its entries. */
import { defineConfig, type Options } from "tsup";

export function packageConfig(entry: Options["entry"]) {
  return defineConfig({ entry, format: ["esm"], dts: true, sourcemap: true, clean: true, target: "node20" });
}
