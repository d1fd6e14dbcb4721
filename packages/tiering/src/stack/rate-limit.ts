/**
 * Rate limiters: how many base pages the mover may move per epoch.
 * - `none`: unlimited.
 * - `token-bucket`: MB/s of simulated time, refilled by the epoch's simulated length, capped
 *   at burstMB.
 */
import type { RateLimiter, TieringContext } from "./types.js";

export class NoRateLimit implements RateLimiter {
  readonly name = "none";
  refill(): void {}
  budgetPages(): number {
    return Number.MAX_SAFE_INTEGER;
  }
  consume(): void {}
}

export interface TokenBucketOptions {
  /** MB (2^20 bytes) per simulated second; default 256 */
  mbps?: number;
  /** bucket size (MB); default mbps / 10 */
  burstMB?: number;
}

export class TokenBucket implements RateLimiter {
  readonly name = "token-bucket";
  readonly mbps: number;
  readonly burstPages: number;
  private tokens: number;
  constructor(o: TokenBucketOptions = {}) {
    this.mbps = o.mbps ?? 256;
    this.burstPages = ((o.burstMB ?? this.mbps / 10) * 1024 * 1024) / 4096;
    this.tokens = this.burstPages;
  }
  refill(ctx: TieringContext): void {
    const pagesPerNs = (this.mbps * 1024 * 1024) / 4096 / 1e9;
    this.tokens = Math.min(this.burstPages, this.tokens + pagesPerNs * ctx.epochNs);
  }
  budgetPages(): number {
    return Math.floor(this.tokens);
  }
  consume(pages: number): void {
    this.tokens = Math.max(0, this.tokens - pages);
  }
}
