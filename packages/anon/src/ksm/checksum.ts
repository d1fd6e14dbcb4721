/**
 * calc_checksum() and pages_identical() (mm/ksm.c, mm.h). In token mode a page's data is its
 * content token, so the token is the checksum and equal tokens are equal pages; in bytes mode
 * the checksum hashes the 4 KiB (FNV-1a over 32-bit words, where the kernel uses xxhash) and
 * identity is a memcmp() of the bytes.
 */
import { PAGE_SIZE, type Kernel } from "@foliox/core";

export function calcChecksum(k: Kernel, page: number): number {
  const bytes = k.content.bytes;
  if (!bytes) return k.mem.content[page]!;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + page * PAGE_SIZE, PAGE_SIZE >> 2);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  return h;
}

/** pages_identical(): memcmp() == 0. */
export function pagesIdentical(k: Kernel, a: number, b: number): boolean {
  const bytes = k.content.bytes;
  if (!bytes) return k.mem.content[a] === k.mem.content[b];
  const x = a * PAGE_SIZE;
  const y = b * PAGE_SIZE;
  for (let i = 0; i < PAGE_SIZE; i++) if (bytes[x + i] !== bytes[y + i]) return false;
  return true;
}
