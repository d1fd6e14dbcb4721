// An out-of-tree foliox backend: "anon-thp-only", anonymous memory that comes only in 2 MiB
// (order-9, PTE-mapped) folios — think of a hugepage-only arena an allocator maps for itself.
// docs/adding-a-filesystem.md walks through writing a backend plugin.
//
// Plain ESM, no build step. It imports one small, versioned surface, @foliox/core/plugin (a
// peer dependency: the foliox that loads it provides it), and its default export is
// definePlugin({ name, apiVersion, backends }).
//
// An anonymous folio's ->mapping is its anon_vma, not an address_space with a_ops, so this
// backend claims the anonymous folios of the regions it mapped itself (by their anon_vma) and
// moves them as anonymous memory is moved (migrate_folio, no fs_prepare/private/finish work).
// What it shows is the plugin mechanics: a manifest, registration, a conformance fixture, and
// the matrix against the built-in backends.

import {
  PAGE_MAPPING_ANON,
  PAGE_MAPPING_FLAGS,
  createProcess,
  definePlugin,
  doMmap,
  fixtureCheckRequest,
  fixtureFail,
  fixtureFaultIn,
  fixtureFolioAt,
  migrateFolio,
  registerBackendFactory,
} from "@foliox/core/plugin";

/** @typedef {import("@foliox/core/plugin").Kernel} Kernel */

const THP_ORDER = 9;

/** @type {import("@foliox/core/plugin").CapabilityManifest} */
const MANIFEST = {
  name: "anon-thp-only",
  kinds: ["anon"],
  migrateCallback: "migrate_folio",
  exchange: true,
  largeFolios: true,
  fsPrivate: false,
  writeback: false,
  orders: [THP_ORDER],
  states: [],
  description: "example plugin: anonymous mTHP-only regions (order-9 folios), owned by anon_vma",
};

/** One instance per system (registerBackendFactory): its fields are that system's state. */
class AnonThpOnlyBackend {
  constructor() {
    this.manifest = MANIFEST;
    /** anon_vma ids of the regions this backend mapped */
    this.regions = new Set();
    const backend = this;
    /** @type {import("@foliox/core/plugin").ConformanceFixture} */
    this.conformance = {
      makeFolio(k, nid, order, opts = {}) {
        return backend.makeFolio(k, nid, order, opts);
      },
    };
  }

  /** An anonymous folio of one of our regions: mapping is anon_vma | PAGE_MAPPING_ANON. */
  owns(k, head) {
    const m = k.mem.mapping[head];
    return (m & PAGE_MAPPING_FLAGS) === PAGE_MAPPING_ANON && this.regions.has(m >> 2);
  }

  /** a_ops->migrate_folio: what anonymous folios use. */
  migrateFolio(k, dst, src, mode) {
    return migrateFolio(k, dst, src, mode);
  }

  /** The conformance fixture: map a 2 MiB region and write every page, faulting on `nid`. */
  makeFolio(k, nid, order, opts) {
    fixtureCheckRequest(MANIFEST, order, opts.state);
    const task = opts.task ?? createProcess(k, { nid });
    const mm = task.mm;
    const len = 4096 << order;
    const addr = doMmap(k, mm, len, { thpOrder: order });
    if (addr < 0) fixtureFail(MANIFEST.name, `mmap failed (${addr})`);
    fixtureFaultIn(k, MANIFEST.name, mm, addr, len, nid, true); // MPOL_DEFAULT: as a task running on `nid`
    const head = fixtureFolioAt(k, MANIFEST.name, mm, addr, nid, order);
    this.regions.add(k.mem.mapping[head] >> 2);
    return { head, task, addr, len };
  }
}

/** The registration createSystem() calls with each system's container. */
export function registerAnonThpOnly(container) {
  registerBackendFactory(container, () => new AnonThpOnlyBackend());
}

export default definePlugin({
  name: "anon-thp-only",
  apiVersion: 1, // the plugin API this was written for (not API_VERSION: that is the host's)
  description: "anonymous mTHP-only regions (order-9 folios) as a backend",
  backends: [registerAnonThpOnly],
});
