/**
 * Finalization: a resource being deleted deletes its profile per deletionPolicy (after the cleanup
 * spec.deletion.cleanup asks for: cleanup.ts), and its finalizer goes only once SageMaker answers ResourceNotFound (or
 * there is nothing of ours to delete). Pure: a plan, or the read it needs.
 */
import type { DescribeUserProfileResponse } from "../api/generated/sagemaker-shapes.js";
import { OWNER_TAG, profileName, type SageMakerUserProfile } from "../api/types.js";
import { planCleanup } from "./cleanup.js";
import { cachedOwner, ownerTag, owns } from "./ownership.js";
import type { Need, Observation, Plan, PlanContext } from "./plan-types.js";
import { hasFinalizer, nothing, profileFacts } from "./resource.js";

/** Lets the resource go: the finalizer is removed (when it is there) and its per-key state forgotten. */
export function letGo(resource: SageMakerUserProfile): Plan {
  return {
    ...nothing(),
    finalizer: hasFinalizer(resource) ? "remove" : undefined,
    forget: ["inUse"],
    release: true,
  };
}

export function planFinalize(resource: SageMakerUserProfile, observed: Observation, ctx: PlanContext): Plan | Need {
  if (!hasFinalizer(resource)) return nothing();
  const name = profileName(resource);
  const { domainId } = resource.spec;
  const owner = ownerTag(ctx.settings.clusterId, resource);
  if (observed.profile === undefined) return { need: "profile" };
  const profile = observed.profile;
  const arn = profile?.UserProfileArn;
  // Observe writes nothing; a profile with no ARN cannot carry our tag.
  if (!profile || !arn || resource.spec.managementPolicy === "Observe") return letGo(resource);
  if (observed.tags === undefined) {
    // Waiting for SageMaker to finish a delete writes nothing: the status cache may spare the ListTags.
    if (profile.Status === "Deleting" && cachedOwner(resource, arn, owner)) return waitForDelete(profile, ctx);
    // Every write below (DeleteUserProfile, DeleteTags) is decided on the tags SageMaker answers now.
    return { need: "tags" };
  }
  if (!owns(profile, observed.tags, owner)) {
    const plan = letGo(resource);
    plan.steps.push({
      event: {
        type: "Warning",
        reason: "NotDeleted",
        note: `Profile ${domainId}/${name} is not owned by this resource; left in place`,
      },
    });
    return plan;
  }
  if (resource.spec.deletionPolicy === "Retain") {
    // Retained: the profile stays, without our owner tag (another resource may adopt it).
    const plan = letGo(resource);
    plan.steps.push({ call: { op: "DeleteTags", arn, keys: [OWNER_TAG] } });
    return plan;
  }
  if (profile.Status === "Deleting") return waitForDelete(profile, ctx);
  // spec.deletion.cleanup: the profile's apps (and private spaces) go first (cleanup.ts).
  const cleanup = planCleanup(resource, observed, ctx, profileFacts(profile));
  if (cleanup !== undefined) return cleanup;
  return {
    steps: [
      { call: { op: "DeleteUserProfile", domainId, userProfileName: name } },
      { event: { type: "Normal", reason: "Deleting", note: `DeleteUserProfile sent for ${domainId}/${name}` } },
    ],
    outcome: { phase: "Progressing", reason: "Deleting", message: "DeleteUserProfile accepted" },
    facts: { ...profileFacts(profile), profileStatus: "Deleting" },
    action: { requeueAfter: ctx.settings.pollIntervalMs },
  };
}

function waitForDelete(profile: DescribeUserProfileResponse, ctx: PlanContext): Plan {
  return {
    steps: [],
    outcome: { phase: "Progressing", reason: "Deleting", message: "waiting for SageMaker to delete the profile" },
    facts: profileFacts(profile),
    action: { requeueAfter: ctx.settings.pollIntervalMs },
  };
}
