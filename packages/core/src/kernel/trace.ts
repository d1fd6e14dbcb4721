/**
 * Tracepoints as eventemitter3 events, named after the kernel's (include/trace/events/*.h).
 * `mm_folio_exchange*` are foliox's own, since Linux has no exchange. Nothing is emitted per
 * access: events fire per allocation failure, per move, per phase and per call, and callers
 * check `enabled(name)` before building a payload (the kernel's static-key check).
 */
import { EventEmitter } from "eventemitter3";

export interface TraceEvents {
  /** include/trace/events/migrate.h */
  mm_migrate_pages: [
    {
      succeeded: number;
      failed: number;
      thpSucceeded: number;
      thpFailed: number;
      thpSplit: number;
      /** nr_split (v6.10+): large folios of any order split before migrating */
      split?: number;
      mode: string;
      reason: string;
    },
  ];
  mm_migrate_pages_start: [{ mode: string; reason: string }];
  /** foliox's own: one per exchanged pair, and one per failed attempt */
  mm_folio_exchange: [{ oldPfn: number; newPfn: number; rc: number; step: string }];
  /** foliox's own: one per template step, for step-by-step displays */
  mm_folio_exchange_step: [{ step: string; rc: number; oldPfn: number; newPfn: number }];
  /** include/trace/events/kmem.h, emitted only for failures (an allocation is per fault) */
  mm_page_alloc_fail: [{ order: number; gfp: string; nid: number }];
  /** include/trace/events/vmscan.h */
  mm_vmscan_wakeup_kswapd: [{ nid: number; order: number; gfp: string }];
}

export type TraceName = keyof TraceEvents;

export class Tracepoints extends EventEmitter<TraceEvents> {
  /** The static-key check: is anybody listening? */
  enabled(name: TraceName): boolean {
    return this.listenerCount(name) > 0;
  }
}
