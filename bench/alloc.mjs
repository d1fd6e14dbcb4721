// Allocation per operation in steady state: V8's heap space statistics around 100 k operations
// after a warm-up, a full GC first (needs --expose-gc). Code space is left out: a late
// optimization's code is the JIT's, not the operation's. Of three runs the smallest counts (a
// run that meets a late deoptimization shows that once; an allocation per operation shows in
// every run); a run during which the young generation was collected allocated at least its
// size and reports Infinity.
//
// - 4 KiB exchange:           folioExchange(a, b, MIGRATE_SYNC) over 2048 pairs, in turn.
// - batched exchange, a pair: folioExchangeBatch() of 64 pairs, results into the caller's array.
// - one-folio migrate_pages(): isolate, migratePages() to the other node, putback.
// - access (core):            accessVirtualSplit() of a present page, loads and stores.
// - simulated access:         the tiering engine replaying a workload that fits in memory
//                             (linux-default on the uniform scenario), between two epochs,
//                             epoch-end work included.
//
// The systems are built as simulation runs build them (lib/scenario.mjs: lockdep off); the
// exchange's is also measured with lockdep on.
import {
  ACCESS_OK,
  GFP_HIGHUSER_MOVABLE,
  MIGRATE_SYNC,
  MR_SYSCALL,
  __GFP_THISNODE,
  accessVirtualSplit,
  addrHi,
  addrLo,
  allocMigrationTargetCb,
  folioExchange,
  folioExchangeBatch,
  isolateFolioForMigration,
  heapSpaceUsed,
  measureBytesPerOp,
  migratePages,
  putbackMovablePages,
} from "@foliox/core";
import { folioPairs, makeSystem, MiB } from "./lib/scenario.mjs";

/** Bytes per operation: the smallest of `tries` runs of `n` operations, after `warm` of them (measureBytesPerOp). */
export function bytesPerOp(op, opts) {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  return measureBytesPerOp(op, globalThis.gc, opts);
}

/** The folio at page i of a process's mapping, found with the address split (a whole address passed to a call is boxed). */
function folioFinder(k, task, addr) {
  const pt = k.pgtables;
  const hi = addrHi(addr);
  const vpnLo = addrLo(addr) >>> 12;
  return (i) => (pt.walkSplit(task.mm.pgd, hi, vpnLo + i, false) ? k.mem.pageFolio(pt.frame[pt.off]) : -1);
}

function exchangeCase(lockdep) {
  const k = makeSystem({ memory: [64 * MiB, 64 * MiB], lockdep });
  const { pairs } = folioPairs(k, 2048, 0);
  const n = pairs.length;
  return bytesPerOp((i) => {
    const p = pairs[i % n];
    if (folioExchange(k, p[0], p[1], MIGRATE_SYNC) !== 0) throw new Error("exchange failed");
  });
}

function batchCase() {
  const k = makeSystem({ memory: [64 * MiB, 64 * MiB] });
  const { pairs } = folioPairs(k, 2048, 0);
  const B = 64;
  const batches = [];
  for (let i = 0; i < pairs.length; i += B) batches.push(pairs.slice(i, i + B));
  const out = [];
  const r = bytesPerOp(
    (i) => {
      folioExchangeBatch(k, batches[i % batches.length], MIGRATE_SYNC, undefined, out);
      if (out[0] !== 0) throw new Error("batch failed");
    },
    { warm: 500, n: 2000 },
  );
  return { ...r, bytesPerOp: r.bytesPerOp / B, batch: B, pairs: r.ops * B };
}

function migrateCase() {
  const k = makeSystem({ memory: [64 * MiB, 64 * MiB] });
  const { p0 } = folioPairs(k, 1024, 0);
  const at = folioFinder(k, p0.task, p0.addr);
  const list = k.lists.alloc();
  const to = [
    { nid: 1, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
    { nid: 0, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
  ];
  return bytesPerOp(
    (i) => {
      const head = at(i & 1023);
      if (!isolateFolioForMigration(k, head, list)) throw new Error("isolate failed");
      const rc = migratePages(k, list, allocMigrationTargetCb, null, to[k.folioNid(head)], MIGRATE_SYNC, MR_SYSCALL);
      if (rc !== 0) throw new Error(`migrate_pages: ${rc}`);
      putbackMovablePages(k, list);
    },
    { warm: 20_000, n: 50_000 },
  );
}

function accessCase() {
  const k = makeSystem({ memory: [64 * MiB, 64 * MiB] });
  const { p0 } = folioPairs(k, 2048, 0);
  const hi = addrHi(p0.addr);
  const lo = addrLo(p0.addr);
  const mm = p0.task.mm;
  return bytesPerOp((i) => {
    if (accessVirtualSplit(k, mm, hi, lo + (i & 2047) * 4096, (i & 1) === 0) !== ACCESS_OK) throw new Error("access failed");
  });
}

async function simulatedAccessCase() {
  const { registerAnon } = await import("@foliox/anon");
  const { builtinScenario, prepareScenario, runSimulation } = await import("@foliox/tiering");
  const scenario = builtinScenario("uniform", { stack: "linux-default", epochs: 24, pressure: "none", memory: { fast: 256 * MiB, slow: 256 * MiB } });
  const { kernel, container, workload, pids } = prepareScenario(scenario, { backends: [registerAnon] });
  const perEpoch = scenario.workload.accessesPerEpoch;
  const runs = [];
  let before = null;
  await runSimulation(kernel, {
    source: () => workload.batches(pids),
    stack: scenario.stack,
    container,
    epochAccesses: perEpoch,
    seed: 1,
    onEpoch: (_rec, i) => {
      if (i < 8) return;
      const now = heapSpaceUsed();
      if (before) runs.push(now.young < before.young ? Infinity : (now.used - before.used) / perEpoch);
      globalThis.gc();
      before = heapSpaceUsed();
    },
  });
  runs.sort((a, b) => a - b);
  return { bytesPerOp: runs[runs.length >> 1], runs, ops: perEpoch, note: "median over epochs 9-23 of entries per epoch" };
}

export async function runAlloc({ log = () => {} } = {}) {
  const cases = [
    ["4 KiB exchange", () => exchangeCase(false)],
    ["4 KiB exchange, lockdep on", () => exchangeCase(true)],
    ["batched exchange, per pair", batchCase],
    ["one-folio migrate_pages()", migrateCase],
    ["access (core, present PTE)", accessCase],
    ["simulated access (engine)", simulatedAccessCase],
  ];
  const out = [];
  for (const [what, fn] of cases) {
    const r = await fn();
    out.push({ what, ...r });
    log(`  alloc: ${what}: ${r.bytesPerOp.toFixed(2)} bytes/op`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runAlloc({ log: console.log }), null, 2));
}
