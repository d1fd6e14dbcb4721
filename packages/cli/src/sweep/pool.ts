/**
 * The worker pool a sweep runs on: tinypool worker threads, one per job (by default one per
 * core, os.availableParallelism()), each running sweep-worker.js task after task. Threads
 * rather than processes: a run's inputs and result cross by structured clone, with no process
 * start per run; each thread has its own heap, module state and tsyringe containers, so runs
 * share nothing but the code.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Tinypool from "tinypool";
import type { RunReply, RunTask } from "./worker.js";

/** dist/sweep-worker.js: beside the bundle, or (from src/, in tests) in the built dist/. */
export function sweepWorkerFile(): string {
  for (const rel of ["./sweep-worker.js", "../../dist/sweep-worker.js"]) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new Error("the sweep's worker (dist/sweep-worker.js) is not built; run `npm run build` and try again");
}

export interface SweepPool {
  run(task: RunTask): Promise<RunReply>;
  close(): Promise<void>;
}

export function createSweepPool(jobs: number): SweepPool {
  const pool = new Tinypool({ filename: sweepWorkerFile(), minThreads: jobs, maxThreads: jobs });
  return {
    run: (task) => pool.run(task) as Promise<RunReply>,
    close: () => pool.destroy(),
  };
}
