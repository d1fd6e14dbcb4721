/**
 * The vitest adapter. It takes vitest's `describe` and `it` as arguments, so that core does not
 * import vitest at run time:
 *
 *   import { describe, it } from "vitest";
 *   import { defineConformanceSuite, probeBackends } from "@foliox/conformance";
 *   defineConformanceSuite(describe, it, { backends: probeBackends(registerAnon) });
 *
 * One `describe` per ordered pair, one test per case. A case that does not apply is declared
 * with `it.skip` and the title "n/a (manifest: …)", so a test report lists it, with the reason.
 */
import type { DependencyContainer } from "tsyringe";
import { formatMemory } from "@foliox/core";
import { CONFORMANCE_CASES } from "./cases/index.js";
import { moverByName } from "./movers.js";
import { conformancePairs, runCase } from "./runner.js";
import type { ConformanceBackend, ConformanceCase, Mover } from "./types.js";

type Fn = () => void;
export type DescribeFn = (name: string, body: Fn) => void;
export type ItFn = ((name: string, body: Fn) => void) & { skip?: (name: string, body: Fn) => void };

export interface SuiteOptions {
  backends: readonly ConformanceBackend[];
  mover?: Mover | string;
  /** only pairs that involve these backends */
  only?: readonly string[];
  cases?: readonly ConformanceCase[];
  /** the two nodes' bytes in every case's system (RunOptions.memory) */
  memory?: readonly [number, number];
}

export function defineConformanceSuite(describe: DescribeFn, it: ItFn, opts: SuiteOptions): void {
  const mover = typeof opts.mover === "string" ? moverByName(opts.mover) : (opts.mover ?? moverByName("foliox"));
  const cases = opts.cases ?? CONFORMANCE_CASES;
  const registerAll: ((c: DependencyContainer) => void)[] = [...new Set(opts.backends.map((b) => b.register))];
  for (const [a, b] of conformancePairs(opts.backends, opts.only)) {
    const on = opts.memory ? `, ${opts.memory.map(formatMemory).join(" + ")}` : "";
    describe(`conformance ${a.manifest.name} × ${b.manifest.name} (mover ${mover.name}${on})`, () => {
      for (const c of cases) {
        const probe = c.applies(a.manifest, b.manifest);
        if (!probe) {
          (it.skip ?? it)(`${c.id}: n/a (manifest: ${c.requires ?? "does not apply"})`, () => {});
          continue;
        }
        it(`${c.id}: ${c.title}`, () => {
          const r = runCase(c, a, b, mover, registerAll, opts.memory);
          if (!r.ok) throw new Error(`${c.id} (${a.manifest.name} × ${b.manifest.name}): ${r.detail}`);
        });
      }
    });
  }
}
