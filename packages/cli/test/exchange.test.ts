import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ExchangeDemoReport } from "../src/exchange/run.js";
import type { FolioState } from "../src/exchange/snapshot.js";
import { main } from "../src/program.js";

const bin = fileURLToPath(new URL("../bin/foliox.js", import.meta.url));

function foliox(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

async function inProcess(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

const STEPS = [
  "folio_exchange_isolate",
  "folio_exchange_lock",
  "folio_exchange_supported",
  "folio_exchange_unmap",
  "try_to_unmap_flush",
  "folio_exchange_fs_prepare(old)",
  "folio_exchange_fs_prepare(new)",
  "folio_exchange_mapping",
  "folio_exchange_fs_private",
  "folio_exchange_data",
  "folio_exchange_flags",
  "folio_exchange_fs_finish(new)",
  "folio_exchange_fs_finish(old)",
  "folio_exchange_remap",
  "folio_unlock",
  "folio_exchange_putback",
];

function expectSide(s: FolioState, order: number): void {
  expect(Object.keys(s)).toEqual(["pfn", "nid", "order", "flags", "mapping", "index", "refcount", "mapcount", "ptes"]);
  expect(s.order).toBe(order);
  expect(s.flags.every((f) => /^PG_[a-z_0-9]+$/.test(f))).toBe(true);
  expect(s.mapping).toMatch(/^anon_vma:\d+$/);
  for (const p of s.ptes) {
    expect(p.addr).toMatch(/^0x[0-9a-f]+$/);
    expect(p.kind).toMatch(/^(present-rw|present-ro|migration-write|migration-read|migration-read-exclusive)$/);
  }
  // One PTE (or migration entry) per base page: each page is mapped by one process.
  expect(s.ptes).toHaveLength(1 << order);
}

/** The expectations on a --json report. */
function expectReport(r: ExchangeDemoReport, order: number, bytes: boolean): void {
  expect(r.order).toBe(order);
  expect(r.bytes).toBe(bytes);
  expect(r.migrate.rc).toBe(-12);
  expect(r.migrate.errno).toBe("-ENOMEM");
  expect(r.migrate.allocations).toBe(1);
  expect(r.migrate.steps.map((s) => s.step)).toEqual(["folio_isolate_lru", "migrate_pages", "putback_movable_pages"]);
  expect(r.exchange.rc).toBe(0);
  expect(r.exchange.allocations).toBe(0);
  expect(r.exchange.steps.map((s) => s.step)).toEqual(STEPS);
  for (const s of r.exchange.steps) {
    expect(s.rc).toBe(0);
    expectSide(s.old, order);
    expectSide(s.new, order);
  }
  // Before: the hot process maps the old (slow) frame. After: it maps the new (fast) one.
  const first = r.exchange.steps[0]!;
  const last = r.exchange.steps[r.exchange.steps.length - 1]!;
  expect(first.old.nid).toBe(1);
  expect(first.new.nid).toBe(0);
  expect(first.old.ptes.every((p) => p.pid === r.hot.pid && p.kind === "present-rw")).toBe(true);
  expect(last.new.ptes.every((p) => p.pid === r.hot.pid && p.kind === "present-rw")).toBe(true);
  expect(last.old.ptes.every((p) => p.pid === r.cold.pid && p.kind === "present-rw")).toBe(true);
  // In between, both folios were unmapped: migration entries only, mapcount 0.
  const unmapped = r.exchange.steps.find((s) => s.step === "folio_exchange_data")!;
  expect(unmapped.old.mapcount).toBe(0);
  expect(unmapped.old.ptes.every((p) => p.kind.startsWith("migration-"))).toBe(true);
  expect(r.integrity.ok).toBe(true);
  expect(r.integrity.pagesChecked).toBeGreaterThan(0);
  expect(r.invariants).toEqual([]);
  expect(r.vmstat.events.pgmigrate_fail).toBe(1 << order);
  expect(r.vmstat.events.pgexchange_success).toBe(1);
  expect(r.vmstat.folioxOwn).toContain("pgexchange_success");
  for (const n of r.vmstat.nodes) {
    expect(n.nr_free_pages).toBeLessThanOrEqual(n.watermarks.min);
    expect(n.watermarks.min).toBeLessThan(n.watermarks.low);
  }
  expect(r.pressure.nodes.every((n) => n.full)).toBe(true);
  expect(r.ok).toBe(true);
}

describe("foliox exchange (built CLI)", () => {
  for (const [label, args, order, bytes] of [
    ["token mode", [], 0, false],
    ["bytes mode", ["--bytes"], 0, true],
    ["order-9 folios", ["--order", "9"], 9, false],
  ] as const) {
    it(`--json in ${label}: migrate -ENOMEM, exchange 0 with no allocation, integrity ok, exit 0`, () => {
      const r = foliox("exchange", "--json", ...args);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expectReport(JSON.parse(r.stdout) as ExchangeDemoReport, order, bytes);
    });
  }

  it("exits 2 with a helpful message for a bad option or option argument", () => {
    const seed = foliox("exchange", "--seed", "abc");
    expect(seed.status).toBe(2);
    expect(seed.stderr).toMatch(/--seed <n>' argument 'abc' is invalid\. pass an integer, e\.g\. --seed 1/);
    const order = foliox("exchange", "--order", "3");
    expect(order.status).toBe(2);
    expect(order.stderr).toMatch(/pass --order 0 \(4 KiB base-page folios\) or --order 9 \(2 MiB folios, PTE-mapped\)/);
    const bogus = foliox("exchange", "--bogus");
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);
    expect(bogus.stderr).toMatch(/run foliox exchange --help for usage/);
    for (const r of [seed, order, bogus]) expect(r.stdout).toBe("");
  });
});

describe("foliox exchange (in process)", () => {
  it("gives byte-identical --json and text output for the same seed", async () => {
    const a = await inProcess("exchange", "--json", "--seed", "7");
    const b = await inProcess("exchange", "--json", "--seed", "7");
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out).not.toMatch(/\d{4}-\d\d-\d\dT/); // no timestamps
    const c = await inProcess("exchange", "--seed", "7");
    const d = await inProcess("exchange", "--seed", "7");
    expect(c.out).toBe(d.out);
  });

  it("shows each step with both folios' state in the human output", async () => {
    const { code, out, err } = await inProcess("exchange");
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toMatch(/migrate_pages {2}rc -ENOMEM \(-12\)/);
    for (const step of STEPS) expect(out).toContain(`] ${step}  rc 0`);
    expect(out).toMatch(/old \(hot at start\)\s+new \(cold at start\)/);
    expect(out).toMatch(/migration-write/);
    expect(out).toMatch(/ok {4}exchange allocations: 0/);
    expect(out).toMatch(/All expectations met\./);
  });

  it("--help and --version exit 0; bad option arguments exit 2", async () => {
    const help = await inProcess("exchange", "--help");
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/--seed <n>/);
    expect(help.out).toMatch(/--order <n>/);
    expect(help.out).toMatch(/--bytes/);
    expect(help.out).toMatch(/--json/);
    const version = await inProcess("exchange", "--version");
    expect(version.code).toBe(0);
    expect(version.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
    for (const args of [["--seed", "1.5"], ["--seed", ""], ["--order", "10"], ["--order", "x"], ["--seed"]]) {
      const r = await inProcess("exchange", ...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/error: option '--(seed|order) <n>' argument/);
    }
  });
});
