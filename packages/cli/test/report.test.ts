/**
 * `foliox report`: the page is self-contained, and headless Chromium (Debian's `chromium`,
 * installed by .ci/run) loads it and draws every chart. The browser test FAILS, never skips,
 * when chromium is missing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const fixture = fileURLToPath(new URL("./fixtures/sim-result.json", import.meta.url));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

function chromium(): string {
  const bin = process.env.CHROME_BIN ?? "chromium";
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(`headless chromium is required for this test and "${bin}" did not run (${probe.error?.message ?? probe.stderr}); install it: apt-get install -y chromium (.ci/run does this)`);
  }
  return bin;
}

function dumpDom(file: string): string {
  const r = spawnSync(
    chromium(),
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${mkdtempSync(join(tmpdir(), "foliox-chromium-"))}`,
      "--virtual-time-budget=5000",
      "--dump-dom",
      pathToFileURL(file).href,
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`chromium exited ${r.status ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}

describe("foliox report", () => {
  it("writes a self-contained page: uPlot inlined, data embedded, no network reference", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "foliox-report-")), "report.html");
    const r = await run("report", fixture, "-o", out);
    expect(r.err).toMatch(/wrote/);
    expect(r.code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).toContain(".uplot");
    expect(html).toMatch(/var uPlot=|uPlot/);
    // nothing to fetch: no src/href attributes, no url() in CSS, no fetch/XHR (the only URL is uPlot's licence comment)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img|url\(\s*["']?https?:|fetch\(|XMLHttpRequest/);
    expect([...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0])).toEqual(["https://github.com/leeoniya/uPlot"]);
    expect(html).toContain("pgpromote_candidate");
    expect(html).toContain("5200 : 2100");
  });

  it("renders in headless chromium: every chart's canvas is drawn (data-rendered=1)", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "foliox-report-")), "report.html");
    expect((await run("report", fixture, "-o", out)).code).toBe(0);
    const dom = dumpDom(out);
    expect(dom).not.toMatch(/data-error=/);
    expect(dom).toMatch(/<body[^>]*data-rendered="1"/);
    expect((dom.match(/<canvas/g) ?? []).length).toBe(4);
  });

  it("a blank page would not pass: data-rendered is absent when the script cannot run", () => {
    const dir = mkdtempSync(join(tmpdir(), "foliox-report-"));
    const html = readFileSync(fixture, "utf8"); // not HTML at all: nothing runs
    const f = join(dir, "blank.html");
    writeFileSync(f, `<!doctype html><body><pre>${html.slice(0, 50)}</pre></body>`);
    expect(dumpDom(f)).not.toMatch(/data-rendered="1"/);
  });

  it("usage errors exit 2: missing -o, missing file, not a result", async () => {
    const noOut = await run("report", fixture);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/required option '-o, --output <file>'/);
    const missing = await run("report", "/nonexistent/result.json", "-o", "/tmp/x.html");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read \/nonexistent\/result\.json \(ENOENT\); pass the path of a result\.json/);
    const dir = mkdtempSync(join(tmpdir(), "foliox-report-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ perEpoch: [{ hitRatio: "high" }] }));
    const r = await run("report", bad, "-o", join(dir, "r.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: result\.perEpoch\[0\]\.hitRatio should be a number, got "high"; pass a result\.json written by `foliox run --out DIR`/);
  });

  it("a page that cannot be written exits 1", async () => {
    const r = await run("report", fixture, "-o", "/nonexistent-dir/report.html");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot write \/nonexistent-dir\/report\.html/);
  });
});
