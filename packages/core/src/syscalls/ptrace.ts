/**
 * The permission checks the memory-moving syscalls make on the caller (`current`) and the
 * target task: find_task_by_vpid() (kernel/pid.c), capable() (kernel/capability.c) and
 * ptrace_may_access(PTRACE_MODE_READ_REALCREDS) (kernel/ptrace.c, __ptrace_may_access),
 * reduced to what Task.cred holds.
 *
 * Left out: user namespaces, dumpability (every task is dumpable), the LSM hooks
 * (security_ptrace_access_check, security_task_movememory: they allow everything here).
 */
import type { Kernel } from "../kernel/kernel.js";
import type { Task } from "../mm/mm-types.js";

/** Which capability capable() is asked about. */
export type Capability = "CAP_SYS_NICE" | "CAP_SYS_PTRACE";

/** capable(cap) for `current`. */
export function capable(current: Task, cap: Capability): boolean {
  return cap === "CAP_SYS_NICE" ? current.cred.capSysNice : current.cred.capSysPtrace;
}

/** find_task_by_vpid(): the live task with that pid, or null. */
export function findTaskByVpid(k: Kernel, pid: number): Task | null {
  return k.tasks.get(pid) ?? null;
}

/**
 * ptrace_may_access(task, PTRACE_MODE_READ_REALCREDS): a task may always inspect its own
 * thread group; otherwise the real uid must match the target's, or `current` must have
 * CAP_SYS_PTRACE (ptrace_has_cap).
 */
export function ptraceMayAccess(current: Task, task: Task): boolean {
  if (current === task || current.pid === task.pid) return true;
  if (current.mm !== null && current.mm === task.mm) return true;
  if (current.cred.uid === task.cred.uid) return true;
  return capable(current, "CAP_SYS_PTRACE");
}
