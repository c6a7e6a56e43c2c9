/** What the planner asks of a resource and of a described profile. Pure. */
import type { DescribeUserProfileResponse } from "../api/generated/sagemaker-shapes.js";
import {
  FINALIZER,
  PAUSED_ANNOTATION,
  type SageMakerUserProfile,
  type SageMakerUserProfileStatus,
} from "../api/types.js";
import type { Plan, PlanSettings } from "./plan-types.js";

type Profile = Pick<SageMakerUserProfile, "metadata" | "spec" | "status">;

export const isManaged = (r: Profile): boolean => (r.spec.managementPolicy ?? "Manage") === "Manage";
export const isPaused = (r: Profile): boolean => r.metadata.annotations?.[PAUSED_ANNOTATION] === "true";
export const isDeleting = (r: Profile): boolean => Boolean(r.metadata.deletionTimestamp);
export const hasFinalizer = (r: Profile): boolean => r.metadata.finalizers?.includes(FINALIZER) ?? false;

/** The reason of a Stalled=True condition, if the resource has one. */
export const stalledReason = (r: Profile): string | undefined =>
  r.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True")?.reason;

/** The generation a Stalled=True condition was written for. */
export const stalledGeneration = (r: Profile): number | undefined =>
  r.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True")?.observedGeneration;

/** Status fields a DescribeUserProfile answer gives. */
export function profileFacts(p: DescribeUserProfileResponse): Partial<SageMakerUserProfileStatus> {
  return {
    userProfileArn: p.UserProfileArn,
    profileStatus: p.Status,
    failureReason: p.FailureReason || undefined,
    homeEfsFileSystemUid: p.HomeEfsFileSystemUid,
  };
}

/** The resync delay: ±10 % so resources created together do not resync together forever; none with a List resync. */
export function resyncDelay(settings: PlanSettings, jitter: number): number | undefined {
  if (settings.resyncPeriodMs <= 0) return undefined; // the List-based resync enqueues what changed
  return Math.round(settings.resyncPeriodMs * (0.9 + 0.2 * jitter));
}

/** A plan that does nothing and waits for the next change. */
export const nothing = (): Plan => ({ steps: [], facts: {}, action: {} });
