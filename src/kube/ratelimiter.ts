/**
 * client-go's workqueue rate limiters: `when(key)` says how long to wait before the key's next attempt, `forget(key)`
 * clears its failure history, `numRequeues(key)` counts failures since the last forget.
 */
import { type Clock, systemClock } from "./clock.js";

export interface RateLimiter<K = string> {
  when(key: K): number;
  forget(key: K): void;
  numRequeues(key: K): number;
}

export interface ExponentialOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * "full": a uniform delay in [0, backoff] (AWS "full jitter"), so many keys failing together (ResourceInUse on a busy
   * domain) spread out instead of retrying in lockstep. "none" is client-go's behaviour.
   */
  jitter?: "none" | "full";
  random?: () => number;
}

/** base * 2^failures, capped: the delay after `failures` earlier failures. Pure. */
export function exponentialDelay(failures: number, o: Pick<ExponentialOptions, "baseDelayMs" | "maxDelayMs">): number {
  return Math.min(o.baseDelayMs * 2 ** failures, o.maxDelayMs);
}

/** base * 2^failures, capped; per key. */
export class ItemExponentialFailureRateLimiter<K = string> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();
  private readonly random: () => number;

  constructor(private readonly opts: ExponentialOptions) {
    this.random = opts.random ?? Math.random;
  }

  when(key: K): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    const backoff = exponentialDelay(exp, this.opts);
    return this.opts.jitter === "full" ? this.random() * backoff : backoff;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket (qps, burst), shared by all keys: it bounds how fast retries of *different* keys can come back.
 * Like golang.org/x/time/rate's Reserve(): each call takes a token now or reserves a future one and returns the wait.
 */
export class BucketRateLimiter<K = string> implements RateLimiter<K> {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The worst (longest) of several limiters; every limiter sees every call so their state stays consistent. */
export class MaxOfRateLimiter<K = string> implements RateLimiter<K> {
  private readonly limiters: RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.limiters = limiters;
  }

  when(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.when(key));
    return max;
  }

  forget(key: K): void {
    for (const l of this.limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let max = 0;
    for (const l of this.limiters) max = Math.max(max, l.numRequeues(key));
    return max;
  }
}

/** controller-runtime's default: per key 5 ms -> 1000 s, overall 10 qps with a burst of 100. */
export function defaultControllerRateLimiter<K = string>(clock: Clock = systemClock): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>({ baseDelayMs: 5, maxDelayMs: 1000_000 }),
    new BucketRateLimiter<K>(10, 100, clock),
  );
}
