/**
 * @foliox/fs-ext4: ext4 as a foliox backend — buffer heads (a ring per folio, 1 KiB to 4 KiB
 * blocks), buffer_migrate_folio / buffer_migrate_folio_norefs with the per-CPU bh LRU,
 * delayed allocation, and the exchange hooks. `registerExt4(container, opts?)` adds the ext4
 * flavours to one system's container: one Ext4Backend per flavour, all sharing the system's
 * buffer-head table and bh LRUs.
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { registerBackendFactory, registerBackendState } from "@foliox/core";
import { BhLru } from "./bh-lru.js";
import { BufferHeads } from "./buffer-head.js";
import { EXT4_BH_LRU, EXT4_BUFFER_HEADS } from "./tokens.js";
import { EXT4_FLAVOURS, Ext4Backend, type Ext4FlavourName } from "./ext4-backend.js";

export * from "./buffer-head.js";
export * from "./bh-lru.js";
export * from "./buffer-migrate.js";
export * from "./ext4-super.js";
export * from "./ext4-aops.js";
export * from "./ext4-backend.js";
export * from "./tokens.js";
export { ext4FixtureFor } from "./fixture.js";

export interface RegisterExt4Options {
  /** which flavours to register (default all: ext4-4k, ext4-1k, ext4-journal) */
  flavours?: readonly Ext4FlavourName[];
}

export function registerExt4(container: DependencyContainer, opts: RegisterExt4Options = {}): void {
  const names = opts.flavours ?? (Object.keys(EXT4_FLAVOURS) as Ext4FlavourName[]);
  registerBackendState(container, EXT4_BUFFER_HEADS, BufferHeads);
  registerBackendState(container, EXT4_BH_LRU, BhLru);
  for (const n of names) {
    const f = EXT4_FLAVOURS[n];
    if (!f) throw new RangeError(`registerExt4: unknown flavour "${n}"; known: ${Object.keys(EXT4_FLAVOURS).join(", ")}`);
    registerBackendFactory(container, (c) => new Ext4Backend(f, c.resolve(EXT4_BUFFER_HEADS), c.resolve(EXT4_BH_LRU)));
  }
}
