/** Builds the CaseContext for one ordered pair of backends and one mover. */
import type { DependencyContainer } from "tsyringe";
import type { CapabilityManifest } from "@foliox/core";
import type { ConformanceFixture } from "@foliox/core";
import { ExchangeOp, folioExchange } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { createSystem, fixtureOrders } from "@foliox/core";
import type { CaseContext, ConformanceBackend, Mover } from "./types.js";

const MiB = 1024 * 1024;

/** The orders a manifest's fixture can make (manifest.orders, else [0] and 9 with largeFolios): core's fixtureOrders. */
export function manifestOrders(m: CapabilityManifest): number[] {
  return [...fixtureOrders(m)];
}

export function commonOrders(a: CapabilityManifest, b: CapabilityManifest): number[] {
  const ob = manifestOrders(b);
  return manifestOrders(a)
    .filter((o) => ob.includes(o))
    .sort((x, y) => x - y);
}

/**
 * `registerAll` lists every backend's registration in the order the whole run registers them
 * (BackendRegistry.forFolio asks backends in that order); a pair's system registers only its
 * two backends' functions, deduplicated, in that order.
 */
export function makeCaseContext(
  old: ConformanceBackend,
  nw: ConformanceBackend,
  mover: Mover,
  registerAll: readonly ((c: DependencyContainer) => void)[],
  /** the two nodes' bytes; default 8 MiB each, 16 MiB when a 2 MiB folio is among the orders */
  nodeMemory?: readonly [number, number],
): CaseContext {
  const registers = registerAll.filter((r) => r === old.register || r === nw.register);
  for (const r of [old.register, nw.register]) if (!registers.includes(r)) registers.push(r);
  const orders = commonOrders(old.manifest, nw.manifest);
  const memory: [number, number] = nodeMemory ? [nodeMemory[0], nodeMemory[1]] : orders.some((o) => o >= 9) ? [16 * MiB, 16 * MiB] : [8 * MiB, 8 * MiB];
  const manifests = { old: old.manifest, new: nw.manifest };
  const fixture = (k: Kernel, side: "old" | "new"): ConformanceFixture => {
    const name = manifests[side].name;
    const backend = k.backends.byName(name);
    if (!backend) throw new Error(`backend "${name}" is not registered in the test system`);
    if (!backend.conformance) throw new Error(`backend "${name}" supplies no conformance fixture (Backend.conformance.makeFolio)`);
    return backend.conformance;
  };
  const ctx: CaseContext = {
    old: old.manifest,
    new: nw.manifest,
    mover,
    orders,
    order: orders[0] ?? 0,
    system: () => createSystem({ memory, backends: registers }).kernel,
    fixture,
    folio: (k, side, nid, opts = {}) => fixture(k, side).makeFolio(k, nid, opts.order ?? ctx.order, opts),
    pair: (k, opts = {}) => ({
      old: ctx.folio(k, "old", 1, { order: opts.order, state: opts.oldState, task: opts.task }),
      new: ctx.folio(k, "new", 0, { order: opts.order, state: opts.newState, task: opts.task }),
    }),
    exchange: (k, a, b, mode) => folioExchange(k, a, b, mode, mover.exchange),
    op: (k, a, b, mode) => new ExchangeOp(k, a, b, mode, false, mover.exchange),
    sysExchangeFolios: (k, current, pid, nr, src, dst, err) => mover.exchangeFolios.sysExchangeFolios(k, current, pid, nr, src, dst, err),
  };
  return ctx;
}
