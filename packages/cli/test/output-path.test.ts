/**
 * Output paths are checked before any work: `run --out` and `compare --out` create the
 * directory and make sure a file can be created in it, `trace convert -o` needs a writable
 * directory; a path that cannot be used exits 2 at once with the option, the path and the
 * reason (never the 100% CPU of Node's recursive mkdir under /proc). A write that fails after
 * the run (the disk full, a file size limit) exits 1, names the file, and still prints the
 * result; nothing partial is left behind.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkOutputFile, OutputPathError, prepareOutputDir } from "../src/output-path.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const LACKEY = fileURLToPath(new URL("../../trace/test/fixtures/lackey-true.txt.gz", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "foliox-out-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SMALL =
  "name: small\nmemory: { fast: 4MiB, slow: 8MiB }\nworkload:\n  pattern: { type: zipf, s: 1.0 }\n  regions: [{ name: heap, size: 8MiB }]\n  accessesPerEpoch: 5000\nepochs: 2\nstack: numab2\n";
const small = join(tmp, "small.yaml");
writeFileSync(small, SMALL);

function foliox(args: string[], timeout = 60_000) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout });
}

/** The bin under a file size limit of `kib` KiB, SIGXFSZ ignored so a write gets EFBIG instead. */
function folioxLimited(kib: number, args: string[]) {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ");
  return spawnSync("bash", ["-c", `trap '' XFSZ; ulimit -f ${kib}; exec ${quoted}`], { encoding: "utf8", timeout: 60_000 });
}

/**
 * The bin as root without the capabilities that let root ignore file permissions (util-linux's
 * setpriv drops them from the bounding set), so that a read-only directory stops it as it would
 * anyone else. Fails, never skips, without setpriv.
 */
function folioxWithoutDacOverride(args: string[]) {
  const drop = "-dac_override,-dac_read_search";
  const r = spawnSync("setpriv", [`--bounding-set=${drop}`, `--inh-caps=${drop}`, process.execPath, bin, ...args], { encoding: "utf8", timeout: 60_000 });
  if (r.error)
    throw new Error(`running the CLI without CAP_DAC_OVERRIDE needs util-linux's setpriv (${r.error.message}); install it: apt-get install -y util-linux`);
  return r;
}

describe("an output path that cannot be used fails before the work, exit 2", () => {
  it("run --out /proc/x: at once, naming the option, the path and the reason", () => {
    const t0 = Date.now();
    const r = foliox(["run", "pressure", "--out", "/proc/x"], 20_000);
    expect(r.error).toBeUndefined(); // not killed by the timeout
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("foliox run: --out /proc/x: cannot create the directory (ENOENT: no such file or directory); pass a directory you can write to\n");
    expect(r.stdout).toBe("");
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it("compare --out under a file, and over a directory where a result goes", () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "");
    const r = foliox(["compare", small, "--stacks", "numab2,exchange", "--out", join(file, "sub")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^foliox compare: --out .*a-file\/sub: cannot create the directory \(ENOTDIR: a part of the path is a file, not a directory\)/);
    const dir = join(tmp, "taken");
    mkdirSync(join(dir, "exchange.json"), { recursive: true });
    const taken = foliox(["compare", small, "--stacks", "numab2,exchange", "--out", dir]);
    expect(taken.status).toBe(2);
    expect(taken.stderr).toMatch(/--out .*taken: .*taken\/exchange\.json is a directory, and the result goes there/);
    expect(taken.stdout).toBe("");
  });

  it("trace convert -o into a missing directory or /proc, or onto a directory", () => {
    const missing = foliox(["trace", "convert", LACKEY, "--to", "csv", "-o", join(tmp, "no-such-dir", "t.csv")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^foliox trace convert: -o .*no-such-dir\/t\.csv: the directory .*no-such-dir does not exist; create it first\n$/);
    const proc = foliox(["trace", "convert", LACKEY, "--to", "csv", "-o", "/proc/t.csv"]);
    expect(proc.status).toBe(2);
    expect(proc.stderr).toBe(
      "foliox trace convert: -o /proc/t.csv: cannot create a file in /proc (ENOENT: no such file or directory); pass a path you can write to\n",
    );
    const dir = foliox(["trace", "convert", LACKEY, "--to", "csv", "-o", tmp]);
    expect(dir.status).toBe(2);
    expect(dir.stderr).toMatch(/-o .*: it is a directory; pass a file name/);
  });

  it("report -o into /proc or a missing directory: refused before the input is read", () => {
    // the input does not exist either: the output path is what is checked first
    const proc = foliox(["report", join(tmp, "no-such-result.json"), "-o", "/proc/r.html"]);
    expect(proc.status).toBe(2);
    expect(proc.stderr).toBe(
      "foliox report: -o /proc/r.html: cannot create a file in /proc (ENOENT: no such file or directory); pass a path you can write to\n",
    );
    const missing = foliox(["report", join(tmp, "no-such-result.json"), "-o", join(tmp, "no-such-dir", "r.html")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^foliox report: -o .*no-such-dir\/r\.html: the directory .*no-such-dir does not exist; create it first\n$/);
  });

  it("a read-only directory (as root, the CLI runs without CAP_DAC_OVERRIDE: permissions stop it then)", () => {
    const ro = join(tmp, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = process.getuid?.() === 0 ? folioxWithoutDacOverride(["run", small, "--out", ro]) : foliox(["run", small, "--out", ro]);
    chmodSync(ro, 0o755);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out .*ro: cannot create a file in it \(EACCES: permission denied\)/);
  });

  it("the check creates the directory with its parents, and takes its probe file away", () => {
    const dir = join(tmp, "new", "deeper");
    const out = prepareOutputDir("--out", dir, ["result.json"]);
    expect(readdirSync(dir)).toEqual([]);
    out.discard();
    expect(existsSync(join(tmp, "new"))).toBe(false);
    expect(() => checkOutputFile("-o", join(tmp, "x", "y.csv"))).toThrow(OutputPathError);
  });
});

describe("a write that fails after the run exits 1, names the file, and still prints the result", () => {
  it("run --out under a file size limit (EFBIG): the text result is on stdout, no partial file", () => {
    const dir = join(tmp, "late");
    const r = folioxLimited(4, ["run", small, "--out", dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^scenario small .*\nstack numab2\n {2}hit ratio/);
    expect(r.stderr).toBe(`foliox run: cannot write ${join(dir, "result.json")} (EFBIG: file too large); the result is on stdout\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("trace convert -o: 'cannot write' and the output's name, no partial file", () => {
    const out = join(tmp, "limited.csv");
    const r = folioxLimited(64, ["trace", "convert", LACKEY, "--to", "csv", "-o", out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`foliox trace convert: cannot write ${out} (EFBIG: file too large)\n`);
    expect(readdirSync(tmp).filter((f) => f.startsWith("limited.csv"))).toEqual([]);
  });
});
