/**
 * Resync without waste (docs/architecture.md, Sources): per domain, page ListUserProfiles (100 a page) for every profile's LastModifiedTime,
 * and enqueue only resources whose profile changed since the last look, vanished, or is due its (rare, jittered) full
 * resync. Steady state costs about one List call per 100 profiles per period instead of one Describe per profile.
 *
 * AWS does not document the precision of LastModifiedTime in ListUserProfiles versus DescribeUserProfile (emulator
 * modes listTimestampPrecision / describeTimestampPrecision), so the two are compared at the coarser precision: a
 * List value in the same second as the Describe value, where either is a whole second, is the same instant (no
 * re-describe every period). What a coarse value cannot show is a change later in that same second; such a profile
 * gets one confirming Describe once the second is surely over, and is then quiet until it changes again.
 */
import type { UserProfileDetails } from "../api/generated/sagemaker-shapes.js";
import { smallInteger, smallTime } from "../api/small-time.js";

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
  /** How long reconciles wait for a domain's first List (counted from its start); default FIRST_LIST_WAIT_MS. */
  firstListWaitMs?: number;
  /** Where the view of each profile is kept: a slot of the operator's per-resource records; default a Map. */
  seen?: KeyedStore<Seen>;
  /**
   * Whether the work queue has a backlog: keys waiting for a worker. A pass is then put off, at most
   * MAX_DEFERRED_PERIODS in a row (run()).
   */
  backlogged?: () => boolean;
  /** A period's pass was put off for the backlog. */
  onDeferred?(): void;
}

/** What the resync uses of a Map keyed by resource. */
export interface KeyedStore<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): unknown;
  delete(key: string): boolean;
  keys(): IterableIterator<string>;
}

/**
 * A second Describe this long after the first that saw the same LastModifiedTime was made after that time's second
 * ended (on AWS's clock too: only the interval is compared), so a later change shows in a coarse List value.
 */
export const CONFIRM_AFTER_MS = 2_000;
/**
 * A LastModifiedTime this much older than the local clock at Describe needs no confirming: AWS refuses requests
 * signed with a clock more than 5 minutes off (SigV4), so the clocks agree within that.
 */
export const SETTLED_AGE_MS = 5 * 60_000 + CONFIRM_AFTER_MS;
/**
 * Reconciles wait at most this long (from its start) for the first List of a domain: an empty or small domain answers
 * within one call, and a large one (100 profiles a page) must not hold the start-up backlog: past this, a profile the
 * pages have not named yet is described first, as without a List.
 */
export const FIRST_LIST_WAIT_MS = 1_000;
/** A first List that failed is tried again by an asking reconcile no sooner than this (the tick still lists). */
export const FIRST_LIST_RETRY_MS = 30_000;
/**
 * Periods in a row whose pass the work queue's backlog may put off. Each waiting reconcile describes its profile
 * anyway, and its enqueued keys would only queue behind the backlog, while the pass's pages (one per 100 profiles)
 * take read tokens from those Describes and CPU from their workers. The bound keeps a change to a profile outside the
 * backlog found within MAX_DEFERRED_PERIODS + 1 periods however long the backlog lasts.
 */
export const MAX_DEFERRED_PERIODS = 3;

/**
 * What the resync knows of one profile's LastModifiedTime, and when its full resync is due. Every time here, and in
 * the listings, is a small time (api/small-time.ts: no HeapNumber per time kept; whole seconds stay whole seconds).
 */
export interface Seen {
  /** The last List value (NOT_LISTED: not in the list), since the last Describe that changed `described`. */
  listed?: number;
  /** The last Describe's value; undefined while only List has seen the profile since it last changed. */
  described?: number;
  /** Local time of the first Describe that returned `described`. */
  describedSince?: number;
  /** No change can hide behind `described` in a coarse List value. */
  confirmed: boolean;
  /**
   * The reconciler's own write was accepted and the Describe that sees it settle is scheduled: a List showing it
   * changed enqueues nothing (that Describe is the look, and computes drift against whatever is there by then).
   */
  writing?: boolean;
  /** When a full resync is next due (local clock); undefined until a tick has seen the resource. */
  due?: number;
}

/** A domain's first List, started by a reconcile that asked about it before any tick had listed the domain. */
interface FirstList {
  /** Reconciles waiting, by lower-case profile name: resolved false as soon as a page names the profile. */
  waiting: Map<string, ((absent: boolean) => void)[]>;
  /** Reconciles still wait for it (not done, failed, nor past FIRST_LIST_WAIT_MS). */
  open: boolean;
  /** When it failed (local clock): asks answer "not known" until FIRST_LIST_RETRY_MS later. */
  failedAt?: number;
}

export class ListResync {
  /** A key never seen is not enqueued: the start-up reconcile covers it. Entries go with their resource. */
  private readonly seen: KeyedStore<Seen>;
  /**
   * Whether List / Describe have been seen with a millisecond part: a side that has is not coarse, so a whole second
   * there is a coincidence and asks for no confirming.
   */
  private readonly fine = { list: false, describe: false };
  /** Per domain, the last complete List: lower-case profile name -> LastModifiedTime (a small time). */
  private readonly listings = new Map<string, Map<string, number>>();
  /** Per domain never listed by a tick yet, the List that reconciles asked for (in flight, or failed). */
  private readonly firstLists = new Map<string, FirstList>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly o: ListResyncOptions) {
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.seen = o.seen ?? new Map();
  }

  /**
   * The reconciler reports the LastModifiedTime of every profile it describes, so a change made after that (before
   * the next List) is found, and a change the operator made itself and has since seen is not counted again.
   */
  observed(key: string, lastModifiedTime: unknown, settled = true): void {
    const at = smallTime(timeOf(lastModifiedTime));
    const now = smallTime(this.now());
    if (at % 1000 !== 0) this.fine.describe = true;
    const prev = this.seen.get(key);
    // Still settling: our write may move LastModifiedTime again (emulator mode lastModifiedTime: on-settle).
    const writing = prev?.writing === true && !settled;
    if (prev?.described === at && prev.describedSince !== undefined) {
      prev.confirmed ||= now - prev.describedSince >= CONFIRM_AFTER_MS;
      prev.writing = writing;
      return;
    }
    this.seen.set(
      key,
      seenOf({ described: at, describedSince: now, confirmed: now - at >= SETTLED_AGE_MS, writing, due: prev?.due }),
    );
  }

  /**
   * The reconciler's write of this profile was accepted and it will describe the profile until settled: until then a
   * List showing a change enqueues nothing. Without this, a List between the write and that Describe enqueued the
   * resource at once, and the extra Describe came too early (still Updating: a status write of its own too).
   */
  wrote(key: string): void {
    const seen = this.seen.get(key);
    if (seen) seen.writing = true;
    else this.seen.set(key, seenOf({ confirmed: false, writing: true }));
  }

  /**
   * Whether the last complete List of the domain had no profile of this name. The reconciler then creates without a
   * Describe first: CreateUserProfile is itself the existence check (a profile made since answers ResourceInUse, and
   * the reconciler then describes it and checks its owner tag as for any existing profile).
   */
  absent(domainId: string, profileName: string): boolean {
    const listing = this.listings.get(domainId);
    return listing !== undefined && !listing.has(profileName.toLowerCase());
  }

  /**
   * absent(), for a domain that no List has covered yet (a new operator, or a domain's first resources): lists the
   * domain now, once for all its reconciles asking, and answers from that List. A profile the pages name answers
   * false at once (it is described, as any existing one); a name the whole List lacks answers true. A List that
   * fails, is still paging FIRST_LIST_WAIT_MS after its start, or a reconcile aborted, answers false: the
   * reconcile describes first, as without this.
   */
  async absentSoon(domainId: string, profileName: string, signal?: AbortSignal): Promise<boolean> {
    if (this.listings.has(domainId)) return this.absent(domainId, profileName);
    let first = this.firstLists.get(domainId);
    if (first?.failedAt !== undefined && this.now() - first.failedAt >= FIRST_LIST_RETRY_MS) first = undefined;
    first ??= this.startFirstList(domainId);
    if (!first.open || signal?.aborted) return this.absent(domainId, profileName);
    const name = profileName.toLowerCase();
    const waiting = first.waiting;
    return new Promise<boolean>((resolve) => {
      const onAbort = () => resolve(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = (absent: boolean) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(absent);
      };
      const list = waiting.get(name);
      if (list) list.push(done);
      else waiting.set(name, [done]);
    });
  }

  private startFirstList(domainId: string): FirstList {
    const first: FirstList = { waiting: new Map(), open: true };
    this.firstLists.set(domainId, first);
    const close = (absent: (name: string) => boolean) => {
      first.open = false;
      for (const [name, waiters] of first.waiting) for (const done of waiters) done(absent(name));
      first.waiting.clear();
    };
    const timer = setTimeout(() => close(() => false), this.o.firstListWaitMs ?? FIRST_LIST_WAIT_MS);
    void (async () => {
      const modified = new Map<string, number>();
      try {
        for await (const page of this.o.listUserProfiles(domainId))
          for (const p of page) {
            if (!p.UserProfileName) continue;
            const name = p.UserProfileName.toLowerCase();
            const at = smallTime(timeOf(p.LastModifiedTime));
            if (at % 1000 !== 0) this.fine.list = true;
            modified.set(name, at);
            for (const done of first.waiting.get(name) ?? []) done(false);
            first.waiting.delete(name);
          }
        // A tick that listed the domain meanwhile holds a List as recent; either is a complete List.
        if (!this.listings.has(domainId)) this.listings.set(domainId, modified);
        close((name) => !modified.has(name));
        if (this.firstLists.get(domainId) === first) this.firstLists.delete(domainId);
      } catch (err) {
        this.o.onError?.(domainId, err);
        first.failedAt = this.now();
        close(() => false);
      } finally {
        clearTimeout(timer);
      }
    })();
    return first;
  }

  /** One pass over every domain; returns the keys it enqueued. */
  async tick(): Promise<string[]> {
    // The domains first; the targets are read again once the Lists are in, so none of them (10,000 objects and
    // keys) lives through the paging: they were old-generation garbage every period.
    const domains = new Set<string>();
    for (const t of this.o.targets()) domains.add(t.domainId);
    for (const domainId of [...this.listings.keys()]) if (!domains.has(domainId)) this.listings.delete(domainId);
    for (const [domainId, first] of [...this.firstLists])
      if (first.failedAt !== undefined && !domains.has(domainId)) this.firstLists.delete(domainId);

    const now = smallTime(this.now());
    const listed = new Map<string, Map<string, number>>();
    for (const domainId of domains) {
      // Keyed by the lower-case name: SageMaker profile names are not case sensitive, and List may answer a name in
      // another case than the spec declares it.
      const modified = new Map<string, number>();
      try {
        for await (const page of this.o.listUserProfiles(domainId))
          for (const p of page) {
            if (!p.UserProfileName) continue;
            const at = smallTime(timeOf(p.LastModifiedTime));
            if (at % 1000 !== 0) this.fine.list = true;
            modified.set(p.UserProfileName.toLowerCase(), at);
          }
      } catch (err) {
        this.o.onError?.(domainId, err);
        continue; // the next period tries again
      }
      this.listings.set(domainId, modified);
      listed.set(domainId, modified);
    }

    const enqueued: string[] = [];
    const live = new Set<string>();
    for (const t of this.o.targets()) {
      live.add(t.key);
      const modified = listed.get(t.domainId);
      if (modified === undefined) continue; // its List failed (or it is new since the first pass)
      const current = modified.get(t.profileName.toLowerCase()) ?? NOT_LISTED;
      let seen = this.seen.get(t.key);
      // Described since this tick began: its List page may predate that Describe (10,000 profiles are 100 pages),
      // and the Describe is the newer look; the next tick compares again.
      const newer = seen?.describedSince !== undefined && seen.describedSince > now;
      const changed = seen !== undefined && !seen.writing && !newer && changedSince(seen, current, this.fine);
      const confirm =
        seen !== undefined &&
        !seen.writing &&
        !newer &&
        !changed &&
        needsConfirming(seen, current, this.fine) &&
        now - (seen.describedSince ?? now) >= CONFIRM_AFTER_MS;
      if (seen === undefined || changed) {
        seen = seenOf({ listed: current, confirmed: false, due: seen?.due });
        this.seen.set(t.key, seen);
      } else {
        // While our write settles, List shows its intermediate times: the Describe that sees it settle is the base.
        if (!seen.writing && !newer) seen.listed = current;
        // The reconcile enqueued below makes the confirming Describe; asking once is enough (a paused resource
        // never describes, and must not be enqueued every period for it).
        if (confirm) seen.confirmed = true;
      }
      // Spread the first full resyncs over one full period so they never come together.
      // Whole milliseconds: a fraction would make the due time a HeapNumber again (a jitter of 1 ms more is none).
      seen.due ??= smallInteger(Math.ceil(now + this.random() * this.o.fullResyncPeriodMs));
      if (changed || confirm || now >= seen.due) {
        seen.due = smallInteger(Math.ceil(now + this.o.fullResyncPeriodMs * (0.9 + 0.2 * this.random())));
        this.o.enqueue(t.key);
        enqueued.push(t.key);
      }
    }
    const gone: string[] = [];
    for (const key of this.seen.keys()) if (!live.has(key)) gone.push(key);
    for (const key of gone) this.seen.delete(key);
    return enqueued;
  }

  /**
   * Ticks every period (jittered ±10 %) until the signal aborts; while the work queue has a backlog, a period's tick is
   * put off (MAX_DEFERRED_PERIODS). Never rejects.
   */
  async run(signal: AbortSignal): Promise<void> {
    let deferred = 0;
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
      if (deferred < MAX_DEFERRED_PERIODS && this.o.backlogged?.()) {
        deferred++;
        this.o.onDeferred?.();
        continue;
      }
      deferred = 0;
      await this.tick().catch((err: unknown) => this.o.onError?.("*", err));
    }
  }
}

/** Every field in one order: one object shape, each field in the object (one added later needs a separate store). */
const seenOf = (s: Seen): Seen => ({
  listed: s.listed,
  described: s.described,
  describedSince: s.describedSince,
  confirmed: s.confirmed,
  writing: s.writing,
  due: s.due,
});

/** The List value of a profile the List lacks: epoch -1 as stored, never a LastModifiedTime. */
const NOT_LISTED = smallTime(-1);

interface Fine {
  list: boolean;
  describe: boolean;
}

/** Whether the List value `current` shows a change since what `seen` holds. */
function changedSince(seen: Seen, current: number, fine: Fine): boolean {
  // List against List: one precision, and LastModifiedTime only moves forward.
  if (seen.listed !== undefined) return current !== seen.listed;
  if (seen.described === undefined) return false;
  return (
    current === NOT_LISTED ||
    !(current === seen.described || (coarse(current, seen.described, fine) && sameSecond(current, seen.described)))
  );
}

/** Either value may be at second precision: a whole second on a side not yet seen with milliseconds. */
const coarse = (listed: number, described: number, fine: Fine): boolean =>
  (!fine.list && listed % 1000 === 0) || (!fine.describe && described % 1000 === 0);

const sameSecond = (a: number, b: number): boolean => Math.floor(a / 1000) === Math.floor(b / 1000);

/** A coarse value on either side may hide a change made after the Describe, later in the same second. */
function needsConfirming(seen: Seen, current: number, fine: Fine): boolean {
  if (seen.described === undefined || seen.confirmed || current === NOT_LISTED) return false;
  return coarse(current, seen.described, fine);
}

function timeOf(t: unknown): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === "number") return t < 1e11 ? t * 1000 : t;
  if (typeof t === "string") return Date.parse(t);
  return 0;
}
