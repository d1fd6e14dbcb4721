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
import "./field-meta.js";
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
    .strictObject({
      size: sizeSchema.meta({ description: 'the cache\'s size: bytes, or with a binary unit ("32MiB"); a power of two', unit: "bytes" }),
      ways: z.number().int().meta({ description: "associativity: lines per set; a power of two" }),
      lineBytes: z.number().int().default(64).meta({ description: "the cache line; a power of two", unit: "bytes" }),
    })
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

const nodeMemoryMeta = (which: "fast" | "slow", max: string) => ({
  description:
    `the ${which} node's memory: bytes, or a string with a binary unit ("32MiB"), a multiple of 4 KiB of at least 64 KiB (above 128 MiB, a whole number of 128 MiB memory sections); ` +
    `or a share of the workload's footprint ("20%", in (0%, ${max}]), resolved to max(16 pages, ⌈share × footprint⌉) when the footprint is known (a trace's is its distinct pages)`,
  unit: "bytes, or % of the footprint",
});

export const scenarioSchema = z.strictObject({
  $schema: z
    .string()
    .optional()
    .meta({ description: "the JSON Schema this file follows, for editors (foliox.config.schema.json of @foliox/tiering); foliox ignores it" }),
  name: z
    .string()
    .min(1)
    .default("custom")
    .meta({ description: "the scenario's name, shown in outputs and reports; with extends, the extended scenario's name unless given" }),
  description: z.string().default("").meta({ description: "one line about the scenario, shown in listings" }),
  extends: z.string().optional().meta({
    description:
      "a named scenario to start from (a built-in, or a --plugin's workload); the fields given here are merged onto it: objects field by field, while workload.pattern, lists and plain values replace its own",
  }),
  topology: z
    .string()
    .refine((t) => t in TOPOLOGY_PRESETS, {
      message: `unknown topology preset; use one of: ${Object.keys(TOPOLOGY_PRESETS).join(", ")}`,
    })
    .default("dram-cxl")
    .meta({ description: "the machine: a topology preset of @foliox/core (its nodes, tiers, latencies and distances)", enum: Object.keys(TOPOLOGY_PRESETS) }),
  memory: z
    .strictObject({ fast: nodeMemory("fast").meta(nodeMemoryMeta("fast", "100%")), slow: nodeMemory("slow").meta(nodeMemoryMeta("slow", "1000%")) })
    .superRefine((m, ctx) => {
      // sizes in bytes are checked here; shares once the footprint is known (setup.ts)
      if (typeof m.fast !== "number" || typeof m.slow !== "number") return;
      const which = m.fast >= m.slow ? "fast" : "slow";
      const problem = which === "fast" ? memoryLimitProblem("fast", m.fast, m.slow) : memoryLimitProblem("slow", m.slow, m.fast);
      if (problem) ctx.addIssue({ code: "custom", path: [which], message: problem });
    })
    .default({ fast: 64 * MiB, slow: 64 * MiB })
    .meta({ description: "the memory of the fast node (DRAM, the top tier) and of the slow node (CXL)", defaultText: "64 MiB each" }),
  pressure: z.enum(PRESSURE_SETTINGS).default("none").meta({
    description:
      "none: the workload's pages fault in on first touch during the run, so the fast node fills first and later pages fall back to the slow one; full: memory pressure as a state (docs/decisions.md#memory-pressure) — the workload is faulted in, then both nodes are filled to their min watermark with memory nothing can reclaim, and there is no swap",
  }),
  workload: workloadSchema.meta({
    description: "the synthetic workload: an access pattern over memory regions; with --trace, the trace's accesses replace it",
  }),
  stack: z
    .string()
    .min(1)
    .default("numab2")
    .meta({ description: "the tiering stack `foliox run` runs: built in, a --plugin's, or one of this file's presets; --stack overrides it" }),
  stacks: z.array(z.string().min(1)).min(1).optional().meta({
    description: "the stacks `foliox compare` runs when --stacks is not given; the first is the baseline",
    defaultText: "compare's default list (foliox compare --help)",
  }),
  presets: z
    .array(stackDefinitionSchema)
    .default([])
    .meta({ description: "stacks this file composes from parts by name (docs/composing-a-stack.md), usable in stack, stacks, --stack and --stacks" }),
  seed: z.number().int().min(0).max(0xffffffff).default(1).meta({
    description: "the seed of the workload's pseudo-random streams: the same scenario and seed give the same run, access for access; --seed overrides it",
  }),
  kernel: z
    .enum(KERNEL_VERSIONS as [KernelVersion, ...KernelVersion[]])
    .default("6.12")
    .meta({
      description: 'the Linux version whose behaviour the model follows where versions differ (docs/kernel-facts.md, "Differences between 6.1 and 6.12")',
    }),
  lockdep: z.boolean().default(false).meta({
    description:
      "record every lock order and report an inversion as a KernelBug (docs/decisions.md, wait model and lockdep); off for simulation runs because it costs time on every lock, on by default in the model's own tests",
  }),
  epochs: z.number().int().min(1).max(100_000).default(10).meta({
    description:
      "epochs the run lasts, each workload.accessesPerEpoch entries (or a trace's epoch); the stack's per-epoch work runs between them; --epochs overrides it",
    unit: "epochs",
  }),
  costs: costsSchema
    .default({})
    .meta({ description: 'overrides of the cost table by name (the Costs section below; docs/tiering.md, "The cost model"); --cost name=value goes on top' }),
  llc: llcSchema.default("auto").meta({
    description:
      'the last-level-cache filter in front of memory: "auto" (on for instruction-level traces — lackey, pin — off otherwise), "on" (32 MiB, 16-way, 64 B lines, scaled down to small footprints), "none", or an exact geometry { size, ways, lineBytes }; --llc overrides it',
  }),
});

/** A validated scenario; `presets` resolved against the registry it was parsed with. */
export type Scenario = Omit<z.output<typeof scenarioSchema>, "$schema" | "extends" | "presets"> & { presets: StackConfig[] };
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
