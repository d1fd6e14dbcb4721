/**
 * The simulated clock, in nanoseconds. Core never reads wall time: the engine advances this
 * clock by the cost of each access, fault and move, and kernel code that needs "now" (the NUMA
 * balancing scan-to-fault latency, the promotion rate-limit window) reads it through
 * jiffies_to_msecs(jiffies) = msecs(). Kernel time is real time: a kernel millisecond is a
 * simulated millisecond (there is no compression).
 */
export class SimClock {
  /** simulated time since boot, ns */
  nowNs = 0;

  advance(ns: number): void {
    this.nowNs += ns;
  }

  /** jiffies_to_msecs(jiffies) */
  msecs(): number {
    return Math.floor(this.nowNs / 1e6);
  }

  reset(): void {
    this.nowNs = 0;
  }
}
