/**
 * The address-space layout a synthetic workload asks for: processes (a task with a home node,
 * as createProcess() makes), each with regions (VMAs) of a kind, a size and an mTHP order, at
 * fixed virtual addresses so that a generator can emit addresses before anything is mapped.
 *
 * Region kinds follow the kernel's three kinds of user memory:
 * - "anon":  MAP_PRIVATE|MAP_ANONYMOUS (folio_test_anon);
 * - "file":  a MAP_SHARED mapping of a regular file (page cache folios, a_ops from the fs);
 * - "shmem": a MAP_SHARED mapping of tmpfs/shmem (swap-backed file folios).
 *
 * `backing` says what the region really is. A "file" or "shmem" region needs a registered
 * backend that owns that kind of folio (scenario/setup.ts asks the system); without one it is
 * mapped as anonymous memory and the workload's notes say so: the accesses are generated
 * honestly, but the folios are anon.
 */
import { PAGE_SIZE } from "@foliox/core";

export type RegionKind = "anon" | "file" | "shmem";
export const REGION_KINDS: readonly RegionKind[] = ["anon", "file", "shmem"];

/** What this build of core can back each region kind with (see the module comment). */
export interface BackingSupport {
  file: boolean;
  shmem: boolean;
}

/** What core alone backs (no backend asked): file and shmem regions fall back to anon. */
export const CORE_BACKING_SUPPORT: BackingSupport = { file: false, shmem: false };

export interface RegionSpec {
  name: string;
  kind: RegionKind;
  /** bytes; a multiple of 4 KiB (and of the mTHP folio size when thpOrder > 0) */
  bytes: number;
  /** mTHP order for first-touch faults, 0..9 (0 = base pages) */
  thpOrder?: number;
}

export interface WorkloadRegion {
  name: string;
  /** what the workload asked for */
  kind: RegionKind;
  /** what it is mapped as in this build ("anon" when file-backed memory is missing) */
  backing: RegionKind;
  /** fixed virtual start address (MAP_FIXED_NOREPLACE), aligned to 2 MiB */
  start: number;
  bytes: number;
  pages: number;
  thpOrder: number;
  /** index of the region's first page in the process's page space (regions concatenated) */
  firstPage: number;
}

export interface WorkloadProcess {
  /** index in layout.processes; generators emit pids[index] */
  index: number;
  name: string;
  /** the node of the task's CPU (its MPOL_DEFAULT home) */
  nid: number;
  regions: WorkloadRegion[];
  /** sum of the regions' pages */
  pages: number;
}

export interface WorkloadLayout {
  processes: WorkloadProcess[];
  /** pages over all processes */
  totalPages: number;
}

/** Where the first region of every process starts: 64 GiB, far from the top-down mmap area. */
export const LAYOUT_BASE = 64 * 1024 * 1024 * 1024;
const ALIGN = 2 * 1024 * 1024;

/**
 * Lay out `processes` processes, each with the same regions, at the same addresses (each
 * process has its own mm). Regions are 2 MiB aligned with a 2 MiB guard gap between them.
 */
export function buildLayout(regions: readonly RegionSpec[], processes: number, nid: number, support: BackingSupport = CORE_BACKING_SUPPORT): WorkloadLayout {
  const procs: WorkloadProcess[] = [];
  for (let p = 0; p < processes; p++) {
    let addr = LAYOUT_BASE;
    let firstPage = 0;
    const rs: WorkloadRegion[] = [];
    for (const r of regions) {
      const thpOrder = r.thpOrder ?? 0;
      const pages = r.bytes / PAGE_SIZE;
      rs.push({
        name: r.name,
        kind: r.kind,
        backing: r.kind === "anon" || support[r.kind] ? r.kind : "anon",
        start: addr,
        bytes: r.bytes,
        pages,
        thpOrder,
        firstPage,
      });
      firstPage += pages;
      addr += Math.ceil(r.bytes / ALIGN) * ALIGN + ALIGN;
    }
    procs.push({ index: p, name: processes === 1 ? "workload" : `workload-${p}`, nid, regions: rs, pages: firstPage });
  }
  return { processes: procs, totalPages: procs.reduce((s, p) => s + p.pages, 0) };
}

/** Notes for regions whose backing differs from their kind (shown in scenario output). */
export function backingNotes(layout: WorkloadLayout): string[] {
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const p of layout.processes) {
    for (const r of p.regions) {
      if (r.backing !== r.kind && !seen.has(r.name)) {
        seen.add(r.name);
        notes.push(
          `region "${r.name}" is ${r.kind} in the workload but mapped as anon memory: no registered backend owns ${r.kind} folios (the CLI ships @foliox/anon only), so its folios count as anon`,
        );
      }
    }
  }
  return notes;
}
