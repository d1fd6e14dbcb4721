/**
 * `--shard i/n`: this process runs the i-th of n disjoint parts of a sweep. Every shard plans
 * the whole sweep (cheap: no simulation), sorts the runs by key and takes every n-th from the
 * i-th, so the parts are the same on every machine, are disjoint, together are the sweep, and
 * differ in size by at most one run. i counts from 0, as Slurm's `--array=0-(n-1)` and a
 * Kubernetes Indexed Job's JOB_COMPLETION_INDEX do.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";

export interface Shard {
  index: number;
  count: number;
}

export const SHARD_HELP =
  "run the i-th of n parts of the sweep (0 <= i < n; each part into its own --out), e.g. --shard $SLURM_ARRAY_TASK_ID/8 or --shard $JOB_COMPLETION_INDEX/8; foliox merge puts the parts together";

export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new InvalidArgumentError(`"${value}" is not i/n; pass the part's index and the number of parts, e.g. --shard 0/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidArgumentError(`"${value}": the number of parts must be at least 1`);
  if (!Number.isSafeInteger(index) || index >= count) {
    throw new InvalidArgumentError(
      `"${value}": the index counts from 0 and must be below ${count} (0 … ${count - 1}); a Slurm array for it is --array=0-${count - 1}`,
    );
  }
  return { index, count };
}

/** The runs of shard `s`: by key, every count-th from the index-th. */
export function selectShard<T extends { key: string }>(runs: readonly T[], s: Shard): T[] {
  const sorted = [...runs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return sorted.filter((_r, i) => i % s.count === s.index);
}
