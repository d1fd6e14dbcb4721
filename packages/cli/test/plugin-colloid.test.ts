/**
 * examples/colloid-stack: a stack plugin (a latency-balancing placement policy and the presets
 * `colloid` and `colloid-migrate`) loaded with --plugin, compared against a built-in stack. The
 * test checks that it runs and reports both stacks, never which one wins; the policy's
 * bisection is checked on its own, on counters given by hand.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";
// @ts-expect-error: plain ESM without type declarations
import { ColloidPlacement } from "../../../examples/colloid-stack/colloid-placement.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const example = fileURLToPath(new URL("../../../examples/colloid-stack", import.meta.url));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

interface CompareJson {
  scenario: string;
  stacks: { name: string; hitRatio: number; runtime: number; promotions: number; exchanges: number }[];
}

describe("examples/colloid-stack", () => {
  it("compare --plugin ./examples/colloid-stack --stacks numab2,colloid reports both stacks (built CLI, from the repository root)", () => {
    const r = spawnSync(process.execPath, [bin, "compare", "--plugin", "./examples/colloid-stack", "--stacks", "numab2,colloid", "--epochs", "4"], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 16 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^scenario pressure \(built-in\)/);
    expect(r.stdout).toMatch(/numab2 \(baseline\)\s+colloid\b/);
    expect(r.stdout).toMatch(/^\s*hit ratio\s+\d\.\d{4}\s+\d\.\d{4} \([+-]\d\.\d{4}\)/m);
  }, 180_000);

  it("--json: both stacks with their figures; colloid-migrate too", async () => {
    const r = await run("compare", "--plugin", example, "--stacks", "numab2,colloid,colloid-migrate", "--epochs", "3", "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as CompareJson;
    expect(j.scenario).toBe("pressure");
    expect(j.stacks.map((s) => s.name)).toEqual(["numab2", "colloid", "colloid-migrate"]);
    for (const s of j.stacks) {
      expect(s.runtime).toBeGreaterThan(0);
      expect(s.hitRatio).toBeGreaterThanOrEqual(0);
      expect(s.hitRatio).toBeLessThanOrEqual(1);
    }
  }, 180_000);

  it("its presets are listed where an unknown stack is, and run on their own with `run --stack`", async () => {
    const r = await run("run", "zipf", "--plugin", example, "--stack", "colloid", "--epochs", "2", "--json");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { stack: string }).stack).toBe("colloid");
  }, 120_000);
});

describe("ColloidPlacement's balance of loaded latency", () => {
  /** A context with one fast node (0) and one slow node (1), idle latencies 90 / 220 ns. */
  function ctx(fast: [number, number], slow: [number, number]) {
    const perf = (ns: number) => ({ spec: { perf: { readLatencyNs: ns } } });
    return {
      fastNids: [0],
      slowNids: [1],
      k: { topo: { nodes: [perf(90), perf(220)] } },
      memory: { accesses: Float64Array.of(fast[0], slow[0]), latencyNs: Float64Array.of(fast[0] * fast[1], slow[0] * slow[1]) },
    };
  }
  type Policy = {
    observe(c: unknown): void;
    deltaP(c: unknown): number;
    last: { direction: string; p: number; fastLatencyNs: number; slowLatencyNs: number };
    pLo: number;
    pHi: number;
  };
  const make = (o = {}): Policy => new ColloidPlacement(o) as Policy;

  it("promotes while the fast tier is the quicker one: Δp is half the slow tier's share", () => {
    const p = make();
    const c = ctx([600, 90], [400, 220]); // 60% of accesses served fast, at 90 ns vs 220 ns
    p.observe(c);
    expect(p.deltaP(c)).toBeCloseTo(0.2, 10); // the window [0.6, 1]: its middle 0.8, 0.2 above
    expect(p.last).toMatchObject({ direction: "promote", p: 0.6, fastLatencyNs: 90, slowLatencyNs: 220 });
  });

  it("demotes while the loaded fast tier is the slower one, and bisects between the two", () => {
    const p = make({ ewmaShift: 0 }); // no smoothing: each epoch's counters as they are
    const quick = ctx([600, 90], [400, 220]);
    p.observe(quick);
    p.deltaP(quick); // p_lo = 0.6
    const loaded = ctx([900, 300], [100, 220]); // 90% served fast, and it now takes 300 ns
    p.observe(loaded);
    expect(p.deltaP(loaded)).toBeCloseTo(0.15, 10); // window [0.6, 0.9]: target 0.75
    expect(p.last.direction).toBe("demote");
    expect([p.pLo, p.pHi]).toEqual([0.6, 0.9]);
  });

  it("leaves balanced tiers alone (within delta), and an idle tier counts at its idle latency", () => {
    const p = make();
    const even = ctx([500, 200], [500, 205]);
    p.observe(even);
    expect(p.deltaP(even)).toBe(0);
    const idle = make();
    const c = ctx([1000, 150], [0, 0]);
    idle.observe(c);
    idle.deltaP(c);
    expect(idle.last.slowLatencyNs).toBe(220);
  });

  it("refuses bad options, naming them", () => {
    expect(() => make({ delta: 2 })).toThrow(/colloid: option delta is 2/);
  });
});
