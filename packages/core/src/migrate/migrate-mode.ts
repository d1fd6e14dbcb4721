/**
 * enum migrate_mode (include/linux/migrate_mode.h, v6.12: MIGRATE_SYNC_NO_COPY is gone) and
 * enum migrate_reason, with the names the kernel's tracepoints print.
 */
export const MIGRATE_ASYNC = 0;
export const MIGRATE_SYNC_LIGHT = 1;
export const MIGRATE_SYNC = 2;
export type MigrateMode = typeof MIGRATE_ASYNC | typeof MIGRATE_SYNC_LIGHT | typeof MIGRATE_SYNC;
export const MIGRATE_MODE_NAMES = ["MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT", "MIGRATE_SYNC"] as const;

export const MR_COMPACTION = 0;
export const MR_MEMORY_FAILURE = 1;
export const MR_MEMORY_HOTPLUG = 2;
export const MR_SYSCALL = 3;
export const MR_MEMPOLICY_MBIND = 4;
export const MR_NUMA_MISPLACED = 5;
export const MR_CONTIG_RANGE = 6;
export const MR_LONGTERM_PIN = 7;
export const MR_DEMOTION = 8;
export const MR_DAMON = 9;
export const MR_TYPES = 10;
export const MIGRATE_REASON_NAMES = [
  "MR_COMPACTION",
  "MR_MEMORY_FAILURE",
  "MR_MEMORY_HOTPLUG",
  "MR_SYSCALL",
  "MR_MEMPOLICY_MBIND",
  "MR_NUMA_MISPLACED",
  "MR_CONTIG_RANGE",
  "MR_LONGTERM_PIN",
  "MR_DEMOTION",
  "MR_DAMON",
] as const;

/** migrate_folio_unmap() result meaning "unmapped, ready to move" (v6.12) */
export const MIGRATEPAGE_SUCCESS = 0;
export const MIGRATEPAGE_UNMAP = 1;

export function migrateModeName(mode: number): string {
  return MIGRATE_MODE_NAMES[mode] ?? `MIGRATE_MODE(${mode})`;
}
export function migrateReasonName(reason: number): string {
  return MIGRATE_REASON_NAMES[reason] ?? `MR(${reason})`;
}
