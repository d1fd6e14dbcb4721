/**
 * `foliox trace inspect|convert`: in-process through main(), plus the built bin for exit codes.
 * Fixtures are @foliox/trace's (packages/trace/test/fixtures, see its README).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../trace/test/fixtures/${name}`, import.meta.url));
const LACKEY = fixture("lackey-true.txt.gz");
const tmp = mkdtempSync(join(tmpdir(), "foliox-trace-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

async function inspectJson(...args: string[]): Promise<Record<string, unknown>> {
  const r = await run("trace", "inspect", "--json", ...args);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

const SAME = ["accesses", "loads", "stores", "weight", "distinctPages", "addrMin", "addrMax", "pids", "tMin", "tMax", "topPages"] as const;

describe("foliox trace inspect", () => {
  it("summarizes the real lackey fixture", async () => {
    const r = await run("trace", "inspect", LACKEY);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    expect(r.out).toContain("(lackey, gzip)");
    expect(r.out).toMatch(/^lines: +167427 \(25 skipped/m);
    expect(r.out).toMatch(/^accesses: +41163: 29393 loads, 11770 stores \(1504 modify lines, each a load and a store\)$/m);
    expect(r.out).toMatch(/^instructions: +127743 fetches, not included \(pass --instructions to replay them as loads\)$/m);
    expect(r.out).toMatch(/^pids: +5941$/m);
    expect(r.out).toMatch(/^top pages \(by weight\):$/m);
  });

  it("--json, --instructions, --top and --format", async () => {
    const s = await inspectJson(LACKEY, "--instructions", "--top", "2", "--format", "lackey");
    expect(s).toMatchObject({ format: "lackey", accesses: 41163 + 127743, instructions: 127743, instructionsIncluded: true });
    expect(s.topPages).toHaveLength(2);
    const perf = await inspectJson(fixture("perf-mem-fields.txt"), "--perf-weight", "weight");
    expect(perf).toMatchObject({ format: "perf", accesses: 6, weight: 57 + 212 + 31 + 480, pids: [4242, 4300] });
  });
});

describe("foliox trace convert", () => {
  it("lackey -> csv file -> inspect gives the same counts", async () => {
    const out = join(tmp, "lackey.csv");
    const r = await run("trace", "convert", LACKEY, "--to", "csv", "-o", out);
    expect([r.code, r.out, r.err]).toEqual([0, "", ""]);
    const csv = readFileSync(out, "utf8");
    expect(csv.split("\n")[0]).toBe("t,pid,addr,op,size");
    expect(csv.split("\n").length - 2).toBe(41163);
    const a = await inspectJson(LACKEY);
    const b = await inspectJson(out);
    expect(b.format).toBe("csv");
    for (const k of SAME) expect([k, b[k]]).toEqual([k, a[k]]);
  });

  it("to jsonl on stdout, and to .gz files", async () => {
    const r = await run("trace", "convert", fixture("pinatrace.out"), "--to", "jsonl");
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split("\n");
    expect(lines).toHaveLength(8);
    expect(JSON.parse(lines[0]!)).toEqual({ t: 0, pid: 0, addr: "0x7ffe6f1c2a88", op: "W", size: 0 });
    const gz = join(tmp, "lackey.csv.gz");
    expect((await run("trace", "convert", LACKEY, "--to", "csv", "--instructions", "-o", gz)).code).toBe(0);
    expect(gunzipSync(readFileSync(gz)).toString("utf8").split("\n").length - 2).toBe(41163 + 127743);
    const b = await inspectJson(gz);
    expect(b).toMatchObject({ format: "csv", compression: "gzip", accesses: 41163 + 127743 });
  });

  it("lackey -> bin file -> inspect gives the same counts; bin needs -o", async () => {
    const out = join(tmp, "lackey.bin");
    const r = await run("trace", "convert", LACKEY, "--to", "bin", "-o", out);
    expect([r.code, r.out, r.err]).toEqual([0, "", ""]);
    expect(readFileSync(out).length).toBe(16 + 41163 * 32);
    const a = await inspectJson(LACKEY);
    const b = await inspectJson(out);
    expect(b.format).toBe("bin");
    for (const k of SAME) expect([k, b[k]]).toEqual([k, a[k]]);
    const s = await run("trace", "convert", LACKEY, "--to", "bin");
    expect([s.code, s.out]).toEqual([2, ""]);
    expect(s.err).toMatch(/--to bin writes binary records: pass -o FILE/);
  });

  it("a bad trace exits 2 (an input error) naming the file and line, and leaves no output file", async () => {
    const bad = join(tmp, "bad.lackey");
    writeFileSync(bad, "==1== Lackey\n L 0400,4\n L 0400;4\n");
    const out = join(tmp, "bad.csv");
    const r = await run("trace", "convert", bad, "--to", "csv", "-o", out, "--format", "lackey");
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `foliox trace convert: ${bad}:3: expected a lackey line "<op> <hex addr>,<size>" with op I, L, S or M (e.g. " L 04a2c1b0,8"), or a ==PID== line, got " L 0400;4"\n`,
    );
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial-${process.pid}`)).toBe(false);
    const i = await run("trace", "inspect", bad);
    expect([i.code, i.out]).toEqual([2, ""]);
    expect(i.err).toMatch(/^foliox trace inspect: .*bad\.lackey:3: expected a lackey line/);
  });

  it("a missing file exits 2", async () => {
    const r = await run("trace", "inspect", join(tmp, "nope.txt"));
    expect(r.code).toBe(2);
    expect(r.err).toBe(`foliox trace inspect: cannot read ${join(tmp, "nope.txt")}: no such file\n`);
  });
});

describe("usage errors exit 2 and say what to do", () => {
  it.each([
    [
      ["trace", "inspect", LACKEY, "--format", "valgrind"],
      /option '--format <f>' argument 'valgrind' is invalid\. pass one of lackey, pin, perf, damo, csv, jsonl, bin or auto/,
    ],
    [
      ["trace", "convert", LACKEY, "--to", "xml"],
      /argument 'xml' is invalid\. pass --to csv \(header t,pid,addr,op,size\[,weight\]\), --to jsonl .* or --to bin/,
    ],
    [["trace", "convert", LACKEY], /required option '--to <f>' not specified/],
    [["trace", "inspect"], /missing required argument 'file'/],
    [["trace", "inspect", LACKEY, "--bogus"], /unknown option '--bogus'/],
    [["trace", "inspect", LACKEY, "--perf-weight", "latency"], /pass --perf-weight period \(.*\), or --perf-weight weight \(.*\), or --perf-weight one/],
    [["trace", "inspect", LACKEY, "--top", "-1"], /pass an integer from 0 to 1000/],
    [["trace", "frobnicate"], /unknown command 'frobnicate'/],
  ])("%j", async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/run foliox trace( inspect| convert)? --help for usage/);
  });

  it("the built CLI: 2 for usage and for a bad file, 0 for a good one", () => {
    const usage = spawnSync(process.execPath, [bin, "trace", "inspect", "--format", "x", LACKEY], { encoding: "utf8" });
    expect(usage.status).toBe(2);
    const bad = join(tmp, "bad.csv");
    writeFileSync(bad, "t,pid,addr,op,size\n0,1,zz,R,4\n");
    const r1 = spawnSync(process.execPath, [bin, "trace", "inspect", bad], { encoding: "utf8" });
    expect(r1.status).toBe(2);
    expect(r1.stderr).toContain(`${bad}:2: expected addr as 0x-hex or a decimal integer below 2^53 (column 3), got "zz"`);
    const ok = spawnSync(process.execPath, [bin, "trace", "inspect", "--json", fixture("damo-record.json")], { encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ format: "damo", accesses: 6, idleRegions: 1 });
  });
});

describe("trace convert's output, from the built CLI", () => {
  /** A canonical CSV of n entries, gzipped (small on disk, many batches when read). */
  function bigTrace(n: number): string {
    const lines = ["t,pid,addr,op,size"];
    for (let i = 0; i < n; i++) lines.push(`${i},1,0x${(0x10000000 + ((i * 7919) % 100000) * 64).toString(16)},${i % 3 ? "R" : "W"},8`);
    const p = join(tmp, `big-${n}.csv.gz`);
    writeFileSync(p, gzipSync(`${lines.join("\n")}\n`));
    return p;
  }

  it("into a reader that closes early (| head): exits 0 quietly, no EPIPE stack trace", async () => {
    const c = spawn(process.execPath, [bin, "trace", "convert", LACKEY, "--to", "csv"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    c.stderr!.on("data", (d: Buffer) => (err += d.toString("utf8")));
    // read the first chunk, then close the read end, as head does
    c.stdout!.once("data", () => c.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => c.on("exit", (n) => resolve(n)));
    expect(err).toBe("");
    expect(code).toBe(0);
  }, 60_000);

  it("a conversion of many batches to a file prints no MaxListenersExceededWarning", () => {
    const input = bigTrace(800_000); // 13 batches of 65536 entries, each a write that waits for drain
    const out = join(tmp, "big.jsonl");
    const r = spawnSync(process.execPath, [bin, "trace", "convert", input, "--to", "jsonl", "-o", out], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(readFileSync(out, "utf8").split("\n").length - 1).toBe(800_000);
    const gz = spawnSync(process.execPath, [bin, "trace", "convert", input, "--to", "csv", "-o", `${out}.gz`], { encoding: "utf8" });
    expect(gz.stderr).toBe("");
    expect(gz.status).toBe(0);
  }, 60_000);
});
