/**
 * Replicas that split the work (`--shards`): which shard a profile belongs to (its account×region, or the shard of
 * profiles with no account), the per-shard write fence, and the hooks between the ShardSet and the controller.
 *
 * Every replica keeps its caches warm and runs the controller; a key is reconciled only by the replica holding its
 * shard (others drop it: the holder enqueues every key of a shard when it acquires it). Writes (SageMaker, status,
 * finalizer, events) pass only while the shard that was held when the reconcile began is still held, renewed within
 * the renew deadline, and is still the key's shard. The holder of the no-account shard also checks the
 * SageMakerAccounts (it writes their status); each replica runs the List resync for the shards it holds.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { KubeConfig } from "@kubernetes/client-node";
import type { SageMakerUserProfile } from "../api/types.js";
import { type Action, type Clock, type Logger, leaseTiming, ShardSet, shardLeaseName } from "../kube/index.js";
import type { AccountRegistry } from "./accounts.js";
import type { OperatorConfig } from "./config.js";

/** The shard of profiles served by no SageMakerAccount (the operator's own identity and region, or refused). */
export const NO_ACCOUNT_SHARD = "";

export interface ShardRoutingOptions {
  config: OperatorConfig;
  clock?: Clock;
  kubeConfig: KubeConfig;
  log: Logger;
  accounts: Pick<AccountRegistry, "decide">;
  profiles(): SageMakerUserProfile[];
  get(key: string): SageMakerUserProfile | undefined;
  enqueue(key: string): void;
  /** A shard's Lease became held (true) or stopped being held: for `leader_election_master_status{name=<lease>}`. */
  onHeld?(lease: string, held: boolean): void;
}

const keyOf = (obj: SageMakerUserProfile) => `${obj.metadata.namespace}/${obj.metadata.name}`;

export class ShardRouting {
  readonly set: ShardSet;
  /** The reconcile (or account check) running in this async context, and the shard it started under. */
  private readonly current = new AsyncLocalStorage<{ key?: string; shard: string }>();
  private readonly inflight = new Map<string, Set<Promise<unknown>>>();
  private readonly terms = new Map<string, AbortSignal>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: ShardRoutingOptions) {
    const e = o.config.leaderElection;
    this.set = new ShardSet({
      kubeConfig: o.kubeConfig,
      namespace: e.namespace,
      id: e.id,
      identity: e.identity,
      ...leaseTiming(e),
      log: o.log,
      ...(o.clock ? { clock: o.clock } : {}),
      shards: () => this.shards(),
      onAcquired: (shard, term) => this.acquired(shard, term),
      onReleased: (shard) => this.released(shard),
    });
  }

  /** A profile's shard: `<account>/<region>` when a SageMakerAccount serves it, else the no-account shard. */
  shardOf(obj: SageMakerUserProfile): string {
    const d = this.o.accounts.decide(obj);
    if (d.ok === true && d.target) return `${d.target.account}/${d.target.region}`;
    // Not decided yet (the account is being checked): where a profile naming both will go, so it does not move.
    const { accountRef, region } = obj.spec;
    return d.ok === "unknown" && accountRef?.name && region ? `${accountRef.name}/${region}` : NO_ACCOUNT_SHARD;
  }

  shardOfKey(key: string): string {
    const obj = this.o.get(key);
    return obj ? this.shardOf(obj) : NO_ACCOUNT_SHARD;
  }

  /** The shards that exist: those of the cached profiles, and always the no-account shard (the account checks). */
  shards(): Set<string> {
    const shards = new Set([NO_ACCOUNT_SHARD]);
    for (const obj of this.o.profiles()) shards.add(this.shardOf(obj));
    return shards;
  }

  holds(shard: string): boolean {
    return this.set.holdsLease(shard);
  }

  /** The write fence: inside a reconcile or check whose shard is still held, renewed, and still the key's shard. */
  mayWrite(): boolean {
    const c = this.current.getStore();
    if (!c || !this.holds(c.shard)) return false;
    return c.key === undefined || this.shardOfKey(c.key) === c.shard;
  }

  /**
   * Runs the reconcile of `key` if this replica holds its shard; else drops the key (its holder reconciles it, having
   * enqueued every key of the shard when it acquired it). A holder whose renew is late still runs it: the fence
   * refuses its writes, so it is retried with backoff; dropped, it would wait for the next resync, as nobody else
   * takes a shard that was never lost.
   */
  async reconcile(key: string, reconcile: () => Promise<Action>): Promise<Action> {
    const shard = this.shardOfKey(key);
    if (!this.set.isHolder(shard)) return {};
    const run = this.current.run({ key, shard }, reconcile);
    const set = this.inflight.get(shard) ?? new Set();
    this.inflight.set(shard, set);
    set.add(run);
    try {
      return await run;
    } finally {
      set.delete(run);
    }
  }

  /** Runs `fn` during every term of `shard` held by this replica, until `signal` aborts. */
  async whileHolding(shard: string, signal: AbortSignal, fn: (term: AbortSignal) => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      const term = this.terms.get(shard);
      if (term && !term.aborted) {
        const both = AbortSignal.any([signal, term]);
        await this.current.run({ shard }, () => fn(both));
        continue;
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  private acquired(shard: string, term: AbortSignal): void {
    this.o.log.info({ shard }, "shard acquired; enqueuing its profiles");
    this.terms.set(shard, term);
    this.o.onHeld?.(shardLeaseName(this.o.config.leaderElection.id, shard), true);
    for (const wake of [...this.waiters]) wake();
    for (const obj of this.o.profiles()) if (this.shardOf(obj) === shard) this.o.enqueue(keyOf(obj));
  }

  /** Awaited before the shard's Lease is released: its in-flight reconciles finish (their writes are refused). */
  private async released(shard: string): Promise<void> {
    this.o.onHeld?.(shardLeaseName(this.o.config.leaderElection.id, shard), false);
    await Promise.allSettled([...(this.inflight.get(shard) ?? [])]);
    this.o.log.info({ shard }, "shard released");
  }
}
