/**
 * find_mm_struct() (mm/migrate.c): the mm and cpuset mems of the task a move_pages(2) (and
 * the seed's exchange_folios) call targets.
 *
 * - pid 0 is `current`: no permission check, current's own mems.
 * - pid not found → -ESRCH.
 * - ptrace_may_access(PTRACE_MODE_READ_REALCREDS) fails → -EPERM.
 * - security_task_movememory() allows everything in the model.
 * - a task without an mm (a kernel thread, or one that has exited its mm) → -EINVAL.
 */
import { EINVAL, EPERM, ESRCH } from "../kernel/errno.js";
import type { Kernel } from "../kernel/kernel.js";
import type { MmStruct, Task } from "../mm/mm-types.js";
import { cpusetMemsAllowed, type Nodemask } from "./mempolicy-uapi.js";
import { findTaskByVpid, ptraceMayAccess } from "./ptrace.js";

export interface FoundMm {
  mm: MmStruct;
  /** the target task */
  task: Task;
  /** cpuset_mems_allowed(task) */
  memNodes: Nodemask;
}

/** find_mm_struct(): the target's mm and mems, or a negative errno. */
export function findMmStruct(k: Kernel, current: Task, pid: number): FoundMm | number {
  if (pid === 0) {
    if (!current.mm) return -EINVAL;
    return { mm: current.mm, task: current, memNodes: cpusetMemsAllowed(current.memsAllowed) };
  }
  const task = Number.isInteger(pid) && pid > 0 ? findTaskByVpid(k, pid) : null;
  if (!task) return -ESRCH;
  if (!ptraceMayAccess(current, task)) return -EPERM;
  const memNodes = cpusetMemsAllowed(task.memsAllowed);
  // get_task_mm()
  if (!task.mm) return -EINVAL;
  return { mm: task.mm, task, memNodes };
}
