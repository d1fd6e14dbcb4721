/**
 * ext4's buffer heads and bh LRUs are per system: each system's container builds one table and
 * one set of LRUs, shared by that system's ext4 flavours and seen by no other system.
 */
import { BACKENDS, createInode, createSystem, filemapWrite, type Backend } from "@foliox/core";
import { describe, expect, it } from "vitest";
import { EXT4_BH_LRU, EXT4_BUFFER_HEADS, Ext4Backend, bhLru, bufferHeads, registerExt4 } from "../src/index.js";
import { registerAnon } from "@foliox/anon";
import { ext4System, mount } from "./helpers.js";

describe("ext4 per-system state", () => {
  it("every flavour of one system holds the same buffer-head table and bh LRUs, built by the container once", () => {
    const { container, kernel: k } = createSystem({ memory: [8 << 20, 8 << 20], backends: [registerExt4, registerAnon] });
    const ext4 = k.backends.all.filter((b): b is Ext4Backend => b instanceof Ext4Backend);
    expect(ext4.map((b) => b.manifest.name)).toEqual(["ext4-4k", "ext4-1k", "ext4-journal"]);
    for (const b of ext4) {
      expect(b.bufferHeads === bufferHeads(k)).toBe(true);
      expect(b.bhLru === bhLru(k)).toBe(true);
    }
    expect(container.resolve(EXT4_BUFFER_HEADS) === bufferHeads(k)).toBe(true);
    expect(container.resolve(EXT4_BH_LRU) === bhLru(k)).toBe(true);
    const again = container.createChildContainer().resolveAll<Backend>(BACKENDS);
    expect(again.filter((b) => b instanceof Ext4Backend).every((b, i) => b === ext4[i])).toBe(true);
  });

  it("buffer heads attached in one system are not in another's table", () => {
    const k1 = ext4System();
    const k2 = ext4System();
    expect(bufferHeads(k1) === bufferHeads(k2)).toBe(false);
    const inode = createInode(k1, mount(k1, "ext4-1k"));
    expect(filemapWrite(k1, inode, 0)).toBe(4096);
    expect(bufferHeads(k1).inUse).toBe(4);
    expect(bufferHeads(k2).inUse).toBe(0);
  });

  it("says how to fix a system without ext4", () => {
    const { kernel: k } = createSystem({ memory: [8 << 20, 8 << 20], backends: [registerAnon] });
    expect(() => bufferHeads(k)).toThrow(/registerExt4/);
    expect(() => bhLru(k)).toThrow(/registerExt4/);
  });
});
