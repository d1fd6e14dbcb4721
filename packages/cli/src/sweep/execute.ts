/**
 * Running a sweep's remaining runs on the pool: every run is queued at once (the pool starts
 * one per worker and the next as one finishes), each finished run is appended to
 * results.jsonl at once — so a sweep stopped at any point keeps every run it finished — and
 * counted on the progress bar. A run that fails is reported with its inputs and the others go
 * on; nothing is written for it, so a re-run tries it again.
 */
import { formatSize } from "@foliox/tiering";
import { oomDrops, type OomDrops } from "../oom.js";
import type { Progress } from "../report/progress.js";
import type { SweepRun } from "./plan.js";
import type { SweepPool } from "./pool.js";
import { formatResultLine, type ResultsWriter } from "./results.js";

export interface RunFailure {
  run: SweepRun;
  message: string;
  /** bad input (a trace's weight, say) rather than the run */
  usage: boolean;
}

export interface ExecuteOutcome {
  ran: number;
  failures: RunFailure[];
  /** runs that dropped accesses for want of memory (counters.oom > 0), with how many */
  oom: (OomDrops & { run: SweepRun })[];
}

export interface ExecuteOptions {
  pool: SweepPool;
  writer: ResultsWriter;
  progress: Progress;
  cwd: string;
  plugins: string[];
}

export async function executeRuns(runs: readonly SweepRun[], opts: ExecuteOptions): Promise<ExecuteOutcome> {
  const out: ExecuteOutcome = { ran: 0, failures: [], oom: [] };
  await Promise.all(
    runs.map(async (run) => {
      const reply = await opts.pool
        .run({ key: run.key, scenario: run.scenario, source: run.source, trace: run.trace, plugins: opts.plugins, cwd: opts.cwd })
        .catch((err: unknown) => ({ ok: false as const, message: err instanceof Error ? err.message : String(err), usage: false }));
      if (reply.ok) {
        opts.writer.append(formatResultLine(run.key, run.inputs, reply.json));
        out.ran++;
        const oom = oomDrops(JSON.parse(reply.json) as Parameters<typeof oomDrops>[0]);
        if (oom.dropped > 0) out.oom.push({ run, ...oom });
      } else {
        out.failures.push({ run, message: reply.message, usage: reply.usage });
      }
      opts.progress.tick(1);
    }),
  );
  return out;
}

/** "zipf/numab2 seed 1 fast 20% costs {hintFaultNs: 2000} trace t.csv": a run as messages name it. */
export function describeRun(run: SweepRun): string {
  const i = run.inputs;
  const costs = Object.entries(i.costs);
  return [
    `${i.scenario}/${i.stack}`,
    `seed ${i.seed}`,
    `fast ${typeof i.fast === "number" ? formatSize(i.fast) : i.fast}`,
    ...(costs.length ? [`costs {${costs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`] : []),
    ...(i.trace ? [`trace ${i.trace.file}`] : []),
    `(key ${run.key.slice(0, 12)})`,
  ].join(" ");
}
