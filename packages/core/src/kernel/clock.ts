/**
 * The simulated clock, in nanoseconds. Core never reads wall time: the engine advances this
 * clock by the cost of each access, fault and move, and kernel code that needs "now" (the NUMA
 * balancing scan-to-fault latency, the promotion rate-limit window) reads it through
 * jiffies_to_msecs(jiffies) = msecs().
 */
export class SimClock {
  /** simulated time since boot, ns */
  nowNs = 0;
  /**
   * Kernel-time compression: a kernel millisecond lasts nsPerKernelMs simulated ns. 1e6 is
   * real time. Short simulations (a few ms of simulated time) may shrink it so that the
   * kernel's second-scale constants (scan period, hot threshold, rate-limit window) act
   * within the run; every kernel time constant is then compressed by the same factor.
   */
  nsPerKernelMs = 1e6;

  advance(ns: number): void {
    this.nowNs += ns;
  }

  /** jiffies_to_msecs(jiffies) */
  msecs(): number {
    return Math.floor(this.nowNs / this.nsPerKernelMs);
  }

  reset(): void {
    this.nowNs = 0;
  }
}
