/**
 * seed-literal: the seed author's mm/exchange.c as written, defects included (docs/decisions.md#seed-defects),
 * for the conformance suite to prove that it can fail: the defects, as data. The mover itself is
 * SeedLiteralExchange (seed-literal-exchange.ts), foliox's exchange template with the steps
 * overridden where the seed's code differs — for all the defects, or one at a time.
 *
 * Each defect says which capabilities a pair of backends needs before the defect can show at
 * all (`manifests`): a defect in the file↔file freeze cannot be observed between two anonymous
 * folios. The conformance reports use it to tell "caught" from "awaits a backend".
 */
import type { CapabilityManifest } from "@foliox/core";

export interface SeedDefect {
  /** "9b.1" … "9b.9": defect 9b.N is docs/decisions.md#seed-defect-N */
  id: string;
  title: string;
  /** the template steps the seed's code does differently: the SeedLiteralExchange (or SeedLiteralExchangeFolios) methods that reproduce it */
  steps: string[];
  /** can the defect manifest between folios of these two backends? */
  manifests(old: CapabilityManifest, nw: CapabilityManifest): boolean;
  /** what it needs, in words (for "awaits …" reports) */
  needs: string;
}

const either = (old: CapabilityManifest, nw: CapabilityManifest, test: (m: CapabilityManifest) => boolean) => test(old) || test(nw);
const hasKind = (m: CapabilityManifest, ...kinds: string[]) => m.kinds.some((x) => kinds.includes(x));
const hasState = (m: CapabilityManifest, state: string) => (m.states ?? []).some((s) => s === state);
const isFile = (m: CapabilityManifest) => hasKind(m, "file", "shmem");

export const SEED_DEFECTS: readonly SeedDefect[] = [
  {
    id: "9b.1",
    title: "result of folio_exchange_move() ignored: crosswise remap after a failure, returns 0",
    steps: ["folioExchangeMove"],
    manifests: () => true,
    needs: "any backend",
  },
  {
    id: "9b.2",
    title: "no full-unmap check and no refcount freeze for anon↔anon",
    steps: ["folioExchangeUnmapped", "folioExchangeFreeze", "folioExchangeUnfreeze"],
    manifests: (o, n) => hasKind(o, "anon", "anon-swapcache") && hasKind(n, "anon", "anon-swapcache"),
    needs: "anonymous folios on both sides",
  },
  {
    id: "9b.3",
    title: "folio_ref_freeze() inside VM_BUG_ON; file↔file freezes new with old's count",
    steps: ["folioExchangeFreeze", "folioExchangeUnfreeze"],
    manifests: (o, n) => either(o, n, isFile),
    needs: "a page-cache backend (file or shmem folios)",
  },
  {
    id: "9b.4",
    title: "no lock ordering: ABBA against a (B,A) locker; a mapping both folios share (one file, one swap space) has its i_pages lock taken twice",
    steps: ["folioExchangeLock", "folioExchangeXaLock"],
    manifests: () => true,
    needs: "any backend",
  },
  {
    id: "9b.5",
    title: "only the head buffer head re-pointed",
    steps: ["folioExchangeRepointPrivate"],
    manifests: (o, n) => either(o, n, (m) => m.fsPrivate && m.migrateCallback.startsWith("buffer_migrate_folio")),
    needs: "a buffer-head backend (ext4, block size < page size)",
  },
  {
    id: "9b.6",
    title: "swap-cache entry (folio->swap) not moved",
    steps: ["folioExchangeFsPrivate"],
    manifests: (o, n) => either(o, n, (m) => hasKind(m, "anon-swapcache") || hasState(m, "swapcache")),
    needs: "swap-cache folios",
  },
  {
    id: "9b.7",
    title: "counters: NR_FILE_PAGES not moved; NR_ISOLATED put back with the post-exchange type; per-memcg stats moved under the partner's memcg",
    steps: ["folioExchangeStatsMemcg", "folioExchangePutback", "folioExchangeMappingStats"],
    manifests: (o, n) => either(o, n, (m) => isFile(m) || hasState(m, "lazyfree") || hasState(m, "swapcache")),
    needs: "folios of two LRU types (lazyfree anon, or file), or page-/swap-cache folios in two memcgs",
  },
  {
    id: "9b.8",
    title: "KSM folios not actually excluded",
    steps: ["folioExchangeSupported", "folioExchangeMayFreeze", "folioExchangeMappingPointer"],
    manifests: (o, n) => either(o, n, (m) => hasKind(m, "ksm")),
    needs: "a KSM backend",
  },
  {
    id: "9b.9",
    title: "smaller: second isolation check tests old; err[] never copied out; no MOVE_ALL rule; mixed orders debug-only",
    steps: ["folioExchangeIsolate", "folioExchangeCheckOrders", "exchangeFoliosMoveAll", "exchangeFoliosStoreStatus"],
    manifests: () => true,
    needs: "any backend",
  },
];
