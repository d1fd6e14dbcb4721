/**
 * The anonymous-memory backend. Anonymous folios have no address_space (folio_mapping() is
 * NULL): the kernel moves them with migrate_folio() and the seed's exchange does nothing for
 * them in fs_prepare, fs_private and fs_finish. What makes them movable is core's anon_vma rmap;
 * this backend claims them, declares what they can do, and supplies migrate_folio.
 */
import { PAGE_MAPPING_ANON, PAGE_MAPPING_FLAGS, migrateFolio, type Backend, type CapabilityManifest, type Kernel, type MigrateMode } from "@foliox/core";
import { anonFixture } from "./fixture.js";

export const ANON_MANIFEST: CapabilityManifest = {
  name: "anon",
  kinds: ["anon"],
  migrateCallback: "migrate_folio",
  exchange: true,
  largeFolios: true,
  fsPrivate: false,
  writeback: false,
  orders: [0, 9],
  states: ["lazyfree"],
  description: "private anonymous memory: anon_vma rmap, PG_anon_exclusive, mTHP (PTE-mapped) folios",
};

export class AnonBackend implements Backend {
  readonly manifest = ANON_MANIFEST;
  /** the conformance suite's way to make anonymous folios (fixture.ts) */
  readonly conformance = anonFixture;

  /** folio_test_anon() && !folio_test_ksm() */
  owns(k: Kernel, head: number): boolean {
    return (k.mem.mapping[head]! & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_ANON;
  }

  /** migrate_folio(NULL, dst, src, mode) */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return migrateFolio(k, dst, src, mode);
  }
}
