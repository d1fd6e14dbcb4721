/**
 * The vitest configuration every package shares; each package's vitest.config.ts re-exports it.
 */
import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Decorator transform for files outside tsconfig's include too: vite's oxc applies tsconfig's decorator flags only to included files.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  // Workspace siblings resolve to their TS sources; plain resolve.conditions does not apply to node tests.
  ssr: { resolve: { conditions: ["@foliox/source", ...defaultServerConditions] } },
  test: {
    include: ["test/**/*.test.ts"],
    reporters: ["default", "json"],
    outputFile: { json: ".vitest/report.json" },
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
