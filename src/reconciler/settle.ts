/**
 * How long SageMaker takes to settle a write (CreateUserProfile: Pending -> InService; UpdateUserProfile: Updating ->
 * InService), learnt from what this operator saw, so the Describe after a write is timed to find the profile settled
 * (one Describe per write instead of one per poll interval), and so a settle short enough that nobody sees it costs no
 * status write of its own (docs/architecture.md, "Calls and writes per change"). Pure: time comes in as arguments.
 *
 * The first estimate is the elapsed time at the Describe that first saw a write settled (at most the delay it was
 * planned at, when that first Describe found it done). After that, a Describe that
 * finds it settled says only "at most this long" (and "this long" includes our own queueing), so averaging those would
 * creep up at every write: a hit lowers the estimate it was planned on a little instead (the true time may be shorter;
 * never compounding over writes in flight together), and a miss
 * (still Pending/Updating at elapsed t, a true lower bound) raises it to at least 2t (never compounding over writes
 * in flight together). The
 * estimate then hovers above the typical settle time, with few writes needing a second Describe.
 */

export type WriteKind = "create" | "update";

/**
 * A write whose next Describe comes within this long gets no status write of its own ("Creating", "Updating"): that
 * Describe reports it. kstatus readers (Argo CD, Flux) still see the change in progress: observedGeneration lags.
 */
export const QUIET_SETTLE_MS = 2_000;
/**
 * A miss raises the estimate by this factor (over the elapsed time it saw still in progress); a hit lowers it by
 * HIT_FACTOR. A miss costs a Describe, a poll interval and a status write, a late hit only latency, so the estimate
 * errs late: about one write in 35 misses at equilibrium (0.98^34 * 2 = 1), and with 32 writes in flight at once the
 * hits that come together cannot drag it far below the true time before the misses show.
 */
const MISS_FACTOR = 2;
/** A Describe later than this times its planned delay was held up by our own queue, not timed. */
const LATE_FACTOR = 1.5;
const HIT_FACTOR = 0.98;
/** The first Describe comes this much later than the estimate (the average is not the worst case). */
const MARGIN = 1.25;
/** Never sooner than this (a Describe at once would only see the write in progress). */
export const MIN_FIRST_POLL_MS = 100;
/** Nor later than this: a long settle is polled like any other (pollIntervalMs) once this has passed. */
export const MAX_FIRST_POLL_MS = 60_000;

interface Pending {
  kind: WriteKind;
  sentAt: number;
  /** When the Describe after the write was planned (its delay, ms): a hit then says "settled within this". */
  pollMs: number;
  /** Elapsed time at the last Describe that still saw it in progress; undefined: none did. */
  missedAt?: number;
}

export class SettleEstimates {
  private readonly estimate: Partial<Record<WriteKind, number>> = {};
  private readonly pending = new Map<string, Pending>();

  /** The estimated settle time of a kind of write, ms; undefined until one was seen. */
  expected(kind: WriteKind): number | undefined {
    return this.estimate[kind];
  }

  /** The delay before the Describe after a write, ms; undefined until one was seen (then: the poll interval). */
  firstPoll(kind: WriteKind): number | undefined {
    const e = this.estimate[kind];
    return e === undefined
      ? undefined
      : Math.round(Math.min(MAX_FIRST_POLL_MS, Math.max(MIN_FIRST_POLL_MS, e * MARGIN)));
  }

  /** SageMaker accepted a write of this profile (keyed like the work queue); the Describe after it is due in pollMs. */
  sent(key: string, kind: WriteKind, now: number, pollMs: number): void {
    this.pending.set(key, { kind, sentAt: now, pollMs });
  }

  /** Whether a write of this key awaits the Describe that sees it settle. */
  awaiting(key: string): boolean {
    return this.pending.has(key);
  }

  /** Whether the next Describe of this key is the first since its write (none has seen it in progress yet). */
  firstLook(key: string): boolean {
    const p = this.pending.get(key);
    return p !== undefined && p.missedAt === undefined;
  }

  /** A Describe of the profile saw `status`: a settled one ends the wait and teaches the estimate. */
  observed(key: string, status: string | undefined, now: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (status === "Pending" || status === "Updating") {
      p.missedAt = now - p.sentAt;
      // Raised now, not when it settles (a poll interval later): writes planned meanwhile would miss the same way.
      const e = this.estimate[p.kind];
      if (e !== undefined) this.estimate[p.kind] = Math.min(MAX_FIRST_POLL_MS, Math.max(e, p.missedAt * MISS_FACTOR));
      return;
    }
    this.pending.delete(key);
    if (status !== "InService") return; // failed: says nothing about how long a success takes
    const e = this.estimate[p.kind];
    // The first: at most the elapsed time, and at most the planned delay when that first Describe found it done
    // (the rest was our own queueing, not SageMaker).
    if (e === undefined)
      this.estimate[p.kind] = Math.min(MAX_FIRST_POLL_MS, now - p.sentAt, p.missedAt === undefined ? p.pollMs : now);
    else if (p.missedAt === undefined) {
      // Only a Describe that came when planned says a shorter wait might have done; one held up in our own queue
      // (a backlog) says nothing about SageMaker. A hit lowers the estimate this write was planned on, not the current
      // one: writes in flight together then lower it once, as their misses raise it once. Compounded, a hundred
      // repairs made together took it from 400 ms to the 100 ms floor, and every write after missed.
      if (now - p.sentAt <= p.pollMs * LATE_FACTOR)
        this.estimate[p.kind] = Math.max(MIN_FIRST_POLL_MS / MARGIN, Math.min(e, (p.pollMs / MARGIN) * HIT_FACTOR));
    }
    // Twice the lower bound this write proved, not twice the current estimate: writes in flight together all miss
    // the same too-short estimate, and compounding their misses would multiply it by 2^n.
    else this.estimate[p.kind] = Math.min(MAX_FIRST_POLL_MS, Math.max(e, p.missedAt * MISS_FACTOR));
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
