/**
 * One meaning per exit code in every command (exit.ts, the README's table): usage and input
 * errors 2, failures of the run 1, accesses dropped for want of memory 3 (oom.test.ts). And
 * input errors name the file, the field and the limit in the user's terms.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "foliox-exit-"));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const WORKLOAD = "workload:\n  pattern: { type: uniform }\n  regions: [{ name: heap, size: 8MiB }]\n  accessesPerEpoch: 1000\nepochs: 1\n";

describe("usage and input errors exit 2 in every command", () => {
  it.each([
    [["run", "--trace", "/nonexistent/trace.gz"], /foliox run: no such trace file: \/nonexistent\/trace\.gz/],
    [["trace", "inspect", "/nonexistent/trace.gz"], /foliox trace inspect: cannot read \/nonexistent\/trace\.gz: no such file/],
    [["trace", "convert", "/nonexistent/trace.gz", "--to", "csv"], /foliox trace convert: cannot read \/nonexistent\/trace\.gz: no such file/],
    [["conformance", "--backend", "bogus"], /foliox conformance: --backend: "bogus" is not a registered backend; .*registered: anon, /],
    [["conformance", "--backend", "anon", "--backend", "ext4-4kk"], /"ext4-4kk" is not a registered backend; did you mean "ext4-4k"\?/],
  ])("%j", async (args, message) => {
    const r = await run(...args);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
  });

  it("the built CLI: the same codes as the process's exit status", () => {
    for (const args of [
      ["run", "--trace", "/nonexistent/t.gz"],
      ["trace", "inspect", "/nonexistent/t.gz"],
      ["conformance", "--backend", "bogus"],
    ]) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
      expect([args.join(" "), r.status]).toEqual([args.join(" "), 2]);
    }
  });

  it("a trace line that does not parse is bad input for run, as for trace inspect", async () => {
    const sys = file("sys.yaml", `memory: { fast: 4MiB, slow: 8MiB }\n${WORKLOAD}`);
    const bad = file("bad.csv", "t,pid,addr,op,size\n0,1,0x1000,R,8\n1,1,zzz,R,8\n");
    const r = await run("run", sys, "--trace", bad, "--format", "csv");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.csv:3: expected addr/);
  });
});

describe("sizes: the field, the limit in the user's terms", () => {
  it("memory.fast beyond what the model holds names the field and both maxima", async () => {
    const p = file("huge-node.yaml", `memory: { fast: 8TiB, slow: 4MiB }\n${WORKLOAD}`);
    const r = await run("run", p);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${p}:1:17: field memory.fast: 8 TiB is more than the model holds: memory.fast + memory.slow can be at most 4 TiB`);
    expect(r.err).toContain("so with memory.slow 4 MiB, memory.fast can be at most 4194300 MiB");
    expect(r.err).not.toMatch(/mem_map: nrPages|Cannot inject/);
  });

  it("a node given as a share of a footprint too large for the model is refused by field too", async () => {
    const p = file(
      "share.yaml",
      'memory: { fast: "100%", slow: 4MiB }\nworkload: { pattern: { type: uniform }, regions: [{ name: h, size: 5TiB }] }\nepochs: 1\n',
    );
    const r = await run("run", p);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /field memory\.fast: 100% of the footprint of 5 TiB: 5 TiB is more than the model holds: memory\.fast \+ memory\.slow can be at most 4 TiB/,
    );
  });

  it("a size of 2^60 is too large, not 'not a multiple of 4 KiB'", async () => {
    const region = file(
      "huge-region.yaml",
      "memory: { fast: 4MiB, slow: 8MiB }\nworkload:\n  pattern: { type: uniform }\n  regions: [{ name: heap, size: 1152921504606846976 }]\n",
    );
    const r = await run("run", region);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field workload\.regions\[0\]\.size: 1152921504606847000 is too large: a size can be at most 9007199254740991 bytes/);
    expect(r.err).not.toMatch(/multiple of 4 KiB/);
    const unit = await run("run", file("eib.yaml", 'memory: { fast: "1EiB", slow: 8MiB }\nworkload: { pattern: { type: uniform } }\n'));
    expect(unit.code).toBe(2);
    expect(unit.err).toMatch(/field memory\.fast: "1EiB" is too large: .*; memory\.fast \+ memory\.slow can be at most 4 TiB in all/);
  });
});
