/**
 * `foliox run`: scenario given positionally or with --scenario, exit codes (2 usage/config,
 * 1 runtime), byte-identical --json for a seed, --out for `foliox report`, --trace replay,
 * and no progress bar when stderr is not a TTY.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const lackey = fileURLToPath(new URL("../../trace/test/fixtures/lackey-true.txt.gz", import.meta.url));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

function tmpFile(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), "foliox-run-")), name);
  writeFileSync(p, text);
  return p;
}

const SMALL =
  "name: small\nmemory: { fast: 4MiB, slow: 8MiB }\nworkload:\n  pattern: { type: zipf, s: 1.0, moveEvery: 2 }\n  regions: [{ name: heap, size: 8MiB }]\n  accessesPerEpoch: 5000\nepochs: 4\nstack: numab2\n";

describe("foliox run", () => {
  it("positional and --scenario give the same run; --json is byte-identical for the same seed", async () => {
    const a = await run("run", "pressure", "--epochs", "2", "--stack", "exchange", "--json");
    const b = await run("run", "--scenario", "pressure", "--epochs", "2", "--stack", "exchange", "--json");
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.out).toBe(b.out);
    const j = JSON.parse(a.out) as Record<string, any>;
    expect(j.scenario).toMatchObject({ name: "pressure", stack: "exchange", epochs: 2, pressure: "full", source: "built-in" });
    expect(j.stack).toBe("exchange");
    expect(j.perEpoch).toHaveLength(2);
    // 200,000 samples of weight 64
    expect(j.entries).toBe(200_000);
    expect(j.accesses).toBe(200_000 * 64);
    expect(j.hitRatio).toBeGreaterThan(0);
    expect(j.vmstat.pgexchange_success).toBeGreaterThan(0);
    expect(j.notes.join("\n")).toMatch(/pressure full \(docs\/decisions\.md#memory-pressure\)/);
    // the file region is a real file now that the CLI registers file backends (ext4, f2fs)
    expect(j.notes.join("\n")).not.toMatch(/mapped as anon memory/);
    // the runtime breakdown adds up to the runtime
    const parts = Object.values(j.time as Record<string, number>).reduce((x, n) => x + n, 0);
    expect(Math.abs(parts - j.runtimeNs)).toBeLessThan(1e-6 * j.runtimeNs);
    const c = await run("run", "pressure", "--epochs", "2", "--stack", "exchange", "--json", "--seed", "2");
    expect(c.out).not.toBe(a.out);
  });

  it("text output names the scenario, the stack, the hit ratio and the counters with kernel names", async () => {
    const p = tmpFile("small.yaml", SMALL);
    const r = await run("run", p);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^scenario small \(.*small\.yaml\): dram-cxl 4 MiB \+ 8 MiB, pressure none, zipf/);
    expect(r.out).toMatch(/stack numab2\n/);
    expect(r.out).toMatch(/hit ratio +0\.\d{4}/);
    expect(r.out).toMatch(/pgpromote_candidate +\d+/);
    expect(r.out).toMatch(/pgexchange_success \(foliox\)/);
  });

  it("--out writes result.json, and foliox report draws it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foliox-run-out-"));
    const r = await run("run", tmpFile("small.yaml", SMALL), "--out", dir);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/wrote .*result\.json/);
    const html = join(dir, "report.html");
    expect((await run("report", join(dir, "result.json"), "-o", html)).code).toBe(0);
    expect(readFileSync(html, "utf8")).toContain("small / numab2");
  });

  it("--trace replays a lackey trace (valgrind, /bin/true) and reports a hit ratio for two stacks", async () => {
    const sys = tmpFile("sys.yaml", "name: replay\nmemory: { fast: 4MiB, slow: 8MiB }\nworkload: { pattern: { type: uniform }, accessesPerEpoch: 10000 }\n");
    for (const stack of ["numab2", "exchange"]) {
      const r = await run("run", sys, "--stack", stack, "--trace", lackey, "--format", "lackey", "--json");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out) as Record<string, any>;
      expect(j.stack).toBe(stack);
      expect(j.accesses).toBeGreaterThan(10_000);
      expect(j.hitRatio).toBeGreaterThan(0);
      expect(j.scenario.trace).toEqual({ file: lackey, format: "lackey" });
    }
  });

  it("usage and config errors exit 2 and say what to do", async () => {
    const both = await run("run", "pressure", "--scenario", "zipf");
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/give it once, positionally or with --scenario/);
    const unknown = await run("run", "presure");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown scenario "presure".*did you mean "pressure"\? pass one of: pressure, /);
    const stack = await run("run", "pressure", "--stack", "bogus");
    expect(stack.code).toBe(2);
    expect(stack.err).toMatch(/field stack: "bogus" is not a registered stack; registered: linux-default, numab2.* \(it came from --stack\)/);
    const bad = tmpFile("bad.yaml", "workload:\n  pattern: { type: zipf }\n  acessesPerEpoch: 3\n");
    const cfg = await run("run", bad);
    expect(cfg.code).toBe(2);
    expect(cfg.err).toMatch(/bad\.yaml:3:3: field workload\.acessesPerEpoch: unknown field "acessesPerEpoch"; did you mean "accessesPerEpoch"\?/);
    const fmt = await run("run", "pressure", "--format", "lackey");
    expect(fmt.code).toBe(2);
    expect(fmt.err).toMatch(/--format applies to --trace/);
    const traceFull = await run("run", "pressure", "--trace", lackey);
    expect(traceFull.code).toBe(2);
    expect(traceFull.err).toMatch(/with --trace use a scenario with pressure "none"/);
    const noTrace = await run("run", "zipf", "--trace", "/nonexistent/trace.gz");
    expect(noTrace.code).toBe(2);
    expect(noTrace.err).toMatch(/no such trace file: \/nonexistent\/trace\.gz; check the path/);
    const epochs = await run("run", "pressure", "--epochs", "0");
    expect(epochs.code).toBe(2);
  });

  it("a run that fails exits 1 with the reason", async () => {
    const tooBig = tmpFile(
      "big.yaml",
      "memory: { fast: 4MiB, slow: 4MiB }\npressure: full\nworkload: { pattern: { type: uniform }, regions: [{ name: h, size: 16MiB }] }\n",
    );
    const r = await run("run", tooBig);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/does not fit in memory .*give the nodes more memory/);
    const sys = tmpFile("sys.yaml", "memory: { fast: 4MiB, slow: 8MiB }\nworkload: { pattern: { type: uniform } }\n");
    const badTrace = tmpFile("bad.csv", "t,pid,addr,op,size\n0,1,0x1000,R,8\n1,1,zzz,R,8\n");
    const parse = await run("run", sys, "--trace", badTrace, "--format", "csv");
    expect(parse.code).toBe(2); // a trace that does not parse is bad input, like a bad config
    expect(parse.err).toMatch(/bad\.csv.*3/);
  });

  it("built CLI: no progress bar when stderr is piped", () => {
    const r = spawnSync(process.execPath, [bin, "run", tmpFile("small.yaml", SMALL), "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).scenario.name).toBe("small");
  });
});
