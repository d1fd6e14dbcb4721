/**
 * The plugin API seen from the command line: what definePlugin() adds is usable by name in every
 * command that builds a system, and a plugin that cannot be used is refused with a message that
 * names it — its API version against this foliox's, the registration that threw, the file and
 * line that does not parse. The fixtures are in test/fixtures/plugins/.
 */
import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "@foliox/core/plugin";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/plugins/${name}`, import.meta.url));
const colloid = fileURLToPath(new URL("../../../examples/colloid-stack", import.meta.url));

async function run(...args: string[]) {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe("a plugin that cannot be used", () => {
  it("written for another major apiVersion: exit 2, naming both versions, for every command", async () => {
    expect(API_VERSION).toBe(1);
    for (const args of [["compare", "--stacks", "numab2"], ["run", "zipf"], ["backends"], ["conformance", "--backend", "anon"]]) {
      const r = await run(...args, "--plugin", fixture("wrong-api"));
      expect(r.code, `${args[0]}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/plugin "from-the-future" \(.*wrong-api\) was written for plugin API version 2, but this foliox provides plugin API version 1/);
      expect(r.out).toBe("");
    }
  });

  it("from the built CLI too", () => {
    const r = spawnSync(process.execPath, [bin, "compare", "--plugin", fixture("wrong-api"), "--stacks", "numab2"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/plugin API version 2, but this foliox provides plugin API version 1/);
  });

  it("whose backend registration throws: the plugin and the registration are named", async () => {
    const r = await run("backends", "--plugin", fixture("throws"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/plugin "broken-fs" \(.*throws\): backends\[0\] \(registerBrokenFs\) threw while registering: the superblock is missing/);
  });

  it("whose stack part's factory throws, or builds no placement policy: the plugin and the part are named", async () => {
    const boom = await run("compare", "zipf", "--epochs", "1", "--plugin", fixture("bad-parts"), "--stacks", "numab2,explodes");
    expect(boom.code).toBe(1);
    expect(boom.err).toMatch(/the explodes run failed: plugin "bad-parts" \(.*\): the factory of placement policy "explodes" threw: no latency counters here/);
    const empty = await run("run", "zipf", "--epochs", "1", "--plugin", fixture("bad-parts"), "--stack", "no-plan");
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/plugin "bad-parts" \(.*\): placement policy "no-plan": the placement policy it returned has no plan/);
  });

  it("that does not parse: the file, the line and the column, from the built CLI (Node's import() says neither)", () => {
    const r = spawnSync(process.execPath, [bin, "backends", "--plugin", fixture("syntax")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/plugin ".*syntax" cannot be loaded from .*syntax\/index\.js: SyntaxError: /);
    expect(r.stderr).toMatch(/at .*syntax\/index\.js:5:\d+\n {4}.*name: "typo"\),/);
    const deep = spawnSync(process.execPath, [bin, "compare", "--plugin", fixture("syntax-deep"), "--stacks", "numab2"], { encoding: "utf8" });
    expect(deep.status, deep.stderr).toBe(2);
    expect(deep.stderr).toMatch(/at .*syntax-deep\/policy\.js:5:\d+/);
  });

  it("with the register(container, api) default export of earlier versions: says how to wrap it", async () => {
    const r = await run("backends", "--plugin", fixture("legacy"));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /the register\(container, api\) contract of foliox before plugin API 1; export default definePlugin\(\{ name, apiVersion: 1, backends: \[register\] \}\)/,
    );
  });
});

describe("what a plugin adds is usable by name", () => {
  it("an unknown stack lists the registered ones, the plugin's included, with a did-you-mean", async () => {
    const r = await run("compare", "pressure", "--plugin", colloid, "--stacks", "numab2,coloid");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--stacks: "coloid" is not a registered stack; did you mean "colloid"\? registered: linux-default, .*, colloid, colloid-migrate/);
    const one = await run("run", "pressure", "--stack", "coloid", "--plugin", colloid);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/field stack: "coloid" is not a registered stack; did you mean "colloid"\?.* \(it came from --stack\)/);
    const without = await run("run", "pressure", "--stack", "colloid");
    expect(without.code).toBe(2);
    expect(without.err).toMatch(/"colloid" is not a registered stack/);
  });

  it("in a config file: stack, stacks and presets composed of the plugin's parts by name; errors keep line:column and a did-you-mean", async () => {
    const dir = mkdtempSync(join(tmpdir(), "foliox-plugin-"));
    const ok = join(dir, "ok.yaml");
    writeFileSync(
      ok,
      [
        "extends: zipf",
        "epochs: 1",
        "stack: colloid-tb",
        "stacks: [numab2, colloid-tb]",
        "presets:",
        "  - name: colloid-tb",
        "    extends: colloid",
        "    rateLimiter: { name: token-bucket, options: { mbps: 128 } }",
        "",
      ].join("\n"),
    );
    const r = await run("compare", ok, "--plugin", colloid, "--json");
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { stacks: { name: string }[] }).stacks.map((s) => s.name)).toEqual(["numab2", "colloid-tb"]);
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, ["extends: zipf", "presets:", "  - name: mine", "    extends: memtis", "    placement: colloidd", "stack: mine", ""].join("\n"));
    const e = await run("run", bad, "--plugin", colloid);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(
      /bad\.yaml:5:16: field presets\[0\]\.placement: "colloidd" is not a registered placement policy; did you mean "colloid"\? registered: none, .*colloid/,
    );
  });

  it("a plugin's workload is a named scenario, and its trace format is read by name (run --trace --format)", async () => {
    const r = await run("run", "tiny-zipf", "--plugin", fixture("extras"), "--json");
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as { scenario: { name: string; source: string; epochs: number }; accesses: number };
    expect(j.scenario).toMatchObject({ name: "tiny-zipf", epochs: 2 });
    expect(j.scenario.source).toMatch(/plugin "extras"/);
    expect(j.accesses).toBe(8000);
    const trace = join(fixture("extras"), "accesses.addrlist");
    const t = await run("run", "zipf", "--plugin", fixture("extras"), "--trace", trace, "--format", "addrlist", "--json");
    expect(t.code, t.err).toBe(0);
    expect((JSON.parse(t.out) as { accesses: number }).accesses).toBe(1500);
    // detected by its header, without --format
    const auto = await run("run", "zipf", "--plugin", fixture("extras"), "--trace", trace, "--json");
    expect(auto.code, auto.err).toBe(0);
    expect((JSON.parse(auto.out) as { accesses: number }).accesses).toBe(1500);
    const unknown = await run("run", "zipf", "--trace", trace, "--format", "addrlist");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--format "addrlist" is not a trace format; pass one of: auto, lackey/);
  });
});
