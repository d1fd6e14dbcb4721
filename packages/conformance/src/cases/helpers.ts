/** Small helpers the cases share. */
import type { FixtureFolio } from "@foliox/core";
import type { Kernel } from "@foliox/core";
import { MIGRATE_ASYNC, MIGRATE_SYNC, type MigrateMode } from "@foliox/core";
import { ACCESS_OK, accessVirtual } from "@foliox/core";
import { folioWalkStart } from "@foliox/core";
import { check } from "../check.js";
import type { CaseContext } from "../types.js";

export const MODES: readonly [string, MigrateMode][] = [
  ["MIGRATE_SYNC", MIGRATE_SYNC],
  ["MIGRATE_ASYNC", MIGRATE_ASYNC],
];

/** The head of the folio mapped at the fixture folio's address now. */
export function mappedHead(k: Kernel, f: FixtureFolio): number {
  return folioWalkStart(k, f.task.mm!, f.addr);
}

/** What the task reads at page i of the fixture folio's mapping (a fault must not block). */
export function readToken(k: Kernel, f: FixtureFolio, page = 0): number {
  const rc = accessVirtual(k, f.task.mm!, f.addr + page * 4096, false);
  check(rc === ACCESS_OK, `pid ${f.task.pid} cannot read 0x${(f.addr + page * 4096).toString(16)} (access ${rc})`);
  return k.faultState.lastToken;
}

export function writeOk(k: Kernel, f: FixtureFolio): void {
  const rc = accessVirtual(k, f.task.mm!, f.addr, true);
  check(rc === ACCESS_OK, `pid ${f.task.pid} cannot write 0x${f.addr.toString(16)} (access ${rc})`);
}

export function contents(k: Kernel, head: number): number[] {
  return Array.from(k.mem.content.subarray(head, head + k.mem.folioNrPages(head)));
}

export const anyOf = (old: { kinds: string[] }, nw: { kinds: string[] }, ...kinds: string[]) =>
  old.kinds.some((x) => kinds.includes(x)) || nw.kinds.some((x) => kinds.includes(x));

/** The requires/applies pair of every case that needs both backends to exchange. */
export const exchangeable = (o: { exchange: boolean }, n: { exchange: boolean }) => o.exchange && n.exchange;
export const EXCHANGEABLE = "both backends exchange (manifest.exchange) at a common folio order";

/** A side whose folios can sit in the swap cache: an anon-swapcache kind or a "swapcache" fixture state. */
export const swapcacheSide = (m: CaseContext["old"]) => m.kinds.includes("anon-swapcache") || (m.states ?? []).includes("swapcache");
