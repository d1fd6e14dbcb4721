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

/** A part by name: "pebs", or { name: "pebs", options: { period: 101 } } */
export const partRefSchema = z.union([z.string().min(1), z.strictObject({ name: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() })]);

/** NumaBalancingOptions (core's numa/numa-balancing.ts): the sysctls a stack sets */
export const numaOptionsSchema = z.strictObject({
  promote: z.boolean().optional(),
  activeLruFilter: z.boolean().optional(),
  hotThresholdMs: z.number().positive().optional(),
  promoteRateLimitMBps: z.number().positive().optional(),
  scanPeriodMs: z.number().positive().optional(),
  scanPeriodMaxMs: z.number().positive().optional(),
  scanSizeMB: z.number().positive().optional(),
});

export const stackDefinitionSchema = z.strictObject({
  name: z.string().min(1),
  /** a registered preset to start from; the fields given here replace its own */
  extends: z.string().min(1).optional(),
  sampler: partRefSchema.optional(),
  hotness: partRefSchema.optional(),
  placement: partRefSchema.optional(),
  mover: partRefSchema.optional(),
  rateLimiter: partRefSchema.optional(),
  /** NUMA balancing in tiering mode; null: off */
  numa: z.union([z.null(), numaOptionsSchema]).optional(),
  /** kswapd/direct-reclaim demotion */
  demotion: z.boolean().optional(),
  /** TPP's free headroom on top-tier nodes, a share of the node */
  headroomRatio: z.number().min(0).lt(1).optional(),
  /** where the mover runs: a kernel thread (background CPU) or the task (application time) */
  moverContext: z.enum(["kthread", "task"]).optional(),
  copies: z.string().optional(),
  leavesOut: z.string().optional(),
});

/** The fields an object at `path` (relative to one preset) accepts, for unknown-field hints. */
export function stackDefinitionKeysAt(path: readonly string[]): string[] {
  if (path.length === 0) return Object.keys(stackDefinitionSchema.shape);
  if (path[0] === "numa") return Object.keys(numaOptionsSchema.shape);
  if (["sampler", "hotness", "placement", "mover", "rateLimiter"].includes(path[0]!)) return ["name", "options"];
  return [];
}
