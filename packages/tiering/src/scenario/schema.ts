/**
 * The scenario model: a topology preset + memory sizes + a pressure setting + a workload + a
 * stack (by name) + a seed + a number of epochs. ScenarioInput is what a config file holds
 * (sizes may be strings, defaults may be left out); Scenario is the validated result.
 *
 * Pressure settings:
 * - "none": the workload's pages are faulted on first touch during the run, so the fast node
 *   fills first and later pages fall back to the slow node (the default zonelist);
 * - "full": "memory pressure as a state" (docs/decisions.md#memory-pressure) — the workload is
 *   faulted in first, then both nodes are filled down to their min watermark with anonymous
 *   memory, with nothing reclaimable and no swap, so kswapd cannot make room (see
 *   scenario/setup.ts).
 */
import { z } from "zod";
import { TOPOLOGY_PRESETS } from "@foliox/core";
import { sizeSchema, workloadSchema } from "../workload/spec.js";
import { formatSize } from "../workload/size.js";
import type { StackConfig } from "../stack/stack.js";
import { stackDefinitionSchema } from "./stack-schema.js";

const MiB = 1024 * 1024;
const NODE_BLOCK = 4 * MiB;

export const PRESSURE_SETTINGS = ["none", "full"] as const;
export type PressureSetting = (typeof PRESSURE_SETTINGS)[number];

const nodeSize = sizeSchema.refine((n) => n % NODE_BLOCK === 0, {
  message: "a node's memory must be a multiple of 4 MiB (one order-10 buddy block); round it, e.g. \"64MiB\"",
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).default("custom"),
  description: z.string().default(""),
  /** a built-in scenario to start from; the other fields override it */
  extends: z.string().optional(),
  topology: z
    .string()
    .refine((t) => t in TOPOLOGY_PRESETS, {
      message: `unknown topology preset; use one of: ${Object.keys(TOPOLOGY_PRESETS).join(", ")}`,
    })
    .default("dram-cxl"),
  memory: z.strictObject({ fast: nodeSize, slow: nodeSize }).default({ fast: 64 * MiB, slow: 64 * MiB }),
  pressure: z.enum(PRESSURE_SETTINGS).default("none"),
  workload: workloadSchema,
  /** a registered stack: built in, from a --plugin, or one of `presets` (checked in load.ts) */
  stack: z.string().min(1).default("numab2"),
  /** the stacks `foliox compare` runs when --stacks is not given; the first is the baseline */
  stacks: z.array(z.string().min(1)).min(1).optional(),
  /** stacks this file composes from parts by name, usable in stack, stacks and --stack(s) */
  presets: z.array(stackDefinitionSchema).default([]),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  epochs: z.number().int().min(1).max(100_000).default(10),
});

/** A validated scenario; `presets` resolved against the registry it was parsed with. */
export type Scenario = Omit<z.output<typeof scenarioSchema>, "extends" | "presets"> & { presets: StackConfig[] };
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** `defineConfig` for foliox.config.ts: returns its argument, typed. */
export function defineConfig(config: ScenarioInput): ScenarioInput {
  return config;
}

/** One line for listings: "DRAM 32 MiB + CXL 64 MiB, pressure full, zipf ..., stack numab2". */
export function describeScenario(s: Scenario): string {
  const p = s.workload.pattern;
  const kinds = [...new Set(s.workload.regions.map((r) => r.kind))].join("+");
  const foot = s.workload.regions.reduce((a, r) => a + r.size, 0) * s.workload.processes;
  return `${s.topology} ${formatSize(s.memory.fast)} + ${formatSize(s.memory.slow)}, pressure ${s.pressure}, ${p.type} over ${formatSize(foot)} ${kinds}${s.workload.processes > 1 ? ` in ${s.workload.processes} processes` : ""}, stack ${s.stack}, ${s.epochs} epochs × ${s.workload.accessesPerEpoch} accesses, seed ${s.seed}`;
}
