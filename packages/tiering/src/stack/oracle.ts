/**
 * The oracle: an offline bound from the whole trace. A first pass over the access stream counts,
 * per epoch (epochAccesses entries each), the accesses of every virtual page (pid, vpn); the
 * epoch's hot set is its most-accessed pages up to the fast tier's capacity (managed pages
 * minus the PROMO watermark). At the start of each epoch the oracle places that hot set in
 * the fast tier — exchanging with fast-tier folios outside it, or migrating into free room —
 * and these moves cost no simulated time. It is the best static placement per epoch, a bound
 * for stacks that react after the fact; a stack moving pages within an epoch could in
 * principle beat it on a workload that changes inside an epoch. First touches still follow
 * the kernel's allocation policy (the oracle cannot place a page before it exists).
 *
 * A fast-tier folio is kept when any page of it is in the hot set at any address that maps it
 * (found through the rmap, so file and shmem folios are recognised as well as anon ones).
 *
 * Memory: one Map of the pages touched in an epoch (at most epochAccesses entries) at a time,
 * and one Float64Array of hot keys per epoch.
 */
import type { Kernel } from "@foliox/core";
import { WMARK_PROMO } from "@foliox/core";
import { ptePfn, ptePresent, pteSpecial } from "@foliox/core";
import { rmapWalk } from "@foliox/core";
import type { AccessBatch } from "../sim/access-batch.js";
import { forEachLruFolio } from "./folios.js";
import type { HotnessModel, MovePlan, OracleKnowledge, PlacementPolicy, TieringContext } from "./types.js";

export const ORACLE_VPN_SPAN = 2 ** 36;

/** Fast-tier pages the oracle may fill. */
export function oracleCapacity(k: Kernel, fastNids: readonly number[]): number {
  let c = 0;
  for (const nid of fastNids) for (const z of k.topo.nodes[nid]!.zones) c += Math.max(0, z.managedPages - z.watermark[WMARK_PROMO]! - 1);
  return c;
}

/** The first pass: per-epoch hot keys (pid * 2^36 + vpn), hottest first, at most capacity. */
export function buildOracle(batches: Iterable<AccessBatch>, epochAccesses: number, capacity: number): OracleKnowledge {
  const hotKeys: Float64Array[] = [];
  let counts = new Map<number, number>();
  let n = 0;
  const close = () => {
    const entries = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    hotKeys.push(Float64Array.from(entries.slice(0, capacity), (e) => e[0]));
    counts = new Map();
  };
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const key = b.pid[i]! * ORACLE_VPN_SPAN + Math.floor(b.addr[i]! / 4096);
      counts.set(key, (counts.get(key) ?? 0) + b.weight[i]!);
      if (++n % epochAccesses === 0) close();
    }
  }
  if (counts.size) close();
  return { hotKeys };
}

export class OraclePlacement implements PlacementPolicy {
  readonly name = "oracle";
  plan(ctx: TieringContext, _hot: HotnessModel): MovePlan {
    const k = ctx.k;
    const keys = ctx.oracle?.hotKeys[ctx.epoch];
    if (!keys || keys.length === 0) return { promote: [], demote: [] };
    const hotSet = new Set<number>(keys);
    const promote: number[] = [];
    const seen = new Set<number>();
    const pt = k.pgtables;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const pid = Math.floor(key / ORACLE_VPN_SPAN);
      const mm = ctx.mmOfPid?.get(pid) ?? k.tasks.get(pid)?.mm;
      if (!mm || !pt.walk(mm.pgd, key - pid * ORACLE_VPN_SPAN, false)) continue;
      const pte = pt.leaf[pt.off]!;
      if (!ptePresent(pte) || pteSpecial(pte)) continue;
      const head = k.mem.pageFolio(ptePfn(pte));
      if (k.tiers.nodeIsToptier(k.folioNid(head)) || seen.has(head)) continue;
      seen.add(head);
      promote.push(head);
    }
    if (promote.length === 0) return { promote, demote: [] };
    const pidOfMm = ctx.pidOfMm!;
    // is any page of the folio, at any address that maps it (anon or file), in the hot set?
    const inHotSet = (h: number): boolean => {
      let hit = false;
      rmapWalk(k, h, (vma, i, addr) => {
        const pte = pt.leaf[pt.off]!;
        if (!ptePresent(pte) || ptePfn(pte) !== h + i) return true;
        const pid = pidOfMm.get(vma.mm.id);
        if (pid !== undefined && hotSet.has(pid * ORACLE_VPN_SPAN + Math.floor(addr / 4096))) {
          hit = true;
          return false;
        }
        return true;
      });
      return hit;
    };
    const demote: number[] = [];
    for (const nid of ctx.fastNids) {
      forEachLruFolio(k, nid, (h) => {
        if (demote.length >= promote.length) return false;
        if (inHotSet(h)) return;
        demote.push(h);
      });
    }
    return { promote, demote };
  }
}
