/**
 * The SageMakerUserProfile reconciler: reconcile(key) -> Action, level-triggered (design: "The reconcile loop").
 * Every SageMaker answer becomes a status and an action (requeue after X); nothing here sleeps.
 */
import type { DescribeUserProfileResponse, Tag } from "../api/generated/sagemaker-shapes.js";
import {
  FINALIZER,
  OWNER_TAG,
  PAUSED_ANNOTATION,
  profileName,
  type SageMakerUserProfile,
  type SageMakerUserProfileStatus,
} from "../api/types.js";
import { buildCreateRequest, computeDrift, type DriftResult, dottedPath, formatChange } from "../drift/index.js";
import { type PolicyDecision, violationMessage } from "../policy/index.js";
import { type ClassifiedError, SageMakerError } from "../sagemaker/index.js";
import { conditionsFor, mergeConditions, type Outcome } from "./conditions.js";
import { FlapGuard } from "./flap-guard.js";

/** What reconcile asks of the queue: run again after `requeueAfter` ms, or only on the next change. */
export interface Action {
  requeueAfter?: number;
}

/** The SageMaker calls the reconciler makes (implemented by SageMakerGateway). */
export interface SageMakerPort {
  describeUserProfile(domainId: string, name: string): Promise<DescribeUserProfileResponse | null>;
  createUserProfile(input: ReturnType<typeof buildCreateRequest>): Promise<{ UserProfileArn?: string }>;
  updateUserProfile(input: NonNullable<DriftResult["updateRequest"]>): Promise<unknown>;
  deleteUserProfile(domainId: string, name: string): Promise<unknown>;
  domainSecurityGroups(domainId: string): Promise<string[]>;
  /** Asked of SageMaker now, not from a cache. */
  domainExists(domainId: string): Promise<boolean>;
  listTags(arn: string): Promise<Tag[]>;
  addTags(arn: string, tags: Tag[]): Promise<unknown>;
  deleteTags(arn: string, keys: string[]): Promise<unknown>;
}

/** The Kubernetes side: the informer cache and the writes (status subresource, finalizer, events). */
export interface KubePort {
  get(key: string): SageMakerUserProfile | undefined;
  writeStatus(obj: SageMakerUserProfile, status: SageMakerUserProfileStatus): Promise<boolean>;
  addFinalizer(obj: SageMakerUserProfile): Promise<void>;
  removeFinalizer(obj: SageMakerUserProfile): Promise<void>;
  event(obj: SageMakerUserProfile, type: "Normal" | "Warning", reason: string, note: string): void;
}

/** Tenant guardrails: the decision for a resource (pure evaluation over the operator's policy caches). */
export interface PolicyPort {
  decide(obj: SageMakerUserProfile): PolicyDecision;
}

/** Per-key backoff (client-go's ItemExponentialFailureRateLimiter with full jitter). */
export interface Backoff {
  when(key: string): number;
  forget(key: string): void;
  numRequeues(key: string): number;
}

export interface ReconcilerHooks {
  onProfile?(
    key: string,
    snapshot: { profileStatus?: string; drifted: boolean; stalled: boolean; ready: boolean },
  ): void;
  onForget?(key: string): void;
  onRepair?(blocks: string[]): void;
  onResourceInUse?(): void;
  /** Every successful DescribeUserProfile, with the LastModifiedTime seen (for the List-based resync). */
  onObserved?(key: string, lastModifiedTime: unknown): void;
}

export interface ReconcilerOptions {
  sagemaker: SageMakerPort;
  kube: KubePort;
  /** Guardrails checked before any AWS call; none = allow everything. */
  policy?: PolicyPort;
  /** Identifies this cluster in the owner tag: `<clusterId>/<namespace>/<name>`. */
  clusterId: string;
  /** ResourceInUse: 5 s base, 5 min cap, full jitter. */
  inUseBackoff: Backoff;
  /** Throttling, 5xx and network errors after the SDK's own retries. */
  transientBackoff: Backoff;
  /** Delay before repairing again a field someone else keeps changing back (exponential, e.g. 1 min -> 1 h). */
  contestBackoff: Backoff;
  /** A field repaired `contestThreshold` times within `contestWindowMs` (same spec) is contested. */
  contestWindowMs?: number;
  contestThreshold?: number;
  /** While SageMaker is Pending/Updating/Deleting, or after a write, look again after this long. */
  pollIntervalMs?: number;
  /** Re-check an in-sync profile after this long (jittered ±10 %); 0 when a List-based resync enqueues changes. */
  resyncPeriodMs?: number;
  /** Stalled resources are retried this slowly (a spec change retries at once). */
  stalledRetryMs?: number;
  hooks?: ReconcilerHooks;
  now?: () => Date;
  random?: () => number;
}

type Profile = SageMakerUserProfile;

/** SageMaker's TagValue limit. */
const OWNER_TAG_VALUE_MAX = 256;

export class ProfileReconciler {
  private readonly o: Required<Omit<ReconcilerOptions, "hooks" | "policy">> &
    Pick<ReconcilerOptions, "policy"> & { hooks: ReconcilerHooks };
  private readonly flapGuard: FlapGuard;

  constructor(options: ReconcilerOptions) {
    this.o = {
      contestWindowMs: 10 * 60_000,
      contestThreshold: 3,
      pollIntervalMs: 5_000,
      resyncPeriodMs: 10 * 60_000,
      stalledRetryMs: 10 * 60_000,
      now: () => new Date(),
      random: Math.random,
      hooks: {},
      ...options,
    };
    this.flapGuard = new FlapGuard({
      windowMs: this.o.contestWindowMs,
      threshold: this.o.contestThreshold,
      backoff: this.o.contestBackoff,
    });
  }

  async reconcile(key: string): Promise<Action> {
    const obj = this.o.kube.get(key);
    if (!obj) {
      this.o.inUseBackoff.forget(key);
      this.o.transientBackoff.forget(key);
      this.flapGuard.forget(key);
      this.o.hooks.onForget?.(key);
      return {};
    }
    try {
      return await this.reconcileProfile(key, obj);
    } catch (err) {
      // Kubernetes and programming errors go to the controller's error policy (rate-limited requeue).
      if (!(err instanceof SageMakerError)) throw err;
      if (await this.isDomainMissing(obj, err.classified)) return this.domainNotFound(key, obj, err);
      return this.onSageMakerError(key, obj, err.classified);
    }
  }

  private async reconcileProfile(key: string, obj: Profile): Promise<Action> {
    const name = profileName(obj);
    const { domainId } = obj.spec;
    const manage = (obj.spec.managementPolicy ?? "Manage") === "Manage";

    if (obj.metadata.annotations?.[PAUSED_ANNOTATION] === "true") {
      await this.setStatus(obj, {
        phase: "Held",
        reason: "Paused",
        message: `annotation ${PAUSED_ANNOTATION} is "true"`,
      });
      return {};
    }
    if (obj.metadata.deletionTimestamp) return this.finalize(key, obj);

    // Before any AWS call (and before the finalizer: a refused resource owns nothing in AWS to clean up).
    const decision = this.o.policy?.decide(obj);
    if (decision && decision.allowed !== true) return this.refuse(obj, decision);
    const owner = this.ownerTag(obj);
    if (manage && owner.length > OWNER_TAG_VALUE_MAX) {
      // metadata.name may be 253 characters; SageMaker would refuse the create (or the adoption tag) for it.
      await this.setStatus(obj, {
        phase: "Stalled",
        reason: "OwnerTagTooLong",
        message: `the owner tag ${OWNER_TAG}=${owner} would be ${owner.length} characters and SageMaker allows ${OWNER_TAG_VALUE_MAX}: shorten metadata.name (spec.userProfileName sets the SageMaker name) or the cluster id`,
      });
      return {};
    }

    if (manage && !obj.metadata.finalizers?.includes(FINALIZER)) await this.o.kube.addFinalizer(obj);
    // Stalled on a missing domain: one DescribeDomain tells whether it exists now, without a Describe and a Create.
    if (stalledReason(obj) === "DomainNotFound" && !(await this.o.sagemaker.domainExists(domainId)))
      return this.domainNotFound(key, obj);

    let observed = await this.o.sagemaker.describeUserProfile(domainId, name);
    if (!observed) {
      if (!manage) {
        await this.setStatus(obj, {
          phase: "Held",
          reason: "NotFound",
          message: `profile ${domainId}/${name} does not exist`,
        });
        return { requeueAfter: this.resyncDelay() };
      }
      const result = await this.createOrFind(obj, name);
      if ("existing" in result) observed = result.existing;
      else {
        this.o.kube.event(obj, "Normal", "Created", `Created user profile ${domainId}/${name}`);
        await this.setStatus(
          obj,
          { phase: "Progressing", reason: "Creating", message: "CreateUserProfile accepted; waiting for InService" },
          {
            userProfileArn: result.created.UserProfileArn,
            ownedBy: this.ownerTag(obj),
            profileStatus: "Pending",
            managedTagKeys: declaredTagKeys(obj),
          },
        );
        return { requeueAfter: this.o.pollIntervalMs };
      }
    }

    this.o.hooks.onObserved?.(key, observed.LastModifiedTime);
    const facts = profileFacts(observed);
    if (manage) {
      const ownership = await this.checkOwnership(obj, observed);
      if (ownership) {
        await this.setStatus(obj, ownership, facts);
        return { requeueAfter: this.o.stalledRetryMs };
      }
      facts.ownedBy = this.ownerTag(obj);
    }

    switch (observed.Status) {
      case "Pending":
      case "Updating":
      case "Deleting":
        await this.setStatus(
          obj,
          {
            phase: "Progressing",
            reason: `Profile${observed.Status}`,
            message: `SageMaker status is ${observed.Status}`,
          },
          facts,
        );
        return { requeueAfter: this.o.pollIntervalMs };
      case "Failed":
      case "Update_Failed":
      case "Delete_Failed": {
        // An Update_Failed profile can take a new update; retry at once only when the spec changed since we stalled.
        const stalledGen = obj.status?.conditions?.find(
          (c) => c.type === "Stalled" && c.status === "True",
        )?.observedGeneration;
        if (!(manage && observed.Status === "Update_Failed" && stalledGen !== obj.metadata.generation)) {
          await this.setStatus(
            obj,
            {
              phase: "Stalled",
              reason: observed.Status,
              message: observed.FailureReason ?? `SageMaker status is ${observed.Status}`,
            },
            facts,
          );
          return { requeueAfter: this.o.stalledRetryMs };
        }
      }
    }

    const drift = computeDrift(obj.spec, name, observed, {
      domainSecurityGroups: obj.spec.userSettings?.securityGroups
        ? await this.o.sagemaker.domainSecurityGroups(domainId)
        : [],
    });
    // Tags are compared (one ListTags) when the spec changed or the resource is not yet in sync, not on every resync.
    const settled =
      obj.status?.observedGeneration === obj.metadata.generation &&
      obj.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    const tagChanges = manage && !settled ? await this.tagChanges(obj, observed) : undefined;

    if (!drift.drifted) {
      if (tagChanges) await this.applyTags(obj, observed, tagChanges);
      this.o.inUseBackoff.forget(key);
      this.o.transientBackoff.forget(key);
      await this.setStatus(
        obj,
        { phase: "InSync", reason: "InSync", message: "The profile matches the spec" },
        facts,
        drift,
      );
      return { requeueAfter: this.resyncDelay() };
    }

    const summary = drift.changes.map(formatChange).join("; ");
    if (!manage) {
      await this.setStatus(
        obj,
        { phase: "Held", reason: "DriftDetected", message: `Observe only; differs: ${truncate(summary)}` },
        facts,
        drift,
      );
      return { requeueAfter: this.resyncDelay() };
    }

    const now = this.o.now().getTime();
    const flap = this.flapGuard.decide(key, obj.metadata.generation, drift.fields, now);
    if (flap.contested) {
      const fields = flap.fields.map((f) => f.slice(1).replaceAll("/", ".")).join(", ");
      const why = `${fields} changed back after ${flap.repairs} repairs within ${Math.round(this.o.contestWindowMs / 60_000)} min: another writer (a tool or a console user) is changing this profile`;
      if (flap.holding) {
        this.o.kube.event(obj, "Warning", "Contested", truncate(why));
        await this.setStatus(
          obj,
          {
            phase: "Held",
            reason: "Contested",
            message: truncate(`${why}; next repair in ${seconds(flap.retryAfterMs)}`),
          },
          facts,
          drift,
        );
        return { requeueAfter: flap.retryAfterMs };
      }
    }
    if (drift.updateRequest) await this.o.sagemaker.updateUserProfile(drift.updateRequest);
    this.flapGuard.recordRepair(key, obj.metadata.generation, drift.fields, now);
    if (tagChanges) await this.applyTags(obj, observed, tagChanges);
    this.o.hooks.onRepair?.(drift.blocks);
    // Observed members the request left out (SageMaker checks them with the declared ones) come first: truncation cuts
    // the end of the change list, never this.
    const leftOut = drift.dropped.map((d) => dottedPath(d.path) + (d.sent ? ` (sent as ${d.sent})` : ""));
    const note = leftOut.length > 0 ? `(left out ${leftOut.join(", ")}: checked together with declared members) ` : "";
    this.o.kube.event(obj, "Normal", "Updated", truncate(`Updated ${note}${summary}`));
    this.o.inUseBackoff.forget(key);
    await this.setStatus(
      obj,
      { phase: "Progressing", reason: "Updating", message: `UpdateUserProfile sent for ${drift.blocks.join(", ")}` },
      facts,
      drift,
    );
    return { requeueAfter: this.o.pollIntervalMs };
  }

  /**
   * A policy refusal: Stalled until the spec or a policy changes (both re-enqueue the resource, so no timed retry).
   * While a namespace's labels are not cached yet the answer is "not yet": look again soon, write nothing to AWS.
   */
  private async refuse(obj: Profile, decision: Exclude<PolicyDecision, { allowed: true }>): Promise<Action> {
    if (decision.allowed === "unknown") {
      await this.setStatus(obj, { phase: "Progressing", reason: "PolicyPending", message: decision.reason });
      return { requeueAfter: this.o.pollIntervalMs };
    }
    const byPolicy = decision.violations.some((v) => v.source !== "partition");
    const reason = byPolicy ? "PolicyViolation" : "PartitionMismatch";
    const message = truncate(violationMessage(decision.violations));
    const already = obj.status?.conditions?.some(
      (c) => c.type === "Stalled" && c.status === "True" && c.reason === reason && c.message === message,
    );
    if (!already) this.o.kube.event(obj, "Warning", reason, message);
    await this.setStatus(obj, { phase: "Stalled", reason, message });
    return {};
  }

  /**
   * CreateUserProfile, or the profile that is already there when SageMaker answers ResourceInUse: most often our own
   * create whose answer was lost (the SDK retried it) or that a crash kept out of the status. It then goes through
   * the ownership check like any existing profile: adopted only if its owner tag names this resource.
   */
  private async createOrFind(
    obj: Profile,
    name: string,
  ): Promise<{ created: { UserProfileArn?: string } } | { existing: DescribeUserProfileResponse }> {
    try {
      return {
        created: await this.o.sagemaker.createUserProfile(buildCreateRequest(obj.spec, name, this.ownerTag(obj))),
      };
    } catch (err) {
      if (!(err instanceof SageMakerError && err.kind === "inUse")) throw err;
      const existing = await this.o.sagemaker.describeUserProfile(obj.spec.domainId, name);
      // Not there after all (busy for another reason): the ResourceInUse backoff applies.
      if (!existing) throw err;
      return { existing };
    }
  }

  /** Deletion per deletionPolicy; the finalizer goes only once SageMaker answers ResourceNotFound. */
  private async finalize(key: string, obj: Profile): Promise<Action> {
    if (!obj.metadata.finalizers?.includes(FINALIZER)) return {};
    const name = profileName(obj);
    const { domainId } = obj.spec;
    const observed = await this.o.sagemaker.describeUserProfile(domainId, name);
    const owned = observed ? await this.isOwned(obj, observed) : false;

    if (obj.spec.deletionPolicy === "Retain" || obj.spec.managementPolicy === "Observe" || !observed || !owned) {
      if (observed?.UserProfileArn && owned && obj.spec.deletionPolicy === "Retain")
        await this.o.sagemaker.deleteTags(observed.UserProfileArn, [OWNER_TAG]);
      if (observed && !owned && obj.spec.managementPolicy !== "Observe")
        this.o.kube.event(
          obj,
          "Warning",
          "NotDeleted",
          `Profile ${domainId}/${name} is not owned by this resource; left in place`,
        );
      await this.o.kube.removeFinalizer(obj);
      this.o.inUseBackoff.forget(key);
      this.o.hooks.onForget?.(key);
      return {};
    }
    if (observed.Status === "Deleting") {
      await this.setStatus(
        obj,
        { phase: "Progressing", reason: "Deleting", message: "waiting for SageMaker to delete the profile" },
        profileFacts(observed),
      );
      return { requeueAfter: this.o.pollIntervalMs };
    }
    await this.o.sagemaker.deleteUserProfile(domainId, name);
    this.o.kube.event(obj, "Normal", "Deleting", `DeleteUserProfile sent for ${domainId}/${name}`);
    await this.setStatus(
      obj,
      { phase: "Progressing", reason: "Deleting", message: "DeleteUserProfile accepted" },
      { ...profileFacts(observed), profileStatus: "Deleting" },
    );
    return { requeueAfter: this.o.pollIntervalMs };
  }

  private onSageMakerError(key: string, obj: Profile, c: ClassifiedError): Action {
    const deleting = Boolean(obj.metadata.deletionTimestamp);
    const write = (outcome: Outcome) =>
      this.setStatus(obj, outcome).catch(() => {
        /* the requeue retries the status too */
      });
    switch (c.kind) {
      case "inUse": {
        const delay = this.o.inUseBackoff.when(key);
        const attempt = this.o.inUseBackoff.numRequeues(key);
        this.o.hooks.onResourceInUse?.();
        const why = deleting
          ? "the profile still has running apps or spaces; delete them (apps, then spaces) for the delete to proceed"
          : "the profile is busy: another change is in progress";
        const message = `SageMaker answered ResourceInUse (${why}); attempt ${attempt}, retrying in ${seconds(delay)}: ${c.message}`;
        this.o.kube.event(obj, "Warning", "ResourceInUse", `SageMaker answered ResourceInUse: ${why}`);
        void write({ phase: "Retrying", reason: deleting ? "DeleteBlocked" : "ResourceInUse", message });
        return { requeueAfter: delay };
      }
      case "throttled":
      case "transient": {
        const delay = this.o.transientBackoff.when(key);
        const reason = c.kind === "throttled" ? "Throttled" : "TransientError";
        void write({ phase: "Retrying", reason, message: `${c.code}: ${c.message}; retrying in ${seconds(delay)}` });
        return { requeueAfter: delay };
      }
      case "notFound":
        // The profile vanished between describe and write: look again soon.
        return { requeueAfter: this.o.pollIntervalMs };
      case "terminal": {
        this.o.kube.event(obj, "Warning", c.code, truncate(c.message));
        void write({ phase: "Stalled", reason: c.code, message: truncate(c.message) });
        return { requeueAfter: this.o.stalledRetryMs };
      }
    }
  }

  /**
   * Whether a refusal means the spec's domain does not exist. SageMaker does not document how profile calls answer a
   * missing domain (ResourceNotFound on Create, or a ValidationException), so DescribeDomain, whose ResourceNotFound is
   * documented, decides. Any other answer to it leaves the original error to its usual handling.
   */
  private async isDomainMissing(obj: Profile, c: ClassifiedError): Promise<boolean> {
    if (c.kind !== "notFound" && !(c.kind === "terminal" && c.code.startsWith("Validation"))) return false;
    return this.o.sagemaker.domainExists(obj.spec.domainId).then(
      (exists) => !exists,
      () => false,
    );
  }

  /**
   * The spec names a domain SageMaker does not have: nothing can be created there. Stalled, retried slowly (each retry
   * is one DescribeDomain) and at once on a spec change. A resource being deleted has no profile to delete: it goes.
   */
  private async domainNotFound(key: string, obj: Profile, cause?: SageMakerError): Promise<Action> {
    const { domainId } = obj.spec;
    if (obj.metadata.deletionTimestamp) {
      if (obj.metadata.finalizers?.includes(FINALIZER)) await this.o.kube.removeFinalizer(obj);
      this.o.inUseBackoff.forget(key);
      this.o.hooks.onForget?.(key);
      return {};
    }
    const message = `domain ${domainId} does not exist (DescribeDomain answered ResourceNotFound): check spec.domainId and that the operator's AWS region is the domain's; retried every ${seconds(this.o.stalledRetryMs)} and at once when the spec changes`;
    if (stalledReason(obj) !== "DomainNotFound") {
      const answered = cause ? ` (${cause.operation} answered ${cause.code}: ${cause.classified.message})` : "";
      this.o.kube.event(obj, "Warning", "DomainNotFound", truncate(`domain ${domainId} does not exist${answered}`));
    }
    await this.setStatus(obj, { phase: "Stalled", reason: "DomainNotFound", message });
    return { requeueAfter: this.o.stalledRetryMs };
  }

  /** Undefined when the profile is ours to manage; else the outcome to report (and never write). */
  private async checkOwnership(obj: Profile, observed: DescribeUserProfileResponse): Promise<Outcome | undefined> {
    const arn = observed.UserProfileArn;
    if (!arn || this.verifiedOwner(obj, arn)) return undefined; // created by us, or verified earlier
    const owner = (await this.o.sagemaker.listTags(arn)).find((t) => t.Key === OWNER_TAG)?.Value;
    const mine = this.ownerTag(obj);
    if (owner === mine) return undefined; // created by us before a crash lost the status write: adopt silently
    if (owner)
      return {
        phase: "Stalled",
        reason: "OwnershipConflict",
        message: `profile ${observed.DomainId}/${observed.UserProfileName} is owned by ${owner}; this resource will not write to it`,
      };
    if (!obj.spec.adoptExisting)
      return {
        phase: "Stalled",
        reason: "AlreadyExists",
        message:
          "a profile with this name already exists and is not managed; set spec.adoptExisting: true to take it over",
      };
    await this.o.sagemaker.addTags(arn, [{ Key: OWNER_TAG, Value: mine }]);
    this.o.kube.event(
      obj,
      "Normal",
      "Adopted",
      `Adopted existing profile ${observed.DomainId}/${observed.UserProfileName}`,
    );
    return undefined;
  }

  private async isOwned(obj: Profile, observed: DescribeUserProfileResponse): Promise<boolean> {
    if (!observed.UserProfileArn) return false;
    if (this.verifiedOwner(obj, observed.UserProfileArn)) return true;
    const tags = await this.o.sagemaker.listTags(observed.UserProfileArn);
    return tags.some((t) => t.Key === OWNER_TAG && t.Value === this.ownerTag(obj));
  }

  /** Tags to add and keys to delete: only keys this resource declares or declared before; never the owner tag. */
  private async tagChanges(obj: Profile, observed: DescribeUserProfileResponse) {
    const declared = obj.spec.tags ?? [];
    const previous = obj.status?.managedTagKeys ?? [];
    if (!observed.UserProfileArn || (declared.length === 0 && previous.length === 0)) return undefined;
    const live = new Map((await this.o.sagemaker.listTags(observed.UserProfileArn)).map((t) => [t.Key, t.Value]));
    const add = declared.filter((t) => live.get(t.key) !== t.value).map((t) => ({ Key: t.key, Value: t.value }));
    const keep = new Set(declared.map((t) => t.key));
    const remove = previous.filter((k) => !keep.has(k) && k !== OWNER_TAG && live.has(k));
    return add.length || remove.length ? { add, remove } : undefined;
  }

  private async applyTags(
    obj: Profile,
    observed: DescribeUserProfileResponse,
    changes: { add: Tag[]; remove: string[] },
  ) {
    const arn = observed.UserProfileArn as string;
    if (changes.remove.length) await this.o.sagemaker.deleteTags(arn, changes.remove);
    if (changes.add.length) await this.o.sagemaker.addTags(arn, changes.add);
    this.o.kube.event(
      obj,
      "Normal",
      "TagsUpdated",
      [
        changes.add.length ? `set ${changes.add.map((t) => t.Key).join(", ")}` : "",
        changes.remove.length ? `removed ${changes.remove.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
    );
  }

  /** Writes status only when it differs from what is there (the status writer compares); conditions keep their times. */
  private async setStatus(
    obj: Profile,
    outcome: Outcome,
    facts: Partial<SageMakerUserProfileStatus> = {},
    drift?: DriftResult,
  ): Promise<void> {
    const now = this.o.now().toISOString();
    // Our previous write of this reconcile (finalizer, status) may not be in `obj` yet: build on the latest we know.
    // The generation stays the one reconciled; a newer spec has queued its own reconcile.
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const latest = this.o.kube.get(key) ?? obj;
    const prev = latest.status ?? {};
    const generation = obj.metadata.generation;
    const conditions = mergeConditions(prev.conditions, conditionsFor(outcome), generation, now);
    const status: SageMakerUserProfileStatus = {
      ...prev,
      ...definedOnly(facts),
      observedGeneration: generation,
      userProfileName: profileName(obj),
      conditions,
    };
    if (drift) {
      status.drift = drift.drifted
        ? {
            count: drift.fields.length,
            fields: drift.fields,
            detectedTime: sameFields(prev.drift?.fields, drift.fields) ? (prev.drift?.detectedTime ?? now) : now,
          }
        : { count: 0, fields: [] };
    }
    if (outcome.phase !== "Stalled" && !facts.failureReason) delete status.failureReason;
    if (outcome.reason === "OwnershipConflict" || outcome.reason === "AlreadyExists") delete status.ownedBy;
    if (outcome.phase === "InSync") {
      status.managedTagKeys = declaredTagKeys(obj);
      // lastSyncTime moves when the profile becomes in sync, not on every resync (that would be a write per resync).
      const wasInSync = prev.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      if (!wasInSync || !prev.lastSyncTime) status.lastSyncTime = now;
    }
    this.o.hooks.onProfile?.(key, {
      profileStatus: status.profileStatus,
      drifted: (status.drift?.count ?? 0) > 0,
      stalled: outcome.phase === "Stalled",
      ready: outcome.phase === "InSync",
    });
    await this.o.kube.writeStatus(latest, status);
  }

  /** Ownership recorded in status by an earlier reconcile (saves a ListTags per reconcile). */
  private verifiedOwner(obj: Profile, arn: string): boolean {
    return obj.status?.userProfileArn === arn && obj.status.ownedBy === this.ownerTag(obj);
  }

  private ownerTag(obj: Profile): string {
    return `${this.o.clusterId}/${obj.metadata.namespace}/${obj.metadata.name}`;
  }

  private resyncDelay(): number | undefined {
    if (this.o.resyncPeriodMs <= 0) return undefined; // the List-based resync enqueues what changed
    // ±10 % so resources created together do not resync together forever.
    return Math.round(this.o.resyncPeriodMs * (0.9 + 0.2 * this.o.random()));
  }
}

function profileFacts(p: DescribeUserProfileResponse): Partial<SageMakerUserProfileStatus> {
  return {
    userProfileArn: p.UserProfileArn,
    profileStatus: p.Status,
    failureReason: p.FailureReason || undefined,
    homeEfsFileSystemUid: p.HomeEfsFileSystemUid,
  };
}

/** The reason of a Stalled=True condition, if the resource has one. */
const stalledReason = (obj: Profile) =>
  obj.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True")?.reason;
const declaredTagKeys = (obj: Profile) => (obj.spec.tags ?? []).map((t) => t.key).sort();
const sameFields = (a: string[] | undefined, b: string[]) =>
  !!a && a.length === b.length && a.every((x, i) => x === b[i]);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const truncate = (s: string, n = 1000) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
