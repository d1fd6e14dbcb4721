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
  filemapWrite,
  folioExchange,
  folioWalkStart,
  mountFs,
} from "@foliox/core";
import { registerAnon } from "@foliox/anon";
import { expect, it } from "vitest";
import { registerExt4 } from "../src/index.js";

it("the README's example exchanges an ext4-1k page-cache folio with an anonymous one", () => {
  const { kernel: k } = createSystem({ backends: [registerExt4, registerAnon] });
  const inode = createInode(k, mountFs(k, "ext4-1k"));
  expect(filemapWrite(k, inode, 0, 1)).toBe(4096);
  const reader = createProcess(k, { nid: 1 }),
    writer = createProcess(k, { nid: 0 });
  const f = doMmapFile(k, reader.mm!, inode, 4096, { flags: MAP_SHARED }),
    a = doMmap(k, writer.mm!, 4096);
  expect(accessVirtual(k, reader.mm!, f, false)).toBe(ACCESS_OK);
  expect(accessVirtual(k, writer.mm!, a, true)).toBe(ACCESS_OK);
  const file = folioWalkStart(k, reader.mm!, f);
  expect(k.folioNid(file)).toBe(1);
  expect(folioExchange(k, file, folioWalkStart(k, writer.mm!, a), MIGRATE_SYNC)).toBe(0);
  expect(k.folioNid(folioWalkStart(k, reader.mm!, f))).toBe(0);
  expect(checkIntegrity(k).ok).toBe(true);
});
