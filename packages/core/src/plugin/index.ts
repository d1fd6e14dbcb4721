/**
 * @foliox/core/plugin: the versioned surface a plugin imports (API_VERSION 1). It is what a
 * backend needs and nothing more — the plugin definition, the backend contract and its
 * registration helpers, and the kernel helpers the built-in backends and the examples use to
 * implement address_space_operations and their conformance fixtures — not the ~740 exports of
 * @foliox/core. A plugin that only adds tiering stack parts imports @foliox/tiering/plugin
 * instead. A change to any name here that breaks a plugin raises API_VERSION.
 *
 *   import { definePlugin, registerBackendFactory } from "@foliox/core/plugin";
 *   export default definePlugin({ name: "my-fs", apiVersion: 1,   // a literal: the API it was written for
 *     backends: [(c) => registerBackendFactory(c, () => new MyFsBackend())] });
 *
 * docs/adding-a-filesystem.md walks through a backend plugin, docs/composing-a-stack.md
 * through a stack plugin.
 */

// --- the plugin definition and its version
export {
  API_VERSION,
  definePlugin,
  isFolioxPlugin,
  checkPluginApiVersion,
  pluginDefinitionProblems,
  namedRegistration,
  PluginError,
  FOLIOX_PLUGIN,
  STACK_PART_KINDS,
  type PluginDefinition,
  type FolioxPlugin,
  type PartFactory,
  type StackPartFactories,
  type StackPartKind,
} from "./define.js";

// --- the backend contract (backend/contract.ts) and how a backend joins a system
export {
  BACKENDS,
  KERNEL,
  registerBackend,
  registerBackendFactory,
  registerBackendState,
  createSystem,
  type Backend,
  type BackendRegistration,
  type CapabilityManifest,
  type MigrateCallback,
  type FolioKind,
  type ExchangePrepareState,
  type ConformanceFixture,
  type FixtureFolio,
  type FixtureFolioOptions,
  type FixtureState,
  type SystemOptions,
  type Kernel,
} from "../index.js";

// --- errnos, BUG(), and the folio's flags (include/linux/page-flags.h)
export * from "../kernel/errno.js";
export * from "../mm/page-flags.js";
export { KernelBug, vmBugOn } from "../index.js";

// --- migration modes and the generic migrate_folio callbacks a backend delegates to
export {
  MIGRATE_ASYNC,
  MIGRATE_SYNC_LIGHT,
  MIGRATE_SYNC,
  MIGRATEPAGE_SUCCESS,
  EXCHANGE_WOULD_BLOCK,
  migrateFolio,
  filemapMigrateFolio,
  type MigrateMode,
} from "../index.js";

// --- folio references, ->mapping and ->private
export {
  PAGE_SIZE,
  HPAGE_PMD_ORDER,
  PAGE_MAPPING_ANON,
  PAGE_MAPPING_KSM,
  PAGE_MAPPING_FLAGS,
  folioGet,
  folioPut,
  folioExpectedRefs,
  folioAttachPrivate,
  folioDetachPrivate,
  folioAddressSpace,
} from "../index.js";

// --- the page cache and writeback (mm/filemap.c, mm/page-writeback.c, mm/truncate.c)
export {
  mountFs,
  createInode,
  filemapAddFolio,
  filemapLookup,
  filemapRead,
  filemapWrite,
  filemapWriteAndWait,
  filemapDirtyFolio,
  filemapReleaseFolio,
  mpageReadFolio,
  blockWriteFullFolio,
  writeCachePages,
  writeout,
  folioMarkDirty,
  folioCancelDirty,
  folioStartWriteback,
  folioWaitWriteback,
  completeWriteback,
  truncateSetsize,
  WB_SYNC_NONE,
  type AddressSpace,
  type Inode,
  type SuperBlock,
  type MountOptions,
} from "../index.js";

// --- processes, mappings and faults: what a conformance fixture builds its folios with
export {
  createProcess,
  doMmap,
  doMmapFile,
  MAP_SHARED,
  accessVirtual,
  handleMmFault,
  ACCESS_OK,
  FAULT_FLAG_WRITE,
  folioWalkStart,
  fixtureFail,
  fixtureOrders,
  fixtureCheckRequest,
  fixtureFaultIn,
  fixtureFolioAt,
  fixtureMount,
  makeFileFolio,
  fileFixture,
  fixtureInode,
  fixtureTruncate,
  fixtureEndWriteback,
  FIXTURE_MOUNT_OPTIONS,
  type MmStruct,
  type VmArea,
  type AnonVma,
  type Task,
  type FileFixtureOptions,
  type FileFolioSetup,
} from "../index.js";

// --- allocation flags (gfp_types.h)
export { GFP_KERNEL, GFP_TRANSHUGE_LIGHT, GFP_HIGHUSER_MOVABLE, __GFP_NORETRY, __GFP_NOWARN, __GFP_ZERO, __GFP_THISNODE } from "../index.js";
