/**
 * template-fs: a foliox filesystem backend.
 *
 * The data pages of a filesystem whose address_space_operations are the kernel's generic ones:
 * .migrate_folio = filemap_migrate_folio (mm/migrate.c: the folio's ->private, if it has one,
 * moves to the new folio as a whole), and core's generic read, dirty and writeback paths
 * (mpage_read_folio, filemap_dirty_folio, block_write_full_folio), used wherever a Backend hook
 * is absent. It attaches no private data to its folios (manifest.fsPrivate is false).
 *
 * Its conformance fixture is core's file fixture (fileFixture): a one-page file on a mount of
 * this backend, written with write(2) and fsync'd, mapped MAP_SHARED and faulted in on the node
 * the case asks for; dirty and writeback states; truncate. test/conformance.test.ts runs the
 * conformance suite against it.
 *
 * To make it your filesystem, add the hooks it implements (readFolio, dirtyFolio, writepage,
 * releaseFolio, invalidateFolio, fillSuper; prepare, exchangePrivate and finish for the
 * exchange), say in the manifest what it can do, and give the fixture the states only it can
 * make: README.md lists the steps.
 */
import {
  definePlugin,
  fileFixture,
  filemapMigrateFolio,
  folioAddressSpace,
  registerBackend,
  type Backend,
  type BackendRegistration,
  type CapabilityManifest,
  type Kernel,
  type MigrateMode,
} from "@foliox/core/plugin";

/** What the backend can do: the conformance suite reads it to decide which cases apply. */
export const TEMPLATE_FS_MANIFEST: CapabilityManifest = {
  name: "template-fs",
  kinds: ["file"],
  migrateCallback: "filemap_migrate_folio",
  exchange: true,
  largeFolios: false,
  fsPrivate: false,
  writeback: true,
  orders: [0],
  states: ["dirty", "writeback"],
  description: "template-fs: filemap_migrate_folio and core's generic page-cache paths, no private data",
};

/** One instance per system (the system's container constructs it); its fields are that system's state. */
export class TemplateFsBackend implements Backend {
  readonly manifest = TEMPLATE_FS_MANIFEST;
  /** how the conformance suite makes this backend's folios */
  readonly conformance = fileFixture(this);

  /** folio_mapping(folio)->a_ops is ours: the page-cache folios of the files mounted from this backend */
  owns(k: Kernel, head: number): boolean {
    return folioAddressSpace(k, head)?.aOps === this;
  }

  /** a_ops->migrate_folio = filemap_migrate_folio */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return filemapMigrateFolio(k, dst, src, mode);
  }
}

/** Adds the backend to one system: createSystem({ backends: [registerTemplateFs] }). */
export const registerTemplateFs: BackendRegistration = (c) => registerBackend(c, TemplateFsBackend);

/** What `foliox --plugin <this package>` loads. */
export default definePlugin({
  name: "@foliox-template/template-fs",
  apiVersion: 1, // the plugin API this package was written for (a host refuses another major version)
  description: TEMPLATE_FS_MANIFEST.description,
  backends: [registerTemplateFs],
});
