/**
 * `foliox compare`: the README's main command on the built-in `pressure` scenario, its JSON
 * shape, the side-by-side table, and exit codes. The assertions are about shape and the
 * kernel's rules; the numbers are whatever the engine gives, and no test fixes which stack wins.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { STACK_NAMES } from "@foliox/tiering";
import { main } from "../src/program.js";

const lackey = fileURLToPath(new URL("../../trace/test/fixtures/lackey-true.txt.gz", import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), "foliox-compare-"));

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
  simulatedSeconds: number;
  time: Record<string, number>;
  backgroundCpuNs: Record<string, number>;
  churn: Record<string, number | null>;
  bounds: { allFastRuntime: number; allSlowRuntime: number };
  vmstat: Record<string, number>;
  exchanges: number;
}

/** No stack beats a figure called a bound (docs/tiering.md has the argument). */
function expectWithinBounds(s: Stack): void {
  expect(s.runtime, s.name).toBeGreaterThanOrEqual(s.bounds.allFastRuntime * (1 - 1e-12));
  expect(s.time.access! + s.time.cache!, s.name).toBeLessThanOrEqual(s.bounds.allSlowRuntime * (1 + 1e-12));
}

describe("foliox compare", () => {
  it("compare --stacks numab2,tpp,exchange,epoch-oracle --scenario pressure --json", async () => {
    const r = await run("compare", "--stacks", "numab2,tpp,exchange,epoch-oracle", "--scenario", "pressure", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { scenario: string; bounds: { allFastRuntime: number; allSlowRuntime: number }; stacks: Stack[] };
    expect(j.scenario).toBe("pressure");
    expect(j.bounds.allFastRuntime).toBeGreaterThan(0);
    expect(j.bounds.allSlowRuntime).toBeGreaterThan(j.bounds.allFastRuntime);
    expect(j.stacks.map((s) => s.name)).toEqual(["numab2", "tpp", "exchange", "epoch-oracle"]);
    for (const s of j.stacks) {
      expect(Object.keys(s)).toEqual(expect.arrayContaining(["name", "hitRatio", "runtime", "simulatedSeconds", "time", "backgroundCpuNs", "churn", "vmstat"]));
      expect(Object.keys(s.churn)).toEqual(
        expect.arrayContaining(["movesPerPage", "maxMovesPerPage", "rePromotedAfterDemote", "pingPong", "promotedUntouchedNextEpoch"]),
      );
      // real kernel time: the built-in scenario lasts at least 10 simulated seconds
      expect(s.simulatedSeconds).toBeGreaterThanOrEqual(10);
      expect(s.simulatedSeconds).toBeCloseTo(s.runtime / 1e9, 9);
      expectWithinBounds(s);
    }
    const by = Object.fromEntries(j.stacks.map((s) => [s.name, s]));
    // the exchange stack's mover runs in a kernel thread: background CPU, not application time
    expect(by.exchange!.backgroundCpuNs["mover"]).toBeGreaterThan(0);
    expect(by.exchange!.time.mover).toBe(0);
    // numab2 under pressure: candidates that could not be promoted
    expect(by.numab2!.vmstat.pgpromote_candidate).toBeGreaterThan(by.numab2!.vmstat.pgpromote_success!);
    // the exchange stack exchanges, and allocates no page for it: every page allocated is still
    // resident (nothing freed), i.e. only setup's workload and filler pages were ever allocated
    const ex = by.exchange!.vmstat;
    expect(ex.pgexchange_success).toBeGreaterThan(0);
    expect(by.exchange!.exchanges).toBeGreaterThan(0);
    const allocs = Object.entries(ex)
      .filter(([k]) => k.startsWith("pgalloc_"))
      .reduce((a, [, n]) => a + n, 0);
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
    expect(r.out).toMatch(/application time .*\((\d+\.\d\d× (faster|slower), [−+]\d+\.\d% runtime|same runtime)\)/);
    expect(r.out).toMatch(/background CPU/);
    expect(r.out).toMatch(/promoted, untouched next epoch/);
    expect(r.out).toMatch(/pgexchange_success/);
  }, 120_000);

  it("with no --stacks and no scenario (and no ./foliox.config.*): numab2,tpp,exchange,epoch-oracle on pressure", async () => {
    const r = await run("compare", "--epochs", "1", "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { scenario: string; stacks: (Stack & { time: Record<string, number> })[] };
    expect(j.scenario).toBe("pressure");
    expect(j.stacks.map((s) => s.name)).toEqual(["numab2", "tpp", "exchange", "epoch-oracle"]);
    for (const s of j.stacks)
      expect(Object.keys(s.time)).toEqual(
        expect.arrayContaining(["access", "cache", "hintFault", "fault", "scan", "promoteInFault", "directReclaim", "mover", "blocked"]),
      );
  }, 120_000);

  it("--trace: a lackey trace of a real program (valgrind, /bin/true) with a 20% fast tier, every preset, none beyond a bound", async () => {
    const r = await run("compare", "--trace", lackey, "--format", "lackey", "--stacks", STACK_NAMES.join(","), "--json");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      scenario: string;
      trace: { file: string };
      stacks: (Stack & { llc: { hits: number; misses: number } | null })[];
      notes: string[];
    };
    expect(j.scenario).toBe("trace");
    expect(j.trace.file).toBe(lackey);
    expect(j.stacks.map((s) => s.name)).toEqual([...STACK_NAMES]);
    expect(j.notes.join("\n")).toMatch(/fast 20% = 16 pages/);
    expect(j.notes.join("\n")).toMatch(/LLC filter: \d+ KiB/);
    for (const s of j.stacks) {
      expect(s.llc).not.toBeNull();
      expect(s.llc!.hits + s.llc!.misses).toBeGreaterThan(0);
      expectWithinBounds(s);
    }
  }, 300_000);

  it("--out DIR: one result per stack (what run --out writes) and compare.json; report draws a stack's", async () => {
    const dir = join(tmp(), "out");
    const r = await run("compare", "zipf", "--stacks", "linux-default,exchange", "--epochs", "1", "--out", dir);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["compare.json", "exchange.json", "linux-default.json"]);
    const c = JSON.parse(readFileSync(join(dir, "compare.json"), "utf8")) as { stacks: Stack[] };
    const one = JSON.parse(readFileSync(join(dir, "exchange.json"), "utf8")) as { stack: string; runtimeNs: number };
    expect(one.stack).toBe("exchange");
    expect(one.runtimeNs).toBe(c.stacks[1]!.runtime);
    expect((await run("report", join(dir, "exchange.json"), "-o", join(dir, "r.html"))).code).toBe(0);
    // and the compare itself: the stacks side by side, application time apart from background CPU
    expect((await run("report", join(dir, "compare.json"), "-o", join(dir, "c.html"))).code).toBe(0);
    const page = readFileSync(join(dir, "c.html"), "utf8");
    expect(page).toMatch(/<th>linux-default \(baseline\)<\/th><th>exchange<\/th>/);
    expect(page).toMatch(/background CPU/);
    expect(page).toMatch(/promoted pages untouched the next epoch/);
  }, 120_000);

  it("--cost and --llc reach the runs", async () => {
    const r = await run(
      "compare",
      "zipf",
      "--stacks",
      "linux-default",
      "--epochs",
      "1",
      "--cost",
      "fastReadNs=50",
      "--cost",
      "slowReadNs=400",
      "--llc",
      "1MiB:16:64",
      "--json",
    );
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { costs: Record<string, number>; stacks: (Stack & { llc: { sizeBytes: number } })[] };
    expect(j.costs.fastReadNs).toBe(50);
    expect(j.costs.slowReadNs).toBe(400);
    expect(j.stacks[0]!.llc.sizeBytes).toBe(1024 * 1024);
  }, 120_000);

  it("bad input: a clear error naming the field, exit 2, nothing written", async () => {
    const cases: [string[], RegExp][] = [
      [["--cost", "hintFaltNs=5"], /--cost hintFaltNs: unknown cost "hintFaltNs"; did you mean "hintFaultNs"\?/],
      [["--cost", "faultNs=-1"], /--cost faultNs: -1 is not a finite number >= 0/],
      [["--llc", "3MiB:16:64"], /--llc\.sizeBytes: 3145728 is not a power of two/],
      [["--llc", "32MiB:12"], /--llc\.ways: 12 is not a power of two/],
    ];
    for (const [args, message] of cases) {
      const dir = join(tmp(), "out");
      const r = await run("compare", "zipf", "--stacks", "linux-default", "--epochs", "1", "--out", dir, ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err).toMatch(message);
      expect(existsSync(dir)).toBe(false);
    }
    // a trace entry of weight 0
    const d = tmp();
    const csv = join(d, "w0.csv");
    writeFileSync(csv, "t,pid,addr,op,size,weight\n0,1,0x10000000,R,8,1\n1,1,0x10001000,W,8,0\n");
    const out = join(d, "out");
    const w = await run("compare", "--trace", csv, "--format", "csv", "--stacks", "linux-default,exchange", "--out", out);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/weight/);
    expect(existsSync(out)).toBe(false);
    // a fast share outside (0, 100%]
    const cfg = join(d, "bad.yaml");
    writeFileSync(cfg, "memory: { fast: 0%, slow: 64MiB }\nworkload: { pattern: { type: uniform } }\n");
    const f = await run("compare", cfg, "--stacks", "linux-default", "--out", out);
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/memory\.fast: "0%" is not a share of the workload's footprint in \(0%, 100%\]/);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it("usage errors exit 2", async () => {
    const bad = await run("compare", "pressure", "--stacks", "numab2,exchnage");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--stacks: "exchnage" is not a registered stack; did you mean "exchange"\? registered: linux-default, /);
    const both = await run("compare", "zipf", "--scenario", "pressure", "--stacks", "numab2");
    expect(both.code).toBe(2);
  });
});
