/**
 * Accesses a run dropped for want of memory. When a page fault finds no free page on any node
 * and nothing to reclaim (the scenarios have no swap), the kernel's fault path returns
 * VM_FAULT_OOM and the access never happens; the engine counts its weight in counters.oom and
 * leaves it out of the hit ratio and the times. A result with such holes is not what the user
 * asked for, so `run` and `compare` say how many and why, and exit 3 unless --allow-oom.
 */
import { formatNodeMemory, formatSize, type Scenario, type SimResult } from "@foliox/tiering";
import { EXIT_OOM } from "./exit.js";

export const ALLOW_OOM_HELP = "accept a run that dropped accesses for want of memory (exit 0 instead of 3; the output still shows them)";

/** Accesses dropped for OOM, and all the accesses the stream offered. */
export interface OomDrops {
  dropped: number;
  offered: number;
}

export function oomDrops(r: Pick<SimResult, "accesses" | "counters">): OomDrops {
  const c = r.counters;
  return { dropped: c.oom, offered: r.accesses + c.oom + c.segv + c.blocked + c.skipped };
}

/** "12917 of 100000 accesses (12.9%)" */
export function formatDrops(d: OomDrops): string {
  return `${d.dropped} of ${d.offered} accesses (${((100 * d.dropped) / Math.max(1, d.offered)).toFixed(1)}%)`;
}

/** The text outputs' row: what was dropped and that the figures leave it out. */
export function oomRow(r: Pick<SimResult, "accesses" | "counters">): string | undefined {
  const d = oomDrops(r);
  return d.dropped > 0 ? `${formatDrops(d)}: no page to fault in (VM_FAULT_OOM); not in the hit ratio or the times` : undefined;
}

/** Why the faults failed, in the scenario's terms, and what to change. */
export function oomReason(scenario: Scenario, trace: boolean): string {
  const nodes = `${formatNodeMemory(scenario.memory.fast)} + ${formatNodeMemory(scenario.memory.slow)}`;
  const footprint = scenario.workload.regions.reduce((a, r) => a + r.size, 0) * scenario.workload.processes;
  const what = trace ? `the trace's pages do not fit in the nodes' ${nodes}` : `the workload touches ${formatSize(footprint)} and the nodes hold ${nodes}`;
  const fix = trace
    ? "give the nodes more memory (memory.fast, memory.slow)"
    : "give the nodes more memory (memory.fast, memory.slow) or shrink workload.regions";
  return `their page faults found no free page on either node and nothing to reclaim (no swap): ${what}. The hit ratio and the times leave these accesses out; ${fix}, or pass --allow-oom to accept the result`;
}

/** The commands' end: each result that dropped accesses is named on stderr; exit 3 unless allowed. */
export function reportOom(
  command: string,
  ctx: { writeErr: (text: string) => void; exitCode: number },
  results: readonly Pick<SimResult, "stack" | "accesses" | "counters">[],
  scenario: Scenario,
  trace: boolean,
  allow: boolean,
): void {
  const hit = results.filter((r) => r.counters.oom > 0);
  if (hit.length === 0) return;
  const which = hit.map((r) => `${results.length > 1 ? `${r.stack}: ` : ""}${formatDrops(oomDrops(r))}`).join("; ");
  if (allow) {
    ctx.writeErr(`foliox ${command}: --allow-oom: accepted a result that dropped accesses for want of memory: ${which}\n`);
    return;
  }
  ctx.writeErr(
    `foliox ${command}: ${results.length > 1 ? `runs dropped accesses for want of memory (${which})` : `the run dropped ${which}`} — ${oomReason(scenario, trace)}\n`,
  );
  if (ctx.exitCode === 0) ctx.exitCode = EXIT_OOM;
}
