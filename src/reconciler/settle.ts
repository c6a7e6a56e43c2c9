/**
 * How long SageMaker takes to settle a write (CreateUserProfile: Pending -> InService; UpdateUserProfile: Updating ->
 * InService), learnt from what this operator saw, so the Describe after a write is timed to find the profile settled
 * (one Describe per write instead of one per poll interval), and so a settle short enough that nobody sees it costs no
 * status write of its own (docs/architecture.md, "Calls and writes per change"). Pure: time comes in as arguments.
 *
 * The estimate is a moving average of the elapsed time at the Describe that first saw the profile settled. A Describe
 * timed at the estimate that finds it settled says only "at most this long", so an average of those alone would creep
 * up by the margin at every write; instead a hit lowers the estimate a little (the true time may be shorter) and a
 * miss (still Pending/Updating) moves it toward the elapsed time at the Describe that finally saw it settled. The
 * estimate then hovers just above the typical settle time, with about one write in ten needing a second Describe.
 */

export type WriteKind = "create" | "update";

/**
 * A write expected to settle within this long gets no status write of its own ("Creating", "Updating"): the Describe
 * after it reports the result. kstatus readers (Argo CD, Flux) still see it in progress: observedGeneration lags.
 */
export const QUIET_SETTLE_MS = 5_000;
/** Weight of a miss's sample in the average. */
const MISS_WEIGHT = 0.5;
/** A hit lowers the estimate by this factor. */
const HIT_FACTOR = 0.9;
/** The first Describe comes this much later than the estimate (the average is not the worst case). */
const MARGIN = 1.25;
/** Never sooner than this (a Describe at once would only see the write in progress). */
export const MIN_FIRST_POLL_MS = 100;
/** Nor later than this: a long settle is polled like any other (pollIntervalMs) once this has passed. */
export const MAX_FIRST_POLL_MS = 60_000;

interface Pending {
  kind: WriteKind;
  sentAt: number;
  /** Describes since the write that still saw it in progress. */
  misses: number;
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

  /** SageMaker accepted a write of this profile (keyed like the work queue). */
  sent(key: string, kind: WriteKind, now: number): void {
    this.pending.set(key, { kind, sentAt: now, misses: 0 });
  }

  /** A Describe of the profile saw `status`: a settled one ends the wait and teaches the estimate. */
  observed(key: string, status: string | undefined, now: number): void {
    const p = this.pending.get(key);
    if (!p) return;
    if (status === "Pending" || status === "Updating") {
      p.misses++;
      return;
    }
    this.pending.delete(key);
    if (status !== "InService") return; // failed: says nothing about how long a success takes
    const sample = now - p.sentAt;
    const e = this.estimate[p.kind];
    if (e === undefined) this.estimate[p.kind] = sample;
    else if (p.misses === 0) this.estimate[p.kind] = Math.max(MIN_FIRST_POLL_MS / MARGIN, e * HIT_FACTOR);
    else this.estimate[p.kind] = e + MISS_WEIGHT * (sample - e);
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
