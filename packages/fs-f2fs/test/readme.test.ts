/** The README's example, run as written (keep the two in step). */
import {
  ACCESS_OK,
  MAP_SHARED,
  MPOL_MF_MOVE,
  accessVirtual,
  createInode,
  createProcess,
  createSystem,
  doMmapFile,
  folioWalkStart,
  mountFs,
  syscalls,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { expect, it } from "vitest";
import { f2fsWritePage, pagePrivate, pagePrivateNames, registerF2fs, registerFallback } from "../src/index.js";

it("the README's example moves a dirty f2fs page with its page-private word", () => {
  const { kernel: k } = createSystem({ kernel: "6.12", backends: [registerAnon, registerF2fs, registerFallback] });
  const inode = createInode(k, mountFs(k, "f2fs"));
  expect(f2fsWritePage(k, inode, 0, 1)).toBe(4096);
  const task = createProcess(k, { nid: 1 });
  const addr = doMmapFile(k, task.mm!, inode, 4096, { flags: MAP_SHARED });
  expect(accessVirtual(k, task.mm!, addr, false)).toBe(ACCESS_OK);
  const before = folioWalkStart(k, task.mm!, addr);
  expect(k.folioNid(before)).toBe(1);
  const word = pagePrivate(k, before);
  expect(pagePrivateNames(word)).toContain("REF_RESOURCE");
  const status = new Int32Array(1);
  expect(syscalls(k, task).movePages(0, 1, [addr], [0], status, MPOL_MF_MOVE)).toBe(0);
  expect(status[0]).toBe(0);
  const after = folioWalkStart(k, task.mm!, addr);
  expect(k.folioNid(after)).toBe(0);
  expect(pagePrivate(k, after)).toBe(word);
});
