/**
 * The watcher's retry delay (kube-rs `default_backoff` + `ResetTimerBackoff`): exponential 800 ms -> 30 s, jittered,
 * and back to the start after 120 s without a failure, so one blip a day does not cost a 30 s gap.
 */
import { type Clock, systemClock } from "./clock.js";

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Quiet time after which the next failure starts from `initialMs` again. */
  resetAfterMs?: number;
  random?: () => number;
  clock?: Clock;
}

export class ResettingBackoff {
  private attempt = 0;
  private lastFailure = Number.NEGATIVE_INFINITY;
  private readonly o: Required<BackoffOptions>;

  constructor(options: BackoffOptions = {}) {
    this.o = {
      initialMs: 800,
      maxMs: 30_000,
      resetAfterMs: 120_000,
      random: Math.random,
      clock: systemClock,
      ...options,
    };
  }

  /** The delay before the next retry, in [d/2, d] for the current step d ("equal jitter": never a hot loop). */
  next(): number {
    const now = this.o.clock.now();
    if (now - this.lastFailure > this.o.resetAfterMs) this.attempt = 0;
    this.lastFailure = now;
    const d = Math.min(this.o.initialMs * 2 ** this.attempt, this.o.maxMs);
    this.attempt++;
    return d / 2 + (this.o.random() * d) / 2;
  }

  reset(): void {
    this.attempt = 0;
    this.lastFailure = Number.NEGATIVE_INFINITY;
  }
}
