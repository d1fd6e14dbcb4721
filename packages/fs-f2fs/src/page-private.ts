/**
 * f2fs's page-private word (fs/f2fs/f2fs.h, v6.12): f2fs keeps flags, not a pointer, in
 * folio->private ("Layout A": bit 0 PAGE_PRIVATE_NOT_POINTER set). The first
 * set_page_private_<name>() attaches the private data (attach_page_private(page, 0): a page
 * reference and PG_private), and the clear_page_private_<name>() that leaves only the
 * NOT_POINTER bit detaches it again (detach_page_private: PG_private and the reference go).
 *
 * For migration the word is opaque: a_ops->migrate_folio is filemap_migrate_folio(), which moves
 * it as a whole (folio_attach_private(dst, folio_detach_private(src))), and the exchange swaps it
 * with the data. Only f2fs itself looks inside.
 */
import { PG_private, folioAttachPrivate, folioDetachPrivate, type Kernel } from "@foliox/core";

/** enum { PAGE_PRIVATE_* } bit numbers, v6.12 (ATOMIC_WRITE added by 1a0bd289a5db, v6.11) */
export const PAGE_PRIVATE_NOT_POINTER = 0; /* private contains non-pointer data */
export const PAGE_PRIVATE_ONGOING_MIGRATION = 1; /* data page which is on-going migrating (f2fs GC) */
export const PAGE_PRIVATE_INLINE_INODE = 2; /* inode page contains inline data */
export const PAGE_PRIVATE_REF_RESOURCE = 3; /* dirty page has referenced resources */
export const PAGE_PRIVATE_ATOMIC_WRITE = 4; /* data page from atomic write path */
export const PAGE_PRIVATE_MAX = 5;

const bit = (nr: number) => 1 << nr;

/** page_private(page) as f2fs reads it: the word, 0 when !PagePrivate. */
export function pagePrivate(k: Kernel, head: number): number {
  return k.mem.testFlag(head, PG_private) ? k.mem.private[head]! : 0;
}

/** PAGE_PRIVATE_GET_FUNC(): page_private_<name>(page) */
export function pagePrivateTest(k: Kernel, head: number, flag: number): boolean {
  const p = pagePrivate(k, head);
  return (p & bit(PAGE_PRIVATE_NOT_POINTER)) !== 0 && (p & bit(flag)) !== 0;
}

/** PAGE_PRIVATE_SET_FUNC(): set_page_private_<name>(page) */
export function setPagePrivate(k: Kernel, head: number, flag: number): void {
  if (!k.mem.testFlag(head, PG_private)) folioAttachPrivate(k, head, 0);
  k.mem.private[head] = k.mem.private[head]! | bit(PAGE_PRIVATE_NOT_POINTER) | bit(flag);
}

/** PAGE_PRIVATE_CLEAR_FUNC(): clear_page_private_<name>(page) */
export function clearPagePrivate(k: Kernel, head: number, flag: number): void {
  if (!k.mem.testFlag(head, PG_private)) return;
  k.mem.private[head] = k.mem.private[head]! & ~bit(flag);
  if (k.mem.private[head] === bit(PAGE_PRIVATE_NOT_POINTER)) folioDetachPrivate(k, head);
}

/** clear_page_private_all(): every flag, so the private data is detached. */
export function clearPagePrivateAll(k: Kernel, head: number): void {
  for (const flag of [PAGE_PRIVATE_REF_RESOURCE, PAGE_PRIVATE_ONGOING_MIGRATION, PAGE_PRIVATE_INLINE_INODE, PAGE_PRIVATE_ATOMIC_WRITE])
    clearPagePrivate(k, head, flag);
  // f2fs_bug_on(sbi, page_private(page)): a word with only NOT_POINTER left was detached above.
}

/** The flag names set in a word, for tests and reports. */
export function pagePrivateNames(word: number): string[] {
  const names = ["NOT_POINTER", "ONGOING_MIGRATION", "INLINE_INODE", "REF_RESOURCE", "ATOMIC_WRITE"];
  return names.filter((_, i) => word & bit(i));
}
