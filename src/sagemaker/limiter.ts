/**
 * The shared SageMaker call limiter: a token bucket for all calls, a second, lower one for mutating calls, a
 * concurrency cap, and AIMD on throttling. One instance per (account, region), shared by every worker.
 *
 * Tokens and concurrency slots are granted together, at the moment a call may start: taking a token first and then
 * queueing for a slot (or the other way round with two libraries) lets calls that waited for a slot start in a
 * clump above the rate.
 */
import { type Clock, systemClock, type TimerHandle } from "../kube/clock.js";
import { AimdRate } from "./aimd.js";
import { TokenBucket } from "./token-bucket.js";

/** Mutating calls (Create/Update/Delete, AddTags/DeleteTags) need a token from both budgets. */
export type CallKind = "read" | "mutating";

/** Gives the concurrency slot back; calling it more than once is harmless. */
export type Release = () => void;

export interface RateLimiterOptions {
  /** Calls per second, all kinds together. */
  rps: number;
  /** Calls that may start at once after a quiet spell. */
  burst: number;
  /** Calls in flight at most. */
  concurrency: number;
  /** A separate, lower budget for mutating calls; unset = only the shared budget applies. */
  mutatingRps?: number;
  mutatingBurst?: number;
  /** AIMD floor for the shared rate; default rps / 20 (the mutating floor scales with it). */
  minRps?: number;
  /** Default 0.5. */
  decreaseFactor?: number;
  /** Throttles within this long of a cut count once; default 1000 ms. */
  cooldownMs?: number;
  /** Default 1000 ms. */
  increaseIntervalMs?: number;
  /** Default rps / 10 (mutating: mutatingRps / 10). */
  increaseStep?: number;
  clock?: Clock;
  /** Called with the shared rate whenever AIMD changes it (for a gauge). */
  onRateChange?: (rps: number) => void;
}

interface Budget {
  readonly bucket: TokenBucket;
  readonly aimd: AimdRate;
  /** The configured burst; the bucket's capacity shrinks with the rate so a cut rate cannot be undone by a burst. */
  readonly burst: number;
}

interface Waiter {
  kind: CallKind;
  resolve: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RateLimiter {
  private readonly clock: Clock;
  private readonly all: Budget;
  private readonly mutating?: Budget;
  private readonly concurrency: number;
  private readonly onRateChange?: (rps: number) => void;
  private readonly waiters: Waiter[] = [];
  private inFlight = 0;
  private timer: TimerHandle | undefined;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1))
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.concurrency = options.concurrency;
    this.onRateChange = options.onRateChange;
    const now = this.clock.now();
    const aimd = {
      decreaseFactor: options.decreaseFactor,
      cooldownMs: options.cooldownMs,
      increaseIntervalMs: options.increaseIntervalMs,
    };
    this.all = budget(options.rps, options.burst, now, {
      ...aimd,
      minRps: options.minRps,
      increaseStep: options.increaseStep,
    });
    if (options.mutatingRps !== undefined) {
      const scale = options.mutatingRps / options.rps;
      this.mutating = budget(options.mutatingRps, options.mutatingBurst ?? Math.max(1, options.mutatingRps), now, {
        ...aimd,
        minRps: options.minRps === undefined ? undefined : options.minRps * scale,
        increaseStep: options.increaseStep === undefined ? undefined : options.increaseStep * scale,
      });
    }
  }

  /** The shared rate now (calls per second), as AIMD has set it. */
  get rps(): number {
    return this.all.aimd.current(this.clock.now());
  }

  /** The mutating budget's rate now, when there is one. */
  get mutatingRps(): number | undefined {
    return this.mutating?.aimd.current(this.clock.now());
  }

  /** Calls waiting for a token or a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  get active(): number {
    return this.inFlight;
  }

  /**
   * Waits, without blocking anything else, until a call of this kind may start; resolves with the slot's release.
   * FIFO: no call overtakes an earlier one, except that reads do not wait behind mutating calls that are short of
   * their own (lower) budget. Rejects with `signal.reason` when the signal aborts first.
   */
  acquire(kind: CallKind, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { kind, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Runs `fn` when the limiter allows, holding a slot until it settles. */
  async run<T>(kind: CallKind, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(kind, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /**
   * SageMaker answered ThrottlingException to a call of this kind: cut that kind's budget (at most once per cooldown)
   * and empty its bucket, since the server's bucket is empty too. A throttled mutating call cuts the mutating budget
   * when there is one: reads were not refused, so their rate stays.
   */
  onThrottle(kind: CallKind): void {
    const now = this.clock.now();
    const target = kind === "mutating" && this.mutating ? this.mutating : this.all;
    if (target.aimd.onThrottle(now)) {
      this.sync(target, now);
      target.bucket.drain(now);
    }
    this.pump();
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.pump();
    };
  }

  /** Grants what can start now and arms one timer for the earliest moment something else can. */
  private pump(): void {
    const now = this.clock.now();
    this.sync(this.all, now);
    if (this.mutating) this.sync(this.mutating, now);

    let wakeIn = Number.POSITIVE_INFINITY;
    let mutatingShort = false;
    for (let i = 0; i < this.waiters.length && this.inFlight < this.concurrency; ) {
      const waiter = this.waiters[i] as Waiter;
      const own = waiter.kind === "mutating" ? this.mutating : undefined;
      if (own) {
        const wait = mutatingShort ? Number.POSITIVE_INFINITY : own.bucket.waitTime(now);
        if (wait > 0) {
          mutatingShort = true;
          wakeIn = Math.min(wakeIn, wait);
          i++;
          continue;
        }
      }
      const wait = this.all.bucket.waitTime(now);
      if (wait > 0) {
        wakeIn = Math.min(wakeIn, wait);
        break;
      }
      this.all.bucket.tryTake(now);
      own?.bucket.tryTake(now);
      this.waiters.splice(i, 1);
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.inFlight += 1;
      waiter.resolve(this.releaser());
    }
    // While AIMD climbs back, wake at each step so the rate gauge moves even when nobody calls.
    const step = this.all.aimd.nextStepIn(now);
    if (step !== undefined) wakeIn = Math.min(wakeIn, step);
    const mutatingStep = this.mutating?.aimd.nextStepIn(now);
    if (mutatingStep !== undefined) wakeIn = Math.min(wakeIn, mutatingStep);

    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (Number.isFinite(wakeIn)) {
      this.timer = this.clock.setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(1, Math.ceil(wakeIn)),
      );
      // The clock's timers do not keep the process alive, which is right for the recovery ticks; but a caller waiting
      // for a token is work in progress (a CLI would otherwise exit with its call still queued).
      if (this.waiters.length > 0) (this.timer as { ref?: () => void } | undefined)?.ref?.();
    }
  }

  /** Brings the bucket's rate and capacity in line with what AIMD says now. */
  private sync(b: Budget, now: number): void {
    const rate = b.aimd.current(now);
    if (rate === b.bucket.rate) return;
    b.bucket.reconfigure(rate, Math.max(1, (b.burst * rate) / b.aimd.maxRps), now);
    if (b === this.all) this.onRateChange?.(rate);
  }
}

function budget(
  rps: number,
  burst: number,
  now: number,
  aimd: Omit<ConstructorParameters<typeof AimdRate>[0], "maxRps">,
): Budget {
  return { bucket: new TokenBucket(rps, burst, now), aimd: new AimdRate({ maxRps: rps, ...aimd }, now), burst };
}
