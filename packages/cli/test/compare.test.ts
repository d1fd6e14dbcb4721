/**
 * `foliox compare`: the done-when command on the built-in `pressure` scenario, its JSON
 * shape, the side-by-side table, and exit codes. The assertions are the issue's; the numbers are
 * whatever the engine gives.
 */
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

interface Stack {
  name: string;
  hitRatio: number;
  runtime: number;
  vmstat: Record<string, number>;
  exchanges: number;
}

describe("foliox compare", () => {
  it("compare --stacks numab2,tpp,exchange,oracle --scenario pressure --json", async () => {
    const r = await run("compare", "--stacks", "numab2,tpp,exchange,oracle", "--scenario", "pressure", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { scenario: string; bounds: { allFastRuntime: number; allSlowRuntime: number }; stacks: Stack[] };
    expect(j.scenario).toBe("pressure");
    expect(j.bounds.allFastRuntime).toBeGreaterThan(0);
    expect(j.bounds.allSlowRuntime).toBeGreaterThan(j.bounds.allFastRuntime);
    expect(j.stacks.map((s) => s.name)).toEqual(["numab2", "tpp", "exchange", "oracle"]);
    for (const s of j.stacks) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(["name", "hitRatio", "runtime", "vmstat"]));
      expect(s.runtime).toBeGreaterThan(0);
    }
    const by = Object.fromEntries(j.stacks.map((s) => [s.name, s]));
    // no stack's hit ratio exceeds the oracle's
    for (const s of j.stacks) expect(s.hitRatio).toBeLessThanOrEqual(by.oracle!.hitRatio);
    // numab2 under pressure: candidates that could not be promoted
    expect(by.numab2!.vmstat.pgpromote_candidate).toBeGreaterThan(by.numab2!.vmstat.pgpromote_success!);
    // the exchange stack exchanges, and allocates no page for it: every page allocated is still
    // resident (nothing freed), i.e. only setup's workload and filler pages were ever allocated
    const ex = by.exchange!.vmstat;
    expect(ex.pgexchange_success).toBeGreaterThan(0);
    expect(by.exchange!.exchanges).toBeGreaterThan(0);
    const allocs = Object.entries(ex).filter(([k]) => k.startsWith("pgalloc_")).reduce((a, [, n]) => a + n, 0);
    expect(ex.pgfree).toBe(0);
    expect(allocs).toBe(ex.nr_anon_pages! + ex.nr_file_pages!);
  }, 300_000);

  it("prints a side-by-side table with the improvement over the first stack", async () => {
    const r = await run("compare", "pressure", "--stacks", "linux-default,exchange", "--epochs", "2");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario pressure \(built-in\): dram-cxl 32 MiB \+ 64 MiB, pressure full/);
    expect(r.out).toMatch(/bounds: all-fast .*, all-slow /);
    expect(r.out).toMatch(/linux-default \(baseline\) +exchange/);
    expect(r.out).toMatch(/hit ratio +0\.\d{4} +0\.\d{4} \([+-]0\.\d{4}\)/);
    expect(r.out).toMatch(/runtime .*\(\d+\.\d% (faster|slower)\)/);
    expect(r.out).toMatch(/pgexchange_success/);
  }, 120_000);

  it("with no --stacks and no scenario (and no ./foliox.config.*): numab2,tpp,exchange,oracle on pressure", async () => {
    const r = await run("compare", "--epochs", "1", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { scenario: string; stacks: (Stack & { time: Record<string, number> })[] };
    expect(j.scenario).toBe("pressure");
    expect(j.stacks.map((s) => s.name)).toEqual(["numab2", "tpp", "exchange", "oracle"]);
    for (const s of j.stacks) expect(Object.keys(s.time)).toEqual(expect.arrayContaining(["access", "hintFault", "fault", "scan", "mover"]));
  }, 120_000);

  it("usage errors exit 2", async () => {
    const bad = await run("compare", "pressure", "--stacks", "numab2,exchnage");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--stacks: "exchnage" is not a registered stack; did you mean "exchange"\? registered: linux-default, /);
    const both = await run("compare", "zipf", "--scenario", "pressure", "--stacks", "numab2");
    expect(both.code).toBe(2);
  });
});
