import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";
import { EXPLORE_SCENARIO_NAMES } from "../src/explore/scenarios.js";

async function foliox(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "foliox", ...args], { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

interface JsonViolation {
  scenario: string;
  kind: string;
  message: string;
  schedule: number[];
  replay: string;
}

/** Interleavings the bounded run explores; npm run test:long raises it (and the preemption bound). */
const BUDGET = Number(process.env.FOLIOX_EXPLORE_BUDGET ?? 1200);
const PREEMPTIONS = Number(process.env.FOLIOX_EXPLORE_PREEMPTIONS ?? 2);

describe("foliox explore", () => {
  it(
    `runs ${BUDGET} interleavings (at most ${PREEMPTIONS} preemptions each) over every scenario with no violation`,
    async () => {
      const r = await foliox("explore", "--json", "--budget", String(BUDGET), "--preemptions", String(PREEMPTIONS));
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const report = JSON.parse(r.out) as {
        scenarios: { name: string; interleavings: number }[];
        interleavings: number;
        violations: JsonViolation[];
        mover: string;
      };
      expect(report.violations).toEqual([]);
      expect(report.interleavings).toBeGreaterThanOrEqual(Math.min(BUDGET, 1000));
      expect(report.scenarios.map((s) => s.name)).toEqual(EXPLORE_SCENARIO_NAMES);
      for (const s of report.scenarios) expect(s.interleavings).toBeGreaterThan(10);
      expect(report.mover).toBe("foliox");
    },
    Math.max(300_000, BUDGET * 50),
  );

  it("catches the seed's exchange: lockdep's ABBA and broken invariants, each with a schedule that replays", async () => {
    const r = await foliox("explore", "--json", "--mover", "seed-literal", "--budget", "600");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/violation\(s\) \(mover seed-literal\)/);
    const report = JSON.parse(r.out) as { violations: JsonViolation[] };
    const abba = report.violations.find((v) => v.scenario === "exchange-abba");
    expect(abba?.kind).toBe("lockdep");
    expect(abba?.message).toMatch(/circular locking dependency[\s\S]*folio_lock#\d+ -> folio_lock#\d+[\s\S]*the other order/);
    expect(report.violations.some((v) => v.kind === "invariants")).toBe(true);
    for (const v of report.violations) {
      expect(v.schedule.length).toBeGreaterThan(0);
      expect(v.replay).toBe(`foliox explore ${v.scenario} --mover seed-literal --replay ${v.schedule.join(",")}`);
    }
    // the replay runs the same steps and meets the same violation
    const again = await foliox("explore", abba!.scenario, "--mover", "seed-literal", "--replay", abba!.schedule.join(","), "--json");
    expect(again.code).toBe(1);
    const replay = JSON.parse(again.out) as { schedule: number[]; trace: { op: number; step: string; result: string }[]; violation: { kind: string } };
    expect(replay.schedule).toEqual(abba!.schedule);
    expect(replay.trace.map((t) => t.op)).toEqual(abba!.schedule);
    expect(replay.violation.kind).toBe("lockdep");
    expect(replay.trace.at(-1)!.result).toBe("threw");
  }, 300_000);

  it("replays a schedule step by step in text, and runs the rest without preemption", async () => {
    const r = await foliox("explore", "exchange-faults", "--replay", "0,0,0,0,1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^replay of exchange-faults: schedule 0,0,0,0,1/);
    expect(r.out).toMatch(/store\(0x[0-9a-f]+\)\s+access\s+blocked/);
    expect(r.out).toMatch(/no violation\n$/);
  });

  it("prints a table, lists the scenarios, and selects them by name", async () => {
    const r = await foliox("explore", "exchange-abba", "writeback-exchange", "--budget", "50", "--preemptions", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/at most 1 preemption/);
    expect(r.out).toMatch(/exchange-abba\s+\d+\s+(yes|no)/);
    expect(r.out).toMatch(/writeback-exchange/);
    expect(r.out).not.toMatch(/file-migrate-truncate/);
    expect(r.out).toMatch(/interleaving\(s\) over 2 scenario\(s\), 0 violation\(s\)\n$/);
    const list = await foliox("explore", "--list", "--json");
    expect((JSON.parse(list.out) as { scenarios: { name: string }[] }).scenarios.map((s) => s.name)).toEqual(EXPLORE_SCENARIO_NAMES);
  });

  it("refuses bad flags with a usage error (exit 2) that says what to pass", async () => {
    for (const [args, msg] of [
      [["--budget", "0"], /positive integer/],
      [["--budget", "lots"], /positive integer/],
      [["--preemptions", "9"], /from 0 to 8/],
      [["--preemptions", "-1"], /from 0 to 8/],
      [["--mover", "nope"], /seed-literal/],
      [["--replay", "0,x"], /comma-separated/],
      [["no-such-scenario"], /unknown scenario "no-such-scenario"; choose from: exchange-faults/],
      [["exchange-faults", "exchange-abba", "--replay", "0"], /exactly one scenario/],
      [["exchange-faults", "--replay", "1,1,1,1,1"], /names op 1, which cannot take a step there/],
    ] as const) {
      const r = await foliox("explore", ...args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err, args.join(" ")).toMatch(msg);
    }
  });
});
