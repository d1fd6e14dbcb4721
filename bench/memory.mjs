// Memory per simulated GiB. A 64 GiB dram-cxl machine (32 GiB DRAM + 32 GiB CXL, 16 M base
// pages) is built with createSystem, and a workload writes most of it — one process per node,
// each touching all of its node but a little headroom above the watermarks, mostly in 2 MiB
// folios with a share of 4 KiB ones — so that mem_map, the LRU/buddy links and the page tables
// are populated for the memory touched. Then RSS and the V8 heap are read with
// process.memoryUsage() after a full GC.
//
// This runs in a child process of its own (`node --expose-gc bench/memory.mjs --child`) so that
// the other suites' garbage cannot pollute it; the parent calls runMemory(), which spawns it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function usage() {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function child() {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  const { makeSystem, populate } = await import("./lib/scenario.mjs");
  const baseline = usage();
  const nodeBytes = 32 * GiB;
  let t = performance.now();
  const k = makeSystem({ memory: [nodeBytes, nodeBytes] });
  const buildMs = performance.now() - t;
  const afterBuild = usage();

  // The workload: on each node, 31 GiB of the 32 written: 27 GiB in 2 MiB folios, 4 GiB in 4 KiB.
  const thpPages = (27 * GiB) / 4096;
  const smallPages = (4 * GiB) / 4096;
  t = performance.now();
  for (const nid of [0, 1]) {
    populate(k, nid, thpPages, 9);
    populate(k, nid, smallPages, 0);
  }
  const populateMs = performance.now() - t;
  const after = usage();

  const mem = k.mem;
  const memMapBytes = [
    mem.flags,
    mem.refcount,
    mem.mapcount,
    mem.mapping,
    mem.index,
    mem.private,
    mem.order,
    mem.pageType,
    mem.memcg,
    mem.lastCpupid,
    mem.pincount,
    mem.zone,
    mem.content,
    mem.lruNext,
    mem.lruPrev,
  ].reduce((s, a) => s + a.byteLength, 0);
  const touchedPages = 2 * (thpPages + smallPages);
  let used = 0;
  for (const nid of [0, 1]) used += k.topo.nodes[nid].nrPages - k.alloc.nodeFreePages(nid);
  const out = {
    simulatedGiB: (k.topo.nrPages * 4096) / GiB,
    nrPages: k.topo.nrPages,
    touchedGiB: (touchedPages * 4096) / GiB,
    usedPages: used,
    pageTables: k.pgtables.nrTables,
    // the leaf, frame and shadow arenas: 3 x 2 KiB per table slot, allocated in chunks of 256 tables
    pageTableArenaBytes: k.pgtables.bytes,
    memMapBytes,
    memMapBytesPerPage: memMapBytes / k.topo.nrPages,
    buildMs,
    populateMs,
    baseline,
    afterBuild,
    after,
  };
  // keep k alive until measured
  if (k.topo.nrPages === 0) console.log("");
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Spawn the child, return its figures plus per-GiB derivations. */
export function runMemory({ log = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const file = fileURLToPath(import.meta.url);
    const p = spawn(process.execPath, ["--expose-gc", file, "--child"], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    p.stdout.on("data", (d) => (buf += d));
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`memory child exited with ${code}`));
      const r = JSON.parse(buf.trim().split("\n").pop());
      const g = r.simulatedGiB;
      r.perSimulatedGiB = {
        rssMiB: r.after.rss / MiB / g,
        heapUsedMiB: r.after.heapUsed / MiB / g,
        arrayBuffersMiB: r.after.arrayBuffers / MiB / g,
        rssAboveBaselineMiB: (r.after.rss - r.baseline.rss) / MiB / g,
      };
      r.target = { rssLimitGiB: 2, met: r.after.rss <= 2 * GiB };
      log(
        `  memory: ${g} GiB simulated, ${r.touchedGiB} GiB touched: RSS ${(r.after.rss / GiB).toFixed(2)} GiB (${r.perSimulatedGiB.rssMiB.toFixed(1)} MiB/GiB), heap ${(r.after.heapUsed / MiB).toFixed(1)} MiB`,
      );
      resolve(r);
    });
  });
}

if (process.argv.includes("--child")) {
  await child();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runMemory({ log: console.log }), null, 2));
}
