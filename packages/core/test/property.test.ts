import "reflect-metadata";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Kernel } from "../src/kernel/kernel.js";
import { MIGRATE_ASYNC, MIGRATE_SYNC } from "../src/migrate/migrate-mode.js";
import { PG_anon_exclusive } from "../src/mm/page-flags.js";
import {
  COMMAND_SPECS,
  Checked,
  ExchangeCmd,
  ForkCmd,
  MigrateCmd,
  MmapCmd,
  MunmapCmd,
  WriteCmd,
  checkAll,
  commandsArbitrary,
  newStats,
  selectedSpecs,
  setupSystem,
  systemShape,
  teardown,
  type Model,
  type Real,
  type SystemShape,
} from "./harness/ops.js";
import { MiB } from "./helpers.js";

/** Sequences per run; FOLIOX_PROPERTY_RUNS overrides (turbo passes FOLIOX_* through). */
const RUNS = Math.max(1, Number(process.env.FOLIOX_PROPERTY_RUNS ?? 2000) | 0);
/** A fixed seed to replay a failure (fast-check prints seed and path); random otherwise. */
const SEED = process.env.FOLIOX_PROPERTY_SEED === undefined ? undefined : Number(process.env.FOLIOX_PROPERTY_SEED);
/** Commands per sequence, at most; FOLIOX_PROPERTY_MAX_COMMANDS overrides (longer soaks). */
const MAX_COMMANDS = Math.max(1, Number(process.env.FOLIOX_PROPERTY_MAX_COMMANDS ?? 40) | 0);

function sequenceProperty(sabotage?: (k: Kernel) => void, stats = newStats()) {
  return fc.property(systemShape, commandsArbitrary(MAX_COMMANDS), (shape, cmds) => {
    const { model, real } = setupSystem(shape, stats);
    sabotage?.(real.k);
    checkAll(model, real);
    fc.modelRun(() => ({ model, real }), cmds);
    teardown(model, real);
  });
}

/** Run a fixed sequence through the harness, checking after every command. */
function replay(shape: SystemShape, cmds: fc.Command<Model, Real>[]): Real {
  const { model, real } = setupSystem(shape, newStats());
  checkAll(model, real);
  for (const c of cmds) {
    const checked = new Checked(c);
    if (checked.check(model)) checked.run(model, real);
  }
  teardown(model, real);
  return real;
}

describe("operation-sequence property", () => {
  it(
    `random sequences of ${selectedSpecs()
      .map((s) => s.name)
      .join("/")} keep invariants, integrity and the model (${RUNS} runs)`,
    () => {
      const stats = newStats();
      const t0 = performance.now();
      fc.assert(sequenceProperty(undefined, stats), { numRuns: RUNS, verbose: 1, ...(SEED === undefined ? {} : { seed: SEED }) });
      const ms = performance.now() - t0;
      console.log(`property: ${RUNS} sequences in ${(ms / 1000).toFixed(1)} s`, stats);
      // the generator really reaches the interesting paths (checked on full-size runs only)
      if (RUNS >= 1000 && selectedSpecs() === COMMAND_SPECS) {
        expect(stats.writes).toBeGreaterThan(RUNS);
        expect(stats.reads).toBeGreaterThan(RUNS / 2);
        expect(stats.forks).toBeGreaterThan(RUNS / 4);
        expect(stats.munmaps).toBeGreaterThan(RUNS / 4);
        expect(stats.exits).toBeGreaterThan(RUNS / 4);
        expect(stats.thpMmaps).toBeGreaterThan(RUNS / 4);
        expect(stats.oomRuns).toBeGreaterThan(RUNS / 500);
        expect(stats.migrateFolios).toBeGreaterThan(RUNS);
        expect(stats.exchanges).toBeGreaterThan(RUNS / 10);
      }
    },
    Math.max(120_000, RUNS * 100),
  );
});

describe("the harness can fail", () => {
  it("catches a COW that does not copy the data", () => {
    const r = fc.check(
      sequenceProperty((k) => {
        k.content.copyPages = () => {};
      }),
      { numRuns: 200, seed: 7, endOnFailure: true },
    );
    expect(r.failed).toBe(true);
    expect(String(r.errorInstance)).toMatch(/pid|integrity|token/i);
  });

  it("catches a fork that leaves shared pages exclusive (the child then writes into the parent's page)", () => {
    const r = fc.check(
      sequenceProperty((k) => {
        const clear = k.mem.clearFlag.bind(k.mem);
        k.mem.clearFlag = (pfn: number, bit: number) => {
          if (bit !== PG_anon_exclusive) clear(pfn, bit);
        };
      }),
      { numRuns: 300, seed: 7, endOnFailure: true },
    );
    expect(r.failed).toBe(true);
  });
});

describe("counterexamples the harness found, replayed", () => {
  const small: SystemShape = { memory: [4 * MiB, 4 * MiB], bytes: false, seed: 1 };

  it("exchange with an anon THP whose first sub-page was munmapped (stale PG_anon_exclusive)", () => {
    // mmap two 2 MiB THPs, write one page of each, munmap the first page, exchange the two
    // folios: the unmapped sub-page keeps PG_anon_exclusive, which folio_exchange_flags() used
    // to treat as a kernel bug. It must be dropped, never left on the frame for the other data.
    const real = replay(small, [
      new MmapCmd(0, 1, 2),
      new WriteCmd(0, 0, 0, 2, 512),
      new MunmapCmd(0, 0, 0, 1),
      new ExchangeCmd([0, 0, 28132], [0, 0, 0], MIGRATE_ASYNC),
    ]);
    expect(real.stats.exchanges).toBe(1);
  });

  it("exchange after fork of a partly unmapped THP, then COW in both", () => {
    const real = replay(small, [
      new MmapCmd(0, 1, 2),
      new WriteCmd(0, 0, 0, 2, 512),
      new MunmapCmd(0, 0, 0, 1),
      new ForkCmd(0),
      new ExchangeCmd([1, 0, 511], [0, 0, 0], MIGRATE_SYNC),
      new WriteCmd(0, 0, 0, 4, 1),
      new WriteCmd(1, 0, 511, 4, 1),
      new MigrateCmd(1, 0, 0, 1023, 1, MIGRATE_SYNC),
    ]);
    expect(real.stats.exchanges).toBe(1);
  });
});
