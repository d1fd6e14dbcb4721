/**
 * The anonymous-memory backend. Anonymous folios have no address_space (folio_mapping() is
 * NULL): the kernel moves them with migrate_folio() and the seed's exchange does nothing for
 * them in fs_prepare, fs_private and fs_finish. What makes them movable is core's anon_vma rmap;
 * this backend claims them, declares what they can do, and supplies migrate_folio.
 *
 * It also owns KSM folios (mapping tagged PAGE_MAPPING_KSM, kind "ksm", state "ksm"): the
 * stable tree lives in ksm/, and the Backend seams give core rmap_walk_ksm(),
 * folio_migrate_ksm() and the KSM folio exchange (see README.md) without core knowing KSM.
 */
import {
  PAGE_MAPPING_ANON,
  PAGE_MAPPING_FLAGS,
  PAGE_MAPPING_KSM,
  migrateFolio,
  type Backend,
  type CapabilityManifest,
  type Kernel,
  type MigrateMode,
  type MmStruct,
  type VmArea,
  type WaitOwner,
} from "@foliox/core";
import { anonFixture } from "./fixture.js";
import { withSwapcacheFixture } from "./swapcache-fixture.js";
import { ksmFork, ksmRmapPending } from "./ksm/ksm-fork.js";
import {
  Ksm,
  folioMigrateKsm,
  ksmCheckInvariants,
  ksmExchangeBegin,
  ksmExchangeBlockingLock,
  ksmExchangeEnd,
  ksmExchangeMapping,
  ksmExchangeMayFreeze,
  rmapWalkKsm,
  withKsmFixture,
} from "./ksm/index.js";

export const ANON_MANIFEST: CapabilityManifest = {
  name: "anon",
  kinds: ["anon", "anon-swapcache", "ksm"],
  migrateCallback: "migrate_folio",
  exchange: true,
  largeFolios: true,
  fsPrivate: false,
  writeback: false,
  orders: [0, 9],
  states: ["lazyfree", "swapcache", "ksm"],
  description: "private anonymous memory: anon_vma rmap, PG_anon_exclusive, mTHP (PTE-mapped) folios, the swap cache, KSM",
};

/**
 * One instance per system (registerAnon registers the class; the system's container constructs
 * it), holding that system's KSM state.
 */
export class AnonBackend implements Backend {
  readonly manifest = ANON_MANIFEST;
  /** mm/ksm.c's globals for this system: the stable and unstable trees, mm slots, counters */
  readonly ksm = new Ksm();
  /** the conformance suite's way to make anonymous folios (fixture.ts) */
  readonly conformance = withSwapcacheFixture(withKsmFixture(anonFixture));

  /** folio_test_anon(): anon_vma-mapped, or KSM (stable node) */
  owns(k: Kernel, head: number): boolean {
    const tag = k.mem.mapping[head]! & PAGE_MAPPING_FLAGS;
    return tag === PAGE_MAPPING_ANON || tag === PAGE_MAPPING_KSM;
  }

  /** migrate_folio(NULL, dst, src, mode) */
  migrateFolio(k: Kernel, dst: number, src: number, mode: MigrateMode): number {
    return migrateFolio(k, dst, src, mode);
  }

  /** rmap_walk_ksm(): core reaches KSM folios through their stable node (ksm/rmap-walk.ts) */
  rmapWalk(k: Kernel, head: number, visit: (vma: VmArea, i: number, addr: number) => boolean): boolean {
    return rmapWalkKsm(k, head, visit);
  }

  /** a KSM PTE no rmap item lists, as the kernel has them (ksm/ksm-fork.ts) */
  rmapPending(k: Kernel, _head: number, vma: VmArea, addr: number): boolean {
    return ksmRmapPending(k, vma, addr);
  }

  /** ksm_fork() (ksm/ksm-fork.ts) */
  forkMm(k: Kernel, oldMm: MmStruct, mm: MmStruct): void {
    ksmFork(k, oldMm, mm);
  }

  /** folio_migrate_ksm() (ksm/migrate.ts) */
  migrateKsm(k: Kernel, dst: number, src: number): void {
    folioMigrateKsm(k, dst, src);
  }

  /** KSM folio exchange (ksm/exchange.ts): order-0 partner, ksm_thread_mutex for KSM↔KSM */
  exchangeBegin(k: Kernel, oldHead: number, newHead: number, mayBlock: boolean, owner: WaitOwner): number {
    return ksmExchangeBegin(k, oldHead, newHead, mayBlock, owner);
  }

  exchangeBlockingLock(): number {
    return ksmExchangeBlockingLock();
  }

  exchangeEnd(k: Kernel, oldHead: number, newHead: number, owner: WaitOwner): void {
    ksmExchangeEnd(k, oldHead, newHead, owner);
  }

  /** the stable node follows the data: mapping, then kpfn, then the other mapping */
  exchangeMapping(k: Kernel, oldHead: number, newHead: number): boolean {
    return ksmExchangeMapping(k, oldHead, newHead);
  }

  /** never freeze a KSM folio outside the swap cache */
  exchangeMayFreeze(k: Kernel, head: number): boolean {
    return ksmExchangeMayFreeze(k, head);
  }

  checkInvariants(k: Kernel, quiescent: boolean, out: string[]): void {
    ksmCheckInvariants(k, quiescent, out);
  }
}
