/**
 * A scenario file's `presets`: stacks composed of parts by name (the built-in ones, or any a
 * --plugin registered), optionally extending a registered preset. zod checks the shape here;
 * the names are checked against the run's TieringRegistry when the scenario is parsed
 * (load.ts), so a plugin's parts count and a misspelt one gets a did-you-mean.
 *
 *   presets:
 *     - name: colloid-exchange
 *       extends: colloid
 *       mover: { name: exchange, options: { batch: 16 } }
 */
import { z } from "zod";
import "./field-meta.js";

/** A part by name: "pebs", or { name: "pebs", options: { period: 101 } } */
export const partRefSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1).meta({ description: "a registered part of this kind: built in, or a --plugin's" }),
    options: z.record(z.string(), z.unknown()).optional().meta({
      description: 'the part\'s options, by name (docs/tiering.md, "Stack parts", and docs/composing-a-stack.md)',
      defaultText: "the part's own defaults",
    }),
  }),
]);

/** A part field of a preset: which kind of part, and the default without `extends`. */
function partField(kind: string, what: string, fallback: string) {
  return partRefSchema.optional().meta({
    description: `the ${kind} — ${what}: a registered ${kind} by name ("name"), or { name, options }`,
    defaultText: `the extended preset's; without extends, ${fallback}`,
  });
}

/** NumaBalancingOptions (core's numa/numa-balancing.ts): the sysctls a stack sets */
export const numaOptionsSchema = z.strictObject({
  promote: z
    .boolean()
    .optional()
    .meta({ description: "promote in the NUMA hint fault (numab2, TPP); false: the hint fault only feeds the stack's sampler", defaultText: "true" }),
  activeLruFilter: z
    .boolean()
    .optional()
    .meta({ description: "TPP: promote only folios already on the active LRU; a hint fault on another folio marks it accessed", defaultText: "false" }),
  hotThresholdMs: z.number().positive().optional().meta({
    description: "sysctl numa_balancing_hot_threshold_ms: a page faulted within this long of its scan is hot (memory tiering mode)",
    unit: "ms",
    defaultText: "1000",
  }),
  promoteRateLimitMBps: z
    .number()
    .positive()
    .optional()
    .meta({ description: "sysctl numa_balancing_promote_rate_limit_MBps: the promotion budget per second", unit: "MB/s", defaultText: "65536" }),
  scanPeriodMs: z.number().positive().optional().meta({
    description: "sysctl numa_balancing_scan_period_min_ms: the shortest period between task_numa_work() scans (task_scan_min() scales it to the task's RSS)",
    unit: "ms",
    defaultText: "1000",
  }),
  scanPeriodMaxMs: z.number().positive().optional().meta({
    description: "sysctl numa_balancing_scan_period_max_ms: the longest scan period, and the hot threshold's adjustment period",
    unit: "ms",
    defaultText: "60000",
  }),
  scanSizeMB: z
    .number()
    .positive()
    .optional()
    .meta({ description: "sysctl numa_balancing_scan_size_mb: address space one scan marks for hint faults", unit: "MB", defaultText: "256" }),
});

export const stackDefinitionSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .meta({ description: "the stack's name, as `stack`, `stacks`, --stack and --stacks take it; a name registered already is refused (extend it instead)" }),
  extends: z.string().min(1).optional().meta({
    description: "a registered preset to start from; the fields given here replace its own",
    defaultText: "none: the stack that does nothing (no sampler, hotness model, placement or rate limit; the migrate mover; NUMA balancing off; demotion on)",
  }),
  sampler: partField("sampler", "what observes accesses", '"none"'),
  hotness: partField("hotness model", "what ranks pages from the samples", '"none"'),
  placement: partField("placement policy", "what decides which pages go up and down", '"none"'),
  mover: partField("mover", "what moves the pages (migrate_pages(), exchange, …)", '"migrate"'),
  rateLimiter: partField("rate limiter", "what bounds the pages moved per epoch", '"none"'),
  numa: z.union([z.null(), numaOptionsSchema]).optional().meta({
    description: "NUMA balancing in memory-tiering mode (task_numa_work() scans and hint faults) with these sysctls, or null: off",
    defaultText: "the extended preset's; without extends, off",
  }),
  demotion: z.boolean().optional().meta({
    description: "kswapd and direct reclaim demote cold pages to the slow tier (numa demotion_enabled)",
    defaultText: "the extended preset's; without extends, true",
  }),
  headroomRatio: z.number().min(0).lt(1).optional().meta({
    description: "TPP: free headroom kswapd keeps on top-tier nodes, as a share of the node",
    unit: "share [0, 1)",
    defaultText: "the extended preset's; without extends, 0",
  }),
  moverContext: z.enum(["kthread", "task"]).optional().meta({
    description:
      "where the mover runs: kthread — a kernel thread or daemon, its moves counted as background CPU; task — synchronous moves in the application, counted in its time",
    defaultText: 'the extended preset\'s; without extends, "kthread"',
  }),
  copies: z.string().optional().meta({ description: "what the stack copies from the system it reproduces (shown in listings)" }),
  leavesOut: z.string().optional().meta({ description: "what it leaves out (shown in listings)" }),
});

/** The fields an object at `path` (relative to one preset) accepts, for unknown-field hints. */
export function stackDefinitionKeysAt(path: readonly string[]): string[] {
  if (path.length === 0) return Object.keys(stackDefinitionSchema.shape);
  if (path[0] === "numa") return Object.keys(numaOptionsSchema.shape);
  if (["sampler", "hotness", "placement", "mover", "rateLimiter"].includes(path[0]!)) return ["name", "options"];
  return [];
}
