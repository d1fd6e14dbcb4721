/**
 * The tmpfs conformance fixture: core's file fixture (a file written with write(2), mapped
 * MAP_SHARED and faulted in on the folio's node) on a tmpfs mount — huge=always for order 9,
 * so the first write allocates the order-9 folio — with two differences: no fsync (tmpfs has
 * nothing to write back to; the folio stays dirty and swap-backed) and write faults, so the
 * folio is mapped writable as a task that stores to it would have it.
 */
import { fixtureMount, fixtureTruncate, makeFileFolio, type Backend, type ConformanceFixture } from "@foliox/core";

export function tmpfsFixtureFor(backend: Backend): ConformanceFixture {
  return {
    truncate: fixtureTruncate,
    makeFolio: (k, nid, order, opts) =>
      makeFileFolio(k, fixtureMount(k, backend, { raPages: 1, huge: order ? "always" : "never" }), nid, order, opts, { fsync: false, writeFault: true }),
  };
}
