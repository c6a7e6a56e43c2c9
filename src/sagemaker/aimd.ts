/**
 * Additive-increase / multiplicative-decrease of a call rate: what the limiter does when SageMaker answers
 * ThrottlingException. Pure: time is passed in.
 */
export interface AimdOptions {
  /** The configured rate: the ceiling recovery climbs back to. */
  maxRps: number;
  /** The floor; default maxRps / 20. */
  minRps?: number;
  /** Each counted throttle multiplies the rate by this; default 0.5. */
  decreaseFactor?: number;
  /**
   * Throttles within this long of the last cut count once (default 1000 ms): the calls already in flight when the
   * first throttle came back were sent at the old rate and say nothing about the new one.
   */
  cooldownMs?: number;
  /** After this long without a throttle the rate climbs by one step (default 1000 ms). */
  increaseIntervalMs?: number;
  /** Default maxRps / 10. */
  increaseStep?: number;
}

export class AimdRate {
  readonly maxRps: number;
  readonly minRps: number;
  private readonly decreaseFactor: number;
  private readonly cooldownMs: number;
  private readonly increaseIntervalMs: number;
  private readonly increaseStep: number;
  private rate: number;
  private lastCut = Number.NEGATIVE_INFINITY;
  /** Start of the current throttle-free stretch, moved forward by each step taken. */
  private quietSince: number;

  constructor(options: AimdOptions, now: number) {
    this.maxRps = options.maxRps;
    this.minRps = Math.min(options.minRps ?? options.maxRps / 20, options.maxRps);
    this.decreaseFactor = options.decreaseFactor ?? 0.5;
    this.cooldownMs = options.cooldownMs ?? 1000;
    this.increaseIntervalMs = options.increaseIntervalMs ?? 1000;
    this.increaseStep = options.increaseStep ?? options.maxRps / 10;
    if (!(this.maxRps > 0 && this.minRps > 0)) throw new RangeError("AIMD rates must be > 0");
    if (!(this.decreaseFactor > 0 && this.decreaseFactor < 1)) throw new RangeError("decreaseFactor must be in (0, 1)");
    if (!(this.increaseStep > 0 && this.increaseIntervalMs > 0))
      throw new RangeError("increase step and interval must be > 0");
    this.rate = this.maxRps;
    this.quietSince = now;
  }

  /** The rate at `now` (recovery steps due by then are taken). */
  current(now: number): number {
    this.recover(now);
    return this.rate;
  }

  /** True while below the configured rate, i.e. recovery steps are still to come. */
  recovering(now: number): boolean {
    return this.current(now) < this.maxRps;
  }

  /** Milliseconds from `now` to the next recovery step, or undefined when at the configured rate. */
  nextStepIn(now: number): number | undefined {
    if (!this.recovering(now)) return undefined;
    return this.quietSince + this.increaseIntervalMs - now;
  }

  /** Records a throttle; returns true when it cut the rate (at most once per cooldown). */
  onThrottle(now: number): boolean {
    this.recover(now);
    this.quietSince = now;
    if (now - this.lastCut < this.cooldownMs) return false;
    this.lastCut = now;
    const cut = Math.max(this.minRps, this.rate * this.decreaseFactor);
    const changed = cut !== this.rate;
    this.rate = cut;
    return changed;
  }

  private recover(now: number): void {
    if (this.rate >= this.maxRps) return;
    const steps = Math.floor((now - this.quietSince) / this.increaseIntervalMs);
    if (steps <= 0) return;
    this.rate = Math.min(this.maxRps, this.rate + steps * this.increaseStep);
    this.quietSince += steps * this.increaseIntervalMs;
  }
}
