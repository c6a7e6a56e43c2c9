/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection, which client-node lacks).
 *
 * - Candidates try every retryPeriod (jittered). A lease is free when its holder is empty or when its record has not
 *   changed for leaseDuration *as observed on our own clock* (no cross-machine clock comparison).
 * - The leader renews every retryPeriod; if no renew succeeds within renewDeadline, or another holder is observed, it
 *   stops leading at once (onStoppedLeading, and the signal given to onStartedLeading aborts).
 * - Every write carries the lease's resourceVersion (optimistic concurrency): two candidates never both win.
 * - On stop with releaseOnCancel (default), the leader awaits onStoppedLeading, then empties holderIdentity so a
 *   follower takes over at its next retry instead of after leaseDuration.
 * After losing the lease the elector becomes a candidate again; abort the signal to leave the election.
 *
 * holdsLease() is the write fence: a leader whose last successful renew is older than renewDeadline (its process
 * was paused, its clock jumped, the API server was unreachable) may already have been replaced, so it must not write,
 * even before its renew loop gets to run and notice.
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { type Clock, sleep, systemClock } from "./clock.js";
import { errorMessage, isConflict, isForbidden, isNotFound, RBAC_HINT } from "./errors.js";
import { type Lease, LeaseApi, microTime } from "./leases.js";
import { type Logger, silentLogger } from "./log.js";
import { KubeApi } from "./rest.js";

/**
 * How a Lease is held (client-go's LeaseDuration, RenewDeadline, RetryPeriod): one set of timings for the leader
 * Lease, the shards' Leases and the operator's configuration.
 */
export interface LeaseTiming {
  /** A Lease whose record has not changed for this long (on our own clock) is free to take. */
  leaseDurationMs: number;
  /** A holder that has not renewed for this long stops writing and leading (shorter than leaseDurationMs). */
  renewDeadlineMs: number;
  /** How often candidates try and holders renew. */
  retryPeriodMs: number;
}

/** Just the timings, from a config or options object that carries more. */
export const leaseTiming = ({ leaseDurationMs, renewDeadlineMs, retryPeriodMs }: LeaseTiming): LeaseTiming => ({
  leaseDurationMs,
  renewDeadlineMs,
  retryPeriodMs,
});

/** Unset timings are client-go's defaults: 15 s, 10 s, 2 s. */
export interface LeaderElectorOptions extends Partial<LeaseTiming> {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** Unique per process, e.g. `${hostname}_${uuid}`. */
  identity: string;
  releaseOnCancel?: boolean;
  /** Asked before taking a free or expired lease (not before a renew); false: stay a candidate (sharding's quota). */
  mayAcquire?(): boolean;
  /** Called when this process becomes leader; `signal` aborts when it stops being leader. */
  onStartedLeading?(signal: AbortSignal): void;
  /** Called once per leadership term when it ends (lost or stopped); awaited before a release. */
  onStoppedLeading?(): void | Promise<void>;
  /** Called when the observed holder changes (including to ourselves). */
  onNewLeader?(identity: string): void;
  clock?: Clock;
  log?: Logger;
  random?: () => number;
}

type Attempt = "leading" | "held-by-other";

/** Thrown instead of a write by a process that cannot be sure it still holds the lease. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";
}

export class LeaderElector {
  private readonly api: LeaseApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private lease: Lease | undefined;
  private observedRecord = "";
  private observedHolder: string | undefined;
  private observedAt = 0;
  private leading = false;
  /** Our clock when the last successful acquire/renew started (its write can only have landed after that). */
  private renewedAt = Number.NEGATIVE_INFINITY;
  private term: AbortController | undefined;

  constructor(private readonly o: LeaderElectorOptions) {
    this.api = new LeaseApi(new KubeApi(o.kubeConfig));
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger;
    this.random = o.random ?? Math.random;
    this.leaseDurationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = o.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs)
      throw new Error("renewDeadline must be shorter than leaseDuration");
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Leading, and renewed within renewDeadline: safe to write. */
  holdsLease(): boolean {
    return this.leading && this.clock.now() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The holder last observed on the Lease ("" when released, undefined before the first read). */
  leader(): string | undefined {
    return this.observedHolder;
  }

  /** Campaigns, leads and renews until `signal` aborts. Resolves once stopped (and released); never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const result = await this.attempt();
      if (signal.aborted) {
        // Stopped while this attempt was in flight: do not start a term only to end it.
        if (result === "leading" && (this.o.releaseOnCancel ?? true)) await this.release();
        break;
      }
      if (result !== "leading") {
        await sleep(this.retryPeriodMs * (1 + this.random() * 1.2), signal, this.clock);
        continue;
      }
      this.startLeading();
      const lost = await this.renewLoop(signal);
      if (lost) {
        this.stopLeading();
        continue;
      }
      // Stopped while leading: let the caller wind down first, then hand over.
      await this.stopLeading();
      if (this.o.releaseOnCancel ?? true) await this.release();
    }
  }

  /** Renews until the signal aborts (returns false) or the lease is lost (returns true). */
  private async renewLoop(signal: AbortSignal): Promise<boolean> {
    let lastRenew = this.clock.now();
    while (!signal.aborted) {
      await sleep(this.retryPeriodMs, signal, this.clock);
      if (signal.aborted) return false;
      const remaining = this.renewDeadlineMs - (this.clock.now() - lastRenew);
      const result = await this.withTimeout(this.attempt(), remaining);
      if (result === "leading") {
        lastRenew = this.clock.now();
        continue;
      }
      if (result === "held-by-other") {
        this.log.warn({ lease: this.o.name, holder: this.observedHolder }, "leader lease taken by another holder");
        return true;
      }
      if (this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        this.log.error({ lease: this.o.name }, "failed to renew the leader lease within renewDeadline");
        return true;
      }
    }
    return false;
  }

  /** One read + (create | update); undefined when the API call failed. */
  private async attempt(): Promise<Attempt | undefined> {
    try {
      return await this.tryAcquireOrRenew();
    } catch (err) {
      if (isForbidden(err))
        this.log.error({ lease: this.o.name, err: errorMessage(err), hint: RBAC_HINT }, "lease access forbidden");
      else this.log.debug({ lease: this.o.name, err: errorMessage(err) }, "lease attempt failed");
      return undefined;
    }
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name, identity } = this.o;
    const now = this.clock.now();
    const durationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    let lease: Lease;
    try {
      lease = await this.api.read(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (this.o.mayAcquire && !this.o.mayAcquire()) return "held-by-other";
      const body: Lease = {
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      };
      this.observe(await this.api.create(namespace, body), now);
      this.renewedAt = now;
      return "leading";
    }
    this.observe(lease, now);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const durationMs = (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== "" && holder !== identity && this.observedAt + durationMs > now) return "held-by-other";
    const mine = holder === identity;
    if (!mine && this.o.mayAcquire && !this.o.mayAcquire()) return "held-by-other";
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      renewTime: microTime(now),
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : microTime(now),
      leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
    };
    // Carries metadata.resourceVersion: a concurrent writer makes this a 409, and this attempt fails.
    this.observe(await this.api.replace(namespace, name, lease), now);
    this.renewedAt = now;
    return "leading";
  }

  /** Tracks when the lease record last changed, on our clock. */
  private observe(lease: Lease, now: number): void {
    this.lease = lease;
    const s = lease.spec ?? {};
    const record = JSON.stringify([s.holderIdentity, String(s.renewTime), s.leaseDurationSeconds, s.leaseTransitions]);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAt = now;
    }
    const holder = s.holderIdentity ?? "";
    if (holder !== this.observedHolder) {
      this.observedHolder = holder;
      if (holder) this.o.onNewLeader?.(holder);
    }
  }

  private startLeading(): void {
    this.leading = true;
    this.term = new AbortController();
    this.log.info({ lease: this.o.name, identity: this.o.identity }, "became leader");
    try {
      this.o.onStartedLeading?.(this.term.signal);
    } catch (err) {
      this.log.error({ err: String(err) }, "onStartedLeading threw");
    }
  }

  private async stopLeading(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.term?.abort();
    this.log.info({ lease: this.o.name, identity: this.o.identity }, "stopped leading");
    try {
      await this.o.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err: String(err) }, "onStoppedLeading threw");
    }
  }

  /** Empties holderIdentity (client-go's ReleaseOnCancel) if we still hold the lease. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.o;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const lease = attempt === 0 && this.lease ? this.lease : await this.api.read(namespace, name);
        if (lease.spec?.holderIdentity !== identity) return;
        const now = microTime(this.clock.now());
        lease.spec = { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now, acquireTime: now };
        this.observe(await this.api.replace(namespace, name, lease), this.clock.now());
        this.log.info({ lease: name }, "released the leader lease");
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) {
          this.log.warn({ lease: name, err: errorMessage(err) }, "failed to release the leader lease");
          return;
        }
      }
    }
  }

  private withTimeout<R>(p: Promise<R>, ms: number): Promise<R | undefined> {
    if (ms <= 0) return Promise.resolve(undefined);
    let timer: unknown;
    const timeout = new Promise<undefined>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(undefined), ms);
    });
    return Promise.race([p, timeout]).finally(() => this.clock.clearTimeout(timer));
  }
}
