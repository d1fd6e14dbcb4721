/**
 * folio_mapping() for a page-cache folio: the address_space a folio belongs to, found from
 * folio->mapping (an id with no PAGE_MAPPING_* tag bits, mem-map.ts) in the system's table of
 * address_spaces (k.fs). In mm, as in the kernel (mm/util.c), because mm's own paths ask it:
 * memcg accounting, folio_mark_dirty() and a store into a file page; the address_space itself
 * is the page cache's (fs/address-space.ts).
 */
import type { AddressSpace } from "../fs/address-space.js";
import type { Kernel } from "../kernel/kernel.js";
import { PAGE_MAPPING_FLAGS } from "./mem-map.js";

/** The page-cache address_space a folio belongs to (folio_mapping() for a file folio), or null. */
export function folioAddressSpace(k: Kernel, head: number): AddressSpace | null {
  const m = k.mem.mapping[head]!;
  if (m === 0 || (m & PAGE_MAPPING_FLAGS) !== 0) return null;
  return k.fs.addressSpaces[m >> 2] ?? null;
}

/** folio_test_pagecache-ish: the folio sits in some file's page cache (tag 0, nonzero id). */
export function folioInPagecache(k: Kernel, head: number): boolean {
  const m = k.mem.mapping[head]!;
  return m !== 0 && (m & PAGE_MAPPING_FLAGS) === 0;
}
