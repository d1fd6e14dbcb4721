/**
 * The backend contract: what a memory type or filesystem supplies so that core's two movers can
 * move its folios. Core owns the order of the steps; a backend owns only what its filesystem
 * must do (address_space_operations in the kernel, plus the seed's exchange hooks).
 *
 * Register a backend into a system's container under BACKENDS (multi-registration):
 *   container.register(BACKENDS, { useValue: myBackend })
 */
import type { Kernel } from "../kernel/kernel.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";
import type { VmArea } from "../mm/mm-types.js";

/** Which kernel callback a backend's migrateFolio is, for manifests and the exchange. */
export type MigrateCallback =
  | "migrate_folio"
  | "buffer_migrate_folio"
  | "buffer_migrate_folio_norefs"
  | "filemap_migrate_folio"
  | "fallback_migrate_folio";

/** The kinds of folio a backend can own. */
export type FolioKind = "anon" | "anon-swapcache" | "ksm" | "file" | "shmem";

/** What a backend can do; the conformance runner reads this, never a hand switch. */
export interface CapabilityManifest {
  /** unique name, e.g. "anon", "ext4-4k" */
  name: string;
  kinds: FolioKind[];
  migrateCallback: MigrateCallback;
  /** folio exchange supported (prepare/exchangePrivate/finish are meaningful) */
  exchange: boolean;
  /** large folios (order > 0) can be created and moved */
  largeFolios: boolean;
  /** has fs-private data (buffer heads, iomap state) attached to folios */
  fsPrivate: boolean;
  /** folios can be dirty and written back */
  writeback: boolean;
  description: string;
}

/** What fs_prepare took, so that fs_finish (and the private swap) can give it back. */
export interface ExchangePrepareState {
  /** the backend locked something (e.g. the buffer ring) that finish must release */
  locked: boolean;
}

export interface Backend {
  readonly manifest: CapabilityManifest;
  /** Does this backend own the folio? (anon: mapping tagged PAGE_MAPPING_ANON) */
  owns(k: Kernel, head: number): boolean;
  /** a_ops->migrate_folio; absent means fallback_migrate_folio */
  migrateFolio?(k: Kernel, dst: number, src: number, mode: MigrateMode): number;
  /** folio_exchange_fs_prepare(): 0, or a negative errno before anything moved */
  prepare?(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): number;
  /**
   * folio_exchange_fs_private(): the private data that was attached to frame `fromHead` is now
   * attached to `toHead` (mem.private and PG_private already moved); re-point whatever refers
   * back to the frame, e.g. every buffer head of the ring.
   */
  exchangePrivate?(k: Kernel, fromHead: number, toHead: number): void;
  /** folio_exchange_fs_finish(): release what prepare took */
  finish?(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): void;
  /** a_ops->writepage */
  writepage?(k: Kernel, head: number): number;
  /** a_ops->release_folio */
  releaseFolio?(k: Kernel, head: number, gfp: number): boolean;
  /** rmap walk for folios not reached through an anon_vma (file: i_mmap; KSM: stable node) */
  rmapWalk?(k: Kernel, head: number, visit: (vma: VmArea, i: number, addr: number) => boolean): boolean;
}
