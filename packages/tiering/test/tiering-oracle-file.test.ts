/**
 * The oracle recognises hot file folios through the rmap: a fast-tier page-cache folio whose
 * page is in the epoch's hot set is not chosen for demotion (it used to be, since only anon
 * folios were looked up, by anon_vma and index).
 */
import "reflect-metadata";
import { describe, expect, it } from "vitest";
import { doMmapFile } from "@foliox/core";
import { createInode } from "@foliox/core";
import { truncateSetsize } from "@foliox/core";
import { createProcess } from "@foliox/core";
import { Prng } from "@foliox/core";
import { ACCESS_OK, accessVirtual } from "@foliox/core";
import { doMmap, MAP_SHARED } from "@foliox/core";
import { folioWalkStart } from "@foliox/core";
import { EpochOracleLookahead, ORACLE_MAX_PROCESSES, ORACLE_VPN_SPAN, OraclePlacement, oracleKnowledge } from "../src/stack/oracle.js";
import { createAccessBatch } from "../src/sim/access-batch.js";
import { LlcFilter } from "../src/sim/llc.js";
import { NoHotness } from "../src/stack/hotness.js";
import type { TieringContext } from "../src/stack/types.js";
import { makeFsSystem } from "./helpers.js";
import { MiB } from "./helpers.js";

describe("oracle placement", () => {
  it("keeps hot file folios on the fast tier and demotes cold ones instead", () => {
    const { k, sb } = makeFsSystem({ memory: [16 * MiB, 16 * MiB] });
    const fastTask = createProcess(k, { nid: 0 });
    const slowTask = createProcess(k, { nid: 1 });
    const N = 4;
    // hot file pages and cold anon pages on the fast node; hot anon pages on the slow node
    const inode = createInode(k, sb);
    truncateSetsize(k, inode, N * 4096);
    const fileAddr = doMmapFile(k, fastTask.mm!, inode, N * 4096, { flags: MAP_SHARED });
    const coldAddr = doMmap(k, fastTask.mm!, N * 4096);
    // more hot slow pages than cold fast ones: the oracle wants 2N partners and finds only N
    const slowAddr = doMmap(k, slowTask.mm!, 2 * N * 4096);
    const heads = (mm: typeof fastTask.mm, addr: number, n = N) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        expect(accessVirtual(k, mm!, addr + i * 4096, true)).toBe(ACCESS_OK);
        out.push(folioWalkStart(k, mm!, addr + i * 4096));
      }
      return out;
    };
    const fileHeads = heads(fastTask.mm, fileAddr);
    const coldHeads = heads(fastTask.mm, coldAddr);
    const slowHeads = heads(slowTask.mm, slowAddr, 2 * N);
    for (const h of [...fileHeads, ...coldHeads]) expect(k.folioNid(h)).toBe(0);
    for (const h of slowHeads) expect(k.folioNid(h)).toBe(1);
    const page = (pid: number, addr: number) => ({ pid, vpn: Math.floor(addr / 4096) });
    const hot: { pid: number; vpn: number }[] = [];
    for (let i = 0; i < N; i++) hot.push(page(fastTask.pid, fileAddr + i * 4096));
    for (let i = 0; i < 2 * N; i++) hot.push(page(slowTask.pid, slowAddr + i * 4096));
    const ctx = {
      k,
      rng: new Prng(1),
      fastNids: [0],
      slowNids: [1],
      epoch: 0,
      oracle: oracleKnowledge(hot),
      pidOfMm: new Map([
        [fastTask.mm!.id, fastTask.pid],
        [slowTask.mm!.id, slowTask.pid],
      ]),
      mmOfPid: new Map([
        [fastTask.pid, fastTask.mm!],
        [slowTask.pid, slowTask.mm!],
      ]),
    } as unknown as TieringContext;
    expect(() => oracleKnowledge([hot[0]!, hot[0]!])).toThrow(/a page is given twice/);
    const plan = new OraclePlacement().plan(ctx, new NoHotness());
    expect([...plan.promote].sort()).toEqual([...slowHeads].sort());
    expect(plan.demote).toHaveLength(N);
    for (const h of plan.demote) expect(fileHeads).not.toContain(h);
    expect([...plan.demote].sort()).toEqual([...coldHeads].sort());
  });

  it("the lookahead reads one epoch at a time; with the LLC on it counts only the accesses that reach memory", async () => {
    // page A: one line 100 times; page B: three lines in turn, 10 accesses
    const b = createAccessBatch(110);
    const A = 0x10000000;
    const B = 0x20000000;
    for (let i = 0; i < 110; i++) {
      b.pid[i] = 1;
      b.addr[i] = i < 100 ? A : B + ((i - 100) % 3) * 64;
      b.size[i] = 8;
      b.weight[i] = 1;
    }
    b.length = 110;
    // pid 1 is the first process met: index 0
    const key = (addr: number) => Math.floor(addr / 4096);
    const plain = new EpochOracleLookahead([b], 110, 1);
    expect([...(await plain.next()).hotKeys]).toEqual([key(A)]);
    expect([...(await plain.next()).hotKeys]).toEqual([]);
    // a one-set, two-way LLC: A's line hits after its first access, B's three lines always miss
    const cached = new EpochOracleLookahead([b], 110, 1, new LlcFilter({ sizeBytes: 128, ways: 2, lineBytes: 64 }));
    expect([...(await cached.next()).hotKeys]).toEqual([key(B)]);
    // the replay reads those answers from the held batch: A's accesses after its first hit
    const held = (await cached.replay().next()).value!;
    expect(Array.from(held.llcHits.subarray(0, held.length))).toEqual(Array.from({ length: 110 }, (_, i) => (i >= 1 && i < 100 ? 1 : 0)));
    // epochs are entries: two of 55
    const halves = new EpochOracleLookahead([b], 55, 2);
    expect([...(await halves.next()).hotKeys]).toEqual([key(A)]);
    expect([...(await halves.next()).hotKeys]).toEqual([key(A), key(B)]);
  });

  it("keys pages by process index, so pids of any size stay apart; addresses the replay skips count nowhere", async () => {
    // two pids far above 2^17 (pid * 2^36 would pass 2^53 and round), the same vpn in each;
    // and accesses below mmap_min_addr and above TASK_SIZE, which the replay skips
    const b = createAccessBatch(8);
    const entries: [number, number][] = [
      [4_000_001, 0x5000_0000],
      [4_000_003, 0x5000_0000],
      [4_000_003, 0x5000_0000],
      [4_000_001, 0x100],
      [4_000_001, 2 ** 48],
      [4_000_001, 2 ** 48],
      [4_000_001, 2 ** 48],
    ];
    for (const [i, [pid, addr]] of entries.entries()) {
      b.pid[i] = pid;
      b.addr[i] = addr;
      b.size[i] = 8;
      b.weight[i] = 1;
    }
    b.length = entries.length;
    const got = await new EpochOracleLookahead([b], 8, 8).next();
    expect(got.pids).toEqual([4_000_001, 4_000_003]);
    // a pid the replay skips (no process): its pages count nowhere, and it meets no LLC
    const llc = new LlcFilter({ sizeBytes: 128, ways: 2, lineBytes: 64 });
    const without = await new EpochOracleLookahead([b], 8, 8, llc, (pid) => pid !== 4_000_003).next();
    expect(without.pids).toEqual([4_000_001]);
    expect([...without.hotKeys]).toEqual([0x5000_0000 / 4096]);
    expect(llc.access(4_000_003, 0x5000_0000)).toBe(false);
    const vpn = 0x5000_0000 / 4096;
    // the second process's page is the hotter one
    expect([...got.hotKeys]).toEqual([ORACLE_VPN_SPAN + vpn, vpn]);
    expect([...got.hotSorted]).toEqual([vpn, ORACLE_VPN_SPAN + vpn]);
    expect([...got.hotOrder]).toEqual([1, 0]);
  });

  it("refuses a stream of more processes than a key can name, saying how many it takes", async () => {
    const n = ORACLE_MAX_PROCESSES + 1;
    const b = createAccessBatch(n);
    for (let i = 0; i < n; i++) {
      b.pid[i] = i;
      b.addr[i] = 0x10000000;
      b.size[i] = 8;
      b.weight[i] = 1;
    }
    b.length = n;
    await expect(new EpochOracleLookahead([b], n, 1).next()).rejects.toThrow(
      new RangeError(
        `the epoch-oracle keys a page by its process's index × 2^36 + its vpn, exact below 2^53: it takes at most ${ORACLE_MAX_PROCESSES} processes, and pid ${n - 1} would be one more`,
      ),
    );
  });

  it("serves the replay the entries each next() read, epoch by epoch, and ends after a short last epoch", async () => {
    const b = createAccessBatch(110);
    for (let i = 0; i < 110; i++) {
      b.pid[i] = 1;
      b.addr[i] = 0x10000000 + i * 4096;
      b.size[i] = 8;
      b.weight[i] = 1 + i;
    }
    b.length = 110;
    const la = new EpochOracleLookahead([b], 40, 4);
    const replay = la.replay();
    const served: number[][] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      await la.next();
      const r = await replay.next();
      if (r.done) throw new Error(`the replay ended before epoch ${epoch}`);
      const e = r.value;
      served.push(Array.from(e.addr.subarray(0, e.length), (a: number, i: number) => (a - 0x10000000) / 4096 + e.weight[i]! * 1000));
    }
    // 40 + 40 + 30 entries, in stream order, every field copied (here addr and weight)
    const want = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => from + j + (from + j + 1) * 1000);
    expect(served).toEqual([want(0, 40), want(40, 80), want(80, 110)]);
    // the engine asks for no epoch after a short one: the replay ends
    expect((await replay.next()).done).toBe(true);
  });
});
