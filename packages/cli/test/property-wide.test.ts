import "reflect-metadata";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SEED_LITERAL_MOVER } from "@foliox/conformance";
import { checkInvariants } from "@foliox/core";
import {
  AccessCmd,
  AnonMmapCmd,
  ExitCmd,
  ForkCmd,
  KsmTwinCmd,
  KsmdCmd,
  MigrateCmd,
  MunmapCmd,
  PopulateCmd,
  ReclaimCmd,
  SpawnCmd,
  TruncateCmd,
  WIDE_COMMANDS,
  WritebackCmd,
  newWideStats,
  replayWide,
  wideProperty,
  type WideShape,
} from "./harness/wide.js";

/** Sequences per run; FOLIOX_PROPERTY_RUNS overrides (npm run test:long runs 10,000). */
const RUNS = Math.max(1, Number(process.env.FOLIOX_PROPERTY_RUNS ?? 2000) | 0);
/** A fixed seed to replay a failure (fast-check prints seed and path); random otherwise. */
const SEED = process.env.FOLIOX_PROPERTY_SEED === undefined ? undefined : Number(process.env.FOLIOX_PROPERTY_SEED);
/** Commands per sequence, at most; FOLIOX_PROPERTY_MAX_COMMANDS overrides. */
const MAX_COMMANDS = Math.max(1, Number(process.env.FOLIOX_PROPERTY_MAX_COMMANDS ?? 60) | 0);

describe("the wide operation-sequence property (anon, ext4, tmpfs, swap, KSM, fault injection, exchange phases)", () => {
  it(
    `random sequences of ${WIDE_COMMANDS.map((c) => c.name).join("/")} keep invariants, integrity, lockdep and the model (${RUNS} runs)`,
    () => {
      const stats = newWideStats();
      const t0 = performance.now();
      fc.assert(wideProperty(stats, MAX_COMMANDS), { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
      console.log(`wide property: ${RUNS} sequences in ${((performance.now() - t0) / 1000).toFixed(1)} s`, stats);
      // the generator reaches the paths it is for (checked on full-size runs)
      if (RUNS >= 1000) {
        expect(stats.exchangesOk).toBeGreaterThan(RUNS / 4);
        expect(stats.fileExchanges).toBeGreaterThan(RUNS / 4);
        expect(stats.injected).toBeGreaterThan(RUNS / 10);
        expect(stats.opSteps).toBeGreaterThan(RUNS / 2);
        expect(stats.blocked).toBeGreaterThan(RUNS / 50);
        expect(stats.fileReads + stats.fileWrites).toBeGreaterThan(RUNS);
        expect(stats.truncates).toBeGreaterThan(RUNS / 10);
        expect(stats.reclaims).toBeGreaterThan(RUNS / 2);
        expect(stats.ksmMerged).toBeGreaterThan(RUNS / 200);
        expect(stats.migrates).toBeGreaterThan(RUNS / 2);
      }
    },
    Math.max(300_000, RUNS * 200),
  );
});

describe("the wide harness can fail", () => {
  it("catches the seed's exchange (the conformance suite's seed-literal mover)", () => {
    const r = fc.check(wideProperty(newWideStats(), MAX_COMMANDS, SEED_LITERAL_MOVER.exchange), { numRuns: 300, seed: 7, endOnFailure: true });
    expect(r.failed).toBe(true);
  });
});

describe("counterexamples the wide harness found, replayed", () => {
  const shape: WideShape = { seed: 1, memory: [4 << 20, 4 << 20] };

  it("migrate_pages() splits a partly swapped-in swap-cache folio: each piece keeps its own swap slot", () => {
    // an order-4 folio swapped out, its I/O done, one page faulted back: the folio is in the swap
    // cache and partly mapped, so migration splits it (v6.12) — each piece must keep folio->swap
    // and its slot in the swap cache; under writeback it is not split at all
    const w = replayWide(shape, [
      new ExitCmd(0),
      new SpawnCmd(0),
      new ExitCmd(0),
      new AnonMmapCmd(0, 1, 4),
      new AccessCmd(0, 0, 0, true),
      new ReclaimCmd(0, 0, 0),
      new WritebackCmd(0, 8),
      new AccessCmd(0, 0, 0, true),
      new MigrateCmd(0, 0, 0, 1, 0, 0),
      new AccessCmd(0, 0, 1, false),
      new AccessCmd(0, 0, 2, false),
    ]);
    expect(checkInvariants(w.k, { quiescent: true })).toEqual([]);
  });

  it("truncate zaps a MAP_PRIVATE copy of a file page that was swapped out: a store past the end is SIGBUS", () => {
    // a store COWs page 0 of the private ext4 mapping, reclaim swaps the copy out, the file is
    // truncated to nothing: the swap entry must go with the copy (unmap_mapping_range, even_cows)
    const w = replayWide(shape, [
      new AccessCmd(12067, 25471, 0, true),
      new ReclaimCmd(37333, 0, 0),
      new TruncateCmd(0, 0),
      new ExitCmd(0),
      new PopulateCmd(0, 41608),
    ]);
    expect(w.stats.truncates).toBe(1);
  });

  it("a child's scan merges a page it shares with its fork parent: the parent's PTE maps the KSM page with no rmap item, as in the kernel", () => {
    const w = replayWide(shape, [
      new AccessCmd(37725, 0, 0, true),
      new ExitCmd(0),
      new ForkCmd(0),
      new AnonMmapCmd(6141, 1, 0),
      new KsmTwinCmd([19689, 0, 0], [32055, 27431, 0]),
      new KsmdCmd(),
    ]);
    expect(w.stats.ksmMerged).toBe(1);
  });

  it("a child forked from a KSM-scanned mm is scanned too (ksm_fork), so its KSM PTEs get rmap items", () => {
    const w = replayWide(shape, [
      new AccessCmd(0, 0, 0, true),
      new KsmTwinCmd([0, 0, 0], [0, 0, 1353]),
      new ForkCmd(0),
      new KsmdCmd(),
      new MunmapCmd(0, 0),
      new KsmdCmd(),
    ]);
    expect(w.stats.ksmMerged).toBe(1);
  });
});
