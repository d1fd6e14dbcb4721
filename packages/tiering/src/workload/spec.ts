/**
 * The workload specification: which access pattern, over which regions, in how many processes,
 * with what write ratio and how many accesses per epoch. It is a zod schema, so that configs
 * (scenario/) are validated field by field; WorkloadSpec is its output type, defaults applied.
 */
import { z } from "zod";
import { MAX_PAGE_ORDER, PAGE_SIZE } from "@foliox/core";
import { REGION_KINDS } from "./region.js";
import { formatSize, MAX_SIZE_BYTES, parseSize } from "./size.js";

/** The message for a size past MAX_SIZE_BYTES. */
export function tooLarge(v: number | string): string {
  return `${JSON.stringify(v)} is too large: a size can be at most ${MAX_SIZE_BYTES} bytes (2^53 − 1, just under 8 PiB), the largest integer a number holds exactly`;
}

/** A size: bytes, or a string with a binary unit ("64MiB"), a positive multiple of 4 KiB. */
export const sizeSchema = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const n = parseSize(v);
    if (n > MAX_SIZE_BYTES) {
      ctx.addIssue({ code: "custom", message: tooLarge(v) });
      return z.NEVER;
    }
    if (!Number.isSafeInteger(n) || n <= 0 || n % PAGE_SIZE !== 0) {
      ctx.addIssue({
        code: "custom",
        message: `expected a positive multiple of 4 KiB, as bytes or with a unit such as "64MiB"; got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return n;
  });

const moveEvery = z
  .number()
  .int()
  .min(0)
  .describe("epochs between phase changes (the hot set moves); 0 = never");

export const patternSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("uniform") }),
  z.strictObject({
    type: z.literal("zipf"),
    /** the Zipf exponent; 0.99 is YCSB's default */
    s: z.number().gt(0).max(10).default(0.99),
    /** spread the ranks over the footprint (YCSB's scrambled zipfian) instead of a contiguous range */
    scatter: z.boolean().default(true),
    moveEvery: moveEvery.default(0),
  }),
  z.strictObject({
    type: z.literal("hotset"),
    /** fraction of the footprint that is hot */
    hotFraction: z.number().gt(0).max(1).default(0.1),
    /** fraction of the accesses that go to the hot set */
    hotShare: z.number().min(0).max(1).default(0.9),
    moveEvery: moveEvery.default(5),
  }),
  z.strictObject({
    type: z.literal("stairs"),
    /** masim "stairs": the footprint in `steps` equal ranges, one accessed at a time, in order */
    steps: z.number().int().min(1).default(8),
    stepEvery: z.number().int().min(1).default(1),
  }),
  z.strictObject({
    type: z.literal("zigzag"),
    /** masim "zigzag": like stairs, up then back down */
    steps: z.number().int().min(2).default(8),
    stepEvery: z.number().int().min(1).default(1),
  }),
  z.strictObject({ type: z.literal("seqscan") }),
]);

export const regionSchema = z
  .strictObject({
    name: z.string().min(1),
    kind: z.enum(REGION_KINDS as unknown as ["anon", "file", "shmem"]).default("anon"),
    size: sizeSchema,
    thpOrder: z.number().int().min(0).max(Math.min(9, MAX_PAGE_ORDER)).default(0),
  })
  .superRefine((r, ctx) => {
    const folio = PAGE_SIZE << r.thpOrder;
    if (r.size % folio !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["size"],
        message: `${formatSize(r.size)} is not a multiple of one order-${r.thpOrder} folio (${formatSize(folio)}); round the size or lower thpOrder`,
      });
    }
  });

export const workloadSchema = z
  .strictObject({
    pattern: patternSchema,
    regions: z.array(regionSchema).min(1).default([{ name: "heap", kind: "anon", size: 64 * 1024 * 1024, thpOrder: 0 }]),
    /** processes, each with its own copy of the regions; accesses interleave round-robin */
    processes: z.number().int().min(1).max(64).default(1),
    /** the node of the workload's tasks (their CPU) */
    nid: z.number().int().min(0).default(0),
    writeRatio: z.number().min(0).max(1).default(0.3),
    /** entries (samples) generated per epoch */
    accessesPerEpoch: z.number().int().min(1).default(100_000),
    /**
     * how many accesses each generated entry stands for (a sampling period): 1 = every access;
     * 100 = one sample per 100 accesses, so a run of N entries lasts as long as 100 N accesses
     */
    weight: z.number().positive().default(1),
    /** bytes per access */
    accessSize: z.number().int().min(1).max(4096).default(8),
  })
  .superRefine((w, ctx) => {
    const names = new Set<string>();
    w.regions.forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: "custom", path: ["regions", i, "name"], message: `region name "${r.name}" is used twice; give each region its own name` });
      names.add(r.name);
    });
  });

export type PatternSpec = z.output<typeof patternSchema>;
export type RegionSpecInput = z.input<typeof regionSchema>;
export type WorkloadSpec = z.output<typeof workloadSchema>;
export type WorkloadSpecInput = z.input<typeof workloadSchema>;
