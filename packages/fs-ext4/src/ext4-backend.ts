/**
 * The ext4 backend: one instance per aops flavour and block size (ext4_da_aops with 4 KiB or
 * 1 KiB blocks, ext4_journalled_aops), each owning the page-cache folios of the filesystems
 * mounted from it. Migration is buffer_migrate_folio (or _norefs for data=journal); the
 * exchange hooks are the seed's buffer_migrate_folio branch of folio_exchange_fs_prepare(),
 * exchange_fs_private() and fs_finish() (docs/kernel-facts.md#seed-exchange-move), without its
 * defect (docs/decisions.md#seed-defect-5).
 */
import {
  EAGAIN,
  EXCHANGE_WOULD_BLOCK,
  MIGRATE_SYNC,
  folioAddressSpace,
  folioExpectedRefs,
  type Backend,
  type CapabilityManifest,
  type ExchangePrepareState,
  type Kernel,
  type MigrateMode,
  type SuperBlock,
} from "@foliox/core";
import {
  LOCKED,
  LOCK_FAILED,
  bufferCheckRefs,
  bufferMigrateFolio,
  bufferMigrateFolioNorefs,
  bufferMigrateLockBuffers,
  bufferUnlockRing,
  ringSetFolio,
} from "./buffer-migrate.js";
import type { BhLru } from "./bh-lru.js";
import { folioBuffers, type BufferHeads } from "./buffer-head.js";
import { ext4DirtyFolio, ext4InvalidateFolio, ext4ReadFolio, ext4ReleaseFolio, ext4Writepage } from "./ext4-aops.js";
import { Ext4SbInfo, type Ext4MountOptions } from "./ext4-super.js";
import { ext4FixtureFor } from "./fixture.js";

export interface Ext4Flavour extends Required<Ext4MountOptions> {
  name: string;
  description: string;
}

export const EXT4_FLAVOURS: Record<"ext4-4k" | "ext4-1k" | "ext4-journal", Ext4Flavour> = {
  "ext4-4k": {
    name: "ext4-4k",
    blocksize: 4096,
    delalloc: true,
    dataJournal: false,
    description: "ext4, 4 KiB blocks, delalloc (ext4_da_aops): one buffer head per page",
  },
  "ext4-1k": {
    name: "ext4-1k",
    blocksize: 1024,
    delalloc: true,
    dataJournal: false,
    description: "ext4, 1 KiB blocks, delalloc (ext4_da_aops): a ring of four buffer heads per page",
  },
  "ext4-journal": {
    name: "ext4-journal",
    blocksize: 1024,
    delalloc: false,
    dataJournal: true,
    description: "ext4 data=journal, 1 KiB blocks (ext4_journalled_aops): buffer_migrate_folio_norefs, the per-CPU bh LRU",
  },
};

export type Ext4FlavourName = keyof typeof EXT4_FLAVOURS;

export function ext4Manifest(f: Ext4Flavour): CapabilityManifest {
  return {
    name: f.name,
    kinds: ["file"],
    migrateCallback: f.dataJournal ? "buffer_migrate_folio_norefs" : "buffer_migrate_folio",
    exchange: true,
    largeFolios: false,
    fsPrivate: true,
    writeback: true,
    orders: [0],
    states: ["dirty", "writeback", "buffers-locked"],
    description: f.description,
  };
}

export class Ext4Backend implements Backend {
  readonly manifest: CapabilityManifest;
  /** the conformance suite's way to make ext4 folios (fixture.ts) */
  readonly conformance = ext4FixtureFor(this);

  /**
   * One instance per flavour per system (registerExt4). The system's buffer-head table and bh
   * LRUs are shared by its flavours: registerExt4 passes the same ones to each.
   */
  constructor(
    readonly flavour: Ext4Flavour,
    readonly bufferHeads: BufferHeads,
    readonly bhLru: BhLru,
  ) {
    this.manifest = ext4Manifest(flavour);
  }

  /** folio_mapping(folio)->a_ops is ours */
  owns(k: Kernel, head: number): boolean {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  /** ext4_fill_super(): the flavour's options, overridden by the mount's */
  fillSuper(_k: Kernel, sb: SuperBlock): void {
    const o = sb.options as Ext4MountOptions;
    sb.fsInfo = new Ext4SbInfo({
      blocksize: o.blocksize ?? this.flavour.blocksize,
      delalloc: o.delalloc ?? this.flavour.delalloc,
      dataJournal: o.dataJournal ?? this.flavour.dataJournal,
    });
  }

  /** a_ops->migrate_folio */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return this.flavour.dataJournal ? bufferMigrateFolioNorefs(k, dst, src, mode) : bufferMigrateFolio(k, dst, src, mode);
  }

  /**
   * folio_exchange_fs_prepare(), buffer_migrate_folio branch: with buffers, the refcount must be
   * folio_expected_refs() (-EAGAIN), then every buffer of the ring is locked as the mode allows:
   * ASYNC trylocks (-EAGAIN), SYNC would sleep (EXCHANGE_WOULD_BLOCK: the phase is retried,
   * nothing held). data=journal (the _norefs callback) also needs every b_count at 0, after one
   * invalidate_bh_lrus(). Records state.locked.
   */
  prepare(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): number {
    const ring = folioBuffers(k, head);
    if (!ring) return 0;
    const mem = k.mem;
    if (mem.refcount[head] !== folioExpectedRefs(k, mem.folioHasMapping(head), head)) return -EAGAIN;
    const t = this.bufferHeads;
    const rc = bufferMigrateLockBuffers(k, t, ring, mode, true);
    if (rc !== LOCKED) return rc === LOCK_FAILED || mode !== MIGRATE_SYNC ? -EAGAIN : EXCHANGE_WOULD_BLOCK;
    if (this.flavour.dataJournal) {
      const busy = bufferCheckRefs(k, t, ring);
      if (busy) {
        bufferUnlockRing(k, t, ring);
        return busy;
      }
    }
    state.locked = true;
    return 0;
  }

  /**
   * folio_exchange_fs_private(): the ring that was on `fromHead` is now ->private of `toHead`;
   * folio_set_bh(bh, to, bh_offset(bh)) for every buffer of the ring, not just the head
   * (docs/decisions.md#seed-defect-5).
   */
  exchangePrivate(k: Kernel, _fromHead: number, toHead: number): void {
    const ring = folioBuffers(k, toHead);
    if (!ring) return;
    const t = this.bufferHeads;
    ringSetFolio(t, ring, toHead);
  }

  /** folio_exchange_fs_finish(): unlock the buffers prepare locked (now on `head`). */
  finish(k: Kernel, head: number, _mode: MigrateMode, state: ExchangePrepareState): void {
    const ring = folioBuffers(k, head);
    if (state.locked && ring) bufferUnlockRing(k, this.bufferHeads, ring);
    state.locked = false;
  }

  dirtyFolio(k: Kernel, head: number): boolean {
    return ext4DirtyFolio(k, head);
  }

  writepage(k: Kernel, head: number): number {
    return ext4Writepage(k, head);
  }

  readFolio(k: Kernel, head: number): number {
    return ext4ReadFolio(k, head);
  }

  invalidateFolio(k: Kernel, head: number, offset: number, length: number): void {
    ext4InvalidateFolio(k, head, offset, length);
  }

  releaseFolio(k: Kernel, head: number, _gfp: number): boolean {
    return ext4ReleaseFolio(k, head);
  }
}
