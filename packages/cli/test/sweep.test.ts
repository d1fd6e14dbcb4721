/**
 * `foliox sweep` and `foliox merge`, through the built bin (the worker threads run
 * dist/sweep-worker.js, so `npx turbo run build` first): two shards merged are the unsharded
 * sweep byte for byte (after sorting by key), a re-run skips finished keys and redoes an
 * unfinished last line, bad input exits 2 with nothing written, runs that dropped accesses
 * exit 3. The sweep is tiny (a 4 MiB workload, 3 epochs of 2,000 accesses) so each run takes
 * milliseconds; what is checked is the bookkeeping, not the numbers.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));

function foliox(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const TINY =
  "name: tiny\nmemory: { fast: 1MiB, slow: 8MiB }\nworkload:\n  pattern: { type: zipf, s: 1.0, moveEvery: 2 }\n  regions: [{ name: heap, size: 4MiB }]\n  accessesPerEpoch: 2000\nepochs: 3\n";
// 2 stacks × 2 seeds × 2 fast-tier shares = 8 runs
const SWEEP = JSON.stringify({ stacks: ["numab2", "exchange"], scenarios: ["tiny.yaml"], seeds: [1, 2], fast: ["25%", "50%"] });

function workdir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "foliox-sweep-"));
  writeFileSync(join(dir, "tiny.yaml"), TINY);
  writeFileSync(join(dir, "sweep.json"), SWEEP);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A command that must succeed: its stderr is the assertion's message when it does not. */
function ok(cwd: string, ...args: string[]) {
  const r = foliox(cwd, ...args);
  expect(r.code, r.err).toBe(0);
  return r;
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");
const sortedText = (text: string) => `${lines(text).sort().join("\n")}\n`;
const results = (dir: string) => readFileSync(join(dir, "results.jsonl"), "utf8");

interface Line {
  key: string;
  inputs: { scenario: string; stack: string; seed: number; fast: string; costs: object; trace: null; foliox: string };
  result: { stack: string; hitRatio: number; scenario: { seed: number; memory: { fast: string } } };
}

describe("foliox sweep", () => {
  it("runs every combination once; --shard 0/2 and 1/2, merged, are the unsharded sweep byte for byte", () => {
    const dir = workdir();
    const all = foliox(dir, "sweep", "sweep.json", "--out", "all", "--jobs", "2");
    expect(all.err).toMatch(/8 runs: 8 ran on 2 worker threads; wrote all\/results\.jsonl/);
    expect(all.code).toBe(0);
    const text = results(join(dir, "all"));
    const parsed = lines(text).map((l) => JSON.parse(l) as Line);
    expect(parsed).toHaveLength(8);
    expect(new Set(parsed.map((l) => l.key)).size).toBe(8);
    const combos = parsed.map((l) => `${l.inputs.stack} ${l.inputs.seed} ${l.inputs.fast}`).sort();
    expect(combos).toEqual([
      "exchange 1 25%",
      "exchange 1 50%",
      "exchange 2 25%",
      "exchange 2 50%",
      "numab2 1 25%",
      "numab2 1 50%",
      "numab2 2 25%",
      "numab2 2 50%",
    ]);
    for (const l of parsed) {
      // the result is the run's own JSON, with the combination's stack, seed and fast tier in its scenario
      expect(l.result.stack).toBe(l.inputs.stack);
      expect(l.result.scenario.seed).toBe(l.inputs.seed);
      expect(l.result.scenario.memory.fast).toBe(l.inputs.fast);
      expect(l.result.hitRatio).toBeGreaterThanOrEqual(0);
      expect(l.inputs.scenario).toBe("tiny.yaml");
    }

    const s0 = foliox(dir, "sweep", "sweep.json", "--out", "s0", "--shard", "0/2", "--jobs", "1");
    const s1 = foliox(dir, "sweep", "sweep.json", "--out", "s1", "--shard", "1/2", "--jobs", "2");
    expect([s0.code, s1.code]).toEqual([0, 0]);
    expect(s0.err).toMatch(/4 runs \(shard 0\/2 of 8\): 4 ran/);
    expect(s1.err).toMatch(/4 runs \(shard 1\/2 of 8\): 4 ran/);
    const k0 = lines(results(join(dir, "s0"))).map((l) => (JSON.parse(l) as Line).key);
    const k1 = lines(results(join(dir, "s1"))).map((l) => (JSON.parse(l) as Line).key);
    expect(k0.filter((k) => k1.includes(k))).toEqual([]);

    const merged = foliox(dir, "merge", "s0", "s1", "-o", "merged.jsonl");
    expect(merged.err).toMatch(/8 results \(0 duplicates dropped\) from 2 inputs; wrote merged\.jsonl/);
    expect(merged.code).toBe(0);
    expect(readFileSync(join(dir, "merged.jsonl"), "utf8")).toBe(sortedText(text));
    // to stdout without -o; a shard given twice is deduplicated
    const again = foliox(dir, "merge", "s0", "s1", join(dir, "s0", "results.jsonl"));
    expect(again.code).toBe(0);
    expect(again.out).toBe(sortedText(text));
  });

  it("a re-run skips the finished keys; an unfinished last line is cut off and its run done again", () => {
    const dir = workdir();
    ok(dir, "sweep", "sweep.json", "--out", "out");
    const full = results(join(dir, "out"));

    const rerun = foliox(dir, "sweep", "sweep.json", "--out", "out");
    expect(rerun.code).toBe(0);
    expect(rerun.err).toMatch(/8 runs: 8 in out\/results\.jsonl already, nothing to run/);
    expect(results(join(dir, "out"))).toBe(full);

    // a sweep killed while it wrote its last line: the file ends in half a line
    const cut = full.slice(0, full.length - 200);
    writeFileSync(join(dir, "out", "results.jsonl"), cut);
    const dry = foliox(dir, "sweep", "sweep.json", "--out", "out", "--dry-run");
    expect(dry.code).toBe(0);
    expect(lines(dry.out).filter((l) => / pending /.test(l))).toHaveLength(1);
    expect(lines(dry.out).filter((l) => / done /.test(l))).toHaveLength(7);
    expect(results(join(dir, "out"))).toBe(cut);

    const resumed = foliox(dir, "sweep", "sweep.json", "--out", "out");
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/cut off an unfinished last line/);
    expect(resumed.err).toMatch(/8 runs: 7 in out\/results\.jsonl already, 1 ran on 1 worker thread/);
    expect(sortedText(results(join(dir, "out")))).toBe(sortedText(full));
  });

  it("bad input exits 2 with the file, line and column, and writes nothing", () => {
    const dir = workdir({
      "typo.yaml": "stacks: [numab2]\nscenarios: [tiny.yaml]\nsedes: [1, 2]\n",
      "names.yaml": "stacks: [numab2, exchnge]\nscenarios: [tiny.yaml, nosuch]\ntraces: [missing.csv]\n",
      "values.yaml": 'stacks: [numab2]\nscenarios: [tiny.yaml]\nfast: ["10%", "200%"]\ncosts: [{ hintFaultNs: -1 }]\n',
      "list.yaml": "stacks: [numab2]\n",
    });
    const cases: [string[], RegExp[]][] = [
      [["typo.yaml"], [/typo\.yaml:3:1: field sedes: unknown field "sedes"; did you mean "seeds"\?/]],
      [
        ["names.yaml"],
        [
          /names\.yaml:1:18: field stacks\[1\]: "exchnge" is not a registered stack; did you mean "exchange"\?/,
          /names\.yaml:2:\d+: field scenarios\[1\]: unknown scenario "nosuch"/,
          /names\.yaml:3:\d+: field traces\[0\]\.file: no such trace file: .*missing\.csv; the path is relative to the sweep file/,
        ],
      ],
      [
        ["values.yaml"],
        [/values\.yaml:3:15: field fast\[1\]: "200%" is not a share of the workload's footprint/, /values\.yaml:4:\d+: field costs\[0\]\.hintFaultNs: /],
      ],
      [["list.yaml"], [/field scenarios: required: list the scenarios to run/]],
      [["nosuch.yaml"], [/nosuch\.yaml: no such file; check the path of the sweep file/]],
      [["sweep.json", "--shard", "2/2"], [/--shard.*"2\/2": the index counts from 0 and must be below 2/]],
      [["sweep.json", "--shard", "1of2"], [/"1of2" is not i\/n/]],
      [["sweep.json", "--jobs", "0"], [/--jobs.*pass a positive number of worker threads/]],
      [["sweep.json", "--cost", "bogusNs=1"], [/unknown cost "bogusNs"/]],
    ];
    for (const [args, messages] of cases) {
      const r = foliox(dir, "sweep", ...args, "--out", "never");
      for (const m of messages) expect(r.err, args.join(" ")).toMatch(m);
      expect(r.code, args.join(" ")).toBe(2);
      expect(existsSync(join(dir, "never")), args.join(" ")).toBe(false);
    }
    const noOut = foliox(dir, "sweep", "sweep.json");
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/required option '--out <dir>'/);
    // a damaged results file is not guessed around
    ok(dir, "sweep", "sweep.json", "--out", "out");
    writeFileSync(join(dir, "out", "results.jsonl"), `${results(join(dir, "out"))}{"key": "nope"}\n`);
    const damaged = foliox(dir, "sweep", "sweep.json", "--out", "out");
    expect(damaged.code).toBe(2);
    expect(damaged.err).toMatch(/out\/results\.jsonl:9: not a result of foliox sweep \(no "key" of 64 hex digits\)/);
  });

  it("runs that dropped accesses for want of memory exit 3 unless --allow-oom; their results are kept", () => {
    const dir = workdir({
      "small.yaml": TINY.replace("fast: 1MiB, slow: 8MiB", "fast: 64KiB, slow: 64KiB").replace("name: tiny", "name: small"),
      "oom.json": JSON.stringify({ stacks: ["numab2"], scenarios: ["small.yaml"] }),
    });
    const r = foliox(dir, "sweep", "oom.json", "--out", "out");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/1 of 1 runs dropped accesses for want of memory \(small\.yaml\/numab2 seed 1 .*: \d+ of 6000 accesses/);
    expect(lines(results(join(dir, "out")))).toHaveLength(1);
    const again = foliox(dir, "sweep", "oom.json", "--out", "out");
    expect(again.code).toBe(3);
    const allowed = foliox(dir, "sweep", "oom.json", "--out", "out", "--allow-oom");
    expect(allowed.code).toBe(0);
    expect(allowed.err).toMatch(/--allow-oom: accepted: 1 of 1 runs dropped accesses/);
  });
});

describe("docs/sweeps.md", () => {
  const docs = readFileSync(new URL("../../../docs/sweeps.md", import.meta.url), "utf8");
  const block = (start: string) => {
    const i = docs.indexOf(start);
    expect(i, start).toBeGreaterThanOrEqual(0);
    return docs.slice(i + start.length, docs.indexOf("\n```", i + start.length) + 1);
  };
  // the repository's node_modules/.bin has foliox, as a checkout's does after npm ci
  const env = { ...process.env, PATH: `${fileURLToPath(new URL("../../../node_modules/.bin", import.meta.url))}:${process.env.PATH ?? ""}` };
  const sh = (dir: string, script: string, vars: Record<string, string> = {}) =>
    spawnSync("bash", ["-c", script], { cwd: dir, env: { ...env, ...vars }, encoding: "utf8" });

  it("the sbatch script, as two array tasks, and its merge job give the unsharded sweep", () => {
    const dir = workdir({ "study.yaml": "stacks: [numab2, exchange]\nscenarios: [tiny.yaml]\nseeds: [1, 2]\nfast: [25%, 50%]\n" });
    const script = `#!/bin/bash\n${block("```bash\n#!/bin/bash\n")}`;
    expect(script).toMatch(/#SBATCH --array=0-7\n/);
    expect(script).toMatch(/\nSHARDS=8 /);
    writeFileSync(join(dir, "sweep.sbatch"), script.replace(/\nSHARDS=8 /, "\nSHARDS=2 "));
    for (const task of ["0", "1"]) {
      const r = spawnSync("bash", ["sweep.sbatch"], {
        cwd: dir,
        env: { ...env, SLURM_ARRAY_TASK_ID: task, SLURM_SUBMIT_DIR: dir, SLURM_CPUS_PER_TASK: "1" },
        encoding: "utf8",
      });
      expect(r.stderr).toMatch(new RegExp(`4 runs \\(shard ${task}/2 of 8\\): 4 ran on 1 worker thread; wrote runs/shard-${task}/results\\.jsonl`));
      expect(r.status).toBe(0);
    }
    const merge = /--wrap '([^']+)'/.exec(block("```bash\njid=$(sbatch"))?.[1];
    expect(merge).toBe("foliox merge runs/shard-* -o all.jsonl");
    expect(sh(dir, merge!).status).toBe(0);
    ok(dir, "sweep", "study.yaml", "--out", "all");
    expect(readFileSync(join(dir, "all.jsonl"), "utf8")).toBe(sortedText(results(join(dir, "all"))));
  });

  it("the Indexed Job's command, for two indexes, gives the same shards", () => {
    const manifest = block("```yaml\n# foliox-sweep.yaml");
    const completions = /completions: (\d+)/.exec(manifest)?.[1];
    const shards = /- name: SHARDS\n\s+value: "(\d+)"/.exec(manifest)?.[1];
    expect(shards).toBe(completions);
    // the folded (>-) args: its lines joined by spaces
    const folded = /- >-\n((?: {14}.+\n)+)/.exec(manifest)?.[1];
    const command = folded!
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .join(" ");
    expect(command).toBe("foliox sweep /study/study.yaml --out /results/shard-$JOB_COMPLETION_INDEX --shard $JOB_COMPLETION_INDEX/$SHARDS --jobs $JOBS");
    const dir = workdir({ "study.yaml": "stacks: [numab2, exchange]\nscenarios: [tiny.yaml]\nseeds: [1, 2]\n" });
    const local = command.replace("/study/study.yaml", "study.yaml").replace("/results/", "results/");
    for (const index of ["0", "1"]) {
      const r = sh(dir, `mkdir -p results && ${local}`, { JOB_COMPLETION_INDEX: index, SHARDS: "2", JOBS: "1" });
      expect(r.stderr).toMatch(new RegExp(`2 runs \\(shard ${index}/2 of 4\\): 2 ran`));
      expect(r.status).toBe(0);
    }
    expect(sh(dir, "foliox merge results/shard-* -o all.jsonl").status).toBe(0);
    ok(dir, "sweep", "study.yaml", "--out", "all");
    expect(readFileSync(join(dir, "all.jsonl"), "utf8")).toBe(sortedText(results(join(dir, "all"))));
  });
});

describe("foliox merge", () => {
  it("two results for one key, a missing input or output directory: exit 2, nothing written", () => {
    const dir = workdir();
    ok(dir, "sweep", "sweep.json", "--out", "a");
    const text = results(join(dir, "a"));
    const first = lines(text)[0]!;
    const changed = first.replace(/"hitRatio":([0-9.e-]+)/, (_m, v: string) => `"hitRatio":${Number(v) + 0.5}`);
    expect(changed).not.toBe(first);
    writeFileSync(join(dir, "edited.jsonl"), `${changed}\n`);
    const conflict = foliox(dir, "merge", "a", "edited.jsonl", "-o", "m.jsonl");
    expect(conflict.code).toBe(2);
    expect(conflict.err).toMatch(/key [0-9a-f]{64} has two different results, a\/results\.jsonl:\d+ and edited\.jsonl:1/);
    expect(existsSync(join(dir, "m.jsonl"))).toBe(false);

    const missing = foliox(dir, "merge", "a", "nosuch");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nosuch: no such file or directory; pass a sweep's --out directory or a results \.jsonl file/);
    const badOut = foliox(dir, "merge", "a", "-o", "no/such/dir/m.jsonl");
    expect(badOut.code).toBe(2);
    expect(badOut.err).toMatch(/-o no\/such\/dir\/m\.jsonl: the directory .* does not exist/);
  });
});
