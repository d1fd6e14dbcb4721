/**
 * The workload specification: which access pattern, over which regions, in how many processes,
 * with what write ratio and how many accesses per epoch. It is a zod schema, so that configs
 * (scenario/) are validated field by field; WorkloadSpec is its output type, defaults applied.
 */
import { z } from "zod";
import { MAX_PAGE_ORDER, PAGE_SIZE } from "@foliox/core";
import "../scenario/field-meta.js";
import { REGION_KINDS } from "./region.js";
import { formatSize, MAX_SIZE_BYTES, parseSize } from "./size.js";

/** The message for a size past MAX_SIZE_BYTES. */
export function tooLarge(v: number | string): string {
  return `${JSON.stringify(v)} is too large: a size can be at most ${MAX_SIZE_BYTES} bytes (2^53 − 1, just under 8 PiB), the largest integer a number holds exactly`;
}

/** A size: bytes, or a string with a binary unit ("64MiB"), a positive multiple of 4 KiB. */
export const sizeSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
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

const moveEvery = z.number().int().min(0);
const moveEveryMeta = { description: "epochs between phase changes (the hot set moves to other pages); 0: never", unit: "epochs" };

export const patternSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("uniform").meta({ description: "every page of the footprint equally likely" }) }),
  z.strictObject({
    type: z.literal("zipf").meta({ description: "page ranks drawn from a Zipf distribution (YCSB-like)" }),
    s: z.number().gt(0).max(10).default(0.99).meta({ description: "the Zipf exponent: rank r is accessed in proportion to 1/r^s; 0.99 is YCSB's default" }),
    scatter: z.boolean().default(true).meta({ description: "spread the ranks over the footprint (YCSB's scrambled zipfian) instead of one contiguous range" }),
    moveEvery: moveEvery.default(0).meta(moveEveryMeta),
  }),
  z.strictObject({
    type: z.literal("hotset").meta({ description: "a hot set of the pages gets a fixed share of the accesses, the rest is uniform" }),
    hotFraction: z.number().gt(0).max(1).default(0.1).meta({ description: "share of the footprint that is hot", unit: "share (0, 1]" }),
    hotShare: z.number().min(0).max(1).default(0.9).meta({ description: "share of the accesses that go to the hot set", unit: "share [0, 1]" }),
    moveEvery: moveEvery.default(5).meta(moveEveryMeta),
  }),
  z.strictObject({
    type: z.literal("stairs").meta({ description: "masim's stairs: the footprint in `steps` equal ranges, hammered one at a time, in order" }),
    steps: z.number().int().min(1).default(8).meta({ description: "equal ranges the footprint is cut into" }),
    stepEvery: z.number().int().min(1).default(1).meta({ description: "epochs each range is hammered before the next", unit: "epochs" }),
  }),
  z.strictObject({
    type: z.literal("zigzag").meta({ description: "masim's zigzag: like stairs, up through the ranges, then back down" }),
    steps: z.number().int().min(2).default(8).meta({ description: "equal ranges the footprint is cut into" }),
    stepEvery: z.number().int().min(1).default(1).meta({ description: "epochs each range is hammered before the next", unit: "epochs" }),
  }),
  z.strictObject({ type: z.literal("seqscan").meta({ description: "a sequential scan over the footprint, round and round" }) }),
]);

export const regionSchema = z
  .strictObject({
    name: z.string().min(1).meta({ description: "the region's name, unique in the workload (notes and errors name it)" }),
    kind: z
      .enum(REGION_KINDS as unknown as ["anon", "file", "shmem"])
      .default("anon")
      .meta({
        description:
          "anon: private anonymous memory (MAP_PRIVATE|MAP_ANONYMOUS); file: a MAP_SHARED mapping of a regular file, page cache of a filesystem backend; shmem: tmpfs. Without a backend for the kind the region is mapped as anon, and the run's notes say so",
      }),
    size: sizeSchema.meta({
      description: 'the region\'s size: bytes, or a string with a binary unit ("64MiB"); a positive multiple of 4 KiB and of one folio of thpOrder',
      unit: "bytes",
    }),
    thpOrder: z.number().int().min(0).max(Math.min(9, MAX_PAGE_ORDER)).default(0).meta({
      description: "the order of the region's anon folios (mTHP): 0 = 4 KiB pages, 9 = 2 MiB THPs; the size must be a whole number of folios",
      unit: "page order (4 KiB × 2^order)",
    }),
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
    pattern: patternSchema.meta({ description: "the access pattern; its `type` selects one of the forms below, each with its own fields" }),
    regions: z
      .array(regionSchema)
      .min(1)
      .default([{ name: "heap", kind: "anon", size: 64 * 1024 * 1024, thpOrder: 0 }])
      .meta({
        description: "the memory the workload touches, mapped in this order; each process gets its own copy; the footprint is their sum × processes",
        defaultText: 'one anon region "heap" of 64 MiB',
      }),
    processes: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .meta({ description: "processes, each with its own copy of the regions; their accesses interleave round-robin" }),
    nid: z.number().int().min(0).default(0).meta({ description: "the node whose CPUs run the workload's tasks (the local node of their faults)" }),
    writeRatio: z.number().min(0).max(1).default(0.3).meta({ description: "share of the accesses that are stores", unit: "share [0, 1]" }),
    accessesPerEpoch: z
      .number()
      .int()
      .min(1)
      .default(100_000)
      .meta({ description: "entries (samples) generated per epoch; the stack's per-epoch work runs between epochs", unit: "entries" }),
    weight: z.number().positive().default(1).meta({
      description:
        "how many accesses each generated entry stands for (a sampling period): 1 = every access; 100 = one sample per 100 accesses of its page, so N entries last as long as 100 N accesses",
      unit: "accesses per entry",
    }),
    accessSize: z.number().int().min(1).max(4096).default(8).meta({ description: "bytes each access reads or writes", unit: "bytes" }),
  })
  .superRefine((w, ctx) => {
    const names = new Set<string>();
    w.regions.forEach((r, i) => {
      if (names.has(r.name))
        ctx.addIssue({ code: "custom", path: ["regions", i, "name"], message: `region name "${r.name}" is used twice; give each region its own name` });
      names.add(r.name);
    });
  });

export type PatternSpec = z.output<typeof patternSchema>;
export type RegionSpecInput = z.input<typeof regionSchema>;
export type WorkloadSpec = z.output<typeof workloadSchema>;
export type WorkloadSpecInput = z.input<typeof workloadSchema>;
