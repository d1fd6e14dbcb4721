/** The exchange itself: data, metadata, allocation, counters, identity, agreement with migration. */
import { folioBimigrate } from "@foliox/core";
import { MIGRATE_SYNC } from "@foliox/core";
import { EINVAL } from "@foliox/core";
import {
  MEMCG_STAT_ITEMS,
  NR_ANON_MAPPED,
  NR_FILE_DIRTY,
  NR_FREE_PAGES,
  NR_ISOLATED_ANON,
  NR_ISOLATED_FILE,
  PGEXCHANGE_FAIL,
  PGEXCHANGE_SUCCESS,
} from "@foliox/core";
import { memCgroupMoveAccount } from "@foliox/core";
import { PG_dirty, PG_swapbacked } from "@foliox/core";
import { check, checkEqual, checkRc } from "../check.js";
import { manifestOrders } from "../context.js";
import { checkHealthy, snapshot } from "../state.js";
import type { ConformanceCase } from "../types.js";
import { EXCHANGEABLE, MODES, contents, mappedHead, readToken, writeOk, exchangeable } from "./helpers.js";

export const dataAndMetadata: ConformanceCase = {
  id: "exchange.data-metadata",
  title: "data and metadata are exchanged, every process reads its own data from the other frame (integrity check)",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const order of ctx.orders) {
      for (const [modeName, mode] of MODES) {
        const k = ctx.system();
        const p = ctx.pair(k, { order });
        const tokOld = readToken(k, p.old);
        const tokNew = readToken(k, p.new);
        const meta = (h: number) => ({
          mapping: k.mem.mapping[h],
          index: k.mem.index[h],
          memcg: k.mem.memcg[h],
          swapbacked: k.mem.testFlag(h, PG_swapbacked),
          data: contents(k, h),
        });
        const before = {
          old: meta(p.old.head),
          new: meta(p.new.head),
          oldDirty: k.mem.testFlag(p.old.head, PG_dirty),
          newDirty: k.mem.testFlag(p.new.head, PG_dirty),
        };
        const what = `order ${order}, ${modeName}`;
        checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), 0, `exchange (${what})`);
        check(mappedHead(k, p.old) === p.new.head, `${what}: the old folio's process does not map the new frame`);
        check(mappedHead(k, p.new) === p.old.head, `${what}: the new folio's process does not map the old frame`);
        // PG_dirty may be folded in from a dirty PTE by the unmap (docs/decisions.md#unchanged), and then travels with the data.
        const dirty = { old: k.mem.testFlag(p.old.head, PG_dirty), new: k.mem.testFlag(p.new.head, PG_dirty) };
        checkEqual(meta(p.new.head), before.old, `${what}: the new frame's metadata and data`);
        checkEqual(meta(p.old.head), before.new, `${what}: the old frame's metadata and data`);
        check(!before.oldDirty || dirty.new, `${what}: PG_dirty stayed with the frame instead of the data`);
        check(!before.newDirty || dirty.old, `${what}: PG_dirty stayed with the frame instead of the data`);
        checkEqual([readToken(k, p.old), readToken(k, p.new)], [tokOld, tokNew], `${what}: what each process reads`);
        checkHealthy(k, what);
        writeOk(k, p.old);
        writeOk(k, p.new);
        checkHealthy(k, `${what}, after both processes wrote`);
      }
    }
  },
};

export const noAllocation: ConformanceCase = {
  id: "exchange.no-allocation",
  title: "the exchange allocates nothing (k.alloc.nrAllocCalls and free pages unchanged)",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const [modeName, mode] of MODES) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const freePerZone = () => k.topo.zones.map((z) => k.vmstat.zonePage(z.idx, NR_FREE_PAGES));
      const calls = k.alloc.nrAllocCalls;
      const free = freePerZone();
      checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), 0, `exchange (${modeName})`);
      check(k.alloc.nrAllocCalls === calls, `${modeName}: ${k.alloc.nrAllocCalls - calls} page allocation(s) during the exchange`);
      checkEqual(freePerZone(), free, `${modeName}: free pages per zone`);
    }
  },
};

export const counters: ConformanceCase = {
  id: "exchange.counters",
  title: "counters after the move: pgexchange_success, NR_ANON_MAPPED per node, LRU and NR_ISOLATED recomputed",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    const variants: [string, Parameters<typeof ctx.pair>[1]][] = [["plain", {}]];
    // Two LRU types: a lazyfree anon folio sits on the file LRU (NR_ISOLATED_FILE while isolated).
    if (ctx.old.states?.includes("lazyfree")) variants.push(["old lazyfree", { oldState: "lazyfree" }]);
    if (ctx.new.states?.includes("lazyfree")) variants.push(["new lazyfree", { newState: "lazyfree" }]);
    for (const [label, opts] of variants) {
      const k = ctx.system();
      const p = ctx.pair(k, opts);
      const nodes = k.topo.nodes.map((n) => n.nid);
      const anonMapped = nodes.map((nid) => k.vmstat.nodePage(nid, NR_ANON_MAPPED));
      // The anon data's mapped pages move to the partner's node (anon↔file moves them; anon↔anon of one size cancels out).
      for (const [from, to] of [
        [p.old.head, p.new.head],
        [p.new.head, p.old.head],
      ] as const) {
        if (!k.mem.folioTestAnon(from)) continue;
        let mc = 0; // NR_ANON_MAPPED counts pages mapped at least once
        for (let i = 0; i < k.mem.folioNrPages(from); i++) if (k.mem.mapcount[from + i]! > 0) mc++;
        anonMapped[nodes.indexOf(k.folioNid(from))]! -= mc;
        anonMapped[nodes.indexOf(k.folioNid(to))]! += mc;
      }
      const success = k.vmstat.event(PGEXCHANGE_SUCCESS);
      const fail = k.vmstat.event(PGEXCHANGE_FAIL);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange (${label})`);
      check(k.vmstat.event(PGEXCHANGE_SUCCESS) === success + 1, `${label}: pgexchange_success did not count the exchange`);
      check(k.vmstat.event(PGEXCHANGE_FAIL) === fail, `${label}: pgexchange_fail counted a successful exchange`);
      for (const nid of nodes) {
        for (const [item, name] of [
          [NR_ISOLATED_ANON, "nr_isolated_anon"],
          [NR_ISOLATED_FILE, "nr_isolated_file"],
        ] as const) {
          check(k.vmstat.nodePage(nid, item) === 0, `${label}: node ${nid} ${name} is ${k.vmstat.nodePage(nid, item)} after the exchange`);
        }
      }
      checkEqual(
        nodes.map((nid) => k.vmstat.nodePage(nid, NR_ANON_MAPPED)),
        anonMapped,
        `${label}: NR_ANON_MAPPED per node`,
      );
      checkHealthy(k, label);
    }
  },
};

export const memcgCounters: ConformanceCase = {
  id: "exchange.memcg-counters",
  title: "per-memcg lruvec stats: with the folios in two memcgs, each data's stats move to its new node under its own memcg (seed-defect-7)",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    const variants: [string, Parameters<typeof ctx.pair>[1]][] = [["plain", {}]];
    // States whose folios every backend exchanges synchronously, and that add stats (swapcached;
    // lazyfree sits on the other LRU). "dirty" is left out: a backend without migrate_folio
    // (fallback) writes a dirty folio out first and returns -EAGAIN (fs.dirty covers it).
    for (const st of ["lazyfree", "swapcache"] as const) {
      if (ctx.old.states?.includes(st)) variants.push([`old ${st}`, { oldState: st }]);
      if (ctx.new.states?.includes(st)) variants.push([`new ${st}`, { newState: st }]);
    }
    for (const [label, opts] of variants) {
      const k = ctx.system();
      const p = ctx.pair(k, opts);
      // memcg 1 owns the old folio's data, memcg 2 the new one's (mem_cgroup_move_account)
      const sides = [
        { memcg: 1, head: p.old.head, partner: p.new.head },
        { memcg: 2, head: p.new.head, partner: p.old.head },
      ];
      for (const s of sides) memCgroupMoveAccount(k, s.head, s.memcg);
      checkHealthy(k, `${label}: after charging the folios to memcgs 1 and 2`);
      const before = sides.map((s) => ({
        from: k.folioNid(s.head),
        to: k.folioNid(s.partner),
        stat: MEMCG_STAT_ITEMS.map(([item]) => k.vmstat.lruvecPage(s.memcg, k.folioNid(s.head), item)),
      }));
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange (${label})`);
      check(k.mem.memcg[p.new.head] === 1 && k.mem.memcg[p.old.head] === 2, `${label}: folio->memcg_data stayed with the frame instead of the data`);
      sides.forEach((s, i) => {
        const b = before[i]!;
        if (b.from === b.to) return;
        MEMCG_STAT_ITEMS.forEach(([item, name], j) => {
          // PG_dirty may be folded in from a dirty PTE by the unmap (docs/decisions.md#unchanged): file_dirty only has to leave the old node
          if (item !== NR_FILE_DIRTY)
            check(
              k.vmstat.lruvecPage(s.memcg, b.to, item) === b.stat[j],
              `${label}: memcg ${s.memcg} ${name} on node ${b.to} is ${k.vmstat.lruvecPage(s.memcg, b.to, item)}, expected ${b.stat[j]} (moved with its data)`,
            );
          check(
            k.vmstat.lruvecPage(s.memcg, b.from, item) === 0,
            `${label}: memcg ${s.memcg} ${name} on node ${b.from} is ${k.vmstat.lruvecPage(s.memcg, b.from, item)} after its data left the node`,
          );
        });
      });
      checkHealthy(k, label);
    }
  },
};

export const twiceIdentity: ConformanceCase = {
  id: "exchange.twice-identity",
  title: "exchanging twice is the identity (docs/decisions.md#unchanged: except last_cpupid and the LRU position)",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const [modeName, mode] of MODES) {
      const k = ctx.system();
      const p = ctx.pair(k);
      const before = snapshot(k, { ignoreLastCpupid: true });
      checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), 0, `first exchange (${modeName})`);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, mode), 0, `second exchange (${modeName})`);
      checkEqual(snapshot(k, { ignoreLastCpupid: true }), before, `${modeName}: state after two exchanges`);
      check(k.mem.lastCpupid[p.old.head] === -1 && k.mem.lastCpupid[p.new.head] === -1, `${modeName}: last_cpupid is not -1 after the exchange`);
    }
  },
};

export const migrateAgrees: ConformanceCase = {
  id: "exchange.migrate-agrees",
  title: "migration (folio_bimigrate) and exchange end in the same placement with the same data",
  requires: EXCHANGEABLE,
  applies: exchangeable,
  run(ctx) {
    for (const [modeName, mode] of MODES) {
      const placement = (via: "exchange" | "bimigrate") => {
        const k = ctx.system();
        const p = ctx.pair(k);
        const tokens = [readToken(k, p.old), readToken(k, p.new)];
        const rc = via === "exchange" ? ctx.exchange(k, p.old.head, p.new.head, mode) : folioBimigrate(k, p.old.head, p.new.head, mode);
        checkRc(rc, 0, `${via} (${modeName})`);
        checkHealthy(k, `${via} (${modeName})`);
        const oldNow = mappedHead(k, p.old);
        const newNow = mappedHead(k, p.new);
        return {
          oldDataNid: k.folioNid(oldNow),
          newDataNid: k.folioNid(newNow),
          orders: [k.mem.order[oldNow], k.mem.order[newNow]],
          tokens: [readToken(k, p.old), readToken(k, p.new)],
          tokensBefore: tokens,
        };
      };
      const ex = placement("exchange");
      const bi = placement("bimigrate");
      check(
        ex.oldDataNid === 0 && ex.newDataNid === 1,
        `${modeName}: the exchange did not swap the nodes (old data on ${ex.oldDataNid}, new data on ${ex.newDataNid})`,
      );
      checkEqual(ex.tokens, ex.tokensBefore, `${modeName}: data read after the exchange`);
      checkEqual(ex, bi, `${modeName}: exchange vs bimigrate`);
    }
  },
};

export const mixedOrders: ConformanceCase = {
  id: "exchange.mixed-orders",
  title: "folios of different orders are refused with -EINVAL before anything is taken",
  requires: "the two backends' fixtures can make folios of two different orders",
  applies: (o, n) => o.exchange && n.exchange && manifestOrders(o).some((a) => manifestOrders(n).some((b) => a !== b)),
  run(ctx) {
    const a = manifestOrders(ctx.old);
    const b = manifestOrders(ctx.new);
    const [oa, ob] = a.flatMap((x) => b.filter((y) => y !== x).map((y) => [x, y] as const))[0]!;
    const k = ctx.system();
    const old = ctx.folio(k, "old", 1, { order: oa });
    const nw = ctx.folio(k, "new", 0, { order: ob });
    const before = snapshot(k);
    checkRc(ctx.exchange(k, old.head, nw.head, MIGRATE_SYNC), -EINVAL, `exchange of order ${oa} with order ${ob}`);
    checkEqual(snapshot(k), before, "state after the refused exchange");
    checkHealthy(k, "after the refused exchange");
  },
};
