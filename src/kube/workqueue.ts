/**
 * client-go's rate-limited work queue: a key is queued at most once (dirty set), is never handed to two workers at once
 * (processing set: a key added while it is processed is queued again once `done` is called), can be delayed (one heap,
 * earliest time wins, one timer for the heap head) and rate limited per key.
 *
 * Two priorities, as controller-runtime's priority queue: keys from the initial list (every object at start-up) are
 * queued at low priority, so a spec edit, a requeue after a poll or a watch event does not wait behind a backlog of
 * 10,000 start-up reconciles; a normal add of a key waiting at low priority promotes it.
 *
 * Two lanes at normal priority, served in turn within each flow: keys added now (watch events: new objects, edits)
 * and keys whose delay has come due (`addAfter`, `addRateLimited`: the Describe after our own write, a poll, a retry).
 * In client-go a due key joins the back of the one FIFO, so with 1,000 new objects applied at once the Describe that
 * would see the first profile created waited behind every create still queued (first Ready after N / R seconds, not
 * one settle time). In turn (two due keys per new one), a due key waits behind at most half as many new keys as there
 * are due keys ahead of it, and a mass of due keys (retries in a throttling storm) still leaves a third of the turns to
 * new keys and edits. The lanes are inside a flow's turn, not around the flows: a namespace with both due and new keys
 * gets one turn per round, as one with only new keys does (docs/architecture.md, "The work queue's order").
 *
 * Fair between flows: keys are grouped by `fairnessKey` (the namespace, for `ns/name` keys) and each priority level
 * serves its flows round robin (see FairFifo), so a namespace with thousands of queued keys delays another
 * namespace's key by one turn, not by its whole backlog. Without `fairnessKey` there is one flow: client-go's FIFO.
 *
 * Admitted per downstream and per flow (not in client-go; the bound is APF's seats per priority level): with
 * `saturated`, a key that would only wait (its downstream, an account×region, throttled; its namespace on all but one
 * worker while its calls queue for tokens) stays queued in its place while other keys go, so neither a throttled
 * downstream nor one namespace's storm can hold every worker.
 *
 * Deviation from client-go: after shutDown, `get()` returns undefined at once even if keys are still queued; the
 * controller stops taking work immediately and only waits for what is in flight.
 */
import { type Clock, systemClock, type TimerHandle } from "./clock.js";
import { DelayHeap } from "./delay-heap.js";
import { FairFifo } from "./fifo.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./ratelimiter.js";

/** Hooks for controller-runtime's workqueue_* metrics; the caller maps them onto its registry. Times in seconds. */
export interface QueueObserver {
  depth?(n: number): void;
  add?(): void;
  retry?(): void;
  /** Time between a key entering the queue and a worker getting it. */
  latency?(seconds: number): void;
  /** Time between get and done. */
  workDuration?(seconds: number): void;
  /** Sum of the running times of everything in progress (reported periodically). */
  unfinishedWork?(seconds: number): void;
  /** Running time of the oldest key in progress (reported periodically). */
  longestRunning?(seconds: number): void;
  /** Flows (namespaces) with keys waiting: bounded, unlike a depth per flow. */
  flows?(n: number): void;
}

export interface WorkQueueOptions<K> {
  rateLimiter?: RateLimiter<K>;
  clock?: Clock;
  observer?: QueueObserver;
  /** How often unfinishedWork / longestRunning are reported; client-go uses 500 ms. */
  unfinishedWorkPeriodMs?: number;
  /** The flow a key belongs to; flows are served round robin. Default: one flow for all keys (plain FIFO). */
  fairnessKey?: (key: K) => string;
  /** The downstream a key's work goes to (an account×region); undefined: none. */
  downstreamOf?: (key: K) => string | undefined;
  /**
   * Whether a key would only wait now (e.g. its SageMaker limiter already has a call waiting), given its downstream
   * (undefined without one) with `inProgress` keys of it being processed (0 without one), and `flowInProgress` keys of
   * its flow being processed: such a key stays queued, in its place, while other keys go first. Asked again whenever a
   * key is done; call `poke()` when the answer may have changed otherwise.
   */
  saturated?: (downstream: string | undefined, inProgress: number, flowInProgress: number) => boolean;
}

/** The lanes of the normal-priority FIFO (see the class comment). */
const DUE_LANE = 0;
const NEW_LANE = 1;
/**
 * Two due keys per new one. One to one would not drain a due backlog while creates go on: each create's completion
 * frees the worker that takes one due key, and each create adds one, so a backlog built in a stall stayed until the
 * last create (measured: a tail of 26 s create -> Ready). Two drains it; new keys still get a third of the turns.
 */
const LANE_WEIGHTS = [2, 1];

export class WorkQueue<K = string> {
  /** Normal-priority keys: DUE_LANE and NEW_LANE in each flow, in turn by LANE_WEIGHTS (due first in a flow that joins). */
  private readonly fifo: FairFifo<K>;
  /** Low-priority keys; an entry is stale (skipped) once its key left `low` (promoted or started). */
  private readonly lowFifo: FairFifo<K>;
  private readonly fairnessKey: (key: K) => string;
  private readonly admit?: (key: K) => boolean;
  /** Keys being processed per downstream, and the downstream each was handed out for; and per flow. */
  private readonly busy = new Map<string, number>();
  private readonly flowBusy = new Map<string, number>();
  private readonly downstreams = new Map<K, string>();
  private readonly downstreamOf?: (key: K) => string | undefined;
  /** Keys waiting for a worker, per flow (for the `flows` gauge; a promoted key is counted once). */
  private readonly pending = new Map<string, number>();
  /** Keys waiting for a worker, both priorities (a promoted key once; a key being processed is not waiting). */
  private waitingKeys = 0;
  private readonly dirty = new Set<K>();
  /** Dirty keys added only at low priority so far. */
  private readonly low = new Set<K>();
  /** Dirty keys whose first normal-priority add was a delay coming due: they wait in DUE_LANE. */
  private readonly due = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: Array<(k: K | undefined) => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private readonly waiting = new DelayHeap<K>();
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private metricsTimer: TimerHandle | undefined;
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter<K>;
  private readonly observer: QueueObserver;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.clock = options.clock ?? systemClock;
    this.limiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.clock);
    this.observer = options.observer ?? {};
    this.fairnessKey = options.fairnessKey ?? (() => "");
    const { saturated, downstreamOf } = options;
    this.downstreamOf = downstreamOf;
    if (saturated)
      this.admit = (key) => {
        const d = downstreamOf?.(key);
        const inProgress = d === undefined ? 0 : (this.busy.get(d) ?? 0);
        return !saturated(d, inProgress, this.flowBusy.get(this.fairnessKey(key)) ?? 0);
      };
    this.fifo = new FairFifo<K>(this.fairnessKey, LANE_WEIGHTS);
    this.lowFifo = new FairFifo<K>(this.fairnessKey);
    if (this.observer.unfinishedWork || this.observer.longestRunning) {
      this.reportUnfinishedWork(options.unfinishedWorkPeriodMs ?? 500);
    }
  }

  /**
   * Queues `key` unless it is already queued; a key being processed is queued again when it is done. `lowPriority`
   * keys are handed out only when no normal one is queued.
   */
  add(key: K, lowPriority = false): void {
    this.addIn(key, lowPriority ? "low" : "new");
  }

  /**
   * Into a lane. A dirty key keeps its place, except that a low one moves up (its old entry goes stale); one already
   * waiting at normal priority stays in its lane.
   */
  private addIn(key: K, lane: "low" | "new" | "due"): void {
    if (this.shuttingDown) return;
    if (this.dirty.has(key)) {
      if (lane !== "low" && this.low.delete(key)) {
        if (lane === "due") this.due.add(key);
        if (!this.processing.has(key)) this.push(key);
      }
      return;
    }
    this.dirty.add(key);
    this.observer.add?.();
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    if (lane === "low") this.low.add(key);
    else if (lane === "due") this.due.add(key);
    if (!this.processing.has(key)) this.enqueue(key);
  }

  /** A key starts waiting for a worker. */
  private enqueue(key: K): void {
    const flow = this.fairnessKey(key);
    countIn(this.pending, flow, 1);
    this.waitingKeys++;
    this.observer.flows?.(this.pending.size);
    this.push(key);
  }

  /** Into its lane's FIFO (a promoted key is already counted as waiting). */
  private push(key: K): void {
    if (this.low.has(key)) this.lowFifo.push(key);
    else this.fifo.push(key, this.due.has(key) ? DUE_LANE : NEW_LANE);
    this.observer.depth?.(this.len());
    this.dispatch();
  }

  /**
   * The next queued key: normal priority first, then low (skipping stale low entries); flows in turn within each, and
   * within a flow's turn its due and new lanes in turn. A flow whose next keys are saturated is passed over without
   * losing its place.
   */
  private next(): K | undefined {
    const live = (k: K) => this.low.has(k) && !this.processing.has(k);
    return this.fifo.shift(undefined, this.admit) ?? this.lowFifo.shift(live, this.admit);
  }

  /** A downstream is no longer saturated: hands its keys to idle workers. */
  poke(): void {
    if (!this.shuttingDown) this.dispatch();
  }

  /** Queues `key` after `ms`; if it already waits, the earlier time wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const readyAt = this.clock.now() + ms;
    if (this.waiting.schedule(key, readyAt) && readyAt < this.timerAt) this.armTimer();
  }

  /** Queues `key` after its rate limiter's delay (per-key backoff, overall bucket). */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    this.observer.retry?.();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears the key's failure history (call on success). */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  /** The next key to process, waiting if none is queued; undefined once the queue is shut down. Call `done` after. */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.next();
    if (key !== undefined) {
      this.start(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key processed; if it was added meanwhile it is queued again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    const downstream = this.downstreams.get(key);
    if (downstream !== undefined) {
      this.downstreams.delete(key);
      countIn(this.busy, downstream, -1);
    }
    countIn(this.flowBusy, this.fairnessKey(key), -1);
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.observer.workDuration?.((this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    // Its downstream and its flow have one key fewer in progress: a key that was held back may start now.
    else if (this.admit) this.poke();
    if (this.processing.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Queued keys (not counting delayed or in-progress ones). */
  len(): number {
    return this.waitingKeys;
  }

  /** Flows (namespaces) with keys waiting for a worker. */
  flows(): number {
    return this.pending.size;
  }

  /** Keys waiting for a delay to pass. */
  delayedLen(): number {
    return this.waiting.size;
  }

  /** Keys handed out and not yet done. */
  inProgress(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops handing out keys and ignores new ones; pending get() calls resolve with undefined. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.metricsTimer !== undefined) this.clock.clearTimeout(this.metricsTimer);
    this.timer = this.metricsTimer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.waiting.clear();
    this.fifo.clear();
    this.lowFifo.clear();
    this.low.clear();
    this.due.clear();
    this.dirty.clear();
    this.addedAt.clear();
    this.pending.clear();
    this.waitingKeys = 0;
    this.observer.depth?.(0);
    this.observer.flows?.(0);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** shutDown, then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private start(key: K): void {
    const flow = this.fairnessKey(key);
    countIn(this.pending, flow, -1);
    countIn(this.flowBusy, flow, 1);
    this.waitingKeys--;
    this.observer.flows?.(this.pending.size);
    this.dirty.delete(key);
    this.low.delete(key);
    this.due.delete(key);
    this.processing.add(key);
    const downstream = this.downstreamOf?.(key);
    if (downstream !== undefined) {
      this.downstreams.set(key, downstream);
      countIn(this.busy, downstream, 1);
    }
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.observer.latency?.((now - added) / 1000);
    this.startedAt.set(key, now);
    this.observer.depth?.(this.len());
  }

  private dispatch(): void {
    while (this.waiters.length > 0) {
      const key = this.next();
      if (key === undefined) return;
      const waiter = this.waiters.shift() as (k: K | undefined) => void;
      this.start(key);
      waiter(key);
    }
  }

  /** One timer, always for the heap head. */
  private armTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const head = this.waiting.peek();
    if (!head || this.shuttingDown) return;
    this.timerAt = head.readyAt;
    this.timer = this.clock.setTimeout(() => this.releaseDue(), head.readyAt - this.clock.now());
  }

  private releaseDue(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (let head = this.waiting.peek(); head && head.readyAt <= now; head = this.waiting.peek()) {
      this.waiting.pop();
      this.addIn(head.key, "due");
    }
    this.armTimer();
  }

  private reportUnfinishedWork(periodMs: number): void {
    const tick = () => {
      if (this.shuttingDown) return;
      const now = this.clock.now();
      let total = 0;
      let longest = 0;
      for (const started of this.startedAt.values()) {
        const s = (now - started) / 1000;
        total += s;
        if (s > longest) longest = s;
      }
      this.observer.unfinishedWork?.(total);
      this.observer.longestRunning?.(longest);
      this.metricsTimer = this.clock.setTimeout(tick, periodMs);
    };
    this.metricsTimer = this.clock.setTimeout(tick, periodMs);
  }
}

/** Adds `delta` to a count kept per name; a count that reaches 0 is dropped. */
function countIn(counts: Map<string, number>, name: string, delta: number): void {
  const n = (counts.get(name) ?? 0) + delta;
  if (n > 0) counts.set(name, n);
  else counts.delete(name);
}
