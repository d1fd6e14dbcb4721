/**
 * The fallback path (no ->migrate_folio): fallback_migrate_folio() and the exchange's fallback
 * fs_prepare, v6.12 against ≥6.16, dirty and clean folios, private data released or refused.
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EBUSY,
  MIGRATE_ASYNC,
  MIGRATE_SYNC,
  PG_dirty,
  PG_private,
  PG_writeback,
  folioExchange,
  type Kernel,
  type MigrateMode,
  type KernelVersion,
} from "@foliox/core";
import { snapshot } from "@foliox/conformance";
import { FALLBACK_PRIVATE_BUFFERS, FALLBACK_PRIVATE_PINNED, fallbackAttachPrivate } from "../src/index.js";
import { folio, healthy, makeK, mapped, migrateTo } from "./helpers.js";

const flag = (k: Kernel, h: number, f: number) => k.mem.testFlag(h, f);

describe("fallback_migrate_folio: a dirty folio", () => {
  it("v6.12 ASYNC: -EBUSY, nothing written, nothing moved", () => {
    const k = makeK("6.12");
    const f = folio(k, "fallback", 1, { state: "dirty" });
    expect(migrateTo(k, f.head, 0, MIGRATE_ASYNC)).toBe(1);
    expect(mapped(k, f)).toBe(f.head);
    expect(flag(k, f.head, PG_dirty)).toBe(true);
    expect(flag(k, f.head, PG_writeback)).toBe(false);
    healthy(k);
  });

  it("v6.12 SYNC: writeout() starts the I/O and the attempt fails (-EAGAIN); the move retries find it under writeback and never reach migrate_folio's BUG_ON; the next SYNC call waits for the I/O and moves it", () => {
    const k = makeK("6.12");
    const f = folio(k, "fallback", 1, { state: "dirty" });
    expect(migrateTo(k, f.head, 0, MIGRATE_SYNC)).toBe(1);
    expect(mapped(k, f)).toBe(f.head);
    expect(flag(k, f.head, PG_dirty)).toBe(false);
    expect(flag(k, f.head, PG_writeback)).toBe(true);
    expect(k.mem.private[f.head]).toBe(FALLBACK_PRIVATE_BUFFERS); // ->writepage created the buffers
    healthy(k);
    // migrate_folio_unmap(): folio_wait_writeback() completes the I/O; the buffers are freed
    expect(migrateTo(k, f.head, 0, MIGRATE_SYNC)).toBe(0);
    const now = mapped(k, f);
    expect(k.folioNid(now)).toBe(0);
    expect(flag(k, now, PG_private)).toBe(false);
    expect(k.fs.writebackQueue).toEqual([]);
    healthy(k);
  });

  it("v6.16: -EBUSY in SYNC too, and no writeout", () => {
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
      const k = makeK("6.16");
      const f = folio(k, "fallback", 1, { state: "dirty" });
      expect(migrateTo(k, f.head, 0, mode)).toBe(1);
      expect(flag(k, f.head, PG_dirty)).toBe(true);
      expect(flag(k, f.head, PG_writeback)).toBe(false);
      healthy(k);
    }
  });
});

describe("fallback_migrate_folio: a clean folio", () => {
  it("its private data is released (filemap_release_folio), then migrate_folio", () => {
    for (const v of ["6.12", "6.16"] as KernelVersion[]) {
      const k = makeK(v);
      const f = folio(k, "fallback", 1);
      fallbackAttachPrivate(k, f.head, FALLBACK_PRIVATE_BUFFERS);
      expect(migrateTo(k, f.head, 0, MIGRATE_ASYNC)).toBe(0);
      const now = mapped(k, f);
      expect(k.folioNid(now)).toBe(0);
      expect(flag(k, now, PG_private)).toBe(false);
      healthy(k);
    }
  });

  it("release refused (the journal holds the buffers): SYNC -EAGAIN (retried, then failed), ASYNC -EBUSY", () => {
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
      const k = makeK();
      const f = folio(k, "fallback", 1);
      fallbackAttachPrivate(k, f.head, FALLBACK_PRIVATE_BUFFERS | FALLBACK_PRIVATE_PINNED);
      const b = k.backends.byName("fallback")!;
      expect(b.releaseFolio!(k, f.head, 0)).toBe(false);
      expect(migrateTo(k, f.head, 0, mode)).toBe(1);
      expect(mapped(k, f)).toBe(f.head);
      expect(k.mem.private[f.head]).toBe(FALLBACK_PRIVATE_BUFFERS | FALLBACK_PRIVATE_PINNED);
      healthy(k);
    }
  });
});

describe("exchange: the fallback fs_prepare (docs/kernel-facts.md#seed-fs-prepare)", () => {
  it("dirty, v6.12: SYNC writes out and fails -EAGAIN; ASYNC -EBUSY with nothing changed; after the I/O the exchange goes through", () => {
    const k = makeK("6.12");
    const f = folio(k, "fallback", 1, { state: "dirty" });
    const a = folio(k, "anon", 0);
    const before = snapshot(k);
    expect(folioExchange(k, f.head, a.head, MIGRATE_ASYNC)).toBe(-EBUSY);
    expect(snapshot(k)).toEqual(before);
    healthy(k);
    expect(folioExchange(k, f.head, a.head, MIGRATE_SYNC)).toBe(-EAGAIN);
    expect(flag(k, f.head, PG_writeback)).toBe(true);
    expect(mapped(k, f)).toBe(f.head);
    expect(mapped(k, a)).toBe(a.head);
    healthy(k);
    expect(folioExchange(k, f.head, a.head, MIGRATE_ASYNC)).toBe(-EBUSY); // under writeback
    k.backends.byName("fallback")!.conformance!.endWriteback!(k, f.head);
    expect(folioExchange(k, f.head, a.head, MIGRATE_ASYNC)).toBe(0); // clean: buffers released
    expect(mapped(k, f)).toBe(a.head);
    expect(flag(k, a.head, PG_private)).toBe(false);
    healthy(k);
  });

  it("dirty, v6.16: -EBUSY in both modes, nothing changed", () => {
    const k = makeK("6.16");
    const f = folio(k, "fallback", 1, { state: "dirty" });
    const a = folio(k, "f2fs", 0);
    const before = snapshot(k);
    for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) expect(folioExchange(k, f.head, a.head, mode)).toBe(-EBUSY);
    expect(snapshot(k)).toEqual(before);
    healthy(k);
  });

  it("clean with private data: released, then exchanged; release refused: SYNC -EAGAIN, ASYNC -EBUSY", () => {
    const k = makeK();
    const f = folio(k, "fallback", 1);
    const a = folio(k, "anon", 0);
    fallbackAttachPrivate(k, f.head, FALLBACK_PRIVATE_BUFFERS | FALLBACK_PRIVATE_PINNED);
    expect(folioExchange(k, f.head, a.head, MIGRATE_SYNC)).toBe(-EAGAIN);
    expect(folioExchange(k, f.head, a.head, MIGRATE_ASYNC)).toBe(-EBUSY);
    expect(mapped(k, f)).toBe(f.head);
    healthy(k);
    k.mem.private[f.head] = FALLBACK_PRIVATE_BUFFERS; // the journal let go
    expect(folioExchange(k, f.head, a.head, MIGRATE_SYNC)).toBe(0);
    expect(mapped(k, f)).toBe(a.head);
    expect(flag(k, a.head, PG_private) || flag(k, f.head, PG_private)).toBe(false);
    healthy(k);
  });

  it("fallback ↔ f2fs and fallback ↔ fallback, both modes, twice", () => {
    for (const other of ["f2fs", "fallback"] as const) {
      for (const mode of [MIGRATE_SYNC, MIGRATE_ASYNC] as MigrateMode[]) {
        const k = makeK();
        const f = folio(k, "fallback", 1);
        const o = folio(k, other, 0);
        expect(folioExchange(k, f.head, o.head, mode)).toBe(0);
        expect([mapped(k, f), mapped(k, o)]).toEqual([o.head, f.head]);
        healthy(k);
        expect(folioExchange(k, f.head, o.head, mode)).toBe(0);
        expect([mapped(k, f), mapped(k, o)]).toEqual([f.head, o.head]);
        healthy(k);
      }
    }
  });
});
