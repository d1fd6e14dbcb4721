import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

function foliox(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

describe("built CLI (bin/foliox.js)", () => {
  it("--version prints the package version and exits 0", () => {
    const r = foliox("--version");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("an unknown option exits 2 with a message on stderr", () => {
    const r = foliox("--bogus");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    expect(r.stderr).toMatch(/run foliox --help for usage/);
  });
});

describe("main() in-process", () => {
  it("--help exits 0", async () => {
    let out = "";
    const code = await main(["node", "foliox", "--help"], { writeOut: (s) => (out += s) });
    expect(code).toBe(0);
    expect(out).toMatch(/folio migration and folio exchange/);
  });

  it("usage errors exit 2", async () => {
    let err = "";
    const code = await main(["node", "foliox", "--bogus"], { writeErr: (s) => (err += s) });
    expect(code).toBe(2);
    expect(err).toMatch(/unknown option/);
  });
});
