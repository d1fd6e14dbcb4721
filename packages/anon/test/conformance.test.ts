/**
 * The shared conformance cases (@foliox/core/conformance) against the anon backend — anon ×
 * anon today; every case gated by the manifests, the n/a ones listed with their reason — and
 * proof that the suite can fail: the seed-literal mover, one seed defect (docs/decisions.md#seed-defects) at a time.
 */
import { describe, expect, it } from "vitest";
import { SEED_DEFECTS, defineConformanceSuite, probeBackends, runConformance, runDefects } from "@foliox/conformance";
import { registerAnon } from "../src/index.js";

const backends = probeBackends(registerAnon, "@foliox/anon");

defineConformanceSuite(describe, it, { backends });

describe("the conformance suite can fail (seed-literal)", () => {
  it("foliox's own mover passes every applicable case, and the n/a ones say why", () => {
    const report = runConformance({ backends });
    expect(report.backends).toEqual(["anon"]);
    expect(report.pairs.map((p) => `${p.old}×${p.new}`)).toEqual(["anon×anon"]);
    expect(report.pairs[0]!.cases.filter((c) => !c.ok)).toEqual([]);
    for (const c of report.pairs[0]!.cases.filter((x) => x.status === "n/a")) expect(c.detail).toMatch(/^manifest: /);
    expect(report.failed).toBe(0);
  });

  const defects = runDefects(backends, undefined);
  const AWAITING = new Set(["9b.3", "9b.5"]);
  for (const d of SEED_DEFECTS) {
    const r = defects.find((x) => x.id === d.id)!;
    if (AWAITING.has(d.id)) {
      it(`seed defect ${d.id} (${d.title}) awaits ${d.needs}: no anon pair can show it, and the report says so`, () => {
        expect(r.status).toBe("awaits");
        expect(r.detail).toBe(`awaits ${d.needs}`);
      });
    } else {
      it(`seed defect ${d.id} alone (${d.title}) makes at least one case fail`, () => {
        expect(r.status, r.detail).toBe("caught");
        expect(r.failedCases.length).toBeGreaterThan(0);
      });
    }
  }

  it("no defect is missed: each one is caught, or no registered pair can show it", () => {
    expect(defects.filter((d) => d.status === "missed")).toEqual([]);
  });

  it("the full seed-literal mover (every switch on) fails", () => {
    const report = runConformance({ backends, mover: "seed-literal", perDefect: false });
    expect(report.failed).toBeGreaterThan(0);
  });
});
