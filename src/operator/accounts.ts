/**
 * The operator's side of SageMakerAccount: a cache of the accounts, the reconciler's AccountPort (the pure resolution
 * of src/accounts over that cache and the namespace labels, and the pooled client of an account and region), the
 * account check (GetCallerIdentity through the account's credentials, its result in the account's status) and an
 * event source that re-enqueues the profiles an account change can affect.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import {
  ACCOUNT_KIND,
  ACCOUNT_LABEL,
  ACCOUNT_PLURAL,
  type AccountDecision,
  type AccountState,
  type OwnIdentity,
  parseArn,
  resolveAccount,
  type SageMakerAccount,
  type SageMakerAccountStatus,
  type Target,
} from "../accounts/index.js";
import { GROUP, type SageMakerUserProfile, VERSION } from "../api/types.js";
import {
  type Clock,
  collectionPath,
  type EventSource,
  Informer,
  type KubeObject,
  type Logger,
  makeClients,
  sleep,
  writeStatus,
} from "../kube/index.js";
import type { AccountPort, SageMakerPort } from "../reconciler/index.js";
import type { CallerIdentity } from "../sagemaker/index.js";
import { AccountPresence } from "./account-presence.js";
import { errorSummary } from "./log.js";
import { OwnIdentityCache } from "./own-identity.js";
import type { SageMakerPool } from "./sagemaker-pool.js";

const ACCOUNT_REASONS = new Set([
  "AccountNotFound",
  "AccountNotReady",
  "AccountNotAllowed",
  "RegionNotAllowed",
  "AccountPending",
  "AccountMismatch",
  "PinnedAccountNotFound",
]);

const ACCOUNTS = { group: GROUP, version: VERSION, plural: ACCOUNT_PLURAL };

interface Check {
  generation: number | undefined;
  ready: boolean;
  message: string;
  callerArn?: string;
  expiry?: number;
  at: number;
}

export interface AccountRegistryOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  /** The namespace cache (shared with the policy guard). */
  namespaces: Informer<KubeObject>;
  profiles: () => SageMakerUserProfile[];
  pool: SageMakerPool;
  operatorRegion: string;
  /** The operator's own account, when configured (--aws-account-id): GetCallerIdentity is not asked for it. */
  ownAccountId?: string;
  /** GetCallerIdentity with the account's credentials (undefined: the operator's own). */
  whoAmI(account: SageMakerAccount | undefined, signal: AbortSignal): Promise<CallerIdentity>;
  /** A ready account is checked again this often; one that is not, every `retryMs`. */
  checkPeriodMs: number;
  retryMs: number;
  clock: Clock;
  /** The leader fence: throws when this process may not write. */
  fence(): void;
}

/** A decision and what it was made from besides the account registry (see AccountRegistry.decide). */
interface Decided {
  generation: number | undefined;
  arn: string | undefined;
  namespaceVersion: string | undefined;
  registryVersion: number;
  decision: AccountDecision;
}

export class AccountRegistry implements AccountPort {
  readonly informer: Informer<SageMakerAccount>;
  private readonly checks = new Map<string, Check>();
  private readonly changed = new Set<(name: string) => void>();
  /** Bumped by every change of an account and every check: the decisions made before are stale. */
  private registryVersion = 0;
  private readonly decided = new Map<string, Decided>();
  private decidedLimit = 1024;
  private readonly presence = new AccountPresence(() => this.listOne());
  private readonly own: OwnIdentityCache;

  constructor(private readonly o: AccountRegistryOptions) {
    this.own = new OwnIdentityCache({
      whoAmI: (signal) => o.whoAmI(undefined, signal),
      region: o.operatorRegion,
      accountId: o.ownAccountId,
      retryMs: o.retryMs,
      clock: o.clock,
      log: o.log,
    });
    this.informer = new Informer<SageMakerAccount>({
      kubeConfig: o.kubeConfig,
      resource: ACCOUNTS,
      log: o.log,
    });
    // Subscribed first, so the event source's re-enqueues below see the new version.
    const bump = () => {
      this.registryVersion++;
      this.presence.accountsChanged();
    };
    this.informer.subscribe({ onAdd: bump, onUpdate: bump, onDelete: bump });
  }

  /** True once any SageMakerAccount exists: the operator then works per account. */
  inUse(): boolean {
    return this.informer.size > 0;
  }

  /** How many account×region pairs the SageMakerAccounts declare. */
  targets(): number {
    let n = 0;
    for (const a of this.informer.list()) n += a.spec.regions.length;
    return n;
  }

  /**
   * The profile's account and region. With accounts declared, the decision is remembered per resource: the work queue
   * asks for every key it hands out (downstreamOf) and the reconcile asks again. It is made again when what it depends
   * on changed: the spec (generation), status.userProfileArn, the namespace (its labels, by resourceVersion), or any
   * account or account check (registryVersion), as the policy guard does for its decisions (policy.ts).
   */
  decide(obj: SageMakerUserProfile): AccountDecision {
    if (this.informer.size === 0) return this.resolve(obj);
    const uid = obj.metadata.uid;
    const { generation } = obj.metadata;
    const arn = obj.status?.userProfileArn;
    const namespaceVersion = this.o.namespaces.get(obj.metadata.namespace ?? "")?.metadata?.resourceVersion;
    const known = uid !== undefined ? this.decided.get(uid) : undefined;
    if (
      known &&
      known.generation === generation &&
      known.arn === arn &&
      known.namespaceVersion === namespaceVersion &&
      known.registryVersion === this.registryVersion
    )
      return known.decision;
    const decision = this.resolve(obj);
    if (uid !== undefined) {
      if (this.decided.size >= this.decidedLimit) {
        this.decided.clear(); // deleted resources' entries go too; the rest are decided again once
        this.decidedLimit = Math.max(1024, 2 * this.o.profiles().length);
      }
      this.decided.set(uid, { generation, arn, namespaceVersion, registryVersion: this.registryVersion, decision });
    }
    return decision;
  }

  /** A profile reached the profile cache (see confirm). */
  profileArrived(): void {
    this.presence.profileArrived();
  }

  /**
   * The decision for a profile that may be created, when `decide` gave the operator's own identity: that decision
   * only if the API server, asked after the profile arrived, has no SageMakerAccount (see AccountPresence); the
   * accounts' decision if the account cache has one by then; else AccountPending (an account exists that the account
   * cache has not received yet). A burst of new profiles shares one List; with accounts cached this asks nothing.
   */
  async confirm(obj: SageMakerUserProfile, signal?: AbortSignal): Promise<AccountDecision> {
    if (this.informer.size > 0) return this.decide(obj);
    const found = await this.presence.anyAccount(signal);
    if (found === undefined || this.informer.size > 0) return this.decide(obj);
    return {
      ok: "unknown",
      message: `${found} exists, and the operator's account cache has not received it yet`,
    };
  }

  /** Whose the operator's own identity is (see OwnIdentityCache). */
  ownIdentity(signal?: AbortSignal): Promise<OwnIdentity> {
    return this.own.get(signal);
  }

  /** `SageMakerAccount <name>` from a consistent List (no resourceVersion: the newest state), or undefined if none. */
  private async listOne(): Promise<string | undefined> {
    const page = await makeClients(this.o.kubeConfig).api.get<{
      items?: SageMakerAccount[];
      metadata?: { continue?: string };
    }>(collectionPath(ACCOUNTS), { limit: 1 });
    const first = page.items?.[0];
    // A page may hold fewer items than the limit and still continue: there are accounts.
    if (first) return `${ACCOUNT_KIND} ${first.metadata.name}`;
    return page.metadata?.continue ? `a ${ACCOUNT_KIND}` : undefined;
  }

  private resolve(obj: SageMakerUserProfile): AccountDecision {
    const ns = obj.metadata.namespace ?? "";
    const namespace = this.o.namespaces.get(ns);
    return resolveAccount({
      namespace: ns,
      namespaceLabels: namespace
        ? ((namespace.metadata?.labels as Record<string, string> | undefined) ?? {})
        : undefined,
      ...(obj.spec.accountRef?.name !== undefined ? { accountRef: obj.spec.accountRef.name } : {}),
      ...(obj.spec.region !== undefined ? { region: obj.spec.region } : {}),
      ...(obj.status?.userProfileArn ? { existingArn: obj.status.userProfileArn } : {}),
      operatorRegion: this.o.operatorRegion,
      accounts: this.informer.list().map((a) => this.state(a)),
    });
  }

  sagemakerFor(target: Target): SageMakerPort {
    const account = this.informer.get(target.account);
    if (!account) throw new Error(`${ACCOUNT_KIND} ${target.account} is gone`);
    return this.o.pool.get(target, account);
  }

  /** The List resync's domains: `<account>/<region>/<domainId>` for a profile with a target, else its domainId. */
  resyncKey(obj: SageMakerUserProfile): string | undefined {
    if (!this.inUse()) {
      // Not the hub's domain of the same id for a profile its ARN pins to another account (the reconciler refuses it).
      const arn = obj.status?.userProfileArn;
      const own = this.own.accountId;
      const pinned = arn && own ? parseArn(arn)?.accountId : undefined;
      return pinned !== undefined && pinned !== own ? undefined : obj.spec.domainId;
    }
    const d = this.decide(obj);
    return d.ok === true && d.target ? `${d.target.account}/${d.target.region}/${obj.spec.domainId}` : undefined;
  }

  private state(account: SageMakerAccount): AccountState {
    const check = this.checks.get(account.metadata.name);
    if (check && check.generation === account.metadata.generation)
      return { account, ready: check.ready, message: check.message };
    // Before this process checked: what the last check wrote, if it was of this generation.
    const ready = account.status?.conditions?.find((c) => c.type === "Ready");
    if (ready && ready.observedGeneration === account.metadata.generation && ready.status !== "Unknown")
      return { account, ready: ready.status === "True", message: ready.message };
    return { account, ready: undefined };
  }

  /** Checks every account whose check is due, until stopped (leader only: it writes the accounts' status). */
  async runChecks(signal: AbortSignal): Promise<void> {
    await this.informer.ready();
    while (!signal.aborted) {
      const now = this.o.clock.now();
      const names = new Set(this.informer.list().map((a) => a.metadata.name));
      for (const name of [...this.checks.keys()])
        if (!names.has(name)) {
          this.checks.delete(name);
          this.o.pool.forget(name);
        }
      for (const account of this.informer.list()) {
        if (signal.aborted) break;
        const last = this.checks.get(account.metadata.name);
        const due =
          !last ||
          last.generation !== account.metadata.generation ||
          now - last.at >= (last.ready ? this.o.checkPeriodMs : this.o.retryMs);
        if (due) await this.check(account, signal);
      }
      await sleep(Math.min(1_000, this.o.retryMs), signal, this.o.clock);
    }
  }

  private async check(account: SageMakerAccount, signal: AbortSignal): Promise<void> {
    const name = account.metadata.name;
    const before = this.checks.get(name);
    let check: Check;
    try {
      const me = await this.o.whoAmI(account, signal);
      const expiry = this.o.pool.credentialsOf(account)?.expiry();
      const right = me.account === account.spec.accountId;
      check = {
        generation: account.metadata.generation,
        ready: right,
        message: right
          ? `${me.arn} in account ${me.account}`
          : `the credentials${account.spec.roleArn ? ` of role ${account.spec.roleArn}` : ""} belong to account ${me.account}, not ${account.spec.accountId}`,
        callerArn: me.arn,
        ...(expiry !== undefined ? { expiry } : {}),
        at: this.o.clock.now(),
      };
    } catch (err) {
      if (signal.aborted) return;
      const e = errorSummary(err) as { name?: string; message?: string };
      const role = account.spec.roleArn ? `AssumeRole of ${account.spec.roleArn} failed` : "GetCallerIdentity failed";
      check = {
        generation: account.metadata.generation,
        ready: false,
        message: `${role}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`,
        at: this.o.clock.now(),
      };
    }
    this.checks.set(name, check);
    this.registryVersion++;
    if (
      !before ||
      before.ready !== check.ready ||
      before.message !== check.message ||
      before.generation !== check.generation
    ) {
      this.o.log.info({ account: name, ready: check.ready, message: check.message }, "account checked");
      for (const notify of this.changed) notify(name);
    }
    await this.writeStatus(account, check).catch((err: unknown) =>
      this.o.log.warn({ account: name, err: errorSummary(err) }, "account status write failed; next check retries"),
    );
  }

  private async writeStatus(account: SageMakerAccount, check: Check): Promise<void> {
    const previous = account.status?.conditions ?? [];
    const now = new Date(check.at).toISOString().replace(/\.\d{3}Z$/, "Z");
    const condition = (type: "Ready" | "Stalled", on: boolean, reason: string) => {
      const status = on ? "True" : "False";
      const old = previous.find((c) => c.type === type);
      return {
        type,
        status,
        reason,
        message: check.message,
        lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now,
        observedGeneration: check.generation,
      } as const;
    };
    const reason = check.ready ? "CallerVerified" : check.callerArn ? "WrongAccount" : "CredentialsFailed";
    const status: SageMakerAccountStatus = {
      ...(check.generation !== undefined ? { observedGeneration: check.generation } : {}),
      conditions: [condition("Ready", check.ready, reason), condition("Stalled", !check.ready, reason)],
      ...(check.callerArn ? { callerArn: check.callerArn } : {}),
      ...(check.expiry !== undefined ? { credentialsExpiry: new Date(check.expiry).toISOString() } : {}),
      // Only on a change of what it says: a periodic check that finds the same writes nothing.
      lastCheckTime: sameConditions(previous, status0(check)) ? (account.status?.lastCheckTime ?? now) : now,
    };
    const api = makeClients(this.o.kubeConfig).api;
    await writeStatus(api, ACCOUNTS, account, status, {
      beforeAttempt: this.o.fence,
    });
  }

  /**
   * For the controller: no keys of its own, ready when the account cache is, and re-enqueues the profiles an account
   * change or a changed check can affect (those that resolve to it, and those stalled on an account reason).
   */
  eventSource(): EventSource<SageMakerUserProfile> {
    return {
      ready: () => this.informer.ready(),
      keys: () => [],
      subscribe: (handlers) => {
        const enqueue = (name: string) => {
          for (const p of this.o.profiles()) if (this.affects(p, name)) handlers.onAdd?.(p);
        };
        this.changed.add(enqueue);
        const off = this.informer.subscribe({
          onAdd: (a) => enqueue(a.metadata.name),
          onUpdate: (old, a) => {
            if (old.metadata.generation !== a.metadata.generation) enqueue(a.metadata.name);
          },
          onDelete: (a) => enqueue(a.metadata.name),
        });
        return () => {
          off();
          this.changed.delete(enqueue);
        };
      },
    };
  }

  private affects(p: SageMakerUserProfile, name: string): boolean {
    const stalled = p.status?.conditions?.some(
      (c) => (c.type === "Stalled" || c.type === "Reconciling") && c.status === "True" && ACCOUNT_REASONS.has(c.reason),
    );
    if (stalled) return true;
    const labels = this.o.namespaces.get(p.metadata.namespace ?? "")?.metadata?.labels as
      | Record<string, string>
      | undefined;
    const named = p.spec.accountRef?.name ?? labels?.[ACCOUNT_LABEL];
    // Unnamed: the default account, or (with no account left) the operator's own: any change may concern it.
    return named === undefined || named === name;
  }
}

const status0 = (check: Check) => ({ ready: check.ready, message: check.message });
function sameConditions(
  previous: NonNullable<SageMakerAccountStatus["conditions"]>,
  now: { ready: boolean; message: string },
): boolean {
  const ready = previous.find((c) => c.type === "Ready");
  return ready !== undefined && (ready.status === "True") === now.ready && ready.message === now.message;
}
