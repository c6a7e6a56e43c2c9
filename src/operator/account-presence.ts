/**
 * Whether any SageMakerAccount exists, asked of the API server after the profiles in question reached the operator's
 * cache. An empty account cache does not say so: the profiles' and the accounts' watches are separate streams with no
 * order between them (client-go keeps one reflector per informer, and resourceVersions compare only within one
 * resource type), so the first SageMakerAccount, created together with a profile, may still be on its way when the
 * profile's event arrives. A List without a resourceVersion is a consistent read, so one that started after a profile
 * arrived sees every account created before that profile.
 *
 * Profiles are counted as they arrive; a List covers the arrivals counted when it started. Callers share Lists: a List
 * that found no account and covers every arrival so far answers at once (a burst of new profiles costs one List), else
 * the caller waits for the next List, with at most one in flight.
 */
import { untilAborted } from "../kube/index.js";

export class AccountPresence {
  private arrivals = 0;
  /** Arrivals covered by the last List that found no account; -1: none, or an account changed since. */
  private noneCovering = -1;
  /** Bumped by every account change: a List in flight across one proves nothing about after it. */
  private epoch = 0;
  private inFlight: { covers: number; found: Promise<string | undefined> } | undefined;
  private next: Promise<string | undefined> | undefined;

  /** `listOne`: names one SageMakerAccount from a consistent List, or undefined when there is none. */
  constructor(private readonly listOne: () => Promise<string | undefined>) {}

  /** A profile reached the cache (an add, or a relist that replaced it with another object). */
  profileArrived(): void {
    this.arrivals++;
  }

  /** An account was added, changed or deleted. */
  accountsChanged(): void {
    this.epoch++;
    this.noneCovering = -1;
  }

  /** An account (as listOne names it), or undefined when none existed once every profile counted so far had arrived. */
  anyAccount(signal?: AbortSignal): Promise<string | undefined> {
    if (this.noneCovering >= this.arrivals) return Promise.resolve(undefined);
    return untilAborted(this.listCovering(this.arrivals), signal);
  }

  private listCovering(arrivals: number): Promise<string | undefined> {
    if (this.inFlight && this.inFlight.covers >= arrivals) return this.inFlight.found;
    if (this.next) return this.next;
    if (!this.inFlight) return this.start();
    // The List in flight started before this arrival: the next one, shared by every caller waiting for it.
    this.next = this.inFlight.found.then(noop, noop).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<string | undefined> {
    const covers = this.arrivals;
    const epoch = this.epoch;
    const flight = { covers, found: Promise.resolve<string | undefined>(undefined) };
    flight.found = this.listOne()
      .then((name) => {
        if (name === undefined && epoch === this.epoch && covers > this.noneCovering) this.noneCovering = covers;
        return name;
      })
      .finally(() => {
        if (this.inFlight === flight) this.inFlight = undefined;
      });
    this.inFlight = flight;
    return flight.found;
  }
}

const noop = () => undefined;
