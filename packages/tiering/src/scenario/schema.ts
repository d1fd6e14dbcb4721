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
import { KERNEL_VERSIONS, MAX_PFN, PAGES_PER_SECTION, TOPOLOGY_PRESETS, formatMemory, type KernelVersion } from "@foliox/core";
import { sizeSchema, tooLarge, workloadSchema } from "../workload/spec.js";
import { formatSize, MAX_SIZE_BYTES, parseSize } from "../workload/size.js";
import { checkCostOverrides, CostError } from "../sim/costs.js";
import { checkLlcGeometry, LlcGeometryError } from "../sim/llc.js";
import type { StackConfig } from "../stack/stack.js";
import { stackDefinitionSchema } from "./stack-schema.js";

const MiB = 1024 * 1024;

export const PRESSURE_SETTINGS = ["none", "full"] as const;
export type PressureSetting = (typeof PRESSURE_SETTINGS)[number];

/** The smallest node: 16 pages (64 KiB). */
export const MIN_NODE_PAGES = 16;
/**
 * The most memory the nodes can hold together: core's mem_map has room for MAX_PFN struct
 * pages (4 KiB each), shared by all nodes.
 */
export const MAX_MEMORY_BYTES = MAX_PFN * 4096;

/** Why memory.<which> (bytes) with the other node's `otherBytes` is more than the model holds, naming the maximum; undefined when it fits. */
export function memoryLimitProblem(which: "fast" | "slow", bytes: number, otherBytes: number): string | undefined {
  if (bytes + otherBytes <= MAX_MEMORY_BYTES) return undefined;
  const other = which === "fast" ? "slow" : "fast";
  return `${formatSize(bytes)} is more than the model holds: memory.fast + memory.slow can be at most ${formatSize(MAX_MEMORY_BYTES)} (${MAX_PFN} pages of 4 KiB in foliox's mem_map), so with memory.${other} ${formatSize(otherBytes)}, memory.${which} can be at most ${formatSize(Math.max(0, MAX_MEMORY_BYTES - otherBytes))}`;
}

/** A memory section (core's PAGES_PER_SECTION pages): a node larger than one is a whole number of them. */
const SECTION_BYTES = PAGES_PER_SECTION * 4096;

/**
 * A node's memory: bytes (a size: "64MiB"), or a share of the workload's footprint ("20%"),
 * resolved when the footprint is known (scenario/setup.ts: at least MIN_NODE_PAGES pages).
 */
export type NodeMemory = number | `${number}%`;

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;

function nodeMemory(which: "fast" | "slow") {
  return z.union([z.number(), z.string()]).transform((v, ctx): NodeMemory => {
    const m = typeof v === "string" ? PERCENT.exec(v) : null;
    if (m) {
      const share = Number(m[1]) / 100;
      const max = which === "fast" ? 1 : 10;
      if (!(share > 0 && share <= max)) {
        ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)} is not a share of the workload's footprint in (0%, ${max * 100}%]; give e.g. "20%"` });
        return z.NEVER;
      }
      return `${Number(m[1])}%`;
    }
    const n = parseSize(v);
    if (n > MAX_SIZE_BYTES) {
      ctx.addIssue({ code: "custom", message: `${tooLarge(v)}; memory.fast + memory.slow can be at most ${formatSize(MAX_MEMORY_BYTES)} in all` });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(n) || n % 4096 !== 0 || n < MIN_NODE_PAGES * 4096) {
      ctx.addIssue({
        code: "custom",
        message: `expected a multiple of 4 KiB of at least ${MIN_NODE_PAGES} pages (64 KiB), as bytes or with a unit ("64MiB"), or a share of the footprint ("20%"); got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    if (n > SECTION_BYTES && n % SECTION_BYTES !== 0) {
      const lo = Math.floor(n / SECTION_BYTES) * SECTION_BYTES;
      ctx.addIssue({
        code: "custom",
        message: `${formatMemory(n)} is larger than one 128 MiB memory section and not a whole number of them (memory is onlined in sections); give ${formatMemory(lo)} or ${formatMemory(lo + SECTION_BYTES)}`,
      });
      return z.NEVER;
    }
    return n;
  });
}

/** `costs:` — overrides of the cost table (sim/costs.ts), checked by name and value. */
const costsSchema = z.record(z.string(), z.unknown()).superRefine((o, ctx) => {
  for (const [name, v] of Object.entries(o)) {
    try {
      checkCostOverrides({ [name]: v });
    } catch (err) {
      if (!(err instanceof CostError)) throw err;
      ctx.addIssue({ code: "custom", path: [name], message: err.message.slice(err.field.length + 2) });
    }
  }
});

/**
 * `llc:` — the last-level-cache filter: "auto" (on for instruction-level traces, lackey and
 * pin; off otherwise), "on" (the default 32 MiB 16-way 64 B LLC, scaled to small footprints),
 * "none", or an exact geometry (each a power of two).
 */
const llcSchema = z.union([
  z.enum(["auto", "on", "none"]),
  z
    .strictObject({ size: sizeSchema, ways: z.number().int(), lineBytes: z.number().int().default(64) })
    .superRefine((g, ctx) => {
      try {
        checkLlcGeometry({ sizeBytes: g.size, ways: g.ways, lineBytes: g.lineBytes }, "llc");
      } catch (err) {
        if (!(err instanceof LlcGeometryError)) throw err;
        const key = err.field.split(".")[1] === "sizeBytes" ? "size" : err.field.split(".")[1]!;
        ctx.addIssue({ code: "custom", path: [key], message: err.message.slice(err.field.length + 2) });
      }
    }),
]);
export type LlcSetting = z.output<typeof llcSchema>;

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
  memory: z
    .strictObject({ fast: nodeMemory("fast"), slow: nodeMemory("slow") })
    .superRefine((m, ctx) => {
      // sizes in bytes are checked here; shares once the footprint is known (setup.ts)
      if (typeof m.fast !== "number" || typeof m.slow !== "number") return;
      const which = m.fast >= m.slow ? "fast" : "slow";
      const problem = which === "fast" ? memoryLimitProblem("fast", m.fast, m.slow) : memoryLimitProblem("slow", m.slow, m.fast);
      if (problem) ctx.addIssue({ code: "custom", path: [which], message: problem });
    })
    .default({ fast: 64 * MiB, slow: 64 * MiB }),
  pressure: z.enum(PRESSURE_SETTINGS).default("none"),
  workload: workloadSchema,
  /** a registered stack: built in, from a --plugin, or one of `presets` (checked in load.ts) */
  stack: z.string().min(1).default("numab2"),
  /** the stacks `foliox compare` runs when --stacks is not given; the first is the baseline */
  stacks: z.array(z.string().min(1)).min(1).optional(),
  /** stacks this file composes from parts by name, usable in stack, stacks and --stack(s) */
  presets: z.array(stackDefinitionSchema).default([]),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  /** the kernel whose behaviour the model follows where versions differ (createSystem's `kernel`) */
  kernel: z.enum(KERNEL_VERSIONS as [KernelVersion, ...KernelVersion[]]).default("6.12"),
  epochs: z.number().int().min(1).max(100_000).default(10),
  /** cost-table overrides by name (sim/costs.ts), e.g. { hintFaultNs: 2000 } */
  costs: costsSchema.default({}),
  /** the last-level-cache filter in front of memory */
  llc: llcSchema.default("auto"),
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
  return `${s.topology} ${formatNodeMemory(s.memory.fast)} + ${formatNodeMemory(s.memory.slow)}, pressure ${s.pressure}, ${p.type} over ${formatSize(foot)} ${kinds}${s.workload.processes > 1 ? ` in ${s.workload.processes} processes` : ""}, stack ${s.stack}, ${s.epochs} epochs × ${s.workload.accessesPerEpoch} ${s.workload.weight === 1 ? "accesses" : `samples of weight ${s.workload.weight}`}, seed ${s.seed}`;
}

/** "64 MiB", or "20% of the footprint". */
export function formatNodeMemory(v: NodeMemory): string {
  return typeof v === "number" ? formatSize(v) : `${v} of the footprint`;
}
