/** KSM (mm/ksm.c, v6.12) in @foliox/anon: merging, the stable tree, its rmap walk, migration and exchange. */
export {
  VM_MERGEABLE,
  Ksm,
  MmSlot,
  RmapItem,
  StableNode,
  ksmOf,
  ksmThreadMutexTrylock,
  ksmThreadMutexUnlock,
  type KsmKsmExchange,
} from "./ksm-state.js";
export { calcChecksum, pagesIdentical } from "./checksum.js";
export {
  folioSetStableNode,
  folioStableNode,
  ksmGetFolio,
  ksmGetFolioProbe,
  removeNodeFromStableTree,
  stableTreeInsert,
  stableTreeSearch,
} from "./stable-tree.js";
export { breakCow, replacePage, tryToMergeOnePage, writeProtectPage } from "./merge.js";
export { cmpAndMergePage, ksmEnter, ksmMadviseMergeable, ksmMergingPages, ksmRmapItem, ksmStats, ksmdRun, ksmdScan, type KsmStats } from "./ksmd.js";
export { rmapWalkKsm } from "./rmap-walk.js";
export { folioMigrateKsm } from "./migrate.js";
export { ksmExchangeBegin, ksmExchangeBlockingLock, ksmExchangeEnd, ksmExchangeMapping, ksmExchangeMayFreeze } from "./exchange.js";
export { ksmCheckInvariants } from "./invariants.js";
export { fixtureKsmGetFolio, makeKsmFolio, withKsmFixture } from "./fixture.js";
