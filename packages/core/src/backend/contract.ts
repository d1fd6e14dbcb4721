/**
 * The backend contract: what a memory type or filesystem supplies so that core's two movers can
 * move its folios. Core owns the order of the steps; a backend owns only what its filesystem
 * must do (address_space_operations in the kernel, plus the seed's exchange hooks).
 *
 * A backend is a class; one instance per system holds that system's backend state (KSM's
 * stable tree, ext4's buffer heads, a fixture's mounts) in its own fields, never in a module-level
 * map keyed by Kernel. Every hook gets the Kernel as its first argument. A package exports a
 * registration function, a `BackendRegistration`, that puts its backends into one system's
 * container; createSystem({ backends: [registerAnon, registerExt4] }) calls each with the
 * system's container before the Kernel is built:
 *
 *   export function registerMyFs(c: DependencyContainer): void {
 *     registerBackend(c, MyFsBackend);                       // constructed by the container
 *   }
 *   export function registerMyFsFlavours(c: DependencyContainer): void {
 *     for (const f of FLAVOURS) registerBackendFactory(c, () => new MyFsBackend(f)); // options
 *   }
 *
 * registerBackend() takes a class whose constructor parameters are all `@inject(TOKEN)`ed (or
 * none); registerBackendFactory() takes a function, for a backend built with options. Either way
 * the container makes the instance once per system, on the first resolve. State that several
 * backends of one package share (ext4's flavours share one buffer-head table) is a class of its
 * own registered with registerBackendState() under the package's token and injected into each.
 * A constructor must not need core's subsystems (the Kernel comes with every call): the
 * conformance runner and the CLI build backends in an empty container to read their manifests.
 * A stateless backend may still be a plain object: c.register(BACKENDS, { useValue: backend }).
 */
import { instanceCachingFactory, Lifecycle, type DependencyContainer, type InjectionToken } from "tsyringe";
import { BACKENDS } from "../tokens.js";
import type { Kernel } from "../kernel/kernel.js";
import type { WaitOwner } from "../kernel/wait.js";
import type { MigrateMode } from "../migrate/migrate-mode.js";
import type { MmStruct, VmArea } from "../mm/mm-types.js";
import type { SuperBlock } from "../fs/inode.js";
import type { AddressSpace } from "../fs/address-space.js";
import type { ConformanceFixture, FixtureState } from "./fixture.js";

/** What a backend package exports: it registers its backends into one system's container. */
export type BackendRegistration = (container: DependencyContainer) => void;

/**
 * Register a backend class under BACKENDS: the system's container constructs it once (its
 * constructor parameters injected by their @inject tokens). Lifecycle.Singleton in the system's
 * own container means one instance per system, also when resolved from a child container.
 */
export function registerBackend(c: DependencyContainer, cls: new (...args: never[]) => Backend): void {
  c.register(BACKENDS, { useClass: cls as never }, { lifecycle: Lifecycle.Singleton });
}

/** Register a backend built by `make` (called once per system, on the first resolve). */
export function registerBackendFactory(c: DependencyContainer, make: (c: DependencyContainer) => Backend): void {
  c.register(BACKENDS, { useFactory: instanceCachingFactory(make) });
}

/**
 * Register per-system state that several backends of one package share, under the package's own
 * token (Symbol.for("@foliox/<package>:…")); a backend gets it with @inject(token) or
 * c.resolve(token) in its factory. Registered once: a second call in the same container is a no-op.
 */
export function registerBackendState<T>(c: DependencyContainer, token: InjectionToken<T>, cls: new (...args: never[]) => T): void {
  if (c.isRegistered(token)) return;
  c.register(token, { useClass: cls as never }, { lifecycle: Lifecycle.Singleton });
}

/** Which kernel callback a backend's migrateFolio is, for manifests and the exchange. */
export type MigrateCallback = "migrate_folio" | "buffer_migrate_folio" | "buffer_migrate_folio_norefs" | "filemap_migrate_folio" | "fallback_migrate_folio";

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
  /**
   * folio orders the conformance fixture can make; default [0], plus 9 when largeFolios.
   * A pair of backends runs the conformance cases at the orders both support.
   */
  orders?: number[];
  /** folio states, beyond mapped and clean, that the conformance fixture can make */
  states?: FixtureState[];
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
   * back to the frame: every buffer head of the ring, not just the head
   * (docs/decisions.md#seed-defect-5).
   */
  exchangePrivate?(k: Kernel, fromHead: number, toHead: number): void;
  /** folio_exchange_fs_finish(): release what prepare took */
  finish?(k: Kernel, head: number, mode: MigrateMode, state: ExchangePrepareState): void;
  /**
   * a_ops->writepage: the folio is locked and folio_clear_dirty_for_io() has run; start
   * writeback (folio_start_writeback), submit the I/O and unlock. Core's
   * blockWriteFullFolio() is the generic one. Absent: writeback uses blockWriteFullFolio().
   */
  writepage?(k: Kernel, head: number): number;
  /** a_ops->release_folio */
  releaseFolio?(k: Kernel, head: number, gfp: number): boolean;
  /**
   * a_ops->read_folio: fill the locked, !uptodate page-cache folio from the backing store, mark
   * it uptodate and unlock it. Absent: core's mpage_read_folio() (fs/file-io.ts).
   */
  readFolio?(k: Kernel, head: number): number;
  /**
   * The allocation of a page-cache miss that the filesystem makes itself (shmem_get_folio() with a
   * huge order, for tmpfs huge=always): add a folio covering `index` to the cache and return its
   * head, or -1 to let readahead allocate order-0 folios. Reads, writes and faults all pass here.
   */
  allocFolioOnMiss?(k: Kernel, as: AddressSpace, index: number, nid: number): number;
  /** a_ops->dirty_folio; absent: filemap_dirty_folio(). True if the folio was newly dirtied. */
  dirtyFolio?(k: Kernel, head: number): boolean;
  /** a_ops->invalidate_folio (truncate): drop fs-private data for [offset, offset + length) */
  invalidateFolio?(k: Kernel, head: number, offset: number, length: number): void;
  /** vm_ops->page_mkwrite: a shared mapping is about to make the folio writable; 0 or errno */
  pageMkwrite?(k: Kernel, head: number): number;
  /**
   * file_system_type->fill_super (mount): set up the backend's per-mount state in sb.fsInfo.
   * A backend with this hook can be mounted with mountFs().
   */
  fillSuper?(k: Kernel, sb: SuperBlock): void;
  /** Builds folios of this backend in a test system, for the conformance suite (conformance/). */
  readonly conformance?: ConformanceFixture;
  /** rmap walk for folios not reached through an anon_vma or i_mmap (KSM: stable node) */
  rmapWalk?(k: Kernel, head: number, visit: (vma: VmArea, i: number, addr: number) => boolean): boolean;
  /**
   * A PTE of this folio that rmapWalk() does not reach, legitimately (KSM, as in the kernel: ksmd
   * dropped its rmap item while the page was unmapped for migration, until its next scan; or a
   * fork parent's PTE of a COW-shared page its child's scan merged). checkInvariants() accepts it.
   */
  rmapPending?(k: Kernel, head: number, vma: VmArea, addr: number): boolean;
  /** dup_mmap()'s ksm_fork() (kernel/fork.c): the child mm joins what the parent's is registered with. */
  forkMm?(k: Kernel, oldMm: MmStruct, mm: MmStruct): void;

  /*
   * KSM seams (@foliox/anon's ksm/*). A KSM folio's identity lives outside struct folio: its
   * mapping names a stable node, and the stable node names the frame back (kpfn). Core calls
   * these only for folios the backend owns and never needs to know what a stable node is.
   */
  /**
   * folio_migrate_ksm(newfolio, folio) (mm/ksm.c), called by folio_migrate_flags() for a KSM
   * src, where the kernel calls it: dst and src are locked and dst->mapping == src->mapping.
   */
  migrateKsm?(k: Kernel, dst: number, src: number): void;
  /**
   * Exchange, after both folios passed folio_exchange_supported() and before the unmap, once per
   * distinct backend of the pair that defines it: take what the exchange needs to hold (KSM↔KSM:
   * ksm_thread_mutex) and refuse pairs the backend cannot exchange. 0; EXCHANGE_WOULD_BLOCK
   * (`mayBlock`: SYNC, not batched) to be retried; or a negative errno (nothing held). Called
   * before the folio locks are taken (a backend lock orders before folio locks, as ksmd takes
   * ksm_thread_mutex before them); `owner` is the exchange, the holder for lockdep and waits.
   */
  exchangeBegin?(k: Kernel, oldHead: number, newHead: number, mayBlock: boolean, owner: WaitOwner): number;
  /**
   * The lock class (kernel/lockdep.ts LOCK_*) an EXCHANGE_WOULD_BLOCK from exchangeBegin() waits
   * on; its holder is k.waits.classOwner[class], which the wait model runs forward.
   */
  exchangeBlockingLock?(k: Kernel): number;
  /** Exchange, at unlock: release what exchangeBegin() took (called only after it returned 0). */
  exchangeEnd?(k: Kernel, oldHead: number, newHead: number, owner: WaitOwner): void;
  /**
   * folio_exchange_mapping(), the mapping half, for a pair in which this backend owns a folio
   * whose mapping is pointed back at (KSM: stable_node->kpfn): swap folio->mapping between the
   * frames in the order the back pointer needs and re-point it, and return true; false lets
   * core swap the two mappings itself. Index, PG_swapbacked and PG_dirty are core's. Cannot fail.
   */
  exchangeMapping?(k: Kernel, oldHead: number, newHead: number): boolean;
  /**
   * Exchange: may core freeze this folio's refcount (folio_ref_freeze)? Default yes. KSM: never
   * for a KSM folio outside the swap cache, or ksm_get_folio() would take it for freed.
   */
  exchangeMayFreeze?(k: Kernel, head: number): boolean;
  /** checkInvariants(): the backend's own state (KSM: stable nodes, rmap items, counters) */
  checkInvariants?(k: Kernel, quiescent: boolean, out: string[]): void;
}
