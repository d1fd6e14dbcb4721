/**
 * @foliox/anon: anonymous memory as a foliox backend. `registerAnon(container)` adds it to one
 * system's container: the container constructs one AnonBackend per system.
 */
import "reflect-metadata";
import type { DependencyContainer } from "tsyringe";
import { registerBackend } from "@foliox/core";
import { AnonBackend } from "./anon-backend.js";

export { AnonBackend, ANON_MANIFEST } from "./anon-backend.js";
export { anonFixture, folioMarkLazyfree } from "./fixture.js";
export { makeSwapcacheFolio, withSwapcacheFixture } from "./swapcache-fixture.js";
export * from "./ksm/index.js";
export { KsmdScanStep } from "./ksm/ksmd-explore.js";

export function registerAnon(container: DependencyContainer): void {
  registerBackend(container, AnonBackend);
}
