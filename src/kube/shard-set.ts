/**
 * Replicas that split the work: one coordination.k8s.io/v1 Lease per shard, each held through a LeaderElector, and
 * a members Lease on which every replica publishes a heartbeat (an annotation of its own), so a replica holding no
 * shard still counts. Each replica holds at most ceil(shards / live replicas) shards: it only campaigns for a shard
 * while it holds fewer, and releases the surplus (last in name order) when replicas join. A shard whose holder dies
 * is free after its lease duration and taken by a replica under its quota.
 *
 * holdsLease(shard) is the per-shard write fence (see LeaderElector.holdsLease). Released shards are awaited
 * (onReleased) before their Lease is emptied, so a successor never overlaps with our in-flight work.
 */
import type { KubeConfig } from "@kubernetes/client-node/dist/config.js";
import { type Clock, sleep, systemClock } from "./clock.js";
import { errorMessage, isConflict, isForbidden, isNotFound, RBAC_HINT } from "./errors.js";
import { LeaderElector, type LeaseTiming, leaseTiming } from "./leader.js";
import { type Lease, LeaseApi } from "./leases.js";
import { type Logger, silentLogger } from "./log.js";
import { KubeApi } from "./rest.js";
import { MemberView, memberAnnotation, membersLeaseName, shardLeaseName, shardQuota, shardsToShed } from "./shards.js";

/** Every shard's Lease is held with the same timings. */
export interface ShardSetOptions extends LeaseTiming {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The leader election id: Leases are `<id>-shard-<hash>` and `<id>-shard-members`. */
  id: string;
  identity: string;
  /** The shards that exist now (read from the caches at every tick). */
  shards(): Iterable<string>;
  /** A shard was acquired; `term` aborts when it is lost or released. */
  onAcquired?(shard: string, term: AbortSignal): void;
  /** A shard stopped being held; awaited before its Lease is released. */
  onReleased?(shard: string): void | Promise<void>;
  clock?: Clock;
  log?: Logger;
  random?: () => number;
}

interface Held {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
}

export class ShardSet {
  private readonly api: LeaseApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly electors = new Map<string, Held>();
  private readonly members: MemberView;
  private readonly self: string;
  private quota = 0;
  /** No shard is taken before the first heartbeat: a replica must see the others before it takes its part. */
  private joined = false;

  constructor(private readonly o: ShardSetOptions) {
    this.api = new LeaseApi(new KubeApi(o.kubeConfig));
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger;
    this.members = new MemberView(o.leaseDurationMs);
    this.self = memberAnnotation(o.identity);
  }

  /** Held, and renewed within the renew deadline: this replica may write for the shard. */
  holdsLease(shard: string): boolean {
    return this.electors.get(shard)?.elector.holdsLease() ?? false;
  }

  /**
   * This replica is the shard's holder (until it sees otherwise), renewed in time or not: its keys are ours to
   * reconcile, though writes wait for holdsLease.
   */
  isHolder(shard: string): boolean {
    return this.electors.get(shard)?.elector.isLeader() ?? false;
  }

  /** The shards held now. */
  held(): string[] {
    return [...this.electors].filter(([, h]) => h.elector.isLeader()).map(([s]) => s);
  }

  /** The replicas seen alive at the last heartbeat, this one included. */
  liveReplicas(): number {
    return this.members.live(this.clock.now(), this.self).size;
  }

  /** Heartbeats, campaigns and rebalances until `signal` aborts; then releases every shard and its heartbeat. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.heartbeat();
      this.tick();
      await sleep(this.o.retryPeriodMs, signal, this.clock);
    }
    await Promise.all([...this.electors.keys()].map((s) => this.stopElector(s)));
    await this.leave();
  }

  /** Starts electors for new shards, stops those of vanished ones, recomputes the quota and sheds the surplus. */
  private tick(): void {
    const shards = new Set(this.o.shards());
    for (const shard of shards) if (!this.electors.has(shard)) this.startElector(shard);
    for (const shard of [...this.electors.keys()]) if (!shards.has(shard)) void this.stopElector(shard);
    this.quota = shardQuota(shards.size, this.liveReplicas());
    for (const shard of shardsToShed(this.held(), this.quota)) {
      this.log.info({ shard, quota: this.quota }, "releasing a shard above this replica's part");
      void this.stopElector(shard).then(() => {
        if (new Set(this.o.shards()).has(shard)) this.startElector(shard);
      });
    }
  }

  private startElector(shard: string): void {
    if (this.electors.has(shard)) return;
    const stop = new AbortController();
    const elector = new LeaderElector({
      kubeConfig: this.o.kubeConfig,
      namespace: this.o.namespace,
      name: shardLeaseName(this.o.id, shard),
      identity: this.o.identity,
      ...leaseTiming(this.o),
      clock: this.clock,
      log: this.log,
      ...(this.o.random ? { random: this.o.random } : {}),
      mayAcquire: () => this.joined && this.held().length < this.quota,
      onStartedLeading: (term) => this.o.onAcquired?.(shard, term),
      onStoppedLeading: () => this.o.onReleased?.(shard),
    });
    this.electors.set(shard, { elector, stop, done: elector.run(stop.signal) });
  }

  private async stopElector(shard: string): Promise<void> {
    const h = this.electors.get(shard);
    if (!h) return;
    h.stop.abort();
    await h.done;
    if (this.electors.get(shard) === h) this.electors.delete(shard);
  }

  /** Changes our annotation on the members Lease (creating it), reads the others', prunes long-gone ones. */
  private async heartbeat(): Promise<void> {
    const { namespace } = this.o;
    const name = membersLeaseName(this.o.id);
    const now = this.clock.now();
    try {
      let lease: Lease | undefined;
      try {
        lease = await this.api.read(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (lease) this.members.observe(lease.metadata?.annotations, now);
      const annotations = { ...(lease?.metadata?.annotations ?? {}), [this.self]: `${this.o.identity} ${now}` };
      for (const key of this.members.staleFor(now, 10 * this.o.leaseDurationMs)) delete annotations[key];
      if (lease) {
        lease.metadata = { ...lease.metadata, annotations };
        await this.api.replace(namespace, name, lease); // a 409 waits for the next tick
      } else {
        await this.api.create(namespace, { metadata: { name, namespace, annotations } });
      }
      this.joined = true;
    } catch (err) {
      if (isForbidden(err))
        this.log.error({ lease: name, err: errorMessage(err), hint: RBAC_HINT }, "shard heartbeat forbidden");
      else if (!isConflict(err)) this.log.debug({ lease: name, err: errorMessage(err) }, "shard heartbeat failed");
    }
  }

  /** Removes our heartbeat on stop, so the others count one replica fewer at once (best effort). */
  private async leave(): Promise<void> {
    const { namespace } = this.o;
    const name = membersLeaseName(this.o.id);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const lease = await this.api.read(namespace, name);
        const annotations = { ...(lease.metadata?.annotations ?? {}) };
        if (!(this.self in annotations)) return;
        delete annotations[this.self];
        lease.metadata = { ...lease.metadata, annotations };
        await this.api.replace(namespace, name, lease);
        return;
      } catch (err) {
        if (!isConflict(err)) return;
      }
    }
  }
}
