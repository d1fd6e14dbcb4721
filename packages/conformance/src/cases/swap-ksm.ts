/** Swap-cache and KSM folios (docs/decisions.md#seed-defect-6, #seed-defect-8, #ksm-exchange): n/a until their backends register. */
import { EXCHANGE_PHASES, EXCHANGE_WOULD_BLOCK } from "@foliox/core";
import { MIGRATE_SYNC } from "@foliox/core";
import { check, checkRc } from "../check.js";
import { checkHealthy } from "../state.js";
import { manifestOrders } from "../context.js";
import type { CaseContext, ConformanceCase, Side } from "../types.js";
import { swapcacheSide } from "./helpers.js";

const ksmSide = (m: CaseContext["old"]) => m.kinds.includes("ksm");

export const swapEntryFollows: ConformanceCase = {
  id: "swapcache.entry-follows-data",
  title: "a swap-cache folio's swap entry (folio->swap) moves with the data",
  requires: "a swap-cache kind or state on either side",
  applies: (o, n) => (swapcacheSide(o) || swapcacheSide(n)) && o.exchange && n.exchange,
  run(ctx) {
    for (const side of (["old", "new"] as Side[]).filter((s) => swapcacheSide(ctx[s]))) {
      const k = ctx.system();
      const p = ctx.pair(k, side === "old" ? { oldState: "swapcache" } : { newState: "swapcache" });
      const fx = ctx.fixture(k, side);
      check(typeof fx.swapEntry === "function", `backend "${ctx[side].name}" has swap-cache folios but its fixture has no swapEntry()`);
      const entry = fx.swapEntry(k, p[side].head);
      checkRc(ctx.exchange(k, p.old.head, p.new.head, MIGRATE_SYNC), 0, `exchange with a swap-cache ${side} folio`);
      const frame = side === "old" ? p.new.head : p.old.head;
      check(fx.swapEntry(k, frame) === entry, `the swap entry stayed with pfn ${p[side].head}, the data moved to pfn ${frame}`);
      checkHealthy(k, `swap-cache ${side} folio`);
    }
  },
};

export const ksmGetFolio: ConformanceCase = {
  id: "ksm.get-folio-every-phase",
  title: "ksm_get_folio() finds the stable node's folio at every phase point of a KSM exchange",
  requires: "a KSM kind on either side, and order-0 folios on both (a KSM folio's partner must be order 0)",
  applies: (o, n) => (ksmSide(o) || ksmSide(n)) && o.exchange && n.exchange && manifestOrders(o).includes(0) && manifestOrders(n).includes(0),
  run(ctx) {
    for (const side of (["old", "new"] as Side[]).filter((s) => ksmSide(ctx[s]))) {
      const k = ctx.system();
      const p = ctx.pair(k, { order: 0, ...(side === "old" ? { oldState: "ksm" } : { newState: "ksm" }) });
      const fx = ctx.fixture(k, side);
      check(typeof fx.ksmGetFolio === "function", `backend "${ctx[side].name}" has KSM folios but its fixture has no ksmGetFolio()`);
      const op = ctx.op(k, p.old.head, p.new.head, MIGRATE_SYNC);
      for (let i = 0; !op.done; i++) {
        check(fx.ksmGetFolio(k, p[side]) >= 0, `ksm_get_folio() pruned the stable node before phase ${op.phase}`);
        check(op.step() !== EXCHANGE_WOULD_BLOCK && i < EXCHANGE_PHASES.length * 2, `blocked in ${op.phase}`);
      }
      checkRc(op.rc, 0, "KSM exchange");
      check(fx.ksmGetFolio(k, p[side]) === (side === "old" ? p.new.head : p.old.head), "kpfn does not name the frame that holds the KSM data");
      checkHealthy(k, `KSM ${side} folio`);
    }
  },
};
