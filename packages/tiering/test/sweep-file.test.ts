/**
 * Sweep files (src/sweep): the three formats, the defaults, and the messages of a file that
 * cannot be used — each with the field, its line and column, and a did-you-mean.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadSweepFile, parseSweep, SweepFileError } from "../src/sweep/load.js";

const defineSweepPath = fileURLToPath(new URL("../src/sweep/schema.ts", import.meta.url));

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "foliox-sweep-"));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function sweepError(p: Promise<unknown> | (() => unknown)): Promise<SweepFileError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(SweepFileError);
    return err as SweepFileError;
  }
  throw new Error("expected a SweepFileError");
}

describe("sweep files", () => {
  it("JSON: the documented minimal example, every other axis left to the scenarios", async () => {
    const file = tmp("s.json", '{ "stacks": ["numab2", "exchange"], "scenarios": ["zipf"], "seeds": [1, 2] }');
    const { sweep, dir } = await loadSweepFile(file);
    expect(sweep).toMatchObject({ stacks: ["numab2", "exchange"], scenarios: ["zipf"], seeds: [1, 2] });
    expect(sweep.fast).toBeUndefined();
    expect(sweep.costs).toBeUndefined();
    expect(dir).toBe(join(file, ".."));
  });

  it("YAML: traces as paths or { file, format }, fast shares and sizes, cost variants", async () => {
    const { sweep } = await loadSweepFile(
      tmp(
        "s.yaml",
        'stacks: [tpp]\ntraces: [a.csv, { file: b.txt.gz, format: lackey }]\nfast: ["10%", 64MiB]\ncosts: [{}, { hintFaultNs: 2000 }]\nepochs: 3\n',
      ),
    );
    expect(sweep.traces).toEqual([
      { file: "a.csv", format: "auto" },
      { file: "b.txt.gz", format: "lackey" },
    ]);
    expect(sweep.fast).toEqual(["10%", 64 * 1024 * 1024]);
    expect(sweep.costs).toEqual([{}, { hintFaultNs: 2000 }]);
    expect(sweep.epochs).toBe(3);
    expect(sweep.scenarios).toBeUndefined();
  });

  it("TypeScript: the default export of defineSweep", async () => {
    const file = tmp(
      "s.ts",
      `import { defineSweep } from ${JSON.stringify(defineSweepPath)};\nexport default defineSweep({ stacks: ["numab2"], scenarios: ["hotset"], seeds: [7] });\n`,
    );
    const { sweep } = await loadSweepFile(file);
    expect(sweep).toMatchObject({ stacks: ["numab2"], scenarios: ["hotset"], seeds: [7] });
    const none = await sweepError(loadSweepFile(tmp("n.ts", "export const x = 1;\n")));
    expect(none.message).toMatch(/no default export; end it with `export default defineSweep\(\{ \.\.\. \}\)`/);
  });

  it("an unknown field: its line and column and a did-you-mean", async () => {
    const file = tmp("bad.yaml", "stacks: [numab2]\nscenarios: [zipf]\nsedes: [1, 2]\n");
    const e = await sweepError(loadSweepFile(file));
    expect(e.message).toContain("the sweep is not valid (1 problem)");
    expect(e.message).toMatch(/bad\.yaml:3:1: field sedes: unknown field "sedes"; did you mean "seeds"\?/);
  });

  it("values a scenario refuses, refused with the scenario's messages, at their place in the list", async () => {
    const file = tmp("bad.yaml", 'stacks: [numab2]\nscenarios: [zipf]\nfast: ["10%", "200%"]\ncosts:\n  - { bogusNs: 1 }\nseeds: [1, -1]\n');
    const e = await sweepError(loadSweepFile(file));
    expect(e.problems.map((p) => p.field)).toEqual(["fast[1]", "costs[0].bogusNs", "seeds[1]"]);
    expect(e.message).toMatch(/bad\.yaml:3:15: field fast\[1\]: "200%" is not a share of the workload's footprint/);
    expect(e.message).toMatch(/bad\.yaml:5:\d+: field costs\[0\]\.bogusNs: unknown cost "bogusNs"/);
    expect(e.message).toMatch(/bad\.yaml:6:\d+: field seeds\[1\]: /);
  });

  it("lists: not empty, each value once; scenarios or traces required", async () => {
    const e = await sweepError(() =>
      parseSweep(
        {
          stacks: ["numab2", "numab2"],
          seeds: [],
          costs: [
            { hintFaultNs: 1, faultNs: 2 },
            { faultNs: 2, hintFaultNs: 1 },
          ],
        },
        "s.json",
      ),
    );
    expect(e.message).toMatch(/field stacks\[1\]: "numab2" is listed twice \(also at \[0\]\); list each stack once/);
    expect(e.message).toMatch(/field seeds: .*list at least one seed, or leave the field out/);
    expect(e.message).toMatch(/field costs\[1\]: .* is listed twice \(also at \[0\]\); list each cost variant once/);
    expect(e.message).toMatch(/field scenarios: required: list the scenarios to run/);
    expect((await sweepError(() => parseSweep([], "s.json"))).message).toMatch(/expected an object with the sweep's fields \(description, stacks, /);
  });

  it("a file that does not parse, is missing, or has an unknown extension", async () => {
    expect((await sweepError(loadSweepFile(tmp("b.json", '{ "stacks": ["numab2"]\n  "seeds": [1] }')))).message).toMatch(/b\.json:2:\d+: not valid JSON/);
    expect((await sweepError(loadSweepFile(tmp("b.yaml", "stacks: [numab2\n")))).message).toMatch(/b\.yaml:\d+:\d+: not valid YAML/);
    expect((await sweepError(loadSweepFile("/nonexistent/s.yaml"))).message).toMatch(/no such file; check the path of the sweep file/);
    expect((await sweepError(loadSweepFile(tmp("s.toml", "")))).message).toMatch(/unknown sweep file format "\.toml"/);
  });
});
