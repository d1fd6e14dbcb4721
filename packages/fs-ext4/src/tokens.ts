/**
 * DI tokens of @foliox/fs-ext4: the per-system state every ext4 flavour of one system shares.
 * registerExt4() registers each once per system container (registerBackendState) and injects
 * them into every Ext4Backend it registers.
 */
import type { InjectionToken } from "tsyringe";
import type { BhLru } from "./bh-lru.js";
import type { BufferHeads } from "./buffer-head.js";

/** the buffer_head slab of one system (buffer-head.ts) */
export const EXT4_BUFFER_HEADS = Symbol.for("@foliox/fs-ext4:BufferHeads") as InjectionToken<BufferHeads>;
/** the per-CPU bh LRUs of one system (bh-lru.ts) */
export const EXT4_BH_LRU = Symbol.for("@foliox/fs-ext4:BhLru") as InjectionToken<BhLru>;
