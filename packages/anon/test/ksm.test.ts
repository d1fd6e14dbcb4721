/**
 * KSM in @foliox/anon: merging (ksmd, stable tree, counters, read-only PTEs), COW of a KSM page
 * (cow_ksm), rmap_walk_ksm, folio_migrate_ksm, and the KSM folio exchange of
 * docs/decisions.md#ksm-exchange — ksm_get_folio() at every phase point, counts unchanged, two
 * exchanges restore kpfn, KSM↔KSM under ksm_thread_mutex or -EBUSY, ASYNC -EAGAIN, order-0
 * partner, the zero page -EFAULT — and seed-defect-8 (seed-literal) caught. Integrity and
 * checkInvariants() after every step.
 */
import { LOCK_FOLIO, LOCK_KSM_THREAD_MUTEX, LockdepBug, NR_LOCK_CLASSES, PG_locked, TaskOwner, lockAcquire, lockRelease } from "@foliox/core";
import {
  ACCESS_OK,
  COW_KSM,
  EAGAIN,
  EBUSY,
  EFAULT,
  EINVAL,
  EXCHANGE_FAILURE_POINTS,
  EXCHANGE_WOULD_BLOCK,
  ExchangeOp,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  MPOL_MF_MOVE,
  MPOL_MF_MOVE_ALL,
  NR_ANON_MAPPED,
  PG_anon_exclusive,
  accessVirtual,
  checkIntegrity,
  checkInvariants,
  copyProcess,
  createProcess,
  doMmap,
  folioExchange,
  pteWrite,
  syscalls,
  type Kernel,
  type Task,
} from "@foliox/core";
import { SeedLiteralExchange } from "@foliox/conformance";
import { CONFORMANCE_CASES, runConformance, probeBackends } from "@foliox/conformance";
import { describe, expect, it } from "vitest";
import {
  ksmExchangeBegin,
  ksmGetFolioProbe,
  ksmMadviseMergeable,
  ksmMergingPages,
  ksmOf,
  ksmRmapItem,
  ksmStats,
  ksmThreadMutexTrylock,
  ksmThreadMutexUnlock,
  ksmdRun,
  ksmdScan,
  registerAnon,
} from "../src/index.js";
import { folioAt, makeSystem, populate, snapshot } from "./scenario.js";

/** Quiescent invariants and the integrity shadow: no mover in flight. */
function healthy(k: Kernel, when: string): void {
  expect(checkInvariants(k, { quiescent: true }), `${when}: invariants`).toEqual([]);
  const integrity = checkIntegrity(k);
  expect(integrity.violations, `${when}: integrity`).toEqual([]);
}

/** The PTE of addr in task (walk done). */
function pteOf(k: Kernel, task: Task, addr: number): number {
  expect(k.pgtables.walk(task.mm!.pgd, addr / 4096, false)).toBe(true);
  return k.pgtables.leaf[k.pgtables.off]!;
}

/** The pfn the PTE of addr in task maps (its frame). */
function pfnOf(k: Kernel, task: Task, addr: number): number {
  pteOf(k, task, addr);
  return k.pgtables.frame[k.pgtables.off]!;
}

/** Make page `i` of `to` hold what page `j` of `from` holds (the process writes the same bytes). */
function copyData(k: Kernel, from: { task: Task; addr: number }, j: number, to: { task: Task; addr: number }, i: number): void {
  const src = folioAt(k, from.task, from.addr + j * 4096);
  const dst = folioAt(k, to.task, to.addr + i * 4096);
  const token = k.mem.content[src]!;
  k.content.writePage(dst, token);
  k.pgtables.walk(to.task.mm!.pgd, (to.addr + i * 4096) / 4096, false);
  k.pgtables.shadow[k.pgtables.off] = token;
}

/** The stable node of (task, addr)'s rmap item. */
function nodeOf(k: Kernel, task: Task, addr: number) {
  const item = ksmRmapItem(k, task.mm!, addr);
  expect(item?.head, `no stable rmap item at 0x${addr.toString(16)}`).toBeTruthy();
  return item!.head!;
}

/**
 * Two processes: A on the slow node (1), B on the fast node (0), 4 pages each; pages 0 and 1
 * hold the same data in both, pages 2 and 3 differ. After two full scans pages 0 and 1 are KSM.
 */
function merged(bytes = false) {
  const k = makeSystem({ bytes });
  const b = populate(k, 0, 4);
  const a = populate(k, 1, 4);
  copyData(k, a, 0, b, 0);
  copyData(k, a, 1, b, 1);
  expect(ksmMadviseMergeable(k, b.task.mm!, b.addr, 4 * 4096)).toBe(0);
  expect(ksmMadviseMergeable(k, a.task.mm!, a.addr, 4 * 4096)).toBe(0);
  return { k, a, b };
}

describe("KSM merging (ksmd)", () => {
  for (const bytes of [false, true]) {
    it(`${bytes ? "bytes" : "token"} mode: identical pages merge into KSM pages on a stable node, read-only, counted`, () => {
      const { k, a, b } = merged(bytes);
      const anonMapped = [0, 1].map((nid) => k.vmstat.nodePage(nid, NR_ANON_MAPPED));
      const before = [0, 1].map((i) => [folioAt(k, a.task, a.addr + i * 4096), folioAt(k, b.task, b.addr + i * 4096)]);
      // First scan: checksums recorded, nothing merged (a page must keep its checksum a whole scan).
      ksmdRun(k, 1);
      expect(ksmStats(k)).toMatchObject({ pagesShared: 0, pagesSharing: 0, fullScans: 1 });
      healthy(k, "after the first scan");
      ksmdRun(k, 1);
      expect(ksmStats(k)).toMatchObject({ pagesShared: 2, pagesSharing: 2, stableNodes: 2, fullScans: 2 });
      expect(ksmMergingPages(k, a.task.mm!)).toBe(2);
      expect(ksmMergingPages(k, b.task.mm!)).toBe(2);
      for (let i = 0; i < 2; i++) {
        const ka = folioAt(k, a.task, a.addr + i * 4096);
        expect(folioAt(k, b.task, b.addr + i * 4096)).toBe(ka);
        // the page scanned second (A's) becomes the KSM page; B's was replaced and freed
        expect(ka).toBe(before[i]![0]);
        expect(k.mem.folioTestKsm(ka)).toBe(true);
        expect(nodeOf(k, a.task, a.addr + i * 4096).kpfn).toBe(ka);
        expect(k.mem.folioMapcount(ka)).toBe(2);
        expect(k.mem.refcount[ka]).toBe(2);
        expect(k.mem.testFlag(ka, PG_anon_exclusive)).toBe(false);
        for (const [t, addr] of [
          [a.task, a.addr],
          [b.task, b.addr],
        ] as const) {
          const pte = pteOf(k, t, addr + i * 4096);
          expect(pfnOf(k, t, addr + i * 4096)).toBe(ka);
          expect(pteWrite(pte)).toBe(false);
        }
      }
      // pages 2 and 3 differ: still private and writable
      for (let i = 2; i < 4; i++) {
        const pa = folioAt(k, a.task, a.addr + i * 4096);
        expect(k.mem.folioTestKsm(pa)).toBe(false);
        expect(pteWrite(pteOf(k, a.task, a.addr + i * 4096))).toBe(true);
      }
      // B's two pages left NR_ANON_MAPPED on node 0
      expect([0, 1].map((nid) => k.vmstat.nodePage(nid, NR_ANON_MAPPED))).toEqual([anonMapped[0]! - 2, anonMapped[1]!]);
      healthy(k, "after the merge");
      // a third process with the same data shares the existing KSM page: pages_sharing + 1
      const c = populate(k, 0, 1);
      copyData(k, a, 0, c, 0);
      ksmMadviseMergeable(k, c.task.mm!, c.addr, 4096);
      ksmdRun(k, 2);
      expect(folioAt(k, c.task, c.addr)).toBe(before[0]![0]);
      expect(ksmStats(k)).toMatchObject({ pagesShared: 2, pagesSharing: 3 });
      expect(ksmMergingPages(k, c.task.mm!)).toBe(1);
      healthy(k, "after the third process merged");
    });
  }

  it("a write to a KSM page always copies (do_wp_page), counts cow_ksm, and the next scan breaks the sharing", () => {
    const { k, a, b } = merged();
    ksmdRun(k, 2);
    const kpage = folioAt(k, a.task, a.addr);
    const cow = k.vmstat.event(COW_KSM);
    expect(accessVirtual(k, a.task.mm!, a.addr, true)).toBe(ACCESS_OK);
    expect(k.vmstat.event(COW_KSM)).toBe(cow + 1);
    const mine = folioAt(k, a.task, a.addr);
    expect(mine).not.toBe(kpage);
    expect(k.mem.folioTestKsm(mine)).toBe(false);
    expect(pteWrite(pteOf(k, a.task, a.addr))).toBe(true);
    expect(folioAt(k, b.task, b.addr)).toBe(kpage);
    expect(k.mem.folioMapcount(kpage)).toBe(1);
    healthy(k, "after the COW");
    // The counters change when ksmd next meets the address (remove_rmap_item_from_tree).
    expect(ksmStats(k)).toMatchObject({ pagesShared: 2, pagesSharing: 2 });
    ksmdScan(k);
    expect(ksmStats(k)).toMatchObject({ pagesShared: 2, pagesSharing: 1 });
    expect(ksmMergingPages(k, a.task.mm!)).toBe(1);
    healthy(k, "after the rescan");
    // B writes too: the KSM page is freed; ksm_get_folio() finds the node stale and prunes it.
    const node = nodeOf(k, b.task, b.addr);
    expect(accessVirtual(k, b.task.mm!, b.addr, true)).toBe(ACCESS_OK);
    expect(k.vmstat.event(COW_KSM)).toBe(cow + 2);
    expect(k.mem.refcount[kpage]).toBe(0);
    healthy(k, "after the last mapping COWed");
    expect(ksmGetFolioProbe(k, node)).toBe(-1);
    expect(ksmStats(k)).toMatchObject({ pagesShared: 1, pagesSharing: 1, stableNodes: 1 });
    expect(ksmMergingPages(k, b.task.mm!)).toBe(1);
    healthy(k, "after the prune");
  });

  it("use_zero_pages: a page of zeros maps the zero page, which is not a folio: exchange_folios gives -EFAULT", () => {
    const k = makeSystem();
    const a = populate(k, 1, 2);
    const page = folioAt(k, a.task, a.addr);
    k.content.writePage(page, 0);
    k.pgtables.walk(a.task.mm!.pgd, a.addr / 4096, false);
    k.pgtables.shadow[k.pgtables.off] = 0;
    ksmOf(k).useZeroPages = true;
    ksmMadviseMergeable(k, a.task.mm!, a.addr, 2 * 4096);
    ksmdRun(k, 1);
    expect(ksmStats(k).zeroPages).toBe(1);
    expect(pfnOf(k, a.task, a.addr)).toBe(k.alloc.zeroPfn);
    healthy(k, "after the zero-page merge");
    const err = [0x5eed];
    expect(syscalls(k, a.task).exchangeFolios(0, 1, [a.addr], [a.addr + 4096], err)).toBe(1);
    expect(err).toEqual([-EFAULT]);
  });
});

/** A KSM page of A (node 1, shared with B) and a private anon page of P (node 0). */
function ksmAndAnon() {
  const m = merged();
  ksmdRun(m.k, 2);
  const p = populate(m.k, 0, 1);
  const ksm = folioAt(m.k, m.a.task, m.a.addr);
  const anon = folioAt(m.k, p.task, p.addr);
  return { ...m, p, ksm, anon };
}

describe("KSM folio exchange (docs/decisions.md#ksm-exchange)", () => {
  for (const ksmSide of ["old", "new"] as const) {
    it(`KSM as the ${ksmSide} folio: ksm_get_folio() inside the move (every exchange step) never sees a frozen frame carrying the stable node`, () => {
      const { k, a, ksm, anon } = ksmAndAnon();
      const node = nodeOf(k, a.task, a.addr);
      const [oldHead, newHead] = ksmSide === "old" ? [ksm, anon] : [anon, ksm];
      const seen: string[] = [];
      k.trace.on("mm_folio_exchange_step", ({ step }) => {
        // another CPU's ksm_get_folio(NOLOCK) at this moment: kpfn's frame carries N, so it must not be frozen
        const frame = node.kpfn;
        if (k.mem.mapping[frame] === ((node.id << 2) | 3)) expect(k.mem.refcount[frame], `refcount of kpfn ${frame} at ${step}`).toBeGreaterThan(0);
        expect(ksmGetFolioProbe(k, node), `ksm_get_folio at ${step}`).toBeGreaterThanOrEqual(0);
        seen.push(step);
      });
      expect(folioExchange(k, oldHead, newHead, MIGRATE_SYNC)).toBe(0);
      expect(seen).toContain("folio_exchange_mapping");
      expect(seen).toContain("folio_exchange_data");
      k.trace.removeAllListeners("mm_folio_exchange_step");
      expect(node.kpfn).toBe(anon);
      expect(ksmGetFolioProbe(k, node)).toBe(anon);
      healthy(k, "after the exchange");
    });

    it(`KSM as the ${ksmSide} folio: ksm_get_folio() succeeds at every phase point, and the stable node follows the data`, () => {
      const { k, a, b, p, ksm, anon } = ksmAndAnon();
      const node = nodeOf(k, a.task, a.addr);
      const stats = ksmStats(k);
      const merging = [ksmMergingPages(k, a.task.mm!), ksmMergingPages(k, b.task.mm!)];
      const refs = [k.mem.refcount[ksm], k.mem.refcount[anon]];
      const avRefs = k.anonVmas.map((av) => av?.refcount ?? -1);
      const tokens = [k.mem.content[ksm], k.mem.content[anon]];
      const [oldHead, newHead] = ksmSide === "old" ? [ksm, anon] : [anon, ksm];
      const op = new ExchangeOp(k, oldHead, newHead, MIGRATE_SYNC);
      const phases: string[] = [];
      while (!op.done) {
        expect(ksmGetFolioProbe(k, node), `ksm_get_folio before ${op.phase}`).toBeGreaterThanOrEqual(0);
        expect(k.mem.mapping[node.kpfn], `kpfn names a frame whose mapping is N (before ${op.phase})`).toBe((node.id << 2) | 3);
        phases.push(op.phase);
        expect(op.step()).not.toBe(EXCHANGE_WOULD_BLOCK);
        // Between the swap and the remap the migration entries name the frame the data left:
        // neither the rmap check nor the integrity shadow holds there (for any exchange).
        if (op.phase !== "remap") {
          expect(checkInvariants(k), `invariants after ${phases.at(-1)}`).toEqual([]);
          expect(checkIntegrity(k).ok, `integrity after ${phases.at(-1)}`).toBe(true);
        }
      }
      expect(phases).toEqual(["isolate", "lock", "supported", "unmap", "flush", "move", "remap", "unlock", "putback"]);
      expect(op.rc).toBe(0);
      // the stable node follows the data: kpfn is the anon frame, which now holds the KSM data
      expect(node.kpfn).toBe(anon);
      expect(ksmGetFolioProbe(k, node)).toBe(anon);
      expect([k.mem.content[anon], k.mem.content[ksm]]).toEqual(tokens);
      expect(k.mem.folioTestKsm(anon)).toBe(true);
      expect(k.mem.folioTestKsm(ksm)).toBe(false);
      // no reference moves beyond the PTEs' own (each data keeps its count: the KSM data its two
      // mappings, now on the anon frame); no counter changes; no anon_vma reference left behind
      expect([k.mem.refcount[anon], k.mem.refcount[ksm]]).toEqual(refs);
      expect(ksmStats(k)).toEqual(stats);
      expect([ksmMergingPages(k, a.task.mm!), ksmMergingPages(k, b.task.mm!)]).toEqual(merging);
      expect(k.anonVmas.map((av) => av?.refcount ?? -1)).toEqual(avRefs);
      // remapped through rmap_walk_ksm: both KSM PTEs read-only and not exclusive
      for (const [t, addr] of [
        [a.task, a.addr],
        [b.task, b.addr],
      ] as const) {
        expect(pfnOf(k, t, addr)).toBe(anon);
        expect(pteWrite(pteOf(k, t, addr))).toBe(false);
      }
      expect(k.mem.testFlag(anon, PG_anon_exclusive)).toBe(false);
      // the private side comes back writable and exclusive on the old KSM frame
      expect(pfnOf(k, p.task, p.addr)).toBe(ksm);
      expect(pteWrite(pteOf(k, p.task, p.addr))).toBe(true);
      expect(k.mem.testFlag(ksm, PG_anon_exclusive)).toBe(true);
      healthy(k, "after the exchange");
      // two exchanges restore the original kpfn
      expect(folioExchange(k, oldHead, newHead, MIGRATE_ASYNC)).toBe(0);
      expect(node.kpfn).toBe(ksm);
      expect(ksmGetFolioProbe(k, node)).toBe(ksm);
      expect(ksmStats(k)).toEqual(stats);
      healthy(k, "after the second exchange");
      // the KSM page still works as one: a write COWs it
      const cow = k.vmstat.event(COW_KSM);
      expect(accessVirtual(k, b.task.mm!, b.addr, true)).toBe(ACCESS_OK);
      expect(k.vmstat.event(COW_KSM)).toBe(cow + 1);
      healthy(k, "after a COW of the exchanged KSM page");
    });
  }

  it("the KSM folio is never frozen (ksm_get_folio would take it for freed); its count is checked instead", () => {
    const { k, a, ksm, anon } = ksmAndAnon();
    const node = nodeOf(k, a.task, a.addr);
    const seen: number[] = [];
    const check = k.faultInject.check.bind(k.faultInject);
    k.faultInject.check = (point: string) => {
      if (point === "folio_ref_freeze(new)") {
        seen.push(k.mem.refcount[ksm]!, k.mem.refcount[anon]!, ksmGetFolioProbe(k, node));
      }
      return check(point);
    };
    expect(folioExchange(k, ksm, anon, MIGRATE_SYNC)).toBe(0);
    // old (KSM) only checked at its expected count (1: isolation), so ksm_get_folio still finds it
    expect(seen).toEqual([1, 1, ksm]);
    healthy(k, "after the exchange");
  });

  it("a failure at each failure point leaves KSM state and everything else unchanged; the retry succeeds", () => {
    for (const point of EXCHANGE_FAILURE_POINTS) {
      const { k, a, ksm, anon } = ksmAndAnon();
      const node = nodeOf(k, a.task, a.addr);
      const stats = ksmStats(k);
      const before = snapshot(k) as { events: number[] };
      k.faultInject.arm(point, -EAGAIN);
      expect(folioExchange(k, ksm, anon, MIGRATE_SYNC), point).toBe(-EAGAIN);
      expect(snapshot(k), point).toEqual({ ...before, events: (snapshot(k) as { events: number[] }).events });
      expect(node.kpfn, point).toBe(ksm);
      expect(ksmStats(k), point).toEqual(stats);
      healthy(k, point);
      expect(folioExchange(k, ksm, anon, MIGRATE_SYNC), `${point}: retry`).toBe(0);
      expect(node.kpfn).toBe(anon);
      healthy(k, `${point}: retry`);
    }
  });

  it("a forked child's PTE is found by rmap_walk_ksm's second pass and follows the data", () => {
    const { k, a, ksm, anon } = ksmAndAnon();
    const child = copyProcess(k, a.task);
    if (typeof child === "number") throw new Error(`fork: ${child}`);
    expect(folioAt(k, child, a.addr)).toBe(ksm);
    healthy(k, "after fork");
    expect(folioExchange(k, ksm, anon, MIGRATE_SYNC)).toBe(0);
    expect(folioAt(k, child, a.addr)).toBe(anon);
    expect(pteWrite(pteOf(k, child, a.addr))).toBe(false);
    healthy(k, "after the exchange");
  });

  it("the partner of a KSM folio must be order 0: order 9 is refused with -EINVAL, nothing changes", () => {
    const k = makeSystem({ memory: [16 << 20, 16 << 20] });
    const b = populate(k, 0, 1);
    const a = populate(k, 1, 1);
    copyData(k, a, 0, b, 0);
    ksmMadviseMergeable(k, b.task.mm!, b.addr, 4096);
    ksmMadviseMergeable(k, a.task.mm!, a.addr, 4096);
    ksmdRun(k, 2);
    const ksm = folioAt(k, a.task, a.addr);
    expect(k.mem.folioTestKsm(ksm)).toBe(true);
    const big = populate(k, 0, 512, 9);
    const thp = folioAt(k, big.task, big.addr);
    expect(k.mem.order[thp]).toBe(9);
    const before = snapshot(k);
    expect(folioExchange(k, ksm, thp, MIGRATE_SYNC)).toBe(-EINVAL);
    expect(folioExchange(k, thp, ksm, MIGRATE_SYNC)).toBe(-EINVAL);
    expect(snapshot(k)).toEqual({ ...(before as object), events: (snapshot(k) as { events: number[] }).events });
    // the backend's own check, should mixed orders ever get past the argument check
    expect(ksmExchangeBegin(k, ksm, thp, true, k.waits.current)).toBe(-EINVAL);
    healthy(k, "after the refusals");
  });

  describe("KSM↔KSM", () => {
    const twoKsm = () => {
      const { k, a, b } = merged();
      ksmdRun(k, 2);
      // page 0 and page 1 of A are two KSM pages on two stable nodes; move page 1's to node 0
      const k0 = folioAt(k, a.task, a.addr);
      const n0 = nodeOf(k, a.task, a.addr);
      const n1 = nodeOf(k, a.task, a.addr + 4096);
      const k1 = n1.kpfn;
      return { k, a, b, k0, k1, n0, n1 };
    };

    it("SYNC holds ksm_thread_mutex across the exchange: both nodes follow their data, ksmd cannot scan meanwhile", () => {
      const { k, a, b, k0, k1, n0, n1 } = twoKsm();
      const stats = ksmStats(k);
      const op = new ExchangeOp(k, k0, k1, MIGRATE_SYNC);
      while (op.phase !== "unmap") expect(op.step()).toBe(0);
      expect(ksmOf(k).threadMutex).toMatch(/^folio_exchange/);
      expect(ksmdScan(k)).toBe(false);
      while (!op.done) {
        expect(op.step()).toBe(0);
        const phase: string = op.phase;
        if (phase === "flush" || phase === "move" || phase === "remap" || phase === "unlock") expect(ksmOf(k).threadMutex).not.toBeNull();
        if (phase !== "remap") expect(checkInvariants(k)).toEqual([]);
      }
      expect(op.rc).toBe(0);
      expect(ksmOf(k).threadMutex).toBeNull();
      expect([n0.kpfn, n1.kpfn]).toEqual([k1, k0]);
      expect([ksmGetFolioProbe(k, n0), ksmGetFolioProbe(k, n1)]).toEqual([k1, k0]);
      expect(folioAt(k, a.task, a.addr)).toBe(k1);
      expect(folioAt(k, b.task, b.addr + 4096)).toBe(k0);
      expect(ksmStats(k)).toEqual(stats);
      healthy(k, "after KSM↔KSM");
      expect(folioExchange(k, k0, k1, MIGRATE_SYNC)).toBe(0);
      expect([n0.kpfn, n1.kpfn]).toEqual([k0, k1]);
      healthy(k, "after KSM↔KSM twice");
      expect(ksmdScan(k)).toBe(true);
    });

    it("SYNC waits while ksmd holds ksm_thread_mutex, then completes; the mutex is taken before the folio locks", () => {
      const { k, k0, k1, n0 } = twoKsm();
      expect(ksmThreadMutexTrylock(k, "ksmd")).toBe(true);
      const op = new ExchangeOp(k, k0, k1, MIGRATE_SYNC);
      expect(op.step()).toBe(0); // isolate
      for (let i = 0; i < 3; i++) expect(op.step()).toBe(EXCHANGE_WOULD_BLOCK);
      expect(op.phase).toBe("lock");
      // ksmd's order: ksm_thread_mutex, then folio locks; the exchange holds no folio lock while it waits.
      expect([k.mem.testFlag(k0, PG_locked), k.mem.testFlag(k1, PG_locked)]).toEqual([false, false]);
      ksmThreadMutexUnlock(k, "ksmd");
      while (!op.done) expect(op.step()).toBe(0);
      expect(op.rc).toBe(0);
      expect(n0.kpfn).toBe(k1);
      healthy(k, "after the wait");
    });

    it("SYNC with the mutex held by someone who cannot move: -EAGAIN after the wait, nothing left locked or isolated", () => {
      const { k, k0, k1 } = twoKsm();
      expect(ksmThreadMutexTrylock(k, "a test")).toBe(true);
      const before = snapshot(k) as { events: number[] };
      expect(folioExchange(k, k0, k1, MIGRATE_SYNC)).toBe(-EAGAIN);
      expect(snapshot(k)).toEqual({ ...before, events: (snapshot(k) as { events: number[] }).events });
      expect(k.waits.waitsFailed).toBe(1);
      ksmThreadMutexUnlock(k, "a test");
      healthy(k, "after the failed wait");
    });

    it("lockdep: KSM↔KSM and ksmd's remove_rmap_item_from_tree() take ksm_thread_mutex before folio locks (no ABBA), in either order", () => {
      for (const exchangeFirst of [true, false]) {
        const { k, a, k0, k1 } = twoKsm();
        const exchange = () => expect(folioExchange(k, k0, k1, MIGRATE_SYNC)).toBe(0);
        // A COW of A's first KSM page: ksmd's next scan finds the stable item's page gone and
        // removes it from the tree: ksm_get_folio(KSM_GET_FOLIO_LOCK) under ksm_thread_mutex.
        const ksmdRemoves = () => {
          expect(accessVirtual(k, a.task.mm!, a.addr + 4096, true)).toBe(ACCESS_OK);
          expect(ksmdScan(k)).toBe(true);
        };
        if (exchangeFirst) {
          exchange();
          ksmdRemoves();
        } else {
          ksmdRemoves();
          exchange();
        }
        const n = NR_LOCK_CLASSES;
        expect(k.lockdep.dep[LOCK_KSM_THREAD_MUTEX * n + LOCK_FOLIO]).toBe(1);
        expect(k.lockdep.dep[LOCK_FOLIO * n + LOCK_KSM_THREAD_MUTEX]).toBe(0);
        healthy(k, "after the exchange and the scan");
      }
    });

    it("lockdep reports the ABBA of folio locks then ksm_thread_mutex with both acquisition chains", () => {
      const { k, k0 } = twoKsm();
      const ksmd = ksmOf(k).ksmd;
      const task = new TaskOwner("test task");
      lockAcquire(k.lockdep, LOCK_KSM_THREAD_MUTEX, -1, ksmd);
      lockAcquire(k.lockdep, LOCK_FOLIO, k0, ksmd);
      lockRelease(k.lockdep, LOCK_FOLIO, k0, ksmd);
      lockRelease(k.lockdep, LOCK_KSM_THREAD_MUTEX, -1, ksmd);
      lockAcquire(k.lockdep, LOCK_FOLIO, k0, task);
      let report: LockdepBug | null = null;
      try {
        lockAcquire(k.lockdep, LOCK_KSM_THREAD_MUTEX, -1, task);
      } catch (e) {
        report = e as LockdepBug;
      }
      expect(report?.report.kind).toBe("circular locking dependency");
      expect(report?.report.chain).toBe(`test task: folio_lock#${k0} -> ksm_thread_mutex`);
      expect(report?.report.otherChain).toBe(`ksmd: ksm_thread_mutex -> folio_lock#${k0}`);
    });

    it("ksmd's ksm_get_folio(LOCK) on a folio an exchange holds between phases runs the exchange forward, then goes on (the reference it sleeps with fails the freeze: -EAGAIN)", () => {
      const { k, a, ksm, anon } = ksmAndAnon();
      const op = new ExchangeOp(k, ksm, anon, MIGRATE_SYNC);
      while (op.phase !== "unmap") expect(op.step()).toBe(0);
      // ksmd removes A's stable item for the KSM page the exchange holds locked
      expect(accessVirtual(k, a.task.mm!, a.addr, true)).toBe(ACCESS_OK);
      expect(k.mem.testFlag(ksm, PG_locked)).toBe(true);
      expect(ksmdScan(k)).toBe(true);
      // run forward until it unlocked: only the putback is left. ksm_get_folio() took its
      // reference before it slept, so the exchange's freeze failed, as a migration's would.
      expect(op.phase).toBe("putback");
      expect(op.step()).toBe(0);
      expect(op.rc).toBe(-EAGAIN);
      expect(k.waits.waits).toBeGreaterThan(0);
      expect(k.waits.waitNs).toBeGreaterThan(0);
      healthy(k, "after ksmd waited on the exchange");
    });

    it("ASYNC: a failed trylock of ksm_thread_mutex is -EAGAIN and nothing changes", () => {
      const { k, k0, k1 } = twoKsm();
      expect(ksmThreadMutexTrylock(k, "ksmd")).toBe(true);
      const before = snapshot(k) as { events: number[] };
      expect(folioExchange(k, k0, k1, MIGRATE_ASYNC)).toBe(-EAGAIN);
      expect(snapshot(k)).toEqual({ ...before, events: (snapshot(k) as { events: number[] }).events });
      ksmThreadMutexUnlock(k, "ksmd");
      healthy(k, "after the refusal");
      expect(folioExchange(k, k0, k1, MIGRATE_ASYNC)).toBe(0);
      healthy(k, "after the retry");
    });

    it("a system that refuses KSM↔KSM gives -EBUSY in every mode; KSM↔anon still works", () => {
      const { k, a, k0, k1 } = twoKsm();
      ksmOf(k).ksmKsmExchange = "refuse";
      for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC]) expect(folioExchange(k, k0, k1, mode)).toBe(-EBUSY);
      healthy(k, "after the refusals");
      const p = populate(k, 0, 1);
      const anon = folioAt(k, p.task, p.addr);
      expect(folioExchange(k, k0, anon, MIGRATE_SYNC)).toBe(0);
      expect(folioAt(k, a.task, a.addr)).toBe(anon);
      expect(folioAt(k, p.task, p.addr)).toBe(k0);
      healthy(k, "after KSM↔anon");
    });
  });

  it("seed-defect-8 (seed-literal): the mapping moves without kpfn, ksm_get_folio() prunes the node and the folio's mapping dangles", () => {
    const { k, a, ksm, anon } = ksmAndAnon();
    const node = nodeOf(k, a.task, a.addr);
    expect(folioExchange(k, ksm, anon, MIGRATE_SYNC, new SeedLiteralExchange(["9b.8"]))).toBe(0);
    expect(node.kpfn).toBe(ksm);
    expect(checkInvariants(k, { quiescent: true }).some((s) => /kpfn is/.test(s))).toBe(true);
    expect(ksmGetFolioProbe(k, node)).toBe(-1);
  });

  it("the conformance case ksm.get-folio-every-phase passes for foliox and fails under seed-literal:9b.8", () => {
    const backends = probeBackends(registerAnon, "@foliox/anon");
    const cases = CONFORMANCE_CASES.filter((c) => c.id === "ksm.get-folio-every-phase");
    const ok = runConformance({ backends, cases });
    expect(ok.pairs[0]!.cases[0]).toMatchObject({ id: "ksm.get-folio-every-phase", status: "pass" });
    const bad = runConformance({ backends, cases, mover: "seed-literal:9b.8" });
    expect(bad.pairs[0]!.cases[0]).toMatchObject({ status: "fail" });
    expect(bad.pairs[0]!.cases[0]!.detail).toMatch(/pruned the stable node/);
  });
});

describe("KSM folio migration (folio_migrate_ksm)", () => {
  it("move_pages of a KSM page: -EACCES without MOVE_ALL; with it kpfn names the new frame, the old one names no node", () => {
    const { k, a, b } = merged();
    ksmdRun(k, 2);
    const ksm = folioAt(k, a.task, a.addr);
    const node = nodeOf(k, a.task, a.addr);
    const stats = ksmStats(k);
    const status = [0x5eed];
    expect(syscalls(k, a.task).movePages(0, 1, [a.addr], [0], status, MPOL_MF_MOVE)).toBe(0);
    expect(status).toEqual([-13]);
    const admin = createProcess(k, { nid: 0, cred: { uid: 0, capSysNice: true, capSysPtrace: true } });
    expect(syscalls(k, admin).movePages(a.task.pid, 1, [a.addr], [0], status, MPOL_MF_MOVE_ALL)).toBe(0);
    expect(status).toEqual([0]);
    const moved = folioAt(k, a.task, a.addr);
    expect(moved).not.toBe(ksm);
    expect(k.folioNid(moved)).toBe(0);
    expect(node.kpfn).toBe(moved);
    expect(ksmGetFolioProbe(k, node)).toBe(moved);
    expect(k.mem.folioTestKsm(moved)).toBe(true);
    expect(k.mem.refcount[ksm]).toBe(0); // the old folio was freed
    expect(folioAt(k, b.task, b.addr)).toBe(moved);
    expect(pteWrite(pteOf(k, b.task, b.addr))).toBe(false);
    expect(ksmStats(k)).toEqual(stats);
    healthy(k, "after the migration");
    // and an exchange of the migrated KSM page still keeps kpfn right
    const p = populate(k, 1, 1);
    const anon = folioAt(k, p.task, p.addr);
    expect(folioExchange(k, moved, anon, MIGRATE_SYNC)).toBe(0);
    expect(node.kpfn).toBe(anon);
    healthy(k, "after migrate then exchange");
  });

  it("an mmap/munmap of unrelated memory and a rescan leave the KSM pages alone", () => {
    const { k, a } = merged();
    ksmdRun(k, 2);
    const stats = ksmStats(k);
    const extra = doMmap(k, a.task.mm!, 4096);
    expect(extra).toBeGreaterThan(0);
    ksmdRun(k, 2);
    expect(ksmStats(k)).toMatchObject({ pagesShared: stats.pagesShared, pagesSharing: stats.pagesSharing });
    healthy(k, "after rescans");
  });
});
