/**
 * The shared SageMaker call limiter: a token bucket for all calls, a second, lower one for mutating calls, a
 * concurrency cap, and AIMD on throttling. One instance per (account, region), shared by every worker.
 *
 * Tokens and concurrency slots are granted together, at the moment a call may start: taking a token first and then
 * queueing for a slot (or the other way round with two libraries) lets calls that waited for a slot start in a
 * clump above the rate.
 *
 * Calls are granted fairly between flows (namespaces: the tenant a reconcile works for): each flow has its own FIFO
 * and the flow whose head has the smallest virtual start goes next, so a namespace with many calls queued for the
 * mutating budget delays another namespace's call by at most one call, not by its whole queue. This is start-time fair
 * queuing with one token as the unit of work, as Kubernetes API Priority and Fairness does it
 * (staging/src/k8s.io/apiserver/pkg/util/flowcontrol/fairqueuing/queueset/queueset.go: `enqueueToBoundLocked` sets an
 * idle queue's start to the current virtual time, `findDispatchQueueToBoundLocked` dispatches the smallest virtual
 * finish). So a flow that starts waiting goes ahead of a backlogged flow that was just served: with plain round robin
 * it joined behind it and waited a token more (measured: the quiet namespace's p50 under a storm was one token
 * interval above its idle one). A flow that rejoins keeps its own virtual finish if that is later (it cannot jump the
 * queue by emptying it).
 *
 * A call costs its flow the share it takes of the budget it uses most, as APF charges each request its own work
 * estimate: a mutating call 1, a read mutatingRps / rps (one sixth at the chart's rates) when there is a mutating
 * budget. Charged 1, the Describe a reconcile makes before its Update put the namespace one whole mutating turn behind
 * the busy one it had just caught up with (measured: a quiet namespace's Update waited 35 ms at p50 for a token every
 * 20 ms). The buckets are the same for everyone, so fairness changes who goes next, never how many calls start.
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
  /** Called with the calls waiting and in flight whenever either may have changed (for gauges). */
  onLoadChange?: (waiting: number, inFlight: number) => void;
}

interface Budget {
  readonly bucket: TokenBucket;
  readonly aimd: AimdRate;
  /** The configured burst; the bucket's capacity shrinks with the rate so a cut rate cannot be undone by a burst. */
  readonly burst: number;
}

/** A flow's waiting calls, FIFO; `reads` counts the reads among them; `start` is the virtual start of the next one. */
interface FlowQueue {
  waiters: Waiter[];
  reads: number;
  start: number;
}

interface Waiter {
  kind: CallKind;
  flow: string;
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
  private readonly readCost: number;
  private readonly onRateChange?: (rps: number) => void;
  private readonly onLoadChange?: (waiting: number, inFlight: number) => void;
  /** Flows with calls waiting, in the order they started waiting: of equal starts, the flow that came last goes first. */
  private readonly queues = new Map<string, FlowQueue>();
  /** Virtual time: the start of the call granted last. A grant costs its flow 1, or `readCost` for a read. */
  private virtual = 0;
  /** Flows that stopped waiting, with the virtual finish of their last grant (dropped once the virtual time passes it). */
  private readonly finished = new Map<string, number>();
  private waitingCount = 0;
  private inFlight = 0;
  private timer: TimerHandle | undefined;

  constructor(options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    if (!(Number.isInteger(options.concurrency) && options.concurrency >= 1))
      throw new RangeError(`concurrency must be a positive integer, got ${options.concurrency}`);
    this.concurrency = options.concurrency;
    this.onRateChange = options.onRateChange;
    this.onLoadChange = options.onLoadChange;
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
    this.readCost = options.mutatingRps === undefined ? 1 : Math.min(1, options.mutatingRps / options.rps);
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
    return this.waitingCount;
  }

  /** Flows (namespaces) with calls waiting. */
  get waitingFlows(): number {
    return this.queues.size;
  }

  get active(): number {
    return this.inFlight;
  }

  /**
   * Waits, without blocking anything else, until a call of this kind may start; resolves with the slot's release.
   * `flow` is who the call is for (a namespace; "" for the operator's own calls): flows take turns, and within a flow
   * no call overtakes an earlier one, except that reads do not wait behind mutating calls that are short of their own
   * (lower) budget. Rejects with `signal.reason` when the signal aborts first.
   */
  acquire(kind: CallKind, signal?: AbortSignal, flow = ""): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { kind, flow, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          this.remove(waiter);
          reject(signal.reason);
          this.pump();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      let queue = this.queues.get(flow);
      if (!queue) {
        queue = { waiters: [], reads: 0, start: Math.max(this.virtual, this.finished.get(flow) ?? 0) };
        this.finished.delete(flow);
        this.queues.set(flow, queue);
      }
      queue.waiters.push(waiter);
      if (kind === "read") queue.reads++;
      this.waitingCount++;
      this.pump();
    });
  }

  /** Runs `fn` when the limiter allows, holding a slot until it settles. */
  async run<T>(kind: CallKind, fn: () => Promise<T>, signal?: AbortSignal, flow = ""): Promise<T> {
    const release = await this.acquire(kind, signal, flow);
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
    while (this.waitingCount > 0 && this.inFlight < this.concurrency) {
      const sharedWait = this.all.bucket.waitTime(now);
      if (sharedWait > 0) {
        wakeIn = Math.min(wakeIn, sharedWait);
        break;
      }
      const mutatingWait = this.mutating?.bucket.waitTime(now) ?? 0;
      const waiter = this.next(mutatingWait === 0);
      if (!waiter) {
        // Only mutating calls wait, and their budget is empty.
        wakeIn = Math.min(wakeIn, mutatingWait);
        break;
      }
      this.all.bucket.tryTake(now);
      if (waiter.kind === "mutating") this.mutating?.bucket.tryTake(now);
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
      if (this.waitingCount > 0) (this.timer as { ref?: () => void } | undefined)?.ref?.();
    }
    this.onLoadChange?.(this.waitingCount, this.inFlight);
  }

  /**
   * Takes the call to start next: from the flow with the smallest virtual start among those that have one it may
   * start (its oldest call, or its oldest read while the mutating budget is empty). Of equal starts, the flow that
   * started waiting last: as FQ-CoDel's new flows, a namespace that just came (its Describe's cost made its start equal
   * to the busy one's) is not put behind a flow that has waited all along.
   */
  private next(mutatingAllowed: boolean): Waiter | undefined {
    let chosen: FlowQueue | undefined;
    let index = -1;
    for (const queue of this.queues.values()) {
      if (chosen && queue.start > chosen.start) continue;
      const i = mutatingAllowed ? 0 : queue.reads > 0 ? queue.waiters.findIndex((w) => w.kind === "read") : -1;
      if (i < 0) continue;
      chosen = queue;
      index = i;
    }
    if (!chosen) return undefined;
    const waiter = chosen.waiters[index] as Waiter;
    this.virtual = chosen.start;
    chosen.start += waiter.kind === "read" ? this.readCost : 1;
    this.take(waiter, chosen, index);
    return waiter;
  }

  /** Drops an aborted call from its flow. */
  private remove(waiter: Waiter): void {
    const queue = this.queues.get(waiter.flow);
    const i = queue ? queue.waiters.indexOf(waiter) : -1;
    if (queue && i >= 0) this.take(waiter, queue, i);
  }

  private take(waiter: Waiter, queue: FlowQueue, i: number): void {
    queue.waiters.splice(i, 1);
    if (waiter.kind === "read") queue.reads--;
    this.waitingCount--;
    if (queue.waiters.length > 0) return;
    this.queues.delete(waiter.flow);
    // Only a finish after the virtual time matters when the flow rejoins; older ones are dropped as namespaces come and go.
    if (queue.start > this.virtual) this.finished.set(waiter.flow, queue.start);
    if (this.finished.size > 2 * this.queues.size + 16)
      for (const [flow, finish] of this.finished) if (finish <= this.virtual) this.finished.delete(flow);
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
