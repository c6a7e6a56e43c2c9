/**
 * Resync without waste (design): per domain, page ListUserProfiles (100 a page) for every profile's LastModifiedTime,
 * and enqueue only resources whose profile changed since the last look, vanished, or is due its (rare, jittered) full
 * resync. Steady state costs about one List call per 100 profiles per period instead of one Describe per profile.
 */
import type { UserProfileDetails } from "../api/generated/sagemaker-shapes.js";

export interface ResyncTarget {
  /** The work-queue key (`namespace/name`). */
  key: string;
  domainId: string;
  profileName: string;
}

export interface ListResyncOptions {
  listUserProfiles(domainId: string): AsyncIterable<UserProfileDetails[]>;
  /** The resources to watch over, read from the informer cache at each tick. */
  targets(): Iterable<ResyncTarget>;
  enqueue(key: string): void;
  periodMs: number;
  /** Every resource is enqueued at least this often, whatever List says (spread with jitter). */
  fullResyncPeriodMs: number;
  now?: () => number;
  random?: () => number;
  onError?(domainId: string, err: unknown): void;
}

export class ListResync {
  /**
   * key -> LastModifiedTime (epoch ms) at the last look (List or the reconciler's Describe); -1 = not in the list.
   * A key never seen is not enqueued: the start-up reconcile covers it. Entries go with their resource.
   */
  private readonly seen = new Map<string, number>();
  /** key -> when a full resync is next due. */
  private readonly due = new Map<string, number>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: ListResyncOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /**
   * The reconciler reports the LastModifiedTime of every profile it describes, so a change made after that (before
   * the next List) is found, and a change the operator made itself and has since seen is not counted again.
   */
  observed(key: string, lastModifiedTime: unknown): void {
    this.seen.set(key, timeOf(lastModifiedTime));
  }

  /** One pass over every domain; returns the keys it enqueued. */
  async tick(): Promise<string[]> {
    const byDomain = new Map<string, ResyncTarget[]>();
    const live = new Set<string>();
    for (const t of this.o.targets()) {
      live.add(t.key);
      const list = byDomain.get(t.domainId) ?? [];
      list.push(t);
      byDomain.set(t.domainId, list);
    }
    for (const key of [...this.seen.keys()]) if (!live.has(key)) this.seen.delete(key);
    for (const key of [...this.due.keys()]) if (!live.has(key)) this.due.delete(key);

    const enqueued: string[] = [];
    const now = this.now();
    for (const [domainId, targets] of byDomain) {
      // Keyed by the lower-case name: SageMaker profile names are not case sensitive, and List may answer a name in
      // another case than the spec declares it.
      const modified = new Map<string, number>();
      try {
        for await (const page of this.o.listUserProfiles(domainId))
          for (const p of page)
            if (p.UserProfileName) modified.set(p.UserProfileName.toLowerCase(), timeOf(p.LastModifiedTime));
      } catch (err) {
        this.o.onError?.(domainId, err);
        continue; // the next period tries again; full resyncs below still run
      }
      for (const t of targets) {
        const current = modified.get(t.profileName.toLowerCase()) ?? -1;
        const previous = this.seen.get(t.key);
        this.seen.set(t.key, current);
        let due = this.due.get(t.key);
        if (due === undefined) {
          // Spread the first full resyncs over one full period so they never come together.
          due = now + this.random() * this.o.fullResyncPeriodMs;
          this.due.set(t.key, due);
        }
        const changed = previous !== undefined && previous !== current;
        if (changed || now >= due) {
          due = now + this.o.fullResyncPeriodMs * (0.9 + 0.2 * this.random());
          this.due.set(t.key, due);
          this.o.enqueue(t.key);
          enqueued.push(t.key);
        }
      }
    }
    return enqueued;
  }

  /** Ticks every period (jittered ±10 %) until the signal aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const wait = this.o.periodMs * (0.9 + 0.2 * this.random());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener(
          "abort",
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
      if (signal.aborted) return;
      await this.tick().catch((err: unknown) => this.o.onError?.("*", err));
    }
  }
}

function timeOf(t: unknown): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === "number") return t < 1e11 ? t * 1000 : t;
  if (typeof t === "string") return Date.parse(t);
  return 0;
}
