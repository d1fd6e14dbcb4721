/**
 * Kernel errno values, as in include/uapi/asm-generic/errno-base.h and errno.h.
 * Kernel functions return them negated (`-EAGAIN`); `errnoName(-11)` gives "-EAGAIN".
 */
export const EPERM = 1;
export const ENOENT = 2;
export const ESRCH = 3;
export const EIO = 5;
export const E2BIG = 7;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
export const EEXIST = 17;
export const ENODEV = 19;
export const EINVAL = 22;
export const ENOSYS = 38;
export const EOPNOTSUPP = 95;
export const EHWPOISON = 133;

const NAMES: Record<number, string> = {
  [EPERM]: "EPERM",
  [ENOENT]: "ENOENT",
  [ESRCH]: "ESRCH",
  [EIO]: "EIO",
  [E2BIG]: "E2BIG",
  [EAGAIN]: "EAGAIN",
  [ENOMEM]: "ENOMEM",
  [EACCES]: "EACCES",
  [EFAULT]: "EFAULT",
  [EBUSY]: "EBUSY",
  [EEXIST]: "EEXIST",
  [ENODEV]: "ENODEV",
  [EINVAL]: "EINVAL",
  [ENOSYS]: "ENOSYS",
  [EOPNOTSUPP]: "EOPNOTSUPP",
  [EHWPOISON]: "EHWPOISON",
};

/** "-EAGAIN" for -11, "0" for 0, the number itself for a positive value. */
export function errnoName(rc: number): string {
  if (rc >= 0) return String(rc);
  const name = NAMES[-rc];
  return name === undefined ? String(rc) : `-${name}`;
}

/** Lower-case errno name for counter suffixes: "eagain" for -11. */
export function errnoKey(rc: number): string {
  const name = NAMES[-rc];
  return name === undefined ? `e${-rc}` : name.toLowerCase();
}
