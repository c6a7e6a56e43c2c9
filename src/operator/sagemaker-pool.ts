/**
 * One SageMaker client and one limiter per account and region, created on first use and closed once unused for a
 * while, so throttling in one account or region never slows another. Each account's assumed-role credentials are
 * shared by its regions (STS credentials are global) and refreshed ahead of expiry (src/sagemaker/credentials.ts).
 */
import type { SageMakerAccount, Target } from "../accounts/index.js";
import type { Clock } from "../kube/index.js";
import {
  type AssumedRoleCredentials,
  type AwsCredentialIdentity,
  assumedRoleCredentials,
  type SageMakerGateway,
} from "../sagemaker/index.js";

export interface PoolOptions {
  /** A gateway for an account and region with these credentials (undefined: the operator's own). */
  makeGateway(target: Target, account: SageMakerAccount, credentials: AccountCredentials | undefined): SageMakerGateway;
  /** The operator's own credentials (tests); undefined: the SDK's chain. */
  ownCredentials?: AwsCredentialIdentity;
  /** Region and endpoint of STS. */
  stsRegion: string;
  stsEndpoint?: string;
  /** RoleSessionName of every session (CloudTrail shows it). */
  sessionName: string;
  /** A gateway unused this long is closed. */
  idleMs: number;
  clock: Clock;
}

export type AccountCredentials = AssumedRoleCredentials;

interface Entry {
  gateway: SageMakerGateway;
  account: string;
  generation: number | undefined;
  lastUsed: number;
}

export class SageMakerPool {
  private readonly gateways = new Map<string, Entry>();
  private readonly credentials = new Map<string, { generation: number | undefined; value: AccountCredentials }>();
  private readonly drainedListeners = new Set<() => void>();

  constructor(private readonly o: PoolOptions) {}

  /** The gateway of an account and region; an account whose spec changed gets new credentials and clients. */
  get(target: Target, account: SageMakerAccount): SageMakerGateway {
    const key = `${target.account}/${target.region}`;
    const generation = account.metadata.generation;
    let entry = this.gateways.get(key);
    if (entry && entry.generation !== generation) {
      entry.gateway.destroy();
      entry = undefined;
    }
    if (!entry) {
      entry = {
        gateway: this.o.makeGateway(target, account, this.credentialsOf(account)),
        account: target.account,
        generation,
        lastUsed: 0,
      };
      this.gateways.set(key, entry);
    }
    entry.lastUsed = this.o.clock.now();
    return entry.gateway;
  }

  /** The account's assumed-role credentials (shared by its regions); undefined for its own identity. */
  credentialsOf(account: SageMakerAccount): AccountCredentials | undefined {
    const { roleArn, externalId, sessionTags } = account.spec;
    if (!roleArn) return undefined;
    const name = account.metadata.name;
    const cached = this.credentials.get(name);
    if (cached && cached.generation === account.metadata.generation) return cached.value;
    const value = assumedRoleCredentials({
      roleArn,
      sessionName: this.o.sessionName,
      region: this.o.stsRegion,
      clock: this.o.clock,
      ...(externalId !== undefined ? { externalId } : {}),
      ...(sessionTags ? { sessionTags } : {}),
      ...(this.o.stsEndpoint ? { endpoint: this.o.stsEndpoint } : {}),
      ...(this.o.ownCredentials ? { masterCredentials: this.o.ownCredentials } : {}),
    });
    this.credentials.set(name, { generation: account.metadata.generation, value });
    return value;
  }

  /** Closes the clients of an account that was deleted. */
  forget(accountName: string): void {
    for (const [key, e] of this.gateways)
      if (e.account === accountName) {
        e.gateway.destroy();
        this.gateways.delete(key);
      }
    this.credentials.delete(accountName);
  }

  /** Closes the clients unused for `idleMs`; returns how many are left. */
  sweep(): number {
    const horizon = this.o.clock.now() - this.o.idleMs;
    for (const [key, e] of this.gateways)
      if (e.lastUsed < horizon) {
        e.gateway.destroy();
        this.gateways.delete(key);
      }
    return this.gateways.size;
  }

  /**
   * Whether a call to this account and region (`<account>/<region>`) already waits for its limiter: a reconcile started
   * for it now would only wait too, holding a worker that another account's reconcile could use.
   */
  saturated(key: string): boolean {
    return (this.gateways.get(key)?.gateway.limiter.waiting ?? 0) > 0;
  }

  /** Calls `listener` whenever a limiter of the pool has no call waiting any more (see saturated). */
  onDrained(listener: () => void): void {
    this.drainedListeners.add(listener);
  }

  /** The gateways' limiter observers report here when their last waiting call was granted. */
  limiterDrained(): void {
    for (const listener of this.drainedListeners) listener();
  }

  /** The account×region keys with an open client. */
  keys(): string[] {
    return [...this.gateways.keys()];
  }

  destroy(): void {
    for (const e of this.gateways.values()) e.gateway.destroy();
    this.gateways.clear();
    this.credentials.clear();
  }
}
