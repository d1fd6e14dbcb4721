import "reflect-metadata";
import { describe, expect, it, vi } from "vitest";

// A run whose exchange allocated and whose migration unexpectedly succeeded: the command must
// still print its report, then exit 1 naming each failed expectation.
vi.mock("../src/exchange/run.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/exchange/run.js")>();
  return {
    ...real,
    runExchangeDemo: (opts: Parameters<typeof real.runExchangeDemo>[0]) => {
      const r = real.runExchangeDemo(opts);
      const bad = (name: string, actual: string) => {
        const e = r.expectations.find((x) => x.name === name)!;
        e.ok = false;
        e.actual = actual;
      };
      bad("migrate rc", "0");
      bad("exchange allocations", "2");
      r.ok = false;
      return r;
    },
  };
});

const { main } = await import("../src/program.js");

describe("foliox exchange when an expectation fails", () => {
  it("prints the report, names each failed expectation on stderr, and exits 1", async () => {
    let out = "";
    let err = "";
    const code = await main(["node", "foliox", "exchange", "--json"], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
    expect(code).toBe(1);
    expect(JSON.parse(out).ok).toBe(false);
    expect(err).toMatch(/expectation failed: migrate rc is 0, expected -ENOMEM \(-12\)/);
    expect(err).toMatch(/expectation failed: exchange allocations is 2, expected 0 \(folio exchange must not call the page allocator\)/);
    expect(err).not.toMatch(/exchange rc/);
  });

  it("says which checks failed at the end of the human output", async () => {
    let out = "";
    const code = await main(["node", "foliox", "exchange"], { writeOut: (s) => (out += s), writeErr: () => {} });
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL {2}migrate rc: 0 \(expected -ENOMEM \(-12\)/);
    expect(out).toMatch(/Expectations failed: migrate rc, exchange allocations\./);
  });
});
