/**
 * User memory as the syscalls see it: get_user(), put_user(), copy_from_user() and
 * copy_to_user() (include/linux/uaccess.h), over plain JS arrays that stand for user buffers.
 *
 * - A buffer is `null` (a NULL or unmapped pointer) or an array; its length is the size of the
 *   user mapping behind the pointer. Reading or writing element i >= length faults (-EFAULT),
 *   exactly like touching the page after the end of a user buffer.
 * - Pointer arrays (`pages`, `src`, `dst`) hold addresses (`void __user *`): any number reads
 *   fine; an address that is not a non-negative integer simply maps nothing (vma_lookup fails).
 * - `int` arrays (`nodes`) must hold int32 values; an element that is not one (a hole in a
 *   sparse array, a fraction, a string) cannot be an int in user memory and faults.
 * - Output arrays (`status`, `err`) are really written: Int32Array or number[].
 * - Counts are `unsigned long`: a negative count is reinterpreted modulo 2^64, as the kernel
 *   would see it, so the syscall reads past the end of the arrays and faults there.
 */

/** A user array of pointers (`const void __user * __user *`). */
export type UserPtrArray = readonly number[] | null;
/** A user array of `int` read by the syscall (`const int __user *`). */
export type UserIntArray = readonly number[] | Int32Array | null;
/** A user array of `int` written by the syscall (`int __user *`). */
export type UserIntOut = number[] | Int32Array | null;
/** A user bitmap of `unsigned long` words (`const unsigned long __user *`), 64 bits each. */
export type UserUlongArray = readonly bigint[] | BigUint64Array | null;

/** get_user() of a pointer: the address, or undefined for a fault. */
export function getUserPtr(arr: UserPtrArray, i: number): number | undefined {
  if (arr === null || i >= arr.length) return undefined;
  const v = arr[i];
  return typeof v === "number" && !Number.isNaN(v) ? v : undefined;
}

/** get_user() of an int: the value, or undefined for a fault (see the file comment). */
export function getUserInt(arr: UserIntArray, i: number): number | undefined {
  if (arr === null || i >= arr.length) return undefined;
  const v = arr[i];
  return typeof v === "number" && Number.isInteger(v) && (v | 0) === v ? v : undefined;
}

/** put_user() of an int: false for a fault. */
export function putUserInt(arr: UserIntOut, i: number, value: number): boolean {
  if (arr === null || i >= arr.length) return false;
  arr[i] = value;
  return true;
}

/** copy_from_user() of n unsigned long words starting at word `from`: null for a fault. */
export function copyUlongsFromUser(arr: UserUlongArray, from: number, n: number): bigint[] | null {
  if (arr === null || from + n > arr.length) return null;
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    const v = arr[from + i];
    if (typeof v !== "bigint") return null;
    out.push(BigInt.asUintN(64, v));
  }
  return out;
}

/**
 * An `unsigned long` count as the kernel receives it: a non-negative integer as is, a negative
 * one modulo 2^64 (as a bigint, exact). Returns null for a value no C caller could pass.
 */
export function toUlong(n: number): bigint | null {
  if (!Number.isSafeInteger(n)) return null;
  return BigInt.asUintN(64, BigInt(n));
}

/** The C conversion of a long result to `int` (the syscalls return int). */
export function toInt(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** An unsigned long count as a loop bound (a count past 2^53 is never reached: a fault ends the loop first). */
export function ulongBound(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
