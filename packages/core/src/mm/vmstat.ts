/**
 * vmstat: node_stat_item, zone_stat_item and vm_event_item of include/linux/mmzone.h and
 * include/linux/vm_event_item.h, with the names /proc/vmstat prints (mm/vmstat.c
 * vmstat_text). Counters are flat Float64Arrays indexed [node][item], [zone][item], [item].
 *
 * The `pgexchange_*` events are foliox's own: Linux has no folio exchange. They are listed in
 * FOLIOX_OWN_COUNTERS so that every report can mark them.
 */
export const NODE_STAT_NAMES = [
  "nr_inactive_anon",
  "nr_active_anon",
  "nr_inactive_file",
  "nr_active_file",
  "nr_unevictable",
  "nr_isolated_anon",
  "nr_isolated_file",
  "nr_anon_pages",
  "nr_mapped",
  "nr_file_pages",
  "nr_dirty",
  "nr_writeback",
  "nr_shmem",
  "nr_anon_transparent_hugepages",
  "nr_swapcached",
  "pgpromote_success",
  "pgpromote_candidate",
  "pgdemote_kswapd",
  "pgdemote_direct",
  "pgdemote_khugepaged",
] as const;
export type NodeStatName = (typeof NODE_STAT_NAMES)[number];

export const NR_INACTIVE_ANON = 0;
export const NR_ACTIVE_ANON = 1;
export const NR_INACTIVE_FILE = 2;
export const NR_ACTIVE_FILE = 3;
export const NR_UNEVICTABLE = 4;
export const NR_ISOLATED_ANON = 5;
export const NR_ISOLATED_FILE = 6;
/** NR_ANON_MAPPED ("nr_anon_pages"): anon pages with at least one mapping. */
export const NR_ANON_MAPPED = 7;
export const NR_FILE_MAPPED = 8;
export const NR_FILE_PAGES = 9;
export const NR_FILE_DIRTY = 10;
export const NR_WRITEBACK = 11;
export const NR_SHMEM = 12;
export const NR_ANON_THPS = 13;
export const NR_SWAPCACHE = 14;
export const PGPROMOTE_SUCCESS = 15;
export const PGPROMOTE_CANDIDATE = 16;
export const PGDEMOTE_KSWAPD = 17;
export const PGDEMOTE_DIRECT = 18;
export const PGDEMOTE_KHUGEPAGED = 19;
export const NR_VM_NODE_STAT_ITEMS = NODE_STAT_NAMES.length;

export const ZONE_STAT_NAMES = ["nr_free_pages", "nr_zone_write_pending", "nr_mlock"] as const;
export const NR_FREE_PAGES = 0;
export const NR_ZONE_WRITE_PENDING = 1;
/** NR_MLOCK: mlocked pages (mm/mlock.c), per zone */
export const NR_MLOCK = 2;
export const NR_VM_ZONE_STAT_ITEMS = ZONE_STAT_NAMES.length;

export const EVENT_NAMES = [
  "pgalloc_normal",
  "pgalloc_movable",
  "pgfree",
  "pgfault",
  "allocstall_normal",
  "pgmigrate_success",
  "pgmigrate_fail",
  "thp_migration_success",
  "thp_migration_fail",
  "thp_migration_split",
  "numa_pages_migrated",
  "thp_split_page",
  "cow_ksm",
  "unevictable_pgs_mlocked",
  "unevictable_pgs_munlocked",
  "pgexchange_success",
  "pgexchange_fail",
  "pgexchange_fail_eagain",
  "pgexchange_fail_ebusy",
  "pgexchange_fail_enoent",
  "pgexchange_fail_einval",
  "pgexchange_fail_eopnotsupp",
  "pgexchange_fail_eperm",
  "pgexchange_fail_other",
] as const;
export type EventName = (typeof EVENT_NAMES)[number];
export const PGALLOC_NORMAL = 0;
export const PGALLOC_MOVABLE = 1;
export const PGFREE = 2;
export const PGFAULT = 3;
export const ALLOCSTALL_NORMAL = 4;
export const PGMIGRATE_SUCCESS = 5;
export const PGMIGRATE_FAIL = 6;
export const THP_MIGRATION_SUCCESS = 7;
export const THP_MIGRATION_FAIL = 8;
export const THP_MIGRATION_SPLIT = 9;
export const NUMA_PAGE_MIGRATE = 10;
export const THP_SPLIT_PAGE = 11;
export const COW_KSM = 12;
export const UNEVICTABLE_PGMLOCKED = 13;
export const UNEVICTABLE_PGMUNLOCKED = 14;
export const PGEXCHANGE_SUCCESS = 15;
export const PGEXCHANGE_FAIL = 16;
export const PGEXCHANGE_FAIL_EAGAIN = 17;
export const PGEXCHANGE_FAIL_EBUSY = 18;
export const PGEXCHANGE_FAIL_ENOENT = 19;
export const PGEXCHANGE_FAIL_EINVAL = 20;
export const PGEXCHANGE_FAIL_EOPNOTSUPP = 21;
export const PGEXCHANGE_FAIL_EPERM = 22;
export const PGEXCHANGE_FAIL_OTHER = 23;
export const NR_VM_EVENT_ITEMS = EVENT_NAMES.length;

/** Counters that Linux does not have; reports mark them as foliox's own. */
export const FOLIOX_OWN_COUNTERS: readonly string[] = EVENT_NAMES.filter((n) => n.startsWith("pgexchange_"));

/** Memcg ids are 0 (root) .. MAX_MEMCGS-1; a memcg's stats are created on first use. */
export const MAX_MEMCGS = 64;

/**
 * memcg_node_stat_items (mm/memcontrol.c, v6.12) that foliox models, with their memory.stat
 * names (memory_stats[]). NR_ISOLATED_* is not one: Linux counts it with
 * mod_node_page_state()/node_stat_mod_folio(), per node only.
 */
export const MEMCG_STAT_ITEMS: readonly (readonly [item: number, name: string])[] = [
  [NR_ANON_MAPPED, "anon"],
  [NR_FILE_PAGES, "file"],
  [NR_FILE_MAPPED, "file_mapped"],
  [NR_FILE_DIRTY, "file_dirty"],
  [NR_WRITEBACK, "file_writeback"],
  [NR_SHMEM, "shmem"],
  [NR_SWAPCACHE, "swapcached"],
];
const IS_MEMCG_ITEM = new Uint8Array(NR_VM_NODE_STAT_ITEMS);
for (const [item] of MEMCG_STAT_ITEMS) IS_MEMCG_ITEM[item] = 1;
/** The item is accounted per memcg too (memcg_stats_index() >= 0). */
export function isMemcgStatItem(item: number): boolean {
  return IS_MEMCG_ITEM[item] === 1;
}

export class VmStat {
  readonly node: Float64Array;
  /** per-memcg lruvec stats: memcgNode[memcg] is [node][item], allocated on first use */
  private readonly memcgNode: (Float64Array | undefined)[] = [];
  readonly zone: Float64Array;
  readonly events: Float64Array;

  constructor(
    readonly nrNodes: number,
    readonly nrZones: number,
  ) {
    this.node = new Float64Array(nrNodes * NR_VM_NODE_STAT_ITEMS);
    this.zone = new Float64Array(nrZones * NR_VM_ZONE_STAT_ITEMS);
    this.events = new Float64Array(NR_VM_EVENT_ITEMS);
  }

  /** mod_node_page_state */
  modNode(nid: number, item: number, delta: number): void {
    this.node[nid * NR_VM_NODE_STAT_ITEMS + item]! += delta;
  }
  nodePage(nid: number, item: number): number {
    return this.node[nid * NR_VM_NODE_STAT_ITEMS + item]!;
  }
  /**
   * __mod_lruvec_state(mem_cgroup_lruvec(memcg, pgdat), item, delta): the node stat, and, for
   * a memcg item, memcg's per-node stat.
   */
  modLruvec(memcg: number, nid: number, item: number, delta: number): void {
    this.node[nid * NR_VM_NODE_STAT_ITEMS + item]! += delta;
    if (IS_MEMCG_ITEM[item] === 1) this.memcgArray(memcg)[nid * NR_VM_NODE_STAT_ITEMS + item]! += delta;
  }
  /** lruvec_page_state(mem_cgroup_lruvec(memcg, NODE_DATA(nid)), item) */
  lruvecPage(memcg: number, nid: number, item: number): number {
    this.checkMemcg(memcg);
    const a = this.memcgNode[memcg];
    return a ? a[nid * NR_VM_NODE_STAT_ITEMS + item]! : 0;
  }
  /** The memcg ids whose stats have been touched, ascending. */
  memcgIds(): number[] {
    const out: number[] = [];
    this.memcgNode.forEach((a, id) => a && out.push(id));
    return out;
  }
  /** memory.stat of memcg (its own pages, summed over nodes; no hierarchy) for the modelled items. */
  memcgStat(memcg: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [item, name] of MEMCG_STAT_ITEMS) {
      let sum = 0;
      for (let n = 0; n < this.nrNodes; n++) sum += this.lruvecPage(memcg, n, item);
      out[name] = sum;
    }
    return out;
  }
  private checkMemcg(memcg: number): void {
    if (!Number.isInteger(memcg) || memcg < 0 || memcg >= MAX_MEMCGS) throw new RangeError(`memcg id ${memcg} out of range [0, ${MAX_MEMCGS})`);
  }
  private memcgArray(memcg: number): Float64Array {
    let a = this.memcgNode[memcg];
    if (!a) {
      this.checkMemcg(memcg);
      a = this.memcgNode[memcg] = new Float64Array(this.nrNodes * NR_VM_NODE_STAT_ITEMS);
    }
    return a;
  }
  /** mod_zone_page_state */
  modZone(zoneIdx: number, item: number, delta: number): void {
    this.zone[zoneIdx * NR_VM_ZONE_STAT_ITEMS + item]! += delta;
  }
  zonePage(zoneIdx: number, item: number): number {
    return this.zone[zoneIdx * NR_VM_ZONE_STAT_ITEMS + item]!;
  }
  /** count_vm_events */
  countEvents(item: number, n: number): void {
    this.events[item]! += n;
  }
  event(item: number): number {
    return this.events[item]!;
  }

  /** /proc/vmstat: zone stats, then node stats summed over nodes, then events. */
  procVmstat(): Record<string, number> {
    const out: Record<string, number> = {};
    ZONE_STAT_NAMES.forEach((name, item) => {
      let sum = 0;
      for (let z = 0; z < this.nrZones; z++) sum += this.zonePage(z, item);
      out[name] = sum;
    });
    NODE_STAT_NAMES.forEach((name, item) => {
      let sum = 0;
      for (let n = 0; n < this.nrNodes; n++) sum += this.nodePage(n, item);
      out[name] = sum;
    });
    EVENT_NAMES.forEach((name, item) => (out[name] = this.events[item]!));
    return out;
  }

  /** /sys/devices/system/node/nodeN/vmstat (node stats only). */
  nodeVmstat(nid: number): Record<string, number> {
    const out: Record<string, number> = {};
    NODE_STAT_NAMES.forEach((name, item) => (out[name] = this.nodePage(nid, item)));
    return out;
  }
}

/** __mod_lruvec_state(): `item` of node nid, and of memcg's lruvec on it. */
export function modLruvecState(k: { readonly vmstat: VmStat }, memcg: number, nid: number, item: number, delta: number): void {
  k.vmstat.modLruvec(memcg, nid, item, delta);
}

/** __lruvec_stat_mod_folio(): under the folio's own memcg (folio->memcg_data) and node. */
export function lruvecStatModFolio(
  k: { readonly vmstat: VmStat; readonly mem: { readonly memcg: Uint16Array }; folioNid(pfn: number): number },
  head: number,
  item: number,
  delta: number,
): void {
  k.vmstat.modLruvec(k.mem.memcg[head]!, k.folioNid(head), item, delta);
}
