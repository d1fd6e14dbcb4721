/**
 * @foliox/core: a faithful, fast model of Linux folio migration and folio exchange.
 */
import "reflect-metadata";

export * from "./tokens.js";
export * from "./system.js";
export * from "./kernel/errno.js";
export * from "./kernel/bug.js";
export * from "./kernel/trace.js";
export * from "./kernel/prng.js";
export * from "./kernel/kernel.js";
export * from "./kernel/fork.js";
export * from "./mm/page-flags.js";
export * from "./mm/mem-map.js";
export * from "./mm/list.js";
export * from "./mm/gfp.js";
export * from "./mm/topology.js";
export * from "./mm/memory-tiers.js";
export * from "./mm/vmstat.js";
export * from "./mm/page-alloc.js";
export * from "./mm/content.js";
export * from "./mm/pgtable.js";
export * from "./mm/mm-types.js";
export * from "./mm/lru.js";
export * from "./mm/swap.js";
export * from "./mm/rmap.js";
export * from "./mm/memory.js";
export * from "./mm/mmap.js";
export * from "./mm/integrity.js";
export * from "./mm/invariants.js";
export * from "./migrate/migrate-mode.js";
export * from "./backend/contract.js";
export * from "./backend/registry.js";
export * from "./migrate/migrate-folio.js";
export * from "./kernel/fault-inject.js";
export * from "./exchange/exchange-supported.js";
export * from "./exchange/exchange-mapping.js";
export * from "./exchange/exchange-flags.js";
export * from "./exchange/exchange-data.js";
export * from "./exchange/exchange-fs.js";
export * from "./exchange/folio-exchange.js";
export * from "./sim/move-cost.js";
export * from "./migrate/unmap-and-move.js";
export * from "./migrate/migrate-pages.js";
export * from "./migrate/migration-target.js";
export * from "./migrate/split-folio.js";
export * from "./migrate/bimigrate.js";
