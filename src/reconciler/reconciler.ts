/**
 * The SageMakerUserProfile reconciler: reconcile(key, ctx) -> Action, level-triggered. Each reconcile observes (the
 * cached resource, then only the SageMaker reads the planner asks for), plans (pure, plan.ts), acts (execute.ts),
 * writes status once (status.ts) and returns the requeue. Every error goes through the error policy
 * (error-policy.ts). Nothing here sleeps: every delay is a requeue.
 */

import type { AccountDecision, OwnIdentity } from "../accounts/index.js";
import { smallTime } from "../api/small-time.js";
import { profileName, type SageMakerUserProfile } from "../api/types.js";
import {
  type Action,
  type Clock,
  exponentialDelay,
  KeyedRecords,
  type KeyedState,
  type RateLimiter,
  type ReconcileContext,
  systemClock,
} from "../kube/index.js";
import { SageMakerError } from "../sagemaker/index.js";
import { asksDomain, asksStudio, backoffFor, type ErrorVerdict, errorPolicy, type Failure } from "./error-policy.js";
import { type Executed, execute, type ObserveOptions, observe, readStudio } from "./execute.js";
import type { FlapState } from "./flap-guard.js";
import { type OwnershipMemory, rememberOwner } from "./ownership.js";
import { pinnedArn } from "./pinned.js";
import { plan } from "./plan.js";
import {
  type BackoffName,
  callsOf,
  type Observation,
  type Plan,
  type PlanContext,
  type PlanSettings,
} from "./plan-types.js";
import type { AccountPort, KubePort, PolicyPort, ReconcilerHooks, SageMakerPort } from "./ports.js";
import { isDeleting, isManaged } from "./resource.js";
import { SettleEstimates } from "./settle.js";
import { buildStatus } from "./status.js";

export interface ReconcilerOptions {
  sagemaker: SageMakerPort;
  kube: KubePort;
  /** Guardrails checked before any AWS call; none = allow everything (the operator always has them). */
  policy?: PolicyPort;
  /** The account and region of each resource, and their clients; none = `sagemaker` for every resource. */
  accounts?: AccountPort;
  /** Refuse resources of namespaces no policy covers (the operator's `--require-policy`, default true there). */
  requirePolicy?: boolean;
  /** Identifies this cluster in the owner tag: `<clusterId>/<namespace>/<name>`. */
  clusterId: string;
  /** ResourceInUse: 5 s base, 5 min cap, full jitter. */
  inUseBackoff: RateLimiter;
  /** Throttling, 5xx and network errors after the SDK's own retries. */
  transientBackoff: RateLimiter;
  /** Hold before repairing again a field someone else keeps changing back: base * 2^holds, capped (1 min -> 1 h). */
  contestBackoff: { baseDelayMs: number; maxDelayMs: number };
  /** A field repaired `contestThreshold` times within `contestWindowMs` (same spec) is contested. */
  contestWindowMs?: number;
  contestThreshold?: number;
  /** While SageMaker is Pending/Updating/Deleting, or after a write, look again after this long. */
  pollIntervalMs?: number;
  /** Re-check an in-sync profile after this long (jittered ±10 %); 0 when a List-based resync enqueues changes. */
  resyncPeriodMs?: number;
  /** Stalled resources are retried this slowly (a spec change retries at once). */
  stalledRetryMs?: number;
  /**
   * Ownership memory vouches at most this long after AWS last named the owner (default 10 min): the first write after
   * it reads the owner tag again, even when the profile's LastModifiedTime never moved (ownership.ts).
   */
  ownerRecheckMs?: number;
  /**
   * Whether SageMaker's last List of the domain had no profile of this name (the List resync's knowledge): a resource
   * that never had a profile is then created without a Describe first. May wait (briefly) for the domain's first List.
   */
  knownAbsent?(resource: SageMakerUserProfile, signal: AbortSignal): boolean | Promise<boolean>;
  hooks?: ReconcilerHooks;
  /** Where the per-resource memory lives: the operator's records shared with its other parts; default its own. */
  records?: Pick<KeyedRecords, "slot">;
  clock?: Clock;
  random?: () => number;
}

type SettingOptions = Pick<
  ReconcilerOptions,
  | "clusterId"
  | "contestBackoff"
  | "contestWindowMs"
  | "contestThreshold"
  | "pollIntervalMs"
  | "resyncPeriodMs"
  | "stalledRetryMs"
  | "requirePolicy"
  | "ownerRecheckMs"
>;

/** The settings the planner reads, from the reconciler's options (the operator's defaults for those not given). */
export function planSettings(o: SettingOptions): PlanSettings {
  const contest = o.contestBackoff;
  return {
    clusterId: o.clusterId,
    pollIntervalMs: o.pollIntervalMs ?? 5_000,
    resyncPeriodMs: o.resyncPeriodMs ?? 10 * 60_000,
    stalledRetryMs: o.stalledRetryMs ?? 10 * 60_000,
    requirePolicy: o.requirePolicy ?? false,
    ownerRecheckMs: o.ownerRecheckMs ?? 10 * 60_000,
    contest: {
      windowMs: o.contestWindowMs ?? 10 * 60_000,
      threshold: o.contestThreshold ?? 3,
      holdDelay: (holds) => exponentialDelay(holds, contest),
    },
  };
}

/** For callers outside a controller (tests, tools): never aborted, first attempt. */
const standalone = (): ReconcileContext => ({ signal: new AbortController().signal, attempt: 0 });

export class ProfileReconciler {
  private readonly settings: PlanSettings;
  private readonly hooks: ReconcilerHooks;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoffs: Record<BackoffName, RateLimiter>;
  /** The flap guard's state per key (planner input and output). */
  private readonly flaps: KeyedState<FlapState>;
  /** How long SageMaker takes to settle a write, as seen so far: times the Describe after one. */
  private readonly settle = new SettleEstimates();
  /**
   * key -> what this process learnt from AWS about its profile's owner (its own create, or a ListTags that named this
   * resource): a later write needs no ListTags while the profile shows no sign of another writer (ownership.ts). Never
   * taken from status, which anyone who may write the status subresource can forge.
   */
  private readonly owned: KeyedState<OwnershipMemory>;

  constructor(private readonly o: ReconcilerOptions) {
    this.settings = planSettings(o);
    this.hooks = o.hooks ?? {};
    this.clock = o.clock ?? systemClock;
    this.random = o.random ?? Math.random;
    this.backoffs = { inUse: o.inUseBackoff, transient: o.transientBackoff };
    const records = o.records ?? new KeyedRecords();
    this.flaps = records.slot<FlapState>();
    this.owned = records.slot<OwnershipMemory>();
  }

  /** The ARN the ownership memory holds for a key (so the cache can keep the same string instead of a copy). */
  rememberedArn(key: string): string | undefined {
    return this.owned.get(key)?.arn;
  }

  async reconcile(key: string, ctx: ReconcileContext = standalone()): Promise<Action> {
    const resource = this.o.kube.get(key);
    if (!resource) {
      this.backoffs.inUse.forget(key);
      this.backoffs.transient.forget(key);
      this.flaps.delete(key);
      this.settle.forget(key);
      this.owned.delete(key);
      this.hooks.onForget?.(key);
      return {};
    }
    let account = this.o.accounts?.decide(resource);
    if (account?.ok === true && !account.target && this.o.accounts?.confirm && mayCreate(resource))
      account = await this.o.accounts.confirm(resource, ctx.signal);
    const sagemaker = this.portFor(account);
    // Asked only where the planner compares it: the operator's own identity for a profile an ARN pins (pinned.ts).
    const ownIdentity =
      account?.ok === true && !account.target && pinnedArn(resource, this.owned.get(key)) !== undefined
        ? await this.o.accounts?.ownIdentity?.(ctx.signal)
        : undefined;
    const started = this.clock.now();
    try {
      const { plan, executed, observed } = await this.observeAndAct(key, resource, ctx.signal, {
        account,
        ownIdentity,
        sagemaker,
      });
      this.remember(key, plan, executed, observed, started);
      await this.conclude(key, resource, plan, executed);
      return plan.action;
    } catch (err) {
      // Nothing was sent to SageMaker: decide again at once.
      if (err instanceof AccountChanged) return { requeueAfter: 0 };
      const verdict = await this.verdict(key, resource, err, ctx, sagemaker);
      if (verdict.raise) throw err;
      // Its own errors (Kubernetes refusing the status or the finalizer patch) go to the controller.
      await execute(resource, verdict, { sagemaker, kube: this.o.kube });
      await this.conclude(key, resource, verdict, {});
      return verdict.action;
    }
  }

  /** The resource's account and region's client; a refused one gets a port that calls nothing. */
  private portFor(account: AccountDecision | undefined): SageMakerPort {
    if (!account || !this.o.accounts) return this.o.sagemaker;
    if (account.ok === true) return account.target ? this.o.accounts.sagemakerFor(account.target) : this.o.sagemaker;
    return refusingPort(account.message);
  }

  /** What the planner knows besides the resource and SageMaker: settings, the guardrails' decision, time, flap state. */
  private context(
    key: string,
    resource: SageMakerUserProfile,
    account: AccountDecision | undefined,
    ownIdentity: OwnIdentity | undefined,
  ): PlanContext {
    return {
      settings: this.settings,
      account,
      ...(ownIdentity ? { ownIdentity } : {}),
      policy: this.o.policy?.decide(resource),
      now: this.clock.now(),
      jitter: this.random(),
      flap: this.flaps.get(key),
      firstPoll: { create: this.settle.firstPoll("create"), update: this.settle.firstPoll("update") },
      owned: this.owned.get(key),
      firstLookAfterWrite: this.settle.firstLook(key),
      cleanup: this.o.policy?.cleanup?.(resource),
    };
  }

  private async observeAndAct(
    key: string,
    resource: SageMakerUserProfile,
    signal: AbortSignal,
    who: { account: AccountDecision | undefined; ownIdentity: OwnIdentity | undefined; sagemaker: SageMakerPort },
  ): Promise<{ plan: Plan; executed: Executed; observed: Observation }> {
    const { account, sagemaker } = who;
    // Asked first: it may wait for the domain's first List, and the plan's clock is read after. Not for a resource
    // with no usable account: that List would be made with the operator's own identity.
    const knownAbsent =
      (account === undefined || account.ok === true) &&
      mayCreate(resource) &&
      !this.owned.has(key) && // created since that List
      (await this.o.knownAbsent?.(resource, signal)) === true;
    const context = this.context(key, resource, account, who.ownIdentity);
    const planner = (observed: Observation) => plan(resource, observed, context);
    let finalizerAdded = false;
    const options: ObserveOptions = {
      signal,
      beforeRead: async (need) => {
        if (need.finalizer !== "add" || finalizerAdded) return;
        await this.o.kube.addFinalizer(resource);
        finalizerAdded = true;
      },
      onRead: (need, observed) => {
        if (need !== "profile") return;
        const status = observed.profile?.Status;
        this.settle.observed(key, status, this.clock.now());
        if (observed.profile && !isDeleting(resource))
          this.hooks.onObserved?.(
            key,
            observed.profile.LastModifiedTime,
            status !== "Pending" && status !== "Updating",
          );
      },
    };
    const act = async (p: Plan) => {
      const calls = callsOf(p);
      // The account and region are chosen by the create alone (every later call follows the profile's ARN): if an
      // account change arrived while this reconcile read (the account cache, a check), the decision is made again.
      if (
        this.o.accounts &&
        calls.some((c) => c.op === "CreateUserProfile") &&
        !sameAccount(account, this.o.accounts.decide(resource))
      )
        throw new AccountChanged();
      const executed = await execute(resource, p, {
        sagemaker,
        kube: this.o.kube,
        signal,
        finalizerAdded,
        onFlap: (state) => this.flaps.set(key, state),
      });
      const pollMs = p.action.requeueAfter ?? this.settings.pollIntervalMs;
      for (const c of calls)
        if (c.op === "CreateUserProfile" || c.op === "UpdateUserProfile") {
          this.settle.sent(key, c.op === "CreateUserProfile" ? "create" : "update", this.clock.now(), pollMs);
          this.hooks.onWrite?.(key);
        }
      return executed;
    };

    const start: Observation = knownAbsent ? { profile: null } : {};
    const first = await observe(sagemaker, resource, start, planner, options);
    try {
      return { plan: first.plan, executed: await act(first.plan), observed: first.observed };
    } catch (err) {
      const created = callsOf(first.plan).some((c) => c.op === "CreateUserProfile");
      if (!(created && err instanceof SageMakerError && err.kind === "inUse")) throw err;
      // CreateUserProfile answered ResourceInUse: most often our own create whose answer was lost (the SDK retried
      // it) or that a crash kept out of the status. The profile then goes through the ownership check like any
      // existing one: adopted only if its owner tag names this resource.
      const again = await observe(sagemaker, resource, { ...first.observed, profile: undefined }, planner, options);
      // Not there after all (busy for another reason): the ResourceInUse backoff applies.
      if (!again.observed.profile) throw err;
      return { plan: again.plan, executed: await act(again.plan), observed: again.observed };
    }
  }

  /**
   * What this reconcile taught about the profile's owner, from AWS only: our create, tags that named this resource, or
   * memory that still vouched for the profile described (ownership.ts). Anything else forgets it.
   */
  private remember(key: string, p: Plan, executed: Executed, observed: Observation, started: number): void {
    // Counted from before this reconcile's calls: AWS named the owner no earlier than that.
    if (executed.createdArn) {
      const vouchesUntil = smallTime(started + this.settings.ownerRecheckMs);
      this.owned.set(key, { arn: executed.createdArn, writing: true, vouchesUntil });
      return;
    }
    if (observed.profile === undefined) return; // nothing described (a refusal before any read): nothing learnt
    // Only writes that move LastModifiedTime open the window (tag writes do not: a moved time after one is a sign).
    const wrote = callsOf(p).some((c) => c.op === "UpdateUserProfile" || c.op === "DeleteUserProfile");
    const next = rememberOwner(this.owned.get(key), observed.profile, {
      verified: p.ownerVerified === true,
      wrote,
      now: started,
      recheckMs: this.settings.ownerRecheckMs,
    });
    if (next) {
      // The cached status's copy of the same ARN, not the Describe's: one string per resource kept, not two.
      const arn = this.o.kube.get(key)?.status?.userProfileArn;
      if (arn === next.arn) next.arn = arn;
      this.owned.set(key, next);
    } else this.owned.delete(key);
  }

  /** The error policy's verdict, with the reads and backoffs it takes as inputs. */
  private async verdict(
    key: string,
    resource: SageMakerUserProfile,
    err: unknown,
    ctx: ReconcileContext,
    sagemaker: SageMakerPort,
  ): Promise<ErrorVerdict> {
    const failure: Failure = ctx.signal.aborted
      ? { other: err, aborted: true }
      : err instanceof SageMakerError
        ? { sagemaker: { operation: err.operation, classified: err.classified } }
        : { other: err };
    if (asksDomain(failure) && "sagemaker" in failure)
      failure.domainMissing = await sagemaker.domainExists(resource.spec.domainId, ctx.signal).then(
        (exists) => !exists,
        () => false, // any other answer leaves the original error to its usual handling
      );
    if (asksStudio(failure, resource) && "sagemaker" in failure)
      failure.studio = await readStudio(sagemaker, resource.spec.domainId, profileName(resource), ctx.signal).catch(
        () => undefined,
      ); // unnamed blockers are still reported as DeleteBlocked
    const backoff = backoffFor(failure);
    const limiter = backoff && this.backoffs[backoff];
    const retry = limiter ? { delayMs: limiter.when(key), attempt: limiter.numRequeues(key) } : undefined;
    if (backoff === "inUse") this.hooks.onResourceInUse?.();
    return errorPolicy(resource, failure, retry, this.settings);
  }

  /** Forgets what the plan says to, then writes status once (the writer skips an unchanged status). */
  private async conclude(key: string, resource: SageMakerUserProfile, p: Plan, executed: Executed): Promise<void> {
    for (const b of p.forget ?? []) this.backoffs[b].forget(key);
    if (p.release) this.hooks.onForget?.(key);
    if (p.repaired) this.hooks.onRepair?.(p.repaired);
    if (!p.outcome) return;
    // This reconcile's finalizer patch may not be in `resource`: build on the latest we know (read-your-writes).
    const latest = this.o.kube.get(key) ?? resource;
    const facts = executed.createdArn === undefined ? p.facts : { userProfileArn: executed.createdArn, ...p.facts };
    const status = buildStatus(
      latest.status,
      {
        outcome: p.outcome,
        facts,
        drift: p.drift,
        generation: resource.metadata.generation,
        userProfileName: profileName(resource),
      },
      new Date(this.clock.now()),
    );
    this.hooks.onProfile?.(key, {
      profileStatus: status.profileStatus,
      drifted: (status.drift?.count ?? 0) > 0,
      stalled: p.outcome.phase === "Stalled",
      ready: p.outcome.phase === "InSync",
    });
    await this.o.kube.writeStatus(latest, status);
  }
}

/** A resource whose profile this reconcile may create (with the account and region decided for it). */
const mayCreate = (r: SageMakerUserProfile): boolean => isManaged(r) && !isDeleting(r) && !r.status?.userProfileArn;

/** The same account and region (both the operator's own, or the same target). */
function sameAccount(a: AccountDecision | undefined, b: AccountDecision): boolean {
  return (
    a?.ok === true && b.ok === true && a.target?.account === b.target?.account && a.target?.region === b.target?.region
  );
}

/** The account decision changed between the reconcile's start and its create. */
class AccountChanged extends Error {}

/** For a resource with no usable account: any call is a bug the planner should have prevented, refused loudly. */
function refusingPort(why: string): SageMakerPort {
  const refuse = () => Promise.reject(new Error(`no SageMaker call without a usable account: ${why}`));
  return {
    describeUserProfile: refuse,
    createUserProfile: refuse,
    updateUserProfile: refuse,
    deleteUserProfile: refuse,
    domainSecurityGroups: refuse,
    domainExists: refuse,
    listTags: refuse,
    addTags: refuse,
    deleteTags: refuse,
    listApps: refuse,
    listSpaces: refuse,
    deleteApp: refuse,
    deleteSpace: refuse,
  };
}
