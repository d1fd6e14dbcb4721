/**
 * Reverse mapping for anonymous memory: mm/rmap.c. A folio's mapping is its anon_vma (tagged
 * PAGE_MAPPING_ANON) and its index is the linear page index; the rmap walk visits every vma
 * chained to that anon_vma and computes the address from the index. No per-PTE back pointer.
 *
 * Also here: try_to_migrate() (install migration entries), remove_migration_ptes() (mm/migrate.c,
 * put present PTEs back) and try_to_unmap_flush() (the deferred TLB flush).
 */
import { KernelBug } from "../kernel/bug.js";
import type { Backend } from "../backend/contract.js";
import type { Kernel } from "../kernel/kernel.js";
import { LOCK_ANON_VMA, LOCK_I_MMAP, LOCK_PTL, lockAcquire, lockRelease, type LockHolder } from "../kernel/lockdep.js";
import { PAGE_MAPPING_ANON } from "./mem-map.js";
import { AnonVma, VM_LOCKED, type VmArea } from "./mm-types.js";
import { PG_anon_exclusive, PG_dirty, PG_mlocked, PG_swapbacked } from "./page-flags.js";
import {
  SWP_MIGRATION_READ,
  SWP_MIGRATION_READ_EXCLUSIVE,
  SWP_MIGRATION_WRITE,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_RW,
  isMigrationEntry,
  isMigrationEntryDirty,
  isMigrationEntryYoung,
  isReadableMigrationEntry,
  isWritableMigrationEntry,
  migrationEntryBits,
  ptePresent,
  pteDirty,
  pteWrite,
  pteYoung,
} from "./pgtable.js";
import { folioPutRefs } from "./swap.js";
import { NR_ANON_MAPPED, NR_FILE_MAPPED, lruvecStatModFolio } from "./vmstat.js";
import { folioMarkDirty } from "./folio-dirty.js";
import { mlockVmaFolio, munlockFolio } from "./mlock.js";

/** rmap_flags */
export const RMAP_NONE = 0;
export const RMAP_EXCLUSIVE = 1;
/** ttu_flags */
export const TTU_BATCH_FLUSH = 0x40;

/**
 * anon_vma_alloc(): a new anon_vma, registered by id in k.anonVmas; the root of a new hierarchy
 * when `root` is null.
 */
export function anonVmaAlloc(k: Kernel, root: AnonVma | null, parent: AnonVma | null): AnonVma {
  const av = new AnonVma(k.anonVmas.length, root, parent);
  if (!root) av.root = av;
  k.anonVmas.push(av);
  return av;
}

/** anon_vma_prepare(): give the vma an anon_vma before its first anon folio. */
export function anonVmaPrepare(k: Kernel, vma: VmArea): AnonVma {
  if (vma.anonVma) return vma.anonVma;
  const av = anonVmaAlloc(k, null, null);
  vma.anonVma = av;
  vma.anonVmaChain.push(av);
  av.vmas.push(vma);
  return av;
}

/**
 * anon_vma_fork(): chain the child vma into every anon_vma of the parent vma (anon_vma_clone),
 * then give it an anon_vma of its own for the folios it will COW.
 */
export function anonVmaFork(k: Kernel, vma: VmArea, pvma: VmArea): void {
  if (!pvma.anonVma) return;
  anonVmaClone(vma, pvma);
  const av = anonVmaAlloc(k, pvma.anonVma.root, pvma.anonVma);
  vma.anonVma = av;
  vma.anonVmaChain.unshift(av);
  av.vmas.push(vma);
}

/** anon_vma_clone(): the new vma (a split piece or a fork child) joins src's anon_vmas. */
export function anonVmaClone(dst: VmArea, src: VmArea): void {
  dst.anonVma = src.anonVma;
  for (const av of src.anonVmaChain) {
    dst.anonVmaChain.push(av);
    av.vmas.push(dst);
  }
}

/** unlink_anon_vmas(): the vma goes away; an anon_vma with no vma and no pin is freed. */
export function unlinkAnonVmas(k: Kernel, vma: VmArea): void {
  for (const av of vma.anonVmaChain) {
    const i = av.vmas.indexOf(vma);
    if (i >= 0) av.vmas.splice(i, 1);
    if (av.vmas.length === 0) putAnonVma(k, av);
  }
  vma.anonVmaChain = [];
  vma.anonVma = null;
}

/** The anon_vma a folio's mapping names, or null. */
export function folioAnonVma(k: Kernel, head: number): AnonVma | null {
  const m = k.mem.mapping[head]!;
  if ((m & 3) !== PAGE_MAPPING_ANON) return null;
  return k.anonVmas[m >> 2] ?? null;
}

/**
 * folio_get_anon_vma(): pin the anon_vma across an unmap/remap. NULL for a folio that is not
 * mapped (before and after the pin): its anon_vma may already be on its way to being freed, and
 * with no PTE there is nothing to remap.
 */
export function folioGetAnonVma(k: Kernel, head: number): AnonVma | null {
  if (!k.mem.folioMapped(head)) return null;
  const av = folioAnonVma(k, head);
  if (av) av.refcount++;
  return av;
}

/** put_anon_vma(): drop a pin; the anon_vma is freed once nothing uses it. */
export function putAnonVma(k: Kernel, av: AnonVma): void {
  av.refcount--;
  if (av.refcount <= 0 && av.vmas.length === 0) k.anonVmas[av.id] = undefined;
}

/**
 * folio_add_new_anon_rmap(): a folio just allocated for vma at addr. Every page gets mapcount 1
 * and, with RMAP_EXCLUSIVE, PG_anon_exclusive.
 */
export function folioAddNewAnonRmap(k: Kernel, head: number, vma: VmArea, addr: number, flags: number): void {
  const mem = k.mem;
  const av = vma.anonVma;
  if (!av) throw new KernelBug("folio_add_new_anon_rmap: vma has no anon_vma");
  const nr = mem.folioNrPages(head);
  // Anon folios are swap-backed (on the anon LRU) unless VM_DROPPABLE.
  mem.setFlag(head, PG_swapbacked);
  mem.mapping[head] = (av.id << 2) | PAGE_MAPPING_ANON;
  mem.index[head] = vma.linearPageIndex(addr);
  mem.largeMapcount[head] = nr;
  for (let i = 0; i < nr; i++) {
    mem.mapcount[head + i] = 1;
    if (flags & RMAP_EXCLUSIVE) mem.setFlag(head + i, PG_anon_exclusive);
  }
  lruvecStatModFolio(k, head, NR_ANON_MAPPED, nr);
}

/** folio_add_anon_rmap_pte(): one more PTE maps `page`. */
export function folioAddAnonRmapPte(k: Kernel, page: number, flags: number): void {
  const mem = k.mem;
  const head = mem.pageFolio(page);
  mem.largeMapcount[head]!++;
  if (mem.mapcount[page]!++ === 0) k.vmstat.modLruvec(mem.memcg[head]!, k.folioNid(page), NR_ANON_MAPPED, 1);
  if (flags & RMAP_EXCLUSIVE) mem.setFlag(page, PG_anon_exclusive);
}

/** folio_remove_rmap_pte(): one PTE of `page` is gone (NR_ANON_MAPPED or NR_FILE_MAPPED). */
export function folioRemoveRmapPte(k: Kernel, page: number): void {
  const mem = k.mem;
  const head = mem.pageFolio(page);
  mem.largeMapcount[head]!--;
  const left = --mem.mapcount[page]!;
  if (left < 0) throw new KernelBug(`folio_remove_rmap_pte: pfn ${page} mapcount went negative`);
  if (left === 0) k.vmstat.modLruvec(mem.memcg[head]!, k.folioNid(page), mem.folioTestAnon(head) ? NR_ANON_MAPPED : NR_FILE_MAPPED, -1);
}

/** folio_add_file_rmap_pte() (mm/rmap.c): one more PTE maps a page-cache page. */
export function folioAddFileRmapPte(k: Kernel, page: number): void {
  const mem = k.mem;
  const head = mem.pageFolio(page);
  mem.largeMapcount[head]!++;
  if (mem.mapcount[page]!++ === 0) k.vmstat.modLruvec(mem.memcg[head]!, k.folioNid(page), NR_FILE_MAPPED, 1);
}

/** folio_move_anon_rmap(): an exclusively owned folio moves to the vma's own anon_vma. */
export function folioMoveAnonRmap(k: Kernel, head: number, vma: VmArea): void {
  if (!vma.anonVma) throw new KernelBug("folio_move_anon_rmap: vma has no anon_vma");
  k.mem.mapping[head] = (vma.anonVma.id << 2) | PAGE_MAPPING_ANON;
}

/** A visitor of rmap_walk(): (vma, page i of the folio, its address); false stops the walk. */
export type RmapVisit = (vma: VmArea, i: number, addr: number) => boolean;

/**
 * rmap_walk_control's rmap_one as a module-level function (no closure to allocate): it gets the
 * vma and the page index, with the PTE walked (k.pgtables leaf/frame/off), and reads its
 * arguments from k.rmapArgs (kernel/out-params.ts), as rmap_one reads rwc->arg. The address is
 * in k.rmapArgs.addr, not an argument: a double above 2^31 passed to a call is boxed each time.
 */
export type RmapOne = (k: Kernel, vma: VmArea, i: number) => boolean;

/**
 * rmap_walk_anon(): visit each (vma, page i of the folio, address) where page i may be mapped.
 * The visitor reads the PTE through k.pgtables (walk already done) and returns false to stop.
 */
export function rmapWalkAnon(k: Kernel, head: number, visit: RmapVisit, owner: LockHolder = k.waits.current): boolean {
  return walkAnon(k, head, visit, null, owner);
}

/**
 * The anon walk for a visitor or an rmap_one (exactly one of them is given), by `owner`: under
 * anon_vma_lock_read() of the root anon_vma, and each leaf table's PTE lock while its PTEs are
 * visited (page_vma_mapped_walk() holds pvmw.ptl across the folio's PTEs in one table).
 */
function walkAnon(k: Kernel, head: number, visit: RmapVisit | null, one: RmapOne | null, owner: LockHolder): boolean {
  const av = folioAnonVma(k, head);
  if (!av) return true;
  const ld = k.lockdep;
  const avLock = (av.root ?? av).id;
  lockAcquire(ld, LOCK_ANON_VMA, avLock, owner);
  let ptl = -1;
  const mem = k.mem;
  const pgoff = mem.index[head]!;
  const nr = mem.folioNrPages(head);
  const pt = k.pgtables;
  const vmas = av.vmas;
  for (let v = 0; v < vmas.length; v++) {
    const vma = vmas[v]!;
    // vma_address() of page i is page vpn0 + i, for the i whose page is inside the vma.
    // Virtual pages are doubles (up to 2^36): vpn0 is split once into the pgd/pud and pmd/pte
    // indexes (int32), and page i's indexes follow with a carry, so the loop is int32
    // arithmetic and no double is boxed whether or not a callee is inlined.
    const startVpn = vma.vmStart * (1 / 4096);
    const vpn0 = startVpn + (pgoff - vma.vmPgoff);
    // the pages of the folio inside the vma: [iStart, iEnd)
    const before = startVpn - vpn0;
    const iStart = before > 0 ? (before < nr ? before | 0 : nr) : 0;
    const inVma = vma.vmEnd * (1 / 4096) - vpn0;
    const iEnd = inVma < nr ? (inVma > 0 ? inVma | 0 : 0) : nr;
    if (iStart >= iEnd) continue;
    // (hi * 2^18 in a double: as an int32 product it would overflow)
    const hiD = Math.floor(vpn0 * (1 / 262144));
    const hi0 = hiD | 0;
    const lo0 = (vpn0 - hiD * 262144) | 0;
    const addr0 = vpn0 * 4096;
    const pgd = vma.mm.pgd;
    // Walk the upper levels once per leaf table, then step through the leaf, as
    // page_vma_mapped_walk() does within one PMD.
    let leafHi = -1;
    let leafLo = -1;
    let leaf = pt.leaf;
    let frame = pt.frame;
    let shadow = pt.shadow;
    let leafBase = -1;
    for (let i = iStart; i < iEnd; i++) {
      let hi = hi0;
      let lo = lo0 + i;
      if (lo >= 262144) {
        hi++;
        lo -= 262144;
      }
      const slot = lo & 511;
      if (hi !== leafHi || lo - slot !== leafLo) {
        leafHi = hi;
        leafLo = lo - slot;
        leafBase = pt.walkSplit(pgd, hi, lo, false) ? pt.off - slot : -1;
        leaf = pt.leaf;
        frame = pt.frame;
        shadow = pt.shadow;
        if (ptl >= 0) lockRelease(ld, LOCK_PTL, ptl, owner);
        ptl = leafBase < 0 ? -1 : pt.leafId;
        if (ptl >= 0) lockAcquire(ld, LOCK_PTL, ptl, owner);
      }
      if (leafBase < 0) continue;
      // a visitor that walked elsewhere moved the arena's chunks: put back this leaf's (and only
      // then: a reference store costs a write barrier)
      if (pt.leaf !== leaf) {
        pt.leaf = leaf;
        pt.frame = frame;
        pt.shadow = shadow;
      }
      pt.off = leafBase + slot;
      if (one) {
        k.rmapArgs.addr = addr0 + i * 4096;
        if (!one(k, vma, i)) return walkAnonUnlock(k, avLock, ptl, owner);
      } else if (!visit!(vma, i, addr0 + i * 4096)) return walkAnonUnlock(k, avLock, ptl, owner);
    }
    if (ptl >= 0) lockRelease(ld, LOCK_PTL, ptl, owner);
    ptl = -1;
  }
  lockRelease(ld, LOCK_ANON_VMA, avLock, owner);
  return true;
}

/** pte_unmap_unlock() and anon_vma_unlock_read() of a walk the visitor stopped: false. */
function walkAnonUnlock(k: Kernel, avLock: number, ptl: number, owner: LockHolder): boolean {
  if (ptl >= 0) lockRelease(k.lockdep, LOCK_PTL, ptl, owner);
  lockRelease(k.lockdep, LOCK_ANON_VMA, avLock, owner);
  return false;
}

/**
 * rmap_walk_file() (mm/rmap.c): visit each vma of the mapping's i_mmap that covers the folio's
 * file index, at vma_address(index + i). Private file VMAs are visited too; a PTE there may map
 * an anon COW copy instead, which the visitor tells apart by the pfn.
 */
export function rmapWalkFile(k: Kernel, head: number, visit: RmapVisit, owner: LockHolder = k.waits.current): boolean {
  return walkFile(k, head, visit, null, owner);
}

/** The file walk, by `owner`: under i_mmap_lock_read(), each PTE visited under its table's PTE lock. */
function walkFile(k: Kernel, head: number, visit: RmapVisit | null, one: RmapOne | null, owner: LockHolder): boolean {
  const as = k.fs.addressSpaces[k.mem.mapping[head]! >> 2];
  if (!as) return true;
  const ld = k.lockdep;
  const mapping = as.id;
  lockAcquire(ld, LOCK_I_MMAP, mapping, owner);
  const pgoff = k.mem.index[head]!;
  const nr = k.mem.folioNrPages(head);
  const pt = k.pgtables;
  const vmas = as.iMmap;
  for (let v = 0; v < vmas.length; v++) {
    const vma = vmas[v]!;
    // as in walkAnon: vma_address() as a virtual page, split before the walk
    const startVpn = vma.vmStart * (1 / 4096);
    const endVpn = vma.vmEnd * (1 / 4096);
    const vpn0 = startVpn + (pgoff - vma.vmPgoff);
    for (let i = 0; i < nr; i++) {
      const vpn = vpn0 + i;
      if (vpn < startVpn || vpn >= endVpn) continue;
      const hiD = Math.floor(vpn * (1 / 262144));
      if (!pt.walkSplit(vma.mm.pgd, hiD | 0, (vpn - hiD * 262144) | 0, false)) continue;
      const ptl = pt.leafId;
      lockAcquire(ld, LOCK_PTL, ptl, owner);
      let more: boolean;
      if (one) {
        k.rmapArgs.addr = vpn * 4096;
        more = one(k, vma, i);
      } else more = visit!(vma, i, vpn * 4096);
      lockRelease(ld, LOCK_PTL, ptl, owner);
      if (!more) {
        lockRelease(ld, LOCK_I_MMAP, mapping, owner);
        return false;
      }
    }
  }
  lockRelease(ld, LOCK_I_MMAP, mapping, owner);
  return true;
}

/** rmap_walk(): anon folios through their anon_vma, page-cache folios through i_mmap; others through their backend. */
export function rmapWalk(k: Kernel, head: number, visit: RmapVisit, owner: LockHolder = k.waits.current): boolean {
  const tag = k.mem.mapping[head]! & 3;
  if (tag === PAGE_MAPPING_ANON) return walkAnon(k, head, visit, null, owner);
  if (tag === 0 && k.mem.mapping[head] !== 0) return walkFile(k, head, visit, null, owner);
  const backend = k.backends.forFolio(k, head);
  if (backend?.rmapWalk) return backend.rmapWalk(k, head, visit);
  return true;
}

/**
 * rmap_walk(folio, &rwc) with rwc.rmap_one = `one`: the same walk, allocation-free for anon and
 * page-cache folios. A backend's own walk (KSM) takes a visitor, made here.
 */
export function rmapWalkOne(k: Kernel, head: number, one: RmapOne, owner: LockHolder = k.waits.current): boolean {
  const tag = k.mem.mapping[head]! & 3;
  if (tag === PAGE_MAPPING_ANON) return walkAnon(k, head, null, one, owner);
  if (tag === 0 && k.mem.mapping[head] !== 0) return walkFile(k, head, null, one, owner);
  const backend = k.backends.forFolio(k, head);
  if (backend?.rmapWalk) return backendWalkOne(k, backend, head, one);
  return true;
}

/**
 * A backend's own walk (KSM's stable-node rmap items) with an rmap_one: a visitor is made here,
 * in a function of its own, so that rmapWalkOne() captures nothing (a function whose
 * parameters a closure captures allocates their context on every call, even if that branch
 * never runs).
 */
function backendWalkOne(k: Kernel, backend: Backend, head: number, one: RmapOne): boolean {
  return backend.rmapWalk!(k, head, (vma, i, addr) => {
    k.rmapArgs.addr = addr;
    return one(k, vma, i);
  });
}

/**
 * try_to_migrate(): replace every PTE that maps the folio with a migration entry. A writable
 * PTE gives a writable entry; PG_anon_exclusive moves into a readable-exclusive entry (and is
 * cleared on the page); A/D bits ride in the entry. Each PTE's mapcount and reference go.
 * An exclusive page that is pinned (folio_try_share_anon_rmap_pte fails) stays mapped, and the
 * walk stops: the caller sees folio_mapped() and backs off.
 */
export function tryToMigrate(k: Kernel, head: number, flags: number, owner: LockHolder = k.waits.current): void {
  const args = k.rmapArgs;
  args.head = head;
  args.flags = flags;
  args.anon = k.mem.folioTestAnon(head);
  args.nrPtes = 0;
  args.nrPages = 0;
  rmapWalkOne(k, head, tryToMigrateOne, owner);
  // What each PTE's folio_remove_rmap_pte() and folio_put() would have done, for the folio at
  // once (folio_remove_rmap_ptes(), folio_put_refs()): the pages left unmapped leave
  // NR_ANON_MAPPED (NR_FILE_MAPPED), each PTE's reference goes. Nothing reads them mid-walk.
  const { nrPtes, nrPages, anon } = args;
  if (nrPages > 0) lruvecStatModFolio(k, head, anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, -nrPages);
  if (nrPtes > 0) folioPutRefs(k, head, nrPtes);
  // __folio_remove_rmap() → munlock_vma_folio(); the remap mlocks the new folio again
  munlockVmaFolio(k, head);
}

/** try_to_migrate_one(): one PTE of page i of the folio (k.rmapArgs: head, flags, anon). */
function tryToMigrateOne(k: Kernel, _vma: VmArea, i: number): boolean {
  const mem = k.mem;
  const pt = k.pgtables;
  const { head, flags, anon } = k.rmapArgs;
  const pte = pt.leaf[pt.off]!;
  const page = head + i;
  if (!ptePresent(pte) || pt.frame[pt.off] !== page) return true;
  const exclusive = anon && mem.testFlag(page, PG_anon_exclusive);
  if (exclusive && mem.pincount[head]! > 0) return false;
  // ptep_clear_flush(), or ptep_get_and_clear() with a deferred flush under TTU_BATCH_FLUSH.
  if (flags & TTU_BATCH_FLUSH) k.tlb.flushRequired = true;
  else k.tlb.shootdowns++;
  // folio_mark_dirty(): a file folio is dirtied with its accounting (NR_FILE_DIRTY)
  if (pteDirty(pte)) {
    if (anon) mem.setFlag(head, PG_dirty);
    else folioMarkDirty(k, head);
  }
  const type = pteWrite(pte) ? SWP_MIGRATION_WRITE : exclusive ? SWP_MIGRATION_READ_EXCLUSIVE : SWP_MIGRATION_READ;
  if (exclusive) mem.clearFlag(page, PG_anon_exclusive);
  pt.setSwpPte(page, migrationEntryBits(type, pteYoung(pte), pteDirty(pte)));
  // MM_ANONPAGES is left alone: the migration entry still counts in rss (as in the kernel).
  // folio_remove_rmap_pte(): the mapcounts now, the stat and the reference after the walk.
  mem.largeMapcount[head]!--;
  const left = --mem.mapcount[page]!;
  if (left < 0) throw new KernelBug(`try_to_migrate_one: pfn ${page} mapcount went negative`);
  if (left === 0) k.rmapArgs.nrPages++;
  k.rmapArgs.nrPtes++;
  return true;
}

/** Does any VM_LOCKED vma still map a page of the folio with a present PTE? (mlock's rmap check) */
export function folioMappedLocked(k: Kernel, head: number): boolean {
  const pt = k.pgtables;
  let locked = false;
  rmapWalk(k, head, (vma, i) => {
    if ((vma.vmFlags & VM_LOCKED) === 0 || !ptePresent(pt.leaf[pt.off]!) || pt.frame[pt.off] !== head + i) return true;
    locked = true;
    return false;
  });
  return locked;
}

/** munlock_vma_folio() after a mapping went: munlock once no VM_LOCKED vma maps the folio. */
export function munlockVmaFolio(k: Kernel, head: number): void {
  if (k.mem.testFlag(head, PG_mlocked) && !folioMappedLocked(k, head)) munlockFolio(k, head);
}

/** try_to_unmap_flush(): issue the TLB flush owed by batched unmaps. */
export function tryToUnmapFlush(k: Kernel): void {
  if (!k.tlb.flushRequired) return;
  k.tlb.flushRequired = false;
  k.tlb.shootdowns++;
}

/**
 * remove_migration_ptes(src, dst): walk dst's rmap (dst carries the mapping and index the
 * data had) and turn every migration entry that points at a page of src into a present PTE for
 * the same page of dst. Exclusive and writable entries come back exclusive.
 */
export function removeMigrationPtes(k: Kernel, src: number, dst: number, owner: LockHolder = k.waits.current): void {
  const args = k.rmapArgs;
  args.src = src;
  args.head = dst;
  args.anon = k.mem.folioTestAnon(dst);
  args.nrPtes = 0;
  args.nrPages = 0;
  // each restored PTE takes a reference (folio_get()): dst must hold one already
  if (k.mem.refcount[dst]! <= 0) throw new KernelBug(`remove_migration_ptes: dst pfn ${dst} has refcount ${k.mem.refcount[dst]}`);
  rmapWalkOne(k, dst, removeMigrationPte, owner);
  // the walk's folio_get()s and the pages it mapped again, for the folio at once
  // (folio_add_*_rmap_ptes() batches them the same way)
  if (args.nrPtes > 0) k.mem.refcount[dst]! += args.nrPtes;
  if (args.nrPages > 0) lruvecStatModFolio(k, dst, args.anon ? NR_ANON_MAPPED : NR_FILE_MAPPED, args.nrPages);
}

/** remove_migration_pte(): an entry naming page i of args.src, restored for page i of args.head. */
function removeMigrationPte(k: Kernel, vma: VmArea, i: number): boolean {
  const mem = k.mem;
  const pt = k.pgtables;
  const { src, head: dst, anon } = k.rmapArgs;
  const pte = pt.leaf[pt.off]!;
  if (!isMigrationEntry(pte) || pt.frame[pt.off] !== src + i) return true;
  const page = dst + i;
  let bits = 0;
  if (isMigrationEntryYoung(pte)) bits |= _PAGE_ACCESSED;
  if (mem.testFlag(dst, PG_dirty) && isMigrationEntryDirty(pte)) bits |= _PAGE_DIRTY;
  if (isWritableMigrationEntry(pte)) bits |= _PAGE_RW;
  // folio_get() and folio_add_{anon,file}_rmap_pte(): the mapcounts and PG_anon_exclusive now,
  // the reference and the stat after the walk (removeMigrationPtes)
  mem.largeMapcount[dst]!++;
  if (mem.mapcount[page]!++ === 0) k.rmapArgs.nrPages++;
  if (anon && !isReadableMigrationEntry(pte)) mem.setFlag(page, PG_anon_exclusive);
  k.rmapArgs.nrPtes++;
  pt.setPfnPte(page, bits);
  // folio_add_*_rmap_pte() → mlock_vma_folio()
  if (vma.vmFlags & VM_LOCKED) mlockVmaFolio(k, page, vma, k.rmapArgs.addr);
  return true;
}
