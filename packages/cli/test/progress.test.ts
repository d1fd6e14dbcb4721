/**
 * Progress with an ETA on a terminal for every long command: synthetic runs count accesses,
 * trace replays (run/compare --trace), `trace inspect` and `trace convert` count the file's
 * bytes; nothing at all when stderr is not a TTY. The bars are checked on a fake TTY stream,
 * and from the built CLI on a real pseudo-terminal (script(1)).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { createProgress } from "../src/report/progress.js";
import { traceProgress } from "../src/trace-progress.js";
import { requireScript } from "./terminal.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const LACKEY = fileURLToPath(new URL("../../trace/test/fixtures/lackey-true.txt.gz", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "foliox-progress-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A stream that says it is a terminal and keeps what is drawn. */
function fakeTty(): NodeJS.WriteStream & { text: () => string } {
  let text = "";
  const s = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(s, { isTTY: true, columns: 120, text: () => text });
  return s;
}

/** The bin on a pseudo-terminal: what it drew there, and its exit status. */
function onTty(args: string[]): { tty: string; status: number | null } {
  const cmd = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("script", ["-qfec", cmd, "/dev/null"], { encoding: "latin1", timeout: 120_000 });
  return { tty: r.stdout, status: r.status };
}

/** A canonical CSV trace big enough to be read in several chunks. */
function bigTrace(): string {
  const lines = ["t,pid,addr,op,size"];
  for (let i = 0; i < 200_000; i++) lines.push(`${i},1,0x${(0x10000000 + ((i * 7919) % 4096) * 4096).toString(16)},${i % 3 ? "R" : "W"},8`);
  const p = join(tmp, "big.csv.gz");
  writeFileSync(p, gzipSync(`${lines.join("\n")}\n`));
  return p;
}

describe("progress bars", () => {
  it("a byte bar shows MiB and an ETA, and stop() gives the cursor and line wrap back", () => {
    const tty = fakeTty();
    const bar = createProgress("reading t.gz", 8 * 2 ** 20, tty, "bytes");
    bar.tick(2 * 2 ** 20);
    bar.stop();
    expect(tty.text()).toMatch(/reading t\.gz \[.*\] 0% \| 0\.0\/8\.0 MiB \| ETA/);
    expect(tty.text()).toContain("\x1b[?25l");
    expect(tty.text().slice(tty.text().lastIndexOf("\x1b[?25l"))).toContain("\x1b[?25h");
    expect(tty.text()).toContain("\x1b[?7h");
  });

  it("a trace read through traceProgress moves its bar to the file's size; not a TTY: nothing drawn", async () => {
    const file = bigTrace();
    const tty = fakeTty();
    const p = traceProgress(file, tty);
    let bytes = 0;
    for await (const c of p.open("reading big.csv.gz").chunks) bytes += c.length;
    p.stop();
    expect(bytes).toBe(statSync(file).size);
    expect(tty.text()).toMatch(/reading big\.csv\.gz \[/);
    const quiet = fakeTty();
    Object.assign(quiet, { isTTY: false });
    const q = traceProgress(file, quiet);
    for await (const _ of q.open("x").chunks);
    q.stop();
    expect(quiet.text()).toBe("");
  });

  it("built CLI on a terminal: trace inspect, trace convert and run --trace draw a bar with an ETA", () => {
    requireScript();
    const file = bigTrace();
    const inspect = onTty(["trace", "inspect", file]);
    expect(inspect.status).toBe(0);
    expect(inspect.tty).toMatch(/reading big\.csv\.gz \[.*\] \d+% \| [\d.]+\/[\d.]+ MiB \| ETA/);
    const convert = onTty(["trace", "convert", file, "--to", "jsonl", "-o", join(tmp, "big.jsonl")]);
    expect(convert.status).toBe(0);
    expect(convert.tty).toMatch(/converting big\.csv\.gz \[.*\| ETA/);
    const replay = onTty(["run", "--trace", LACKEY, "--stack", "numab2"]);
    expect(replay.status).toBe(0);
    expect(replay.tty).toMatch(/trace\/numab2 reading lackey-true\.txt\.gz \[.*\| ETA/);
    expect(replay.tty).toMatch(/trace\/numab2 replaying lackey-true\.txt\.gz \[.*\| ETA/);
  }, 180_000);

  it("built CLI, stderr piped: no bar from trace inspect or run --trace", () => {
    const inspect = spawnSync(process.execPath, [bin, "trace", "inspect", LACKEY], { encoding: "utf8" });
    expect([inspect.status, inspect.stderr]).toEqual([0, ""]);
    const replay = spawnSync(process.execPath, [bin, "run", "--trace", LACKEY, "--stack", "numab2", "--json"], { encoding: "utf8" });
    expect([replay.status, replay.stderr]).toEqual([0, ""]);
  });
});
