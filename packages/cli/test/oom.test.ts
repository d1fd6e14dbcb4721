/**
 * A run that drops accesses for want of memory (the engine's counters.oom) is not a result to
 * trust silently: `run` and `compare` exit 3 and say how many accesses were dropped and why,
 * unless --allow-oom, and the text output shows the count either way.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

function config(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), "foliox-oom-")), name);
  writeFileSync(p, text);
  return p;
}

// 128 MiB of anon memory touched on a machine of 4 + 4 MiB with no swap: faults run out of pages
const TOO_SMALL =
  "name: too-small\nmemory: { fast: 4MiB, slow: 4MiB }\npressure: none\nworkload:\n  pattern: { type: zipf, s: 1.0 }\n  regions: [{ name: heap, size: 128MiB }]\n  accessesPerEpoch: 10000\nepochs: 2\nstack: numab2\n";
const FITS = TOO_SMALL.replace("size: 128MiB", "size: 4MiB").replace("name: too-small", "name: fits");

describe("accesses dropped for want of memory", () => {
  it("run exits 3 and says how many of how many, why, and what to change; the text output shows them", async () => {
    const p = config("too-small.yaml", TOO_SMALL);
    const r = await run("run", p);
    expect(r.code).toBe(3);
    const json = await run("run", p, "--json");
    expect(json.code).toBe(3);
    const j = JSON.parse(json.out) as { accesses: number; counters: { oom: number; segv: number; blocked: number; skipped: number } };
    const dropped = j.counters.oom;
    expect(dropped).toBeGreaterThan(0);
    const offered = j.accesses + dropped + j.counters.segv + j.counters.blocked + j.counters.skipped;
    expect(offered).toBe(20_000);
    const share = `${((100 * dropped) / offered).toFixed(1)}%`;
    expect(r.err).toContain(`foliox run: the run dropped ${dropped} of ${offered} accesses (${share})`);
    expect(r.err).toMatch(/no free page on either node and nothing to reclaim \(no swap\): the workload touches 128 MiB and the nodes hold 4 MiB \+ 4 MiB/);
    expect(r.err).toMatch(/memory\.fast, memory\.slow\) or shrink workload\.regions, or pass --allow-oom/);
    expect(r.out).toMatch(new RegExp(`dropped for want of memory +${dropped} of ${offered} accesses`));
  });

  it("--allow-oom exits 0, and the text output still shows what was dropped", async () => {
    const r = await run("run", config("too-small.yaml", TOO_SMALL), "--allow-oom");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/dropped for want of memory +\d+ of 20000 accesses \(\d+\.\d%\): no page to fault in/);
    expect(r.err).toMatch(/--allow-oom: accepted a result that dropped accesses for want of memory: \d+ of 20000/);
  });

  it("a run whose memory suffices says nothing of OOM and exits 0", async () => {
    const r = await run("run", config("fits.yaml", FITS));
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/dropped/);
    expect(r.err).toBe("");
  });

  it("compare exits 3 naming each stack that dropped accesses; its JSON carries the counters", async () => {
    const p = config("too-small.yaml", TOO_SMALL);
    const r = await run("compare", p, "--stacks", "numab2,exchange");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/foliox compare: runs dropped accesses for want of memory \(numab2: \d+ of 20000 accesses \(\d+\.\d%\); exchange: \d+ of 20000/);
    expect(r.out).toMatch(/dropped for want of memory +\d+ of 20000 accesses/);
    const j = await run("compare", p, "--stacks", "numab2,exchange", "--json", "--allow-oom");
    expect(j.code).toBe(0);
    const stacks = (JSON.parse(j.out) as { stacks: { counters: { oom: number } }[] }).stacks;
    expect(stacks.every((s) => s.counters.oom > 0)).toBe(true);
  });
});
