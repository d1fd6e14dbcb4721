/**
 * ksmd as an operation of the interleaving explorer (@foliox/core's explore): each step is one
 * full scan, ksm_do_scan() over every registered mm under ksm_thread_mutex, as ksm_scan_thread()
 * runs a batch. A scan that finds the mutex held (by a KSM↔KSM exchange in flight) sleeps on it:
 * the step reports STEP_BLOCKED and is retried once something else moved.
 */
import { ExploreStepOp, STEP_BLOCKED, STEP_RAN, type Kernel, type LockHolder } from "@foliox/core";
import { ksmOf } from "./ksm-state.js";
import { ksmdScan } from "./ksmd.js";

export class KsmdScanStep extends ExploreStepOp {
  readonly name: string;
  readonly nextStep = "ksm_do_scan";
  private left: number;

  constructor(
    readonly k: Kernel,
    readonly scans = 1,
  ) {
    super();
    this.left = scans;
    this.name = `ksmd(x${scans})`;
  }

  /** ksmd, the holder of ksm_thread_mutex and the folio locks its scan takes */
  get owner(): LockHolder {
    return ksmOf(this.k).ksmd;
  }

  step(): number {
    if (!ksmdScan(this.k)) return STEP_BLOCKED;
    return --this.left <= 0 ? this.finish(this.scans) : STEP_RAN;
  }
}
