/**
 * `foliox report`: the pages of a run, a compare and a sweep are self-contained, and headless
 * Chromium (Debian's `chromium`, installed by .ci/run) loads them and draws every chart. The
 * browser tests FAIL, never skip, when chromium is missing.
 *
 * The runs, the compare and the sweep reported on are real ones of a tiny scenario (a 4 MiB
 * workload, a few epochs of 2,000 accesses), made through the built bin (the sweep's workers run
 * dist/sweep-worker.js, so `npx turbo run build` first). What a reader needs is checked: the
 * header names the seed the run used, legends name their series and show no "--", charts take
 * the page's width, every chart has its values in a table under it, the time is broken into the
 * application's parts with background CPU beside it, a compare's directory gives the stacks
 * side by side, a sweep gives figures against the fast tier's size with the spread over seeds,
 * and a runtime against the baseline is a factor, never "193.0% faster".
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/program.js";
import { formatSpeedup } from "../src/render/speedup.js";
import { sweepReportDataFrom } from "../src/report/sweep-data.js";

const fixture = fileURLToPath(new URL("./fixtures/sim-result.json", import.meta.url));
const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

/** The built bin, for what runs worker threads (sweep). */
function foliox(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r;
}

const tmp = () => mkdtempSync(join(tmpdir(), "foliox-report-"));

function chromium(): string {
  const bin = process.env.CHROME_BIN ?? "chromium";
  const probe = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `headless chromium is required for this test and "${bin}" did not run (${probe.error?.message ?? probe.stderr}); install it: apt-get install -y chromium (.ci/run does this)`,
    );
  }
  return bin;
}

/** The page's DOM after its scripts ran, in a window `width` pixels wide. */
function dumpDom(file: string, width = 1280): string {
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
      "--hide-scrollbars",
      `--window-size=${width},1000`,
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

/** Drawn: every chart element holds a uPlot whose canvas has pixels, and no script failed. */
function expectDrawn(dom: string): void {
  expect(dom).not.toMatch(/data-error=/);
  expect(dom).toMatch(/<body[^>]*data-rendered="1"/);
  const charts = (dom.match(/<div class="chart" id=/g) ?? []).length;
  expect(charts).toBeGreaterThan(0);
  expect((dom.match(/<canvas/g) ?? []).length).toBe(charts);
}

/** The width uPlot drew each chart at, from its plot's wrapper. */
const chartWidths = (dom: string) => [...dom.matchAll(/<div class="u-wrap" style="width: (\d+)px/g)].map((m) => Number(m[1]));

/** Every chart is followed by its values: a <details class="values"> holding a table. */
function expectTableUnderEachChart(html: string): void {
  const charts = [...html.matchAll(/<div class="chart" id="([^"]+)"><\/div>(<details open class="values">.*?<\/details>)?/g)];
  expect(charts.length).toBeGreaterThan(0);
  for (const m of charts) expect(m[2], `chart ${m[1]} has no table of its values under it`).toMatch(/<table class="values">.*<tbody><tr>/);
}

const TINY =
  "name: tiny\nmemory: { fast: 1MiB, slow: 8MiB }\nworkload:\n  pattern: { type: zipf, s: 1.0, moveEvery: 2 }\n  regions: [{ name: heap, size: 4MiB }]\n  accessesPerEpoch: 2000\nepochs: 4\n";

/** A real run (seed 7), a real compare --out and a real sweep of the tiny scenario. */
let work = "";
beforeAll(async () => {
  work = tmp();
  writeFileSync(join(work, "tiny.yaml"), TINY);
  const r = await run("run", join(work, "tiny.yaml"), "--stack", "numab2", "--seed", "7", "--out", join(work, "run"));
  expect(r.code, r.err).toBe(0);
  const c = await run("compare", join(work, "tiny.yaml"), "--stacks", "numab2,tpp,exchange", "--out", join(work, "compare"));
  expect(c.code, c.err).toBe(0);
  writeFileSync(join(work, "sweep.json"), JSON.stringify({ stacks: ["numab2", "exchange"], scenarios: ["tiny.yaml"], seeds: [1, 2, 3], fast: ["25%", "50%"] }));
  foliox(work, "sweep", "sweep.json", "--out", "sweep", "--jobs", "2");
}, 240_000);

describe("foliox report: a run", () => {
  it("writes a self-contained page: uPlot inlined, data embedded, no network reference", async () => {
    const out = join(tmp(), "report.html");
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

  it("the header gives the seed the run used (run writes it as scenario.seed), its scenario and source", async () => {
    const out = join(tmp(), "run.html");
    expect((await run("report", join(work, "run", "result.json"), "-o", out)).code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain("<tr><th>seed</th><td>7</td></tr>");
    expect(html).not.toMatch(/seed<\/th><td>n\/a/);
    expect(html).toMatch(/<tr><th>scenario<\/th><td>tiny \(.*tiny\.yaml\)<\/td><\/tr>/);
    // the directory run --out wrote works as well
    expect((await run("report", join(work, "run"), "-o", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("<tr><th>seed</th><td>7</td></tr>");
  });

  it("breaks the time into the application's parts, with the kernel threads' CPU beside it, as a chart and a table", async () => {
    const out = join(tmp(), "run.html");
    expect((await run("report", join(work, "run", "result.json"), "-o", out)).code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toContain('<div class="chart" id="chart-time"></div>');
    const result = JSON.parse(readFileSync(join(work, "run", "result.json"), "utf8")) as { time: { access: number }; backgroundCpuNs: Record<string, number> };
    expect(html).toMatch(/<th>application: memory accesses<\/th><td>[\d.]+ (ms|µs|s)<\/td><td>0 ns<\/td>/);
    for (const actor of Object.keys(result.backgroundCpuNs)) expect(html).toContain(`<th>background CPU: ${actor}</th><td>0 ns</td>`);
    expect(html).toMatch(/<th>total<\/th><td>[\d.]+ (ms|µs|s)<\/td><td>[\d.]+ (ns|ms|µs|s)<\/td>/);
  });

  it("every chart has its values in a table under it", async () => {
    const out = join(tmp(), "run.html");
    expect((await run("report", join(work, "run", "result.json"), "-o", out)).code).toBe(0);
    expectTableUnderEachChart(readFileSync(out, "utf8"));
  });

  it("renders in headless chromium: every chart drawn; legends name their series and show no '--'", async () => {
    const out = join(tmp(), "run.html");
    expect((await run("report", join(work, "run", "result.json"), "-o", out)).code).toBe(0);
    const dom = dumpDom(out);
    expectDrawn(dom);
    // a live legend shows "--" for every value while nothing is hovered, which is every static view
    expect(dom).toMatch(/class="u-legend/);
    expect(dom).toMatch(/<div class="u-label">pgpromote \(pages\)<\/div>/);
    expect(dom).not.toMatch(/>--</);
  });

  it("charts take the page's width, in a wide window and in a narrow one", async () => {
    const out = join(tmp(), "run.html");
    expect((await run("report", join(work, "run", "result.json"), "-o", out)).code).toBe(0);
    const wide = dumpDom(out, 1600);
    expectDrawn(wide);
    // the page's text column stops at 1400 px
    const broad = chartWidths(wide);
    const narrow = chartWidths(dumpDom(out, 800));
    expect(broad.length).toBe((wide.match(/<canvas/g) ?? []).length);
    expect(narrow.length).toBe(broad.length);
    for (const w of broad) expect(w).toBeGreaterThanOrEqual(1300);
    for (const w of narrow) expect(w).toBeLessThanOrEqual(760);
  });

  it("a blank page would not pass: data-rendered is absent when the script cannot run", () => {
    const dir = tmp();
    const html = readFileSync(fixture, "utf8"); // not HTML at all: nothing runs
    const f = join(dir, "blank.html");
    writeFileSync(f, `<!doctype html><body><pre>${html.slice(0, 50)}</pre></body>`);
    expect(dumpDom(f)).not.toMatch(/data-rendered="1"/);
  });
});

describe("foliox report: a compare", () => {
  it("a compare's directory: the stacks side by side, time parts and background CPU per stack, hit ratio per epoch of every stack, drawn", async () => {
    const out = join(tmp(), "compare.html");
    const r = await run("report", join(work, "compare"), "-o", out);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/<th><\/th><th>numab2 \(baseline\)<\/th><th>tpp<\/th><th>exchange<\/th>/);
    for (const id of ["chart-hit", "chart-time", "chart-moves", "chart-epochs"]) expect(html).toContain(`<div class="chart" id="${id}"></div>`);
    expect(html).toMatch(/<tr class="total"><th>background CPU \(not in the application&#39;s time\)<\/th>/);
    expect(html).toMatch(/<tr class="part"><th>memory accesses<\/th>/);
    expectTableUnderEachChart(html);
    expectDrawn(dumpDom(out));
    // its compare.json alone still reads (and the stacks' files beside it are found)
    expect((await run("report", join(work, "compare", "compare.json"), "-o", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain('id="chart-epochs"');
  });

  it("a runtime against the baseline is a factor with the change in runtime, never '193.0% faster'", async () => {
    expect(formatSpeedup(399e6, 136e6)).toBe("2.93× faster, −65.9% runtime");
    expect(formatSpeedup(136e6, 399e6)).toBe("2.93× slower, +193.4% runtime");
    expect(formatSpeedup(100, 100)).toBe("same runtime");
    const out = join(tmp(), "compare.html");
    expect((await run("report", join(work, "compare"), "-o", out)).code).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(
      /<tr class="part"><th>against the baseline<\/th><td>baseline<\/td><td>(\d+\.\d\d× (faster|slower), [−+]\d+\.\d% runtime|same runtime)<\/td>/,
    );
    expect(html).not.toMatch(/\d% (faster|slower)/);
  });
});

describe("foliox report: a sweep", () => {
  it("figures against the fast tier's size per stack, with the spread over seeds in the table, drawn", async () => {
    const out = join(tmp(), "sweep.html");
    const r = await run("report", join(work, "sweep"), "-o", out);
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(out, "utf8");
    expect(html).toMatch(/<h2>tiny\.yaml \(tiny\)<\/h2>/);
    expect(html).toContain("<tr><th>runs</th><td>12</td></tr>");
    for (const m of ["hit", "runtime", "background", "time"]) expect(html).toContain(`<div class="chart" id="chart-g0-${m}"></div>`);
    // a row per fast-tier size, a column per stack, each cell the mean and (min – max) over the seeds
    expect(html).toMatch(
      /<thead><tr><th>fast tier \(% of the footprint\)<\/th><th>exchange<\/th><th>numab2<\/th><\/tr><\/thead><tbody><tr><th>25%<\/th><td>0\.\d{4}( \(0\.\d{4} – 0\.\d{4}\))?<\/td>/,
    );
    expectTableUnderEachChart(html);
    const dom = dumpDom(out);
    expectDrawn(dom);
    expect(dom).not.toMatch(/>--</);
    // the merged file of the same runs reads as well
    expect((await run("report", join(work, "sweep", "results.jsonl"), "-o", out)).code).toBe(0);
  });

  it("means, mins and maxes are over the seeds of one stack and size", () => {
    const result = (hit: number, runtime: number) => ({
      scenario: { name: "s", seed: 1 },
      stack: "x",
      hitRatio: hit,
      runtimeNs: runtime,
      perEpoch: [{ t: 1, hitRatio: hit }],
    });
    const line = (key: string, stack: string, seed: number, fast: string, hit: number, runtime: number) =>
      JSON.stringify({
        key: key.repeat(64),
        inputs: { scenario: "s", stack, seed, fast, costs: {}, epochs: 1, trace: null, foliox: "0.1.0" },
        result: result(hit, runtime),
      });
    const text = `${[line("a", "numab2", 1, "20%", 0.5, 300), line("b", "numab2", 2, "20%", 0.7, 100), line("c", "numab2", 1, "10%", 0.2, 500), line("d", "exchange", 1, "20%", 0.9, 50)].join("\n")}\n`;
    const d = sweepReportDataFrom(text, "r.jsonl");
    expect(d.groups).toHaveLength(1);
    const g = d.groups[0]!;
    expect(g.fast).toEqual([10, 20]);
    expect(g.stacks).toEqual(["exchange", "numab2"]);
    const at20 = g.runs.get("numab2")![1]!.map((r) => r.run.hitRatio);
    expect(at20.sort()).toEqual([0.5, 0.7]);
    expect(g.runs.get("exchange")![0]).toEqual([]);
  });

  it("a damaged results file is refused at its line (exit 2)", async () => {
    const dir = tmp();
    const f = join(dir, "results.jsonl");
    writeFileSync(f, `${readFileSync(join(work, "sweep", "results.jsonl"), "utf8").split("\n")[0]}\nnot json\n`);
    const r = await run("report", f, "-o", join(dir, "r.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/results\.jsonl:2: not a result of foliox sweep \(not JSON/);
  });
});

describe("foliox report: errors", () => {
  it("usage errors exit 2: missing -o, missing file, not a result, a directory of neither", async () => {
    const noOut = await run("report", fixture);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/required option '-o, --output <file>'/);
    const missing = await run("report", "/nonexistent/result.json", "-o", "/tmp/x.html");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read \/nonexistent\/result\.json \(ENOENT\); pass a run's result\.json/);
    const dir = tmp();
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ perEpoch: [{ hitRatio: "high" }] }));
    const r = await run("report", bad, "-o", join(dir, "r.html"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json: result\.perEpoch\[0\]\.hitRatio should be a number, got "high"; pass a result\.json written by `foliox run --out DIR`/);
    const empty = await run("report", dir, "-o", join(dir, "r.html"));
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/holds no compare\.json \(foliox compare --out\), results\.jsonl \(foliox sweep --out\) or result\.json \(foliox run --out\)/);
  });

  it("a page whose directory does not exist is refused before any work (exit 2)", async () => {
    const r = await run("report", fixture, "-o", "/nonexistent-dir/report.html");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/-o \/nonexistent-dir\/report\.html: the directory \/nonexistent-dir does not exist; create it first/);
  });
});
