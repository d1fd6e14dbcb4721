/**
 * memcg charge accounting (mm/memcontrol.c, v6.12), as far as foliox models it: a folio's
 * memcg is a small id in folio->memcg_data (mem.memcg, 0 = root), set when the folio is charged
 * (mem_cgroup_charge() at fault, filemap_add_folio, swap-in) and carried along by migration
 * (mem_cgroup_migrate()) and by the exchange (with the data, folio_exchange_flags()). The
 * per-memcg per-node counters live in VmStat (modLruvec / lruvecPage / memcgStat).
 *
 * Left out: limits, reclaim per memcg (one lruvec per node for the LRU lists), the hierarchy,
 * swap charges (swap_cgroup), kmem, events.
 */
import type { Kernel } from "../kernel/kernel.js";
import { folioAddressSpace } from "./folio-mapping.js";
import { PG_dirty, PG_swapbacked, PG_writeback } from "./page-flags.js";
import { MAX_MEMCGS, NR_ANON_MAPPED, NR_FILE_DIRTY, NR_FILE_MAPPED, NR_FILE_PAGES, NR_SHMEM, NR_SWAPCACHE, NR_WRITEBACK } from "./vmstat.js";

/**
 * mem_cgroup_move_account() (mm/memcontrol-v1.c): re-charge a folio to memcg `to`, moving every
 * per-memcg lruvec stat it contributes from its current memcg to `to` on its node, then
 * folio->memcg_data = to. Per page for NR_ANON_MAPPED / NR_FILE_MAPPED (pages mapped at least
 * once), per folio for the rest — exactly what the stat call sites counted.
 */
export function memCgroupMoveAccount(k: Kernel, head: number, to: number): void {
  if (!Number.isInteger(to) || to < 0 || to >= MAX_MEMCGS) throw new RangeError(`mem_cgroup_move_account: memcg ${to} out of range [0, ${MAX_MEMCGS})`);
  const mem = k.mem;
  const from = mem.memcg[head]!;
  if (from === to) return;
  const nid = k.folioNid(head);
  const nr = mem.folioNrPages(head);
  const move = (item: number, n: number) => {
    if (n === 0) return;
    k.vmstat.modLruvec(from, nid, item, -n);
    k.vmstat.modLruvec(to, nid, item, n);
  };
  let mapped = 0;
  for (let i = 0; i < nr; i++) if (mem.mapcount[head + i]! > 0) mapped++;
  const swapcache = mem.folioTestSwapcache(head);
  const as = folioAddressSpace(k, head);
  if (mem.folioTestAnon(head)) {
    move(NR_ANON_MAPPED, mapped);
  } else if (as) {
    move(NR_FILE_PAGES, nr);
    if (mem.testFlag(head, PG_swapbacked)) move(NR_SHMEM, nr);
    move(NR_FILE_MAPPED, mapped);
    if (mem.testFlag(head, PG_dirty) && as.canWriteback) move(NR_FILE_DIRTY, nr);
  }
  if (swapcache) {
    move(NR_FILE_PAGES, nr); // foliox counts the swap cache in the memcg's NR_FILE_PAGES too
    move(NR_SWAPCACHE, nr);
  }
  if ((as || swapcache) && mem.testFlag(head, PG_writeback)) move(NR_WRITEBACK, nr);
  mem.memcg[head] = to;
}
