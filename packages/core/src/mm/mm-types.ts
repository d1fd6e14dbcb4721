/**
 * mm_struct, vm_area_struct, anon_vma and the task that owns an mm (include/linux/mm_types.h,
 * include/linux/rmap.h, include/linux/sched.h), reduced to what migration and exchange touch.
 */
import type { Inode } from "../fs/inode.js";
import type { VmOperations } from "./hooks.js";

export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYSHARE = 0x80;
export const VM_MAYREAD = 0x10;
export const VM_MAYWRITE = 0x20;
export const VM_IO = 0x4000;
export const VM_LOCKED = 0x2000;
export const VM_PFNMAP = 0x400;
export const VM_HUGETLB = 0x400000;

/**
 * struct anon_vma. `vmas` stands for the anon_vma_chain interval tree (rb_root): every VMA
 * that may map a folio of this anon_vma. `root` is the lock root of a fork hierarchy.
 */
export class AnonVma {
  /** vmas chained to this anon_vma (anon_vma_chain entries in rb_root) */
  readonly vmas: VmArea[] = [];
  /** anon_vma->refcount: get_anon_vma() pins held across migration */
  refcount = 1;
  /** num_children + num_active_vmas, collapsed: freed when no vma and no pin remain */
  constructor(
    readonly id: number,
    public root: AnonVma | null,
    readonly parent: AnonVma | null,
  ) {}
}

/** struct vm_area_struct */
export class VmArea {
  /** the anon_vmas this vma is chained into (anon_vma_chain list), own anon_vma first */
  anonVmaChain: AnonVma[] = [];
  /** vma->anon_vma: where new anon folios of this vma go */
  anonVma: AnonVma | null = null;
  /** mTHP order for anon faults (the per-size sysfs `enabled` plus MADV_HUGEPAGE); 0 = none */
  thpOrder = 0;
  /** vm_file (its inode): a file mapping, listed in the inode's i_mmap; vm_pgoff is a file index */
  vmFile: Inode | null = null;
  /** vm_ops: what the mapping's owner does on a fault (mm/hooks.ts); null for an anonymous vma */
  vmOps: VmOperations | null = null;

  constructor(
    readonly mm: MmStruct,
    public vmStart: number,
    public vmEnd: number,
    public vmFlags: number,
    /** vm_pgoff: for private anon, vm_start >> PAGE_SHIFT at mmap time */
    public vmPgoff: number,
  ) {}

  /** vma_pages() */
  get nrPages(): number {
    return (this.vmEnd - this.vmStart) / 4096;
  }
  /** vma_address(): the address of page offset pgoff in this vma, or -1 outside it */
  address(pgoff: number): number {
    const addr = this.vmStart + (pgoff - this.vmPgoff) * 4096;
    return addr >= this.vmStart && addr < this.vmEnd ? addr : -1;
  }
  /** linear_page_index() */
  linearPageIndex(addr: number): number {
    return (addr - this.vmStart) / 4096 + this.vmPgoff;
  }
}

/** struct mm_struct */
export class MmStruct {
  /** vmas sorted by vm_start (the maple tree, as a sorted array) */
  readonly vmas: VmArea[] = [];
  /** mm->mmap_base for top-down placement */
  mmapBase = 0x7f0000000000;
  /** MM_ANONPAGES rss counter */
  rssAnon = 0;
  /** MM_FILEPAGES rss counter (MM_SHMEMPAGES folded in) */
  rssFile = 0;
  /** processes sharing this mm (1 unless CLONE_VM) */
  users = 1;
  /** the node MPOL_DEFAULT allocates on: numa_node_id() of the owner's CPU */
  homeNid = 0;
  /** the owner's memcg id (get_mem_cgroup_from_mm()): new anon folios are charged to it; 0 = root */
  memcg = 0;

  constructor(
    readonly id: number,
    /** the pgd table id in the page-table arena */
    readonly pgd: number,
  ) {}

  /** find_vma(): the first vma with vm_end > addr */
  findVma(addr: number): VmArea | null {
    const v = this.vmas;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v[mid]!.vmEnd <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo < v.length ? v[lo]! : null;
  }

  /** vma_lookup(): the vma that contains addr, or null */
  vmaLookup(addr: number): VmArea | null {
    const vma = this.findVma(addr);
    return vma && vma.vmStart <= addr ? vma : null;
  }
}

/** The credentials and placement of a task that the syscalls check. */
export interface Cred {
  uid: number;
  /** CAP_SYS_NICE: MPOL_MF_MOVE_ALL and moving to nodes outside the cpuset */
  capSysNice: boolean;
  /** CAP_SYS_PTRACE: ptrace_may_access() across uids */
  capSysPtrace: boolean;
}

/** struct task_struct, reduced: pid, mm, credentials, cpuset mems, home node. */
export class Task {
  constructor(
    readonly pid: number,
    public mm: MmStruct | null,
    public cred: Cred,
    /** cpuset_mems_allowed() */
    public memsAllowed: number[],
    /** numa_node_id() of the CPU the task runs on */
    public nid: number,
  ) {}
}
