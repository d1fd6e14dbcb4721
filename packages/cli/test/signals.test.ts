/**
 * Told to stop, the built CLI leaves nothing broken behind: Ctrl-C on a terminal during a run
 * gives the cursor and line wrap back (the progress bar had taken both) and exits 130; SIGTERM
 * exits 143 and removes the --out directory the run had created and not yet written; Ctrl-C
 * during `trace convert -o` removes its `.partial-PID` file, even while it waits on a FIFO.
 * (After cleaning up, the process ends by the signal itself: 130 and 143 are what a shell reports.)
 *
 * Ctrl-C on a terminal is the real thing: the bin runs under script(1) on a pseudo-terminal and
 * the test types ^C into it, so the terminal's line discipline sends SIGINT. The others signal a
 * plain child (no terminal).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync, closeSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { requireScript } from "./terminal.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "foliox-sig-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The child's exit status as a shell reports it: its code, or 128 + n when signal n ended it. */
function exited(c: ChildProcess): Promise<{ code: number | null }> {
  return new Promise((resolve) => c.on("exit", (code, signal) => resolve({ code: code ?? (signal ? 128 + constants.signals[signal] : null) })));
}

async function until(what: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("SIGINT and SIGTERM", () => {
  it("Ctrl-C on a terminal during a run: cursor shown and line wrap on again, exit 130", async () => {
    requireScript();
    const c = spawn("script", ["-qfec", `'${process.execPath}' '${bin}' run pressure --epochs 40`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let tty = "";
    c.stdout!.on("data", (d: Buffer) => (tty += d.toString("latin1")));
    const done = exited(c);
    await until(() => tty.includes("ETA"));
    // the bar took the cursor and line wrap
    expect(tty).toContain("\x1b[?25l");
    expect(tty).toContain("\x1b[?7l");
    c.stdin!.write("\x03");
    const { code } = await done;
    expect(code).toBe(130);
    const after = tty.slice(tty.lastIndexOf("^C"));
    expect(after).toContain("\x1b[?25h");
    expect(after).toContain("\x1b[?7h");
  }, 120_000);

  it("SIGTERM during a run: exit 143, and the --out directory it created is gone", async () => {
    const out = join(tmp, "run-out", "nested");
    const c = spawn(process.execPath, [bin, "run", "pressure", "--epochs", "40", "--out", out], { stdio: ["ignore", "pipe", "pipe"] });
    const done = exited(c);
    await until(() => existsSync(out));
    await new Promise((r) => setTimeout(r, 300));
    c.kill("SIGTERM");
    const { code } = await done;
    expect(code).toBe(143);
    expect(existsSync(join(tmp, "run-out"))).toBe(false);
  }, 120_000);

  it("SIGINT during trace convert -o: exit 130, no .partial-PID and no output left", async () => {
    // a FIFO as the input: the converter has written its partial file and waits for more
    const fifo = join(tmp, "in.csv");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const out = join(tmp, "out.jsonl");
    const c = spawn(process.execPath, [bin, "trace", "convert", fifo, "--to", "jsonl", "-o", out], { stdio: ["ignore", "pipe", "pipe"] });
    const done = exited(c);
    const w = openSync(fifo, "r+"); // read-write: opening does not wait for the reader
    writeSync(w, "t,pid,addr,op,size\n0,1,0x1000,R,8\n1,1,0x2000,W,8\n");
    await until(() => readdirSync(tmp).some((f) => f.startsWith("out.jsonl.partial-")));
    c.kill("SIGINT");
    const { code } = await done;
    closeSync(w);
    expect(code).toBe(130);
    expect(readdirSync(tmp).filter((f) => f.startsWith("out.jsonl"))).toEqual([]);
  }, 60_000);
});
