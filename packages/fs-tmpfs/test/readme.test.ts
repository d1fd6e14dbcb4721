/** The README's example, run as written (keep the two in step). */
import {
  ACCESS_OK,
  MAP_SHARED,
  MIGRATE_SYNC,
  accessVirtual,
  checkIntegrity,
  createInode,
  createProcess,
  createSystem,
  doMmap,
  doMmapFile,
  folioExchange,
  folioWalkStart,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { expect, it } from "vitest";
import { mountTmpfs, registerTmpfs, shmemWrite } from "../src/index.js";

it("the README's example exchanges a shmem folio with an anonymous one", () => {
  const { kernel: k } = createSystem({ backends: [registerAnon, registerTmpfs], swapPages: 4096 });
  const inode = createInode(k, mountTmpfs(k));
  expect(shmemWrite(k, inode, 0, 1)).toBe(4096);
  const t = createProcess(k, { nid: 1 }),
    u = createProcess(k, { nid: 0 });
  const s = doMmapFile(k, t.mm!, inode, 4096, { flags: MAP_SHARED }),
    a = doMmap(k, u.mm!, 4096);
  expect(accessVirtual(k, t.mm!, s, false)).toBe(ACCESS_OK);
  expect(accessVirtual(k, u.mm!, a, true)).toBe(ACCESS_OK);
  expect(k.folioNid(folioWalkStart(k, t.mm!, s))).toBe(1);
  expect(folioExchange(k, folioWalkStart(k, t.mm!, s), folioWalkStart(k, u.mm!, a), MIGRATE_SYNC)).toBe(0);
  expect(k.folioNid(folioWalkStart(k, t.mm!, s))).toBe(0);
  expect(checkIntegrity(k).ok).toBe(true);
});
