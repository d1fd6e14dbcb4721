// Scale: machines of 1, 16, 64, 256 and 1024 GiB, a quarter DRAM and three quarters CXL (the
// dram-cxl nodes; 1 TiB is the dram-cxl-1t preset, 256 GiB + 768 GiB).
//
// Build and memory, each size in a child process of its own (`--child=GIB`, so that RSS is the
// machine's alone): the build time (wall and CPU of createSystem), RSS after the build, then RSS
// after a workload writes T GiB — 64 GiB, or three quarters of a machine smaller than 86 GiB —
// from one process on the DRAM node (falling back to CXL where DRAM is full), seven eighths in
// 2 MiB folios and one eighth in 4 KiB pages, RSS read after a full GC.
//
// Per-operation cost, side by side in this process: the same small set-up on a machine of each
// size (2048 written 4 KiB pages per node), then each size against the 1 GiB machine in turns
// (lib/harness.mjs abRounds), for
//   - a fault: the first store to a page of a fresh mapping (do_anonymous_page), 1024 a turn;
//   - a 4 KiB migration: migrate_pages() of one folio to the other node, 512 a turn;
//   - a 4 KiB exchange: folio_exchange() of a pair, 2048 a turn.
// The figure is the ratio size / 1 GiB of CPU time per operation (wall beside it).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  ACCESS_OK,
  GFP_HIGHUSER_MOVABLE,
  MIGRATE_SYNC,
  MR_SYSCALL,
  __GFP_THISNODE,
  accessVirtual,
  allocMigrationTargetCb,
  createProcess,
  createSystem,
  doMmap,
  doMunmap,
  folioExchange,
  isolateFolioForMigration,
  migratePages,
  putbackMovablePages,
} from "@foliox/core";
import { abRounds, cpuNs, nowNs } from "./lib/harness.mjs";
import { folioPairs } from "./lib/scenario.mjs";

const GiB = 2 ** 30;
export const SIZES_GIB = [1, 16, 64, 256, 1024];
const TOUCH_GIB = 64;

async function machine(gib) {
  const { registerAnon } = await import("@foliox/anon");
  const opts = gib === 1024 ? { topology: "dram-cxl-1t" } : { topology: "dram-cxl", memory: [(gib * GiB) / 4, (gib * GiB * 3) / 4] };
  return createSystem({ ...opts, backends: [registerAnon], lockdep: false }).kernel;
}

function usage() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

/** Write `pages` pages from a process on node 0, in folios of `order`. */
function touch(k, task, pages, order) {
  const addr = doMmap(k, task.mm, pages * 4096, { thpOrder: order });
  if (addr < 0) throw new Error(`mmap of ${pages} pages failed: ${addr}`);
  const step = 1 << order;
  for (let i = 0; i < pages; i += step) {
    const rc = accessVirtual(k, task.mm, addr + i * 4096, true);
    if (rc !== ACCESS_OK) throw new Error(`write fault failed at page ${i}: ${rc}`);
  }
  if (order > 0) for (let i = 0; i < pages; i++) if (i % step !== 0) accessVirtual(k, task.mm, addr + i * 4096, true);
}

async function child(gib) {
  const baseline = usage();
  const c0 = cpuNs();
  const t0 = nowNs();
  const k = await machine(gib);
  const buildWallMs = (nowNs() - t0) / 1e6;
  const buildCpuMs = (cpuNs() - c0) / 1e6;
  const afterBuild = usage();
  const sectionsAtBoot = k.mem.nrSectionsInitialized;
  const touchGiB = gib * 0.75 < TOUCH_GIB ? gib * 0.75 : TOUCH_GIB;
  const pages = (touchGiB * GiB) / 4096;
  const task = createProcess(k, { nid: 0 });
  const t1 = nowNs();
  touch(k, task, (pages / 8) * 7, 9);
  touch(k, task, pages / 8, 0);
  const touchWallMs = (nowNs() - t1) / 1e6;
  const after = usage();
  const out = {
    gib,
    nrPages: k.topo.nrPages,
    buildWallMs,
    buildCpuMs,
    sectionsAtBoot,
    sections: k.mem.nrSections,
    sectionsAfterTouch: k.mem.nrSectionsInitialized,
    touchGiB,
    touchWallMs,
    pageTableBytes: k.pgtables.bytes,
    baseline,
    afterBuild,
    after,
  };
  if (k.topo.nrPages === 0) console.log("");
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function spawnChild(gib) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), `--child=${gib}`], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    p.stdout.on("data", (d) => (buf += d));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(JSON.parse(buf.trim().split("\n").pop())) : reject(new Error(`scale child ${gib} GiB exited with ${code}`))));
  });
}

/** The per-operation sides of one machine. */
export async function opSides(gib) {
  const k = await machine(gib);
  const { find } = folioPairs(k, 2048, 0);
  const faulter = createProcess(k, { nid: 0 });
  const list = k.lists.alloc();
  const to = [
    { nid: 1, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
    { nid: 0, nmask: null, gfpMask: GFP_HIGHUSER_MOVABLE | __GFP_THISNODE },
  ];
  const name = `${gib} GiB`;
  return {
    fault: {
      name,
      measure() {
        const n = 1024;
        const addr = doMmap(k, faulter.mm, n * 4096);
        const c0 = cpuNs();
        const t0 = nowNs();
        for (let i = 0; i < n; i++) if (accessVirtual(k, faulter.mm, addr + i * 4096, true) !== ACCESS_OK) throw new Error("fault failed");
        const wall = nowNs() - t0;
        const cpu = cpuNs() - c0;
        doMunmap(k, faulter.mm, addr, n * 4096);
        return { wall, cpu, ops: n };
      },
    },
    migrate: {
      name,
      measure() {
        const heads = find()
          .slice(0, 512)
          .map((p) => p[0]);
        const c0 = cpuNs();
        const t0 = nowNs();
        for (const head of heads) {
          if (!isolateFolioForMigration(k, head, list)) throw new Error("isolate failed");
          const rc = migratePages(k, list, allocMigrationTargetCb, null, to[k.folioNid(head)], MIGRATE_SYNC, MR_SYSCALL);
          if (rc !== 0) throw new Error(`migrate_pages: ${rc}`);
          putbackMovablePages(k, list);
        }
        return { wall: nowNs() - t0, cpu: cpuNs() - c0, ops: heads.length };
      },
    },
    exchange: {
      name,
      measure() {
        const pairs = find();
        const c0 = cpuNs();
        const t0 = nowNs();
        for (const p of pairs) if (folioExchange(k, p[0], p[1], MIGRATE_SYNC) !== 0) throw new Error("exchange failed");
        return { wall: nowNs() - t0, cpu: cpuNs() - c0, ops: pairs.length };
      },
    },
  };
}

export async function runScale({ rounds = 9, log = () => {} } = {}) {
  const machines = [];
  for (const gib of SIZES_GIB) {
    const r = await spawnChild(gib);
    machines.push(r);
    log(
      `  scale ${gib} GiB: build ${r.buildWallMs.toFixed(0)} ms wall, ${r.buildCpuMs.toFixed(0)} ms CPU; RSS ${(r.afterBuild.rss / 2 ** 20).toFixed(0)} MiB after build, ${(r.after.rss / GiB).toFixed(2)} GiB after touching ${r.touchGiB} GiB`,
    );
  }
  const sides = {};
  for (const gib of SIZES_GIB) sides[gib] = await opSides(gib);
  const ops = [];
  for (const op of ["fault", "migrate", "exchange"]) {
    for (const gib of SIZES_GIB.slice(1)) {
      const r = abRounds({ a: sides[gib][op], b: sides[1][op], rounds, warmup: 2, turns: 2 });
      ops.push({
        op,
        gib,
        cpuRatio: r.cpuRatio,
        ratio: r.ratio,
        cpuNsPerOp: r.a.cpuNsPerOp,
        nsPerOp: r.a.nsPerOp,
        baseCpuNsPerOp: r.b.cpuNsPerOp,
        baseNsPerOp: r.b.nsPerOp,
      });
      log(
        `  scale ${op} ${gib} GiB / 1 GiB: CPU ${r.cpuRatio.median.toFixed(3)} (${r.cpuRatio.min.toFixed(3)}, ${r.cpuRatio.max.toFixed(3)}), wall ${r.ratio.median.toFixed(3)}; ${(r.a.cpuNsPerOp.median / 1000).toFixed(2)} µs CPU per op`,
      );
    }
  }
  return { machines, ops };
}

const childArg = process.argv.find((a) => a.startsWith("--child="));
if (childArg) {
  await child(Number(childArg.slice("--child=".length)));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runScale({ log: console.log, rounds: 5 }), null, 2));
}
