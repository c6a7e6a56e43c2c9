/** Token buckets in front of the API: what SageMaker's per-account request rate limits look like to a client. */
import type { ThrottleConfig } from "./types.js";

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rps: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token if one is there; refills continuously at `rps`. */
  take(now: number): boolean {
    if (this.rps === Number.POSITIVE_INFINITY) return true;
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class Throttle {
  private readonly all: TokenBucket;
  private readonly mutating?: TokenBucket;

  constructor(config: ThrottleConfig, now: number) {
    this.all = new TokenBucket(config.rps, config.burst ?? Math.max(1, config.rps), now);
    if (config.mutatingRps !== undefined)
      this.mutating = new TokenBucket(config.mutatingRps, config.mutatingBurst ?? Math.max(1, config.mutatingRps), now);
  }

  /** False when the call is over budget. A mutating call must fit both budgets. */
  admit(mutating: boolean, now: number): boolean {
    if (!this.all.take(now)) return false;
    return !(mutating && this.mutating && !this.mutating.take(now));
  }
}
