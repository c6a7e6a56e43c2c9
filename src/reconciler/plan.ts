/**
 * The planner: from a resource, what SageMaker answered so far and the context, either the next read it needs or the
 * plan (SageMaker calls and events in order, the outcome and facts for status, the requeue). Pure: the same inputs
 * give the same plan, which is what lets `diff --live` show what the operator would do.
 */
import type { AccountDecision } from "../accounts/index.js";
import { OWNER_TAG, PAUSED_ANNOTATION, profileName, type SageMakerUserProfile } from "../api/types.js";
import { buildCreateRequest, computeDrift, type DriftResult, dottedPath, formatChange } from "../drift/index.js";
import { type AdoptionDecision, POLICY_KIND, type PolicyDecision, violationMessage } from "../policy/index.js";
import type { Outcome } from "./conditions.js";
import { domainNotFound } from "./domain.js";
import { planFinalize } from "./finalizer.js";
import { decideFlap, recordRepair } from "./flap-guard.js";
import { cachedOwner, OWNER_TAG_VALUE_MAX, ownerOf, ownership, ownerTag, remembered } from "./ownership.js";
import { pinnedRefusal } from "./pinned.js";
import { callsOf, isNeed, type Need, type Observation, type Plan, type PlanContext, type Step } from "./plan-types.js";
import {
  hasFinalizer,
  isDeleting,
  isManaged,
  isPaused,
  nothing,
  profileFacts,
  resyncDelay,
  stalledGeneration,
  stalledReason,
} from "./resource.js";
import { QUIET_SETTLE_MS } from "./settle.js";
import { comparesTags, declaredTagKeys, tagChanges, tagSteps } from "./tags.js";
import { seconds, truncate } from "./text.js";

export function plan(resource: SageMakerUserProfile, observed: Observation, ctx: PlanContext): Plan | Need {
  if (isPaused(resource))
    return held({ phase: "Held", reason: "Paused", message: `annotation ${PAUSED_ANNOTATION} is "true"` });
  // No AWS call without an account and region this resource may use (a deletion too: its profile is in that account),
  // nor with an identity of another account or region than the one its ARN names.
  const account = ctx.account?.ok === true ? (pinnedRefusal(resource, ctx) ?? ctx.account) : ctx.account;
  if (account && account.ok !== true && !(isDeleting(resource) && !hasFinalizer(resource)))
    return refuseAccount(resource, account, ctx);
  if (isDeleting(resource)) return planFinalize(resource, observed, ctx);

  // Before any AWS call (and before the finalizer: a refused resource owns nothing in AWS to clean up).
  if (ctx.policy && ctx.policy.allowed !== true) return refuse(resource, ctx.policy, ctx);
  if (ctx.settings.requirePolicy && (ctx.policy === undefined || ctx.policy.policies.length === 0))
    return noPolicy(resource);
  const manage = isManaged(resource);
  const owner = ownerTag(ctx.settings.clusterId, resource);
  if (manage && owner.length > OWNER_TAG_VALUE_MAX)
    // metadata.name may be 253 characters; SageMaker would refuse the create (or the adoption tag) for it.
    return held({
      phase: "Stalled",
      reason: "OwnerTagTooLong",
      message: `the owner tag ${OWNER_TAG}=${owner} would be ${owner.length} characters and SageMaker allows ${OWNER_TAG_VALUE_MAX}: shorten metadata.name (spec.userProfileName sets the SageMaker name) or the cluster id`,
    });

  const planned = verifiedBeforeWriting(planLive(resource, observed, ctx, manage, owner), observed, ctx);
  if (isNeed(planned)) return !manage || hasFinalizer(resource) ? planned : { ...planned, finalizer: "add" };
  // Tags read in this reconcile named this resource (or it adopts the profile): the reconciler remembers that.
  const verified = manage && observed.tags !== undefined && planned.facts.ownedBy === owner;
  return {
    ...planned,
    ...(verified ? { ownerVerified: true } : {}),
    ...(!manage || hasFinalizer(resource) ? {} : { finalizer: "add" as const }),
  };
}

/**
 * No SageMaker write to an existing profile unless AWS said it is ours: its tags read in this reconcile, or this
 * process's memory of its create or of an earlier ListTags, with no sign of another writer since and within the recheck
 * period (remembered). A plan written from the status cache alone becomes a read of the tags first, and is planned again
 * with them (the ownership check then decides).
 */
function verifiedBeforeWriting(planned: Plan | Need, observed: Observation, ctx: PlanContext): Plan | Need {
  if (isNeed(planned) || !observed.profile || observed.tags !== undefined) return planned;
  if (remembered(ctx.owned, observed.profile, ctx.now)) return planned;
  return callsOf(planned).some((c) => c.op !== "CreateUserProfile") ? { need: "tags" } : planned;
}

/** `--require-policy` and no policy covers the namespace: Stalled, no AWS call, until a policy is applied. */
function noPolicy(resource: SageMakerUserProfile): Plan {
  const reason = "NoPolicy";
  const message = `no ${POLICY_KIND} covers namespace ${resource.metadata.namespace} and the operator requires one (--require-policy): a cluster administrator applies a policy that covers it (docs/guardrails.md)`;
  return stalledOnce(resource, reason, message);
}

/** Stalled with a Warning event the first time (not on every reconcile); a policy change re-enqueues it. */
function stalledOnce(resource: SageMakerUserProfile, reason: string, message: string): Plan {
  const already = resource.status?.conditions?.some(
    (c) => c.type === "Stalled" && c.status === "True" && c.reason === reason && c.message === message,
  );
  const plan = held({ phase: "Stalled", reason, message });
  if (!already) plan.steps.push({ event: { type: "Warning", reason, note: message } });
  return plan;
}

/**
 * Whether a write whose next Describe comes within `nextLookMs` goes without a status write of its own: that Describe
 * reports it (InSync, or still Pending/Updating), sooner than anyone would notice the difference.
 */
const quiet = (nextLookMs: number): boolean => nextLookMs <= QUIET_SETTLE_MS;

/** A plan that only reports an outcome. */
const held = (outcome: Outcome, action = {}): Plan => ({ ...nothing(), outcome, action });

/**
 * A policy refusal: Stalled until the spec or a policy changes (both re-enqueue the resource, so no timed retry).
 * While a namespace's labels are not cached yet the answer is "not yet": look again soon, write nothing to AWS.
 */
function refuse(
  resource: SageMakerUserProfile,
  decision: Exclude<PolicyDecision, { allowed: true }>,
  ctx: PlanContext,
): Plan {
  if (decision.allowed === "unknown")
    return held(
      { phase: "Progressing", reason: "PolicyPending", message: decision.reason },
      { requeueAfter: ctx.settings.pollIntervalMs },
    );
  const byPolicy = decision.violations.some((v) => v.source !== "partition");
  const reason = byPolicy ? "PolicyViolation" : "PartitionMismatch";
  return stalledOnce(resource, reason, truncate(violationMessage(decision.violations)));
}

/** No usable account or region: Stalled naming which (account changes re-enqueue; the stalled retry is a backstop). */
function refuseAccount(
  resource: SageMakerUserProfile,
  decision: Exclude<AccountDecision, { ok: true }>,
  ctx: PlanContext,
): Plan {
  if (decision.ok === "unknown")
    return held(
      { phase: "Progressing", reason: "AccountPending", message: decision.message },
      { requeueAfter: ctx.settings.pollIntervalMs },
    );
  return {
    ...stalledOnce(resource, decision.reason, truncate(decision.message)),
    action: { requeueAfter: ctx.settings.stalledRetryMs },
  };
}

/**
 * What the guardrails say about adoption. No decision means no guardrails at all (`diff --live` of files, which cannot
 * know the cluster's policies); the operator always has one.
 */
const adoptionOf = (ctx: PlanContext): AdoptionDecision =>
  ctx.policy === undefined
    ? { allowed: true }
    : ctx.policy.allowed === true
      ? ctx.policy.adoption
      : { allowed: false, why: `the ${POLICY_KIND} decision is not an allowance` };

function planLive(
  resource: SageMakerUserProfile,
  observed: Observation,
  ctx: PlanContext,
  manage: boolean,
  owner: string,
): Plan | Need {
  const { settings } = ctx;
  const name = profileName(resource);
  const { domainId } = resource.spec;
  // Stalled on a missing domain: one DescribeDomain tells whether it exists now, without a Describe and a Create.
  if (stalledReason(resource) === "DomainNotFound") {
    if (observed.domainExists === undefined) return { need: "domainExists" };
    if (!observed.domainExists) return domainNotFound(resource, settings);
  }

  if (observed.profile === undefined) return { need: "profile" };
  const profile = observed.profile;
  if (!profile) {
    if (!manage)
      return held(
        { phase: "Held", reason: "NotFound", message: `profile ${domainId}/${name} does not exist` },
        { requeueAfter: resyncDelay(settings, ctx.jitter) },
      );
    const firstPoll = ctx.firstPoll?.create;
    return {
      steps: [
        { call: { op: "CreateUserProfile", request: buildCreateRequest(resource.spec, name, owner) } },
        { event: { type: "Normal", reason: "Created", note: `Created user profile ${domainId}/${name}` } },
      ],
      // A settle too short to see is reported by the Describe that sees it done (one status write instead of two).
      outcome: quiet(firstPoll ?? settings.pollIntervalMs)
        ? undefined
        : { phase: "Progressing", reason: "Creating", message: "CreateUserProfile accepted; waiting for InService" },
      // The ARN is CreateUserProfile's answer.
      facts: { ownedBy: owner, profileStatus: "Pending", managedTagKeys: declaredTagKeys(resource) },
      action: { requeueAfter: firstPoll ?? settings.pollIntervalMs },
    };
  }

  const facts = profileFacts(profile);
  const steps: Step[] = [];
  const arn = profile.UserProfileArn as string;
  if (!manage) {
    // Observe reads the owner tag every time: a profile another resource owns is reported as existing and owned, and
    // none of its settings reach this resource's status (its namespace may not be the owner's).
    if (observed.tags === undefined) return { need: "tags" };
    const tagged = ownerOf(observed.tags);
    if (tagged !== undefined && tagged !== ownerTag(settings.clusterId, resource))
      return held(
        {
          phase: "Held",
          reason: "OwnedByAnother",
          message: `profile ${domainId}/${name} exists and is owned by ${tagged}; Observe reports the settings only of a profile no other resource owns`,
        },
        { requeueAfter: resyncDelay(settings, ctx.jitter) },
      );
  } else {
    // This process's memory of a profile it created or saw tagged spares a ListTags (it is AWS's word); the status
    // cache spares it only to a reconcile that writes nothing (verifiedBeforeWriting).
    const known = remembered(ctx.owned, profile, ctx.now);
    if (observed.tags === undefined && !known && !cachedOwner(resource, arn, owner)) return { need: "tags" };
    const own = observed.tags ? ownership(resource, profile, observed.tags, owner, adoptionOf(ctx)) : { mine: true };
    // Refused: only that the profile exists, not its settings (it may belong to another namespace).
    if ("refuse" in own) return held(own.refuse, { requeueAfter: settings.stalledRetryMs });
    if ("adopt" in own)
      steps.push(
        { call: { op: "AddTags", arn, tags: [own.adopt] } },
        {
          event: {
            type: "Normal",
            reason: "Adopted",
            note: `Adopted existing profile ${profile.DomainId}/${profile.UserProfileName}`,
          },
        },
      );
    facts.ownedBy = owner;
  }

  switch (profile.Status) {
    case "Pending":
    case "Updating":
    case "Deleting":
      return {
        steps,
        // The first Describe after our own write came before SageMaker settled (the estimate was short): the next one,
        // within QUIET_SETTLE_MS, reports it; observedGeneration lags meanwhile, so kstatus readers see it in progress.
        outcome:
          ctx.firstLookAfterWrite && profile.Status !== "Deleting" && quiet(settings.pollIntervalMs)
            ? undefined
            : {
                phase: "Progressing",
                reason: `Profile${profile.Status}`,
                message: `SageMaker status is ${profile.Status}`,
              },
        facts,
        action: { requeueAfter: settings.pollIntervalMs },
      };
    case "Failed":
    case "Update_Failed":
    case "Delete_Failed":
      // An Update_Failed profile can take a new update; retry at once only when the spec changed since we stalled.
      if (
        !(manage && profile.Status === "Update_Failed" && stalledGeneration(resource) !== resource.metadata.generation)
      )
        return {
          steps,
          outcome: {
            phase: "Stalled",
            reason: profile.Status,
            message: profile.FailureReason ?? `SageMaker status is ${profile.Status}`,
          },
          facts,
          action: { requeueAfter: settings.stalledRetryMs },
        };
  }

  if (resource.spec.userSettings?.securityGroups && observed.domainSecurityGroups === undefined)
    return { need: "domainSecurityGroups" };
  const drift = computeDrift(resource.spec, name, profile, {
    domainSecurityGroups: observed.domainSecurityGroups ?? [],
  });
  const tagsCompared = manage && comparesTags(resource, profile);
  if (tagsCompared && observed.tags === undefined) return { need: "tags" };
  const tags = tagsCompared ? tagSteps(arn, tagChanges(resource, observed.tags ?? [])) : [];

  if (!drift.drifted)
    return {
      steps: [...steps, ...tags],
      outcome: { phase: "InSync", reason: "InSync", message: "The profile matches the spec" },
      facts: { ...facts, managedTagKeys: declaredTagKeys(resource) },
      drift,
      action: { requeueAfter: resyncDelay(settings, ctx.jitter) },
      forget: ["inUse", "transient"],
    };

  const summary = drift.changes.map(formatChange).join("; ");
  if (!manage)
    return {
      steps,
      outcome: { phase: "Held", reason: "DriftDetected", message: `Observe only; differs: ${truncate(summary)}` },
      facts,
      drift,
      action: { requeueAfter: resyncDelay(settings, ctx.jitter) },
    };
  return repair(resource, drift, summary, { steps, tags, facts }, ctx);
}

/** Drift in a managed profile: UpdateUserProfile, unless the flap guard holds it (someone keeps changing it back). */
function repair(
  resource: SageMakerUserProfile,
  drift: DriftResult,
  summary: string,
  parts: { steps: Step[]; tags: Step[]; facts: Plan["facts"] },
  ctx: PlanContext,
): Plan {
  const { contest } = ctx.settings;
  const generation = resource.metadata.generation;
  const { decision, state } = decideFlap(ctx.flap, generation, drift.fields, ctx.now, contest);
  const steps: Step[] = [...parts.steps, { flap: state }];
  if (decision.contested && decision.holding) {
    const fields = decision.fields.map((f) => f.slice(1).replaceAll("/", ".")).join(", ");
    const why = `${fields} changed back after ${decision.repairs} repairs within ${Math.round(contest.windowMs / 60_000)} min: another writer (a tool or a console user) is changing this profile`;
    steps.push({ event: { type: "Warning", reason: "Contested", note: truncate(why) } });
    return {
      steps,
      outcome: {
        phase: "Held",
        reason: "Contested",
        message: truncate(`${why}; next repair in ${seconds(decision.retryAfterMs)}`),
      },
      facts: parts.facts,
      drift,
      action: { requeueAfter: decision.retryAfterMs },
    };
  }
  if (drift.updateRequest) steps.push({ call: { op: "UpdateUserProfile", request: drift.updateRequest } });
  // Observed members the request left out (SageMaker checks them with the declared ones) come first: truncation cuts
  // the end of the change list, never this.
  const leftOut = drift.dropped.map((d) => dottedPath(d.path) + (d.sent ? ` (sent as ${d.sent})` : ""));
  const note = leftOut.length > 0 ? `(left out ${leftOut.join(", ")}: checked together with declared members) ` : "";
  steps.push({ flap: recordRepair(state, generation, drift.fields, ctx.now, contest.windowMs) }, ...parts.tags, {
    event: { type: "Normal", reason: "Updated", note: truncate(`Updated ${note}${summary}`) },
  });
  const firstPoll = drift.updateRequest ? ctx.firstPoll?.update : undefined;
  return {
    steps,
    // A settle too short to see is reported by the Describe that sees it done (one status write instead of two).
    outcome: quiet(firstPoll ?? ctx.settings.pollIntervalMs)
      ? undefined
      : { phase: "Progressing", reason: "Updating", message: `UpdateUserProfile sent for ${drift.blocks.join(", ")}` },
    facts: parts.facts,
    drift,
    action: { requeueAfter: firstPoll ?? ctx.settings.pollIntervalMs },
    forget: ["inUse"],
    repaired: drift.blocks,
  };
}
