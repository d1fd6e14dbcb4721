// folio_exchange vs bimigrate, per pair, for 4 KiB and 2 MiB folios, single and batched.
//
// One system per folio size, with n folios written by a process on node 0 and n by a process on
// node 1; pair i is (folio i of the first, folio i of the second), found by page-table lookup.
// A and B run on that same system and those same pairs, in turns.
//
// - exchange, single:    folio_exchange(a, b, MIGRATE_SYNC) per pair.
// - exchange, batched:   folio_exchange_batch(B pairs, MIGRATE_SYNC).
// - bimigrate, single:   folio_bimigrate(a, b, MIGRATE_SYNC): two one-way migrate_pages()
//                        calls (a -> node(b), then b -> node(a)), each of one folio.
// - bimigrate, batched:  the same with lists: isolate the B a's and the B b's, then
//                        migrate_pages(a's -> node(b)) and migrate_pages(b's -> node(a)) —
//                        two migrate_pages() calls per batch — then putback.
// Both nodes keep the headroom bimigrate needs above the watermarks (one batch of folios each).
//
// A pass touches every pair once; the pairs are re-found (untimed) before each pass, because a
// bimigrate moves each folio to a new pfn. A round is several passes of each side, interleaved
// (A B B A …); time per pair = the side's total time in the round / its pairs.
import {
  checkIntegrity,
  checkInvariants,
  folioBimigrate,
  folioExchange,
  folioExchangeBatch,
  isolateFolioForMigration,
  putbackMovablePages,
  migratePages,
  allocMigrationTargetCb,
  GFP_HIGHUSER_MOVABLE,
  __GFP_THISNODE,
  MIGRATE_SYNC,
  MR_SYSCALL,
  WMARK_HIGH,
} from "@foliox/core";
import { abRounds, cpuNs, nowNs } from "./lib/harness.mjs";
import { makeSystem, folioPairs, MiB } from "./lib/scenario.mjs";

const MODE = MIGRATE_SYNC;

export const CONFIGS = [
  { label: "4 KiB", order: 0, pairs: 2048, batch: 256, turns: { single: 6, batched: 6 }, memory: 64 * MiB },
  { label: "2 MiB", order: 9, pairs: 32, batch: 16, turns: { single: 10, batched: 10 }, memory: 256 * MiB },
];

/** The batched bimigrate: two migrate_pages() calls for the whole batch. Returns failures. */
function bimigrateBatch(k, batch) {
  const nidA = k.folioNid(batch[0][0]);
  const nidB = k.folioNid(batch[0][1]);
  const la = k.lists.alloc();
  const lb = k.lists.alloc();
  let failed = 0;
  for (const [a, b] of batch) {
    if (!isolateFolioForMigration(k, a, la)) failed++;
    if (!isolateFolioForMigration(k, b, lb)) failed++;
  }
  let rc = migratePages(k, la, allocMigrationTargetCb, null, { nid: nidB, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }, MODE, MR_SYSCALL);
  if (rc !== 0) failed += rc < 0 ? batch.length : rc;
  rc = migratePages(k, lb, allocMigrationTargetCb, null, { nid: nidA, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE }, MODE, MR_SYSCALL);
  if (rc !== 0) failed += rc < 0 ? batch.length : rc;
  putbackMovablePages(k, la);
  putbackMovablePages(k, lb);
  la.release();
  lb.release();
  return failed;
}

function headroom(k, order) {
  // free pages above the high watermark, per node, in folios of this order
  return k.topo.nodes.map((n) => {
    let free = 0;
    let high = 0;
    for (const z of n.zones) {
      free += k.alloc.zoneFreePages(z);
      high += k.alloc.wmarkPages(z, WMARK_HIGH);
    }
    return Math.floor((free - high) / (1 << order));
  });
}

/**
 * A side: `op(pairs)` runs every pair once (single or in batches) and returns the failures.
 * One turn is one pass over all pairs, re-found (untimed) first.
 */
function side(name, find, op) {
  return {
    name,
    measure() {
      const pairs = find();
      const c0 = cpuNs();
      const t0 = nowNs();
      const failed = op(pairs);
      const wall = nowNs() - t0;
      const cpu = cpuNs() - c0;
      if (failed) throw new Error(`${name}: ${failed} failures in a pass`);
      return { wall, cpu, ops: pairs.length };
    },
  };
}

export function runExchangeVsBimigrate({ rounds = 9, log = () => {} } = {}) {
  const results = [];
  for (const cfg of CONFIGS) {
    const k = makeSystem({ memory: [cfg.memory, cfg.memory] });
    const { find } = folioPairs(k, cfg.pairs, cfg.order);
    const room = headroom(k, cfg.order);
    if (room.some((r) => r < cfg.batch + 1)) throw new Error(`not enough headroom for bimigrate: ${room} folios free per node`);

    const exSingle = (pairs) => {
      let bad = 0;
      for (let i = 0; i < pairs.length; i++) if (folioExchange(k, pairs[i][0], pairs[i][1], MODE) !== 0) bad++;
      return bad;
    };
    const biSingle = (pairs) => {
      let bad = 0;
      for (let i = 0; i < pairs.length; i++) if (folioBimigrate(k, pairs[i][0], pairs[i][1], MODE) !== 0) bad++;
      return bad;
    };
    const exBatched = (pairs) => {
      let bad = 0;
      for (let i = 0; i < pairs.length; i += cfg.batch) {
        const rcs = folioExchangeBatch(k, pairs.slice(i, i + cfg.batch), MODE);
        for (const rc of rcs) if (rc !== 0) bad++;
      }
      return bad;
    };
    const biBatched = (pairs) => {
      let bad = 0;
      for (let i = 0; i < pairs.length; i += cfg.batch) bad += bimigrateBatch(k, pairs.slice(i, i + cfg.batch));
      return bad;
    };

    for (const [kind, ex, bi] of [
      ["single", exSingle, biSingle],
      ["batched", exBatched, biBatched],
    ]) {
      const turns = cfg.turns[kind];
      const r = abRounds({
        a: side("exchange", find, ex),
        b: side("bimigrate", find, bi),
        rounds,
        warmup: 2,
        turns,
      });
      const res = {
        folio: cfg.label,
        kind,
        batch: kind === "batched" ? cfg.batch : 1,
        pairs: cfg.pairs,
        pairsPerRound: cfg.pairs * turns,
        rounds,
        ratio: r.ratio,
        cpuRatio: r.cpuRatio,
        exchangeNsPerPair: r.a.nsPerOp,
        bimigrateNsPerPair: r.b.nsPerOp,
        exchangeCpuNsPerPair: r.a.cpuNsPerOp,
        bimigrateCpuNsPerPair: r.b.cpuNsPerOp,
        targetMet: r.ratio.median <= 1,
      };
      results.push(res);
      log(
        `  ${cfg.label} ${kind}: exchange/bimigrate ${r.ratio.median.toFixed(3)} (min ${r.ratio.min.toFixed(3)}, max ${r.ratio.max.toFixed(3)}), cpu-time ratio ${r.cpuRatio.median.toFixed(3)}; exchange ${(r.a.nsPerOp.median / 1000).toFixed(2)} µs/pair, bimigrate ${(r.b.nsPerOp.median / 1000).toFixed(2)} µs/pair`,
      );
    }
    // The runs must leave a consistent system behind.
    const integ = checkIntegrity(k);
    const inv = checkInvariants(k, { quiescent: true });
    if (!integ.ok || inv.length) throw new Error(`after ${cfg.label}: integrity ${integ.ok}, invariants: ${inv.slice(0, 3).join("; ")}`);
    const back = find();
    const onNode0 = back.filter(([a]) => k.folioNid(a) === 0).length;
    results.push({
      folio: cfg.label,
      check: { integrityPagesChecked: integ.pagesChecked, invariantViolations: 0, headroomFoliosPerNode: room, pairsWithFirstOnNode0: onNode0 },
    });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = runExchangeVsBimigrate({ log: console.log });
  console.log(JSON.stringify(out, null, 2));
}
