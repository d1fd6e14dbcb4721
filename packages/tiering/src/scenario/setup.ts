/**
 * prepareScenario(): build the simulated system a scenario describes and set up its workload —
 * the processes (createProcess at the workload's node) and their regions (mmap at the layout's
 * fixed addresses, with the region's mTHP order) — then apply the pressure setting. The engine
 * then replays workload.batches(pids) on the kernel.
 *
 * pressure "full" follows docs/decisions.md#memory-pressure and sim/pressure.ts's approach:
 * 1. every workload page is faulted in first (written, in address order), so the workload's
 *    own memory is resident: the fast node fills first and the rest falls back to the slow
 *    node along the default zonelist;
 * 2. a filler task whose home is the fast node writes pages until one lands elsewhere (the
 *    fast node is at its min watermark), then a filler whose home is the slow node writes
 *    pages until a fault fails with ACCESS_OOM after direct reclaim freed nothing (no
 *    reclaimer is registered by setup, there is no swap device);
 * 3. an aging pass clears the young bit of every PTE (folio_referenced()'s ptep_clear_young),
 *    so the run starts with no page looking recently used;
 * 4. both nodes are checked with nodePressure(): every zone must refuse an order-0
 *    ALLOC_WMARK_MIN allocation, or setup throws saying what to change;
 * 5. the kswapd wake-ups the fill's allocations queued (wakeup_kswapd in the slow path) are
 *    delivered now, during setup, where they belong: setup registers no reclaimer, so kswapd
 *    finds nothing it can do — the state point 2 describes. Left pending, they would run at
 *    the run's first epoch under the stack's reclaimer and charge the run with setup's
 *    demotion attempts (they all fail: the slow node is full).
 */
import type { DependencyContainer } from "tsyringe";
import { PAGES_PER_SECTION, createProcess } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { ACCESS_OK, ACCESS_OOM, accessVirtual } from "@foliox/core";
import type { MmStruct, Task } from "@foliox/core";
import { doMmap, MAP_SHARED } from "@foliox/core";
import { doMmapFile } from "@foliox/core";
import { createInode, mountFs } from "@foliox/core";
import { truncateSetsize } from "@foliox/core";
import { folioWalkStart } from "@foliox/core";
import { ageFolio, nodePressure, type NodePressure } from "../sim/pressure.js";
import { runPendingKswapd } from "@foliox/core";
import { createSystem, ZONE_MOVABLE } from "@foliox/core";
import { formatSize } from "../workload/size.js";
import { buildLayout, CORE_BACKING_SUPPORT, type BackingSupport } from "../workload/region.js";
import { createWorkload, type Workload } from "../workload/workload.js";
import { ScenarioConfigError } from "./config-error.js";
import { memoryLimitProblem, MIN_NODE_PAGES, type NodeMemory, type Scenario } from "./schema.js";

/**
 * A node given as a share of the footprint ("20%"): max(16 pages, ⌈share × footprint⌉) pages,
 * rounded up to whole 128 MiB sections when it is larger than one (core onlines memory in
 * sections). Its watermarks are scaled as the kernel's would be on a real machine of the same
 * shape (see prepareScenario).
 */
export function resolveNodeMemory(v: NodeMemory, footprintPages: number | null, which: "fast" | "slow"): number {
  if (typeof v === "number") return v;
  if (footprintPages === null || footprintPages <= 0) {
    throw new RangeError(`memory.${which} is ${v} of the workload's footprint, but the footprint is not known here; give the size in bytes (e.g. "64MiB")`);
  }
  const share = Number.parseFloat(v) / 100;
  const pages = Math.max(MIN_NODE_PAGES, Math.ceil(share * footprintPages));
  return (pages > PAGES_PER_SECTION ? Math.ceil(pages / PAGES_PER_SECTION) * PAGES_PER_SECTION : pages) * 4096;
}

export interface PrepareOptions {
  /** backend registration functions, e.g. [registerAnon]; core never imports a backend */
  backends: ((c: DependencyContainer) => void)[];
  container?: DependencyContainer;
  support?: BackingSupport;
  /**
   * Set up the scenario's synthetic workload (default true). false for trace replay: the
   * engine then maps the trace's processes and addresses as they come (autoMap), and pressure
   * "full" is refused, since the trace's pages are unknown before the replay.
   */
  workload?: boolean;
  /** the footprint in pages, for nodes given as a share of it, when the workload is not set up (a trace's distinct pages) */
  footprintPages?: number;
}

export interface PreparedScenario {
  scenario: Scenario;
  container: DependencyContainer;
  kernel: Kernel;
  workload: Workload;
  /** the workload's tasks, in layout order */
  tasks: Task[];
  /** pids[p] is the pid of layout.processes[p]: pass it to workload.batches() */
  pids: Int32Array;
  /** pressure "full": the fillers (fast-node home first) and the pages each faulted in */
  fillers: Task[];
  filled: number[];
  /** nodePressure() of every node after setup */
  nodes: NodePressure[];
  /** what the run should know (file regions mapped as anon, the pressure state) */
  notes: string[];
}

export function prepareScenario(scenario: Scenario, opts: PrepareOptions): PreparedScenario {
  const mapWorkload = opts.workload ?? true;
  // the footprint does not depend on what backs the regions: a layout of anon regions gives it
  const footprint = mapWorkload
    ? buildLayout(
        scenario.workload.regions.map((r) => ({ name: r.name, kind: r.kind, bytes: r.size })),
        scenario.workload.processes,
        scenario.workload.nid,
      ).totalPages
    : (opts.footprintPages ?? null);
  const fastBytes = resolveNodeMemory(scenario.memory.fast, footprint, "fast");
  const slowBytes = resolveNodeMemory(scenario.memory.slow, footprint, "slow");
  // a share of a large footprint can be more than the model holds: say so by field, as the schema does for sizes
  const which = fastBytes >= slowBytes ? "fast" : "slow";
  const tooMuch = which === "fast" ? memoryLimitProblem("fast", fastBytes, slowBytes) : memoryLimitProblem("slow", slowBytes, fastBytes);
  if (tooMuch)
    throw new ScenarioConfigError(`scenario "${scenario.name}"`, [
      {
        field: `memory.${which}`,
        message: `${typeof scenario.memory[which] === "string" ? `${scenario.memory[which]} of the footprint of ${formatSize((footprint ?? 0) * 4096)}: ` : ""}${tooMuch}`,
      },
    ]);
  const { container, kernel: k } = createSystem({
    topology: scenario.topology,
    memory: [fastBytes, slowBytes],
    seed: scenario.seed,
    kernel: scenario.kernel,
    lockdep: scenario.lockdep,
    backends: opts.backends,
    ...(opts.container ? { container: opts.container } : {}),
  });
  const shares: string[] = [];
  if (typeof scenario.memory.fast === "string") shares.push(`fast ${scenario.memory.fast} = ${fastBytes / 4096} pages`);
  if (typeof scenario.memory.slow === "string") shares.push(`slow ${scenario.memory.slow} = ${slowBytes / 4096} pages`);
  if (shares.length > 0) {
    // a node sized to a footprint stands for a real machine scaled down: its watermarks keep the
    // proportions the kernel gives a 16 GiB zone (√(16 × 16 GiB in KiB) = 16 MiB = 1/1024 of it),
    // instead of calculate_min_free_kbytes()'s 128 KiB floor, which would swallow a small node
    let lowmem = 0;
    for (const z of k.topo.zones) if (z.type !== ZONE_MOVABLE) lowmem += z.managedPages;
    k.alloc.setMinFreeKbytes(Math.floor((lowmem * 4) / 1024));
  }
  const support = opts.support ?? backingSupport(k);
  const workload = createWorkload(scenario.workload, { seed: scenario.seed, epochs: scenario.epochs, support });
  if (!k.topo.nodes[scenario.workload.nid]) {
    throw new RangeError(`scenario "${scenario.name}": workload.nid is ${scenario.workload.nid}, but the system has nodes 0..${k.topo.nrNodes - 1}`);
  }
  if (!mapWorkload && scenario.pressure === "full") {
    throw new RangeError(
      `scenario "${scenario.name}": pressure "full" faults the workload in before filling the nodes, and a trace's pages are only known while it replays; use a scenario with pressure "none" for a trace`,
    );
  }
  const tasks: Task[] = [];
  for (const proc of mapWorkload ? workload.layout.processes : []) {
    const task = createProcess(k, { nid: proc.nid });
    for (const r of proc.regions) {
      // a file/shmem region is a MAP_SHARED mapping of a file of its size on a filesystem of a
      // backend that owns that kind; without one it is mapped as anon (region.backing, noted)
      const addr =
        r.backing === "anon" ? doMmap(k, task.mm!, r.bytes, { addr: r.start, thpOrder: r.thpOrder }) : mapFileRegion(k, task.mm!, r.backing, r.bytes, r.start);
      if (addr !== r.start)
        throw new Error(`scenario "${scenario.name}": mmap of region "${r.name}" (${formatSize(r.bytes)} at 0x${r.start.toString(16)}) failed (${addr})`);
    }
    tasks.push(task);
  }
  const notes = mapWorkload ? [...workload.notes] : [];
  if (shares.length > 0) {
    notes.push(
      `memory as a share of the footprint (${footprint} pages): ${shares.join(", ")}; watermarks scaled to it (vm.min_free_kbytes = ${k.alloc.minFreeKbytes}, 1/1024 of lowmem as the kernel gives a 16 GiB zone)`,
    );
  }
  const fillers: Task[] = [];
  const filled: number[] = [];
  if (scenario.pressure === "full") {
    const footprint = workload.layout.totalPages;
    for (const [p, proc] of workload.layout.processes.entries()) {
      const mm = tasks[p]!.mm!;
      for (const r of proc.regions) {
        for (let i = 0; i < r.pages; i++) {
          const rc = accessVirtual(k, mm, r.start + i * 4096, true);
          if (rc !== ACCESS_OK) {
            throw new Error(
              `scenario "${scenario.name}": the workload (${formatSize(footprint * 4096)}) does not fit in memory (${formatSize(fastBytes)} + ${formatSize(slowBytes)}): ` +
                `faulting region "${r.name}" page ${i} gave access result ${rc}; give the nodes more memory or shrink workload.regions`,
            );
          }
        }
      }
    }
    const fast = 0;
    const slow = 1;
    const fastFill = fill(k, fast, k.topo.nodes[fast]!.nrPages + 1, true);
    const slowFill = fill(k, slow, k.topo.nrPages, false);
    if (!slowFill.oom) throw new Error(`scenario "${scenario.name}": the slow-node filler never hit an allocation failure`);
    fillers.push(fastFill.task, slowFill.task);
    filled.push(fastFill.pages, slowFill.pages);
    for (const t of [...tasks, ...fillers]) ageTask(k, t);
    // 5: kswapd runs the wake-ups the fill queued; with no reclaimer registered it does nothing
    runPendingKswapd(k);
    for (const nid of [fast, slow]) {
      const np = nodePressure(k, nid);
      if (!np.full) {
        const z = np.zones.find((zz) => zz.allocatable)!;
        throw new Error(
          `scenario "${scenario.name}": node ${nid} is not full after setup: zone ${z.zone} has ${z.free} free pages, above min ${z.min} + lowmem_reserve ${z.lowmemReserve}`,
        );
      }
    }
    notes.push(
      `pressure full (docs/decisions.md#memory-pressure): both nodes at their min watermark after the workload (${formatSize(footprint * 4096)}) and ${filled[0]} + ${filled[1]} filler pages; nothing reclaimable, no swap`,
    );
  }
  return {
    scenario,
    container,
    kernel: k,
    workload,
    tasks,
    pids: Int32Array.from(tasks, (t) => t.pid),
    fillers,
    filled,
    nodes: k.topo.nodes.map((n) => nodePressure(k, n.nid)),
    notes,
  };
}

/** Which region kinds the system's registered backends can back (a backend whose manifest lists the kind). */
export function backingSupport(k: Kernel): BackingSupport {
  const has = (kind: "file" | "shmem") => k.backends.all.some((b) => b.manifest.kinds.includes(kind));
  return { file: CORE_BACKING_SUPPORT.file || has("file"), shmem: CORE_BACKING_SUPPORT.shmem || has("shmem") };
}

/** A new file of `bytes` on a filesystem of the first backend owning `kind`, mapped MAP_SHARED at `addr`. */
function mapFileRegion(k: Kernel, mm: MmStruct, kind: "file" | "shmem", bytes: number, addr: number): number {
  const backend = k.backends.all.find((b) => b.manifest.kinds.includes(kind))!;
  const sb = k.fs.superBlocks.find((s) => s.backend === backend) ?? mountFs(k, backend);
  const inode = createInode(k, sb);
  truncateSetsize(k, inode, bytes);
  return doMmapFile(k, mm, inode, bytes, { addr, flags: MAP_SHARED });
}

/** sim/pressure.ts's filler: fault pages at home `nid` until OOM or (stopOffNode) a page lands elsewhere. */
function fill(k: Kernel, nid: number, maxPages: number, stopOffNode: boolean): { task: Task; pages: number; oom: boolean } {
  const task = createProcess(k, { nid });
  const mm = task.mm!;
  const addr = doMmap(k, mm, maxPages * 4096);
  if (addr < 0) throw new Error(`scenario setup: mmap for the node ${nid} filler failed (${addr})`);
  for (let i = 0; i < maxPages; i++) {
    const rc = accessVirtual(k, mm, addr + i * 4096, true);
    if (rc === ACCESS_OOM) return { task, pages: i, oom: true };
    if (rc !== ACCESS_OK) throw new Error(`scenario setup: the node ${nid} filler got access result ${rc}`);
    if (stopOffNode && k.folioNid(folioWalkStart(k, mm, addr + i * 4096)) !== nid) return { task, pages: i + 1, oom: false };
  }
  return { task, pages: maxPages, oom: false };
}

/** Clear the young bit of every PTE of the task's folios (one aging pass). */
function ageTask(k: Kernel, task: Task): void {
  const mm = task.mm!;
  let last = -1;
  for (const vma of mm.vmas) {
    for (let a = vma.vmStart; a < vma.vmEnd; a += 4096) {
      const head = folioWalkStart(k, mm, a);
      if (head < 0 || head === last) continue;
      last = head;
      ageFolio(k, head);
    }
  }
}
