// An out-of-tree foliox backend: "anon-thp-only", anonymous memory that comes only in 2 MiB
// (order-9, PTE-mapped) folios — think of a hugepage-only arena an allocator maps for itself.
// See docs/adding-a-filesystem.md for the walk-through.
//
// It is plain ESM with no import of foliox: everything comes from `api`, the @foliox/core module
// namespace the host passes to register(), so the plugin needs no path into the foliox tree.
//
// Honest scope: until foliox has page-cache support, a plugin cannot own folios the kernel's
// way (folio->mapping->a_ops). This backend therefore claims the anonymous folios of the
// regions it mapped itself (by their anon_vma) and moves them as anonymous memory is moved
// (migrate_folio, no fs_prepare/private/finish work). What it shows is the plugin mechanics:
// a manifest, registration, a conformance fixture, and the matrix against the built-in backends.

/** @typedef {typeof import("@foliox/core")} Api */
/** @typedef {import("@foliox/core").Kernel} Kernel */

const THP_ORDER = 9;

/** @type {import("@foliox/core").CapabilityManifest} */
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

class AnonThpOnlyBackend {
  /** @param {Api} api */
  constructor(api) {
    this.api = api;
    this.manifest = MANIFEST;
    /** anon_vma ids of the regions this backend mapped, per system */
    this.regions = new WeakMap();
    const backend = this;
    /** @type {import("@foliox/core").ConformanceFixture} */
    this.conformance = {
      makeFolio(k, nid, order, opts = {}) {
        return backend.makeFolio(k, nid, order, opts);
      },
    };
  }

  /** @param {Kernel} k */
  regionsOf(k) {
    let set = this.regions.get(k);
    if (!set) this.regions.set(k, (set = new Set()));
    return set;
  }

  /** An anonymous folio of one of our regions: mapping is anon_vma | PAGE_MAPPING_ANON. */
  owns(k, head) {
    const m = k.mem.mapping[head];
    return (m & this.api.PAGE_MAPPING_FLAGS) === this.api.PAGE_MAPPING_ANON && this.regionsOf(k).has(m >> 2);
  }

  /** a_ops->migrate_folio: what anonymous folios use. */
  migrateFolio(k, dst, src, mode) {
    return this.api.migrateFolio(k, dst, src, mode);
  }

  /** The conformance fixture: map a 2 MiB region and write every page, faulting on `nid`. */
  makeFolio(k, nid, order, opts) {
    const { createProcess, doMmap, accessVirtual, folioWalkStart, ACCESS_OK } = this.api;
    if (order !== THP_ORDER) throw new Error(`anon-thp-only makes order-${THP_ORDER} folios only (manifest.orders), not order ${order}`);
    if (opts.state) throw new Error(`anon-thp-only has no "${opts.state}" state`);
    const task = opts.task ?? createProcess(k, { nid });
    const mm = task.mm;
    const len = 4096 << order;
    const addr = doMmap(k, mm, len, { thpOrder: order });
    if (addr < 0) throw new Error(`anon-thp-only: mmap failed (${addr})`);
    const home = mm.homeNid;
    mm.homeNid = nid; // MPOL_DEFAULT: fault as a task running on `nid` would
    try {
      for (let off = 0; off < len; off += 4096) {
        const rc = accessVirtual(k, mm, addr + off, true);
        if (rc !== ACCESS_OK) throw new Error(`anon-thp-only: write fault failed (${rc})`);
      }
    } finally {
      mm.homeNid = home;
    }
    const head = folioWalkStart(k, mm, addr);
    if (head < 0 || k.mem.order[head] !== order) throw new Error(`anon-thp-only: no order-${order} folio at the region (pfn ${head})`);
    this.regionsOf(k).add(k.mem.mapping[head] >> 2);
    return { head, task, addr, len };
  }
}

/**
 * The plugin contract: register(container, api).
 * @param {import("tsyringe").DependencyContainer} container
 * @param {Api} api
 */
export default function register(container, api) {
  container.register(api.BACKENDS, { useValue: new AnonThpOnlyBackend(api) });
}
