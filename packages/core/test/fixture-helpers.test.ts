/**
 * The conformance-fixture helpers (src/fixture/): the mount kept in the system's own list of
 * super blocks, the file folio in each state, and the errors that name the backend.
 */
import { describe, expect, it } from "vitest";
import type { DependencyContainer } from "tsyringe";
import { filemapLookup } from "../src/fs/address-space.js";
import { fileFixture, fixtureInode, fixtureMount, makeFileFolio } from "../src/fixture/file-folio.js";
import { fixtureCheckRequest, fixtureFaultIn, fixtureFolioAt } from "../src/fixture/fault-in.js";
import { doMmap } from "../src/mm/mmap.js";
import { folioWalkStart } from "../src/mm/pagewalk.js";
import { createProcess } from "../src/syscalls/fork.js";
import { PG_dirty, PG_private, PG_writeback } from "../src/mm/page-flags.js";
import { BACKENDS } from "../src/tokens.js";
import type { Backend } from "../src/backend/contract.js";
import { makeTestFsBackend } from "./fs-helpers.js";
import { makeSystem } from "./helpers.js";

function system(backend: Backend) {
  return makeSystem({ backends: [(c: DependencyContainer) => c.register(BACKENDS, { useValue: backend })] });
}

function testfs(): Backend {
  const b = makeTestFsBackend("testfs", { manifest: { ...makeTestFsBackend().manifest, states: ["dirty", "writeback"] } });
  return Object.assign(b, { conformance: fileFixture(b) });
}

describe("fixtureMount", () => {
  it("mounts once per system and options: the system's super blocks are the cache", () => {
    const b = testfs();
    const k = system(b);
    const sb = fixtureMount(k, b);
    expect(k.fs.superBlocks).toEqual([sb]);
    expect(sb.raPages).toBe(1);
    expect(fixtureMount(k, "testfs")).toBe(sb);
    const wide = fixtureMount(k, b, { raPages: 4 });
    expect(wide).not.toBe(sb);
    expect(fixtureMount(k, b, { raPages: 4 })).toBe(wide);
    expect(k.fs.superBlocks).toHaveLength(2);
    // another system has mounts of its own
    const k2 = system(b);
    expect(fixtureMount(k2, b)).not.toBe(sb);
    expect(() => fixtureMount(k, "nofs")).toThrow(/no backend "nofs"/);
  });
});

describe("makeFileFolio", () => {
  it("a clean, mapped one-page file folio on the node asked for, by a new task on that node", () => {
    const b = testfs();
    const k = system(b);
    for (const nid of [0, 1]) {
      const f = b.conformance!.makeFolio(k, nid, 0);
      expect(k.folioNid(f.head)).toBe(nid);
      expect(f.task.mm!.homeNid).toBe(nid);
      expect(f.len).toBe(4096);
      expect(filemapLookup(fixtureInode(f).mapping, 0)).toBe(f.head);
      expect(k.mem.testFlag(f.head, PG_dirty)).toBe(false);
      expect(k.mem.testFlag(f.head, PG_writeback)).toBe(false);
      expect(folioWalkStart(k, f.task.mm!, f.addr)).toBe(f.head);
    }
  });

  it("faults as a task on the folio's node, whatever the task's home, and gives the home back", () => {
    const b = testfs();
    const k = system(b);
    const task = createProcess(k, { nid: 0 });
    const f = b.conformance!.makeFolio(k, 1, 0, { task });
    expect(f.task).toBe(task);
    expect(k.folioNid(f.head)).toBe(1);
    expect(task.mm!.homeNid).toBe(0);
  });

  it("dirty: a store through the mapping; writeback: in flight until endWriteback", () => {
    const b = testfs();
    const k = system(b);
    const d = b.conformance!.makeFolio(k, 1, 0, { state: "dirty" });
    expect(k.mem.testFlag(d.head, PG_dirty)).toBe(true);
    const w = b.conformance!.makeFolio(k, 1, 0, { state: "writeback" });
    expect(k.mem.testFlag(w.head, PG_writeback)).toBe(true);
    b.conformance!.endWriteback!(k, w.head);
    expect(k.mem.testFlag(w.head, PG_writeback)).toBe(false);
  });

  it("afterFsync sees the clean folio; fsync: false leaves it dirty", () => {
    const b = testfs();
    const k = system(b);
    const seen: number[] = [];
    const f = makeFileFolio(k, fixtureMount(k, b), 0, 0, {}, { afterFsync: (_k, head) => seen.push(head, k.mem.testFlag(head, PG_dirty) ? 1 : 0) });
    expect(seen).toEqual([f.head, 0]);
    const g = makeFileFolio(k, fixtureMount(k, b), 0, 0, {}, { fsync: false });
    expect(k.mem.testFlag(g.head, PG_dirty)).toBe(true);
    expect(k.mem.testFlag(g.head, PG_private)).toBe(false);
  });

  it("truncate takes the folio out of its file", () => {
    const b = testfs();
    const k = system(b);
    const f = b.conformance!.makeFolio(k, 0, 0);
    const inode = fixtureInode(f);
    b.conformance!.truncate!(k, f);
    expect(inode.size).toBe(0);
    expect(filemapLookup(inode.mapping, 0)).toBe(-1);
  });

  it("refuses orders and states the manifest does not list, naming the backend and what it makes", () => {
    const b = testfs();
    const k = system(b);
    expect(() => b.conformance!.makeFolio(k, 0, 9)).toThrow("testfs fixture: order 9 (it makes orders 0: manifest.orders)");
    expect(() => b.conformance!.makeFolio(k, 0, 0, { state: "buffers-locked" })).toThrow(
      'testfs fixture: no "buffers-locked" state (it makes dirty, writeback: manifest.states)',
    );
    expect(() => fixtureCheckRequest(makeTestFsBackend().manifest, 0, "dirty")).toThrow('no "dirty" state (it makes none: manifest.states)');
    expect(() => fixtureCheckRequest({ ...makeTestFsBackend().manifest, largeFolios: true }, 9, undefined)).not.toThrow();
  });
});

describe("fixtureFaultIn and fixtureFolioAt", () => {
  it("fault an anonymous range in on a node and check the folio's order and node", () => {
    const k = system(testfs());
    const mm = createProcess(k, { nid: 0 }).mm!;
    const addr = doMmap(k, mm, 4096);
    fixtureFaultIn(k, "anon", mm, addr, 4096, 1, true);
    expect(k.folioNid(fixtureFolioAt(k, "anon", mm, addr, 1, 0))).toBe(1);
    expect(() => fixtureFolioAt(k, "anon", mm, addr, 0, 0)).toThrow(
      /anon fixture: wanted an order-0 folio on node 0 at 0x[0-9a-f]+, got pfn \d+ \(order 0, node 1\)/,
    );
    expect(() => fixtureFolioAt(k, "anon", mm, addr + 4096, 0, 0)).toThrow(/got nothing mapped/);
  });
});
