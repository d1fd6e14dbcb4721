/**
 * folio_exchange_data() (the seed's mm/exchange.c): swap the contents page by page. The point
 * of no return: nothing after the first byte of this swap may fail. No data may move while a
 * TLB flush for the unmap is still owed, or a stale TLB entry could write into the other
 * process's data.
 */
import { KernelBug } from "../kernel/bug.js";
import type { Kernel } from "../kernel/kernel.js";

export function folioExchangeData(k: Kernel, oldHead: number, newHead: number): void {
  if (k.tlb.flushRequired) throw new KernelBug("folio_exchange_data: data swap before the TLB flush of the unmap");
  k.content.swapPages(oldHead, newHead, k.mem.folioNrPages(oldHead));
}
