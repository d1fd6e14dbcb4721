/**
 * The conformance fixture's KSM folio (FixtureState "ksm"): an anonymous page written by the
 * fixture's process, a twin process that holds the same data, both madvise(MADV_MERGEABLE)d,
 * and ksmd run until they share one KSM page on a stable node. The twin is registered first, so
 * that the fixture's page is the one ksmd scans second and upgrades (try_to_merge_two_pages():
 * the scanned page becomes the KSM page, the unstable tree's is replaced by it), and the KSM
 * folio stays on the node the case asked for.
 */
import {
  createProcess,
  doMmap,
  fixtureFail,
  fixtureFaultIn,
  folioWalkStart,
  type ConformanceFixture,
  type FixtureFolio,
  type FixtureFolioOptions,
  type Kernel,
} from "@foliox/core";
import { STABLE_FLAG } from "./ksm-state.js";
import { ksmMadviseMergeable, ksmRmapItem, ksmdScan } from "./ksmd.js";
import { ksmGetFolioProbe } from "./stable-tree.js";

export function makeKsmFolio(k: Kernel, base: ConformanceFixture, nid: number, order: number, opts: FixtureFolioOptions = {}): FixtureFolio {
  if (order !== 0) fixtureFail("ksm", `KSM folios are order 0, not ${order}`);
  const twin = createProcess(k, { nid });
  const mm = twin.mm!;
  const addr = doMmap(k, mm, 4096);
  if (addr < 0) fixtureFail("ksm", `mmap failed (${addr})`);
  fixtureFaultIn(k, "ksm", mm, addr, 4096, nid, true);
  const f = base.makeFolio(k, nid, 0, { task: opts.task });
  // The twin writes the same 4 KiB as the fixture's process (content and integrity shadow).
  const token = k.mem.content[f.head]!;
  const twinPage = folioWalkStart(k, mm, addr);
  k.content.writePage(twinPage, token);
  k.pgtables.walk(mm.pgd, addr / 4096, false);
  k.pgtables.shadow[k.pgtables.off] = token;
  ksmMadviseMergeable(k, mm, addr, 4096);
  ksmMadviseMergeable(k, f.task.mm!, f.addr, 4096);
  for (let scan = 0; scan < 3 && !k.mem.folioTestKsm(folioWalkStart(k, f.task.mm!, f.addr)); scan++) {
    if (!ksmdScan(k)) fixtureFail("ksm", "ksm_thread_mutex is held");
  }
  const head = folioWalkStart(k, f.task.mm!, f.addr);
  if (head < 0 || !k.mem.folioTestKsm(head) || k.folioNid(head) !== nid) {
    fixtureFail(
      "ksm",
      `wanted a KSM folio on node ${nid}, got pfn ${head} (${head < 0 ? "none" : `ksm ${k.mem.folioTestKsm(head)}, node ${k.folioNid(head)}`})`,
    );
  }
  return { head, task: f.task, addr: f.addr, len: 4096 };
}

/** ksm_get_folio() on the stable node of the fixture folio's rmap item: the frame, or -1 (pruned). */
export function fixtureKsmGetFolio(k: Kernel, folio: FixtureFolio): number {
  const item = ksmRmapItem(k, folio.task.mm!, folio.addr);
  if (!item || (item.flags & STABLE_FLAG) === 0 || !item.head) return -1;
  return ksmGetFolioProbe(k, item.head);
}

/** The anon fixture with the "ksm" state and ksmGetFolio() added. */
export function withKsmFixture(base: ConformanceFixture): ConformanceFixture {
  return {
    ...base,
    makeFolio: (k, nid, order, opts = {}) => (opts.state === "ksm" ? makeKsmFolio(k, base, nid, order, opts) : base.makeFolio(k, nid, order, opts)),
    ksmGetFolio: fixtureKsmGetFolio,
  };
}
