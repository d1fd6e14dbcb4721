/**
 * Built-in named scenarios. Each is a ScenarioInput, validated like a config file, so a config
 * can start from one with `extends: "pressure"`.
 *
 * Real kernel time: NUMA balancing scans once a second (after a 1 s delay) and its hot
 * threshold is 1 s, so every built-in scenario lasts at least 10 simulated seconds. They get
 * there cheaply with weighted samples: each generated entry stands for `weight` accesses of its
 * page (64 or 128), so 1–2.8 M entries replay 128–358 M accesses.
 */
import type { ScenarioInput } from "./schema.js";

export const BUILTIN_SCENARIOS: Readonly<Record<string, ScenarioInput>> = {
  pressure: {
    name: "pressure",
    description:
      "DRAM + CXL, both held full as docs/decisions.md#memory-pressure defines it (every zone at its min watermark, nothing reclaimable, no swap), " +
      "so kswapd cannot make room; a zipf(0.99) workload whose hot range moves every 5 epochs, over anon and file memory",
    topology: "dram-cxl",
    memory: { fast: "32MiB", slow: "64MiB" },
    pressure: "full",
    workload: {
      pattern: { type: "zipf", s: 0.99, scatter: false, moveEvery: 5 },
      regions: [
        { name: "heap", kind: "anon", size: "32MiB" },
        { name: "pagecache", kind: "file", size: "16MiB" },
      ],
      writeRatio: 0.3,
      accessesPerEpoch: 100_000,
      weight: 64,
    },
    stack: "numab2",
    seed: 1,
    epochs: 20,
  },
  uniform: {
    name: "uniform",
    description: "uniform accesses over 96 MiB of anon memory; 32 MiB of DRAM, no pressure: no placement can do better than capacity",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "uniform" }, regions: [{ name: "heap", kind: "anon", size: "96MiB" }], weight: 128 },
  },
  zipf: {
    name: "zipf",
    description: "zipf(0.99) (scrambled, YCSB-like) over 96 MiB of anon memory with 32 MiB of DRAM, no pressure",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "zipf", s: 0.99 }, regions: [{ name: "heap", kind: "anon", size: "96MiB" }], weight: 128 },
  },
  hotset: {
    name: "hotset",
    description: "a hot set of 10% of 96 MiB gets 90% of the accesses and moves every 5 epochs (phase change)",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: {
      pattern: { type: "hotset", hotFraction: 0.1, hotShare: 0.9, moveEvery: 5 },
      regions: [{ name: "heap", kind: "anon", size: "96MiB" }],
      weight: 128,
    },
    epochs: 20,
  },
  stairs: {
    name: "stairs",
    description: "masim-like stairs: 8 ranges of 12 MiB, one hammered per epoch, in order",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "stairs", steps: 8, stepEvery: 2 }, regions: [{ name: "heap", kind: "anon", size: "96MiB" }], weight: 128 },
    epochs: 16,
  },
  zigzag: {
    name: "zigzag",
    description: "masim-like zigzag: 8 ranges of 12 MiB, hammered up then down",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "zigzag", steps: 8, stepEvery: 2 }, regions: [{ name: "heap", kind: "anon", size: "96MiB" }], weight: 128 },
    epochs: 28,
  },
  seqscan: {
    name: "seqscan",
    description: "a sequential scan over 96 MiB, round and round: recency says nothing about the next access",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "seqscan" }, regions: [{ name: "heap", kind: "anon", size: "96MiB" }], weight: 128 },
  },
  mix: {
    name: "mix",
    description: "a moving hot set over anon (THP), file and shmem regions",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: {
      pattern: { type: "hotset", hotFraction: 0.15, hotShare: 0.85, moveEvery: 4 },
      regions: [
        { name: "heap", kind: "anon", size: "48MiB", thpOrder: 9 },
        { name: "pagecache", kind: "file", size: "32MiB" },
        { name: "shm", kind: "shmem", size: "16MiB" },
      ],
      weight: 128,
    },
    epochs: 16,
  },
  multiprocess: {
    name: "multiprocess",
    description: "4 processes, each zipf(0.99) over its own 24 MiB, interleaved",
    memory: { fast: "32MiB", slow: "128MiB" },
    workload: { pattern: { type: "zipf", s: 0.99 }, processes: 4, regions: [{ name: "heap", kind: "anon", size: "24MiB" }], weight: 128 },
  },
  trace: {
    name: "trace",
    description:
      "a machine sized to its workload — DRAM 20% of the footprint (at least 16 pages: cori-sim's ratio), CXL 150% — for `--trace`, where the footprint is the trace's; an epoch is 100,000 entries",
    memory: { fast: "20%", slow: "150%" },
    workload: { pattern: { type: "uniform" }, regions: [{ name: "heap", kind: "anon", size: "64MiB" }], accessesPerEpoch: 100_000, weight: 128 },
  },
};

/** The scenario `run` and `compare` use with --trace when none is given. */
export const TRACE_SCENARIO_NAME = "trace";

export const BUILTIN_SCENARIO_NAMES = Object.keys(BUILTIN_SCENARIOS);
