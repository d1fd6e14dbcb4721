/** Every conformance case, in report order. */
import type { ConformanceCase } from "../types.js";
import { concurrentAbba, munmapBetweenPhases } from "./concurrency.js";
import { counters, dataAndMetadata, memcgCounters, migrateAgrees, mixedOrders, noAllocation, twiceIdentity } from "./exchange.js";
import { dirty, lockedBuffers, privateFollowsData, truncateBetweenPhases, writeback } from "./fs.js";
import { asyncNoWait, extraPin, isolationFailure, mlocked, rollback, syncWaits } from "./rollback.js";
import { ksmGetFolio, swapEntryFollows } from "./swap-ksm.js";
import { syscallErr } from "./syscall.js";
import {
  batchWaitsForWriteback,
  lockedBuffersSync,
  sameSwapSpace,
  syncWaitsForHolder,
  syncWaitsForOp,
  tlbFlushOnFailure,
  waitersOnMigrationEntry,
} from "./waits.js";

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  dataAndMetadata,
  noAllocation,
  rollback,
  isolationFailure,
  asyncNoWait,
  syncWaits,
  syncWaitsForHolder,
  syncWaitsForOp,
  batchWaitsForWriteback,
  tlbFlushOnFailure,
  waitersOnMigrationEntry,
  mlocked,
  extraPin,
  counters,
  memcgCounters,
  twiceIdentity,
  migrateAgrees,
  concurrentAbba,
  munmapBetweenPhases,
  mixedOrders,
  syscallErr,
  dirty,
  writeback,
  lockedBuffers,
  lockedBuffersSync,
  privateFollowsData,
  truncateBetweenPhases,
  swapEntryFollows,
  sameSwapSpace,
  ksmGetFolio,
];
