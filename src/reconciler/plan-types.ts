/**
 * The data a reconcile passes between its steps: what was observed, what the planner may ask to read next, and the
 * plan (SageMaker calls and events in order, the outcome and facts for status, the requeue). Plain values, no I/O.
 */

import type { AccountDecision, OwnIdentity } from "../accounts/index.js";
import type {
  AppDetails,
  CreateUserProfileRequest,
  DescribeUserProfileResponse,
  SpaceDetails,
  Tag,
  UpdateUserProfileRequest,
} from "../api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfileStatus } from "../api/types.js";
import type { DriftResult } from "../drift/index.js";
import type { Action } from "../kube/index.js";
import type { CleanupPermission, PolicyDecision } from "../policy/index.js";
import type { Outcome } from "./conditions.js";
import type { FlapPolicy, FlapState } from "./flap-guard.js";
import type { OwnershipMemory } from "./ownership.js";
import type { AppRef } from "./ports.js";

/** What SageMaker answered, read by read; a member is undefined until the planner asked for it. */
export interface Observation {
  /** DescribeDomain: false when it answered ResourceNotFound. */
  domainExists?: boolean;
  /** DescribeUserProfile: null when it answered ResourceNotFound. */
  profile?: DescribeUserProfileResponse | null;
  /** ListTags of the profile. */
  tags?: Tag[];
  /** The security groups SageMaker adds to every profile of the domain (DescribeDomain). */
  domainSecurityGroups?: string[];
  /** The profile's apps and owned spaces (ListApps, ListSpaces): deletion cleanup (cleanup.ts). */
  studio?: StudioInventory;
}

/** What ListApps and ListSpaces answered about one profile (deletion cleanup, DeleteBlocked: cleanup.ts). */
export interface StudioInventory {
  /** ListApps UserProfileNameEquals: the profile's apps. */
  apps: AppDetails[];
  /** ListSpaces, the spaces whose owner is the profile; for private ones, ListApps SpaceNameEquals. */
  ownedSpaces: Array<{ space: SpaceDetails; apps: AppDetails[] }>;
}

export type Read = keyof Observation;

/** The planner cannot decide without this read. */
export interface Need {
  need: Read;
  /**
   * The resource is managed and has no finalizer yet: add it before reading (as kube-rs's `finalizer()` does before
   * reconciling), so nothing this reconcile goes on to create or adopt is ever without it.
   */
  finalizer?: "add";
}

export type SageMakerCall =
  | { op: "CreateUserProfile"; request: CreateUserProfileRequest }
  | { op: "UpdateUserProfile"; request: UpdateUserProfileRequest }
  | { op: "DeleteUserProfile"; domainId: string; userProfileName: string }
  | { op: "AddTags"; arn: string; tags: Tag[] }
  | { op: "DeleteTags"; arn: string; keys: string[] }
  | { op: "DeleteApp"; app: AppRef }
  | { op: "DeleteSpace"; domainId: string; spaceName: string };

export interface PlannedEvent {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
}

/**
 * One thing to do, in order. An event follows the call it reports, so a call that fails leaves the events of the calls
 * before it (an adoption is announced even when the update after it fails). `flap` is the flap guard's state from
 * that point on (a repair counts once its update was accepted).
 */
export type Step = { call: SageMakerCall } | { event: PlannedEvent } | { flap: FlapState };

/** Per-key backoffs the reconciler keeps; a success starts them over. */
export type BackoffName = "inUse" | "transient";

export interface Plan {
  /** add: before the first step (nothing is created that the resource could not clean up); remove: after the last. */
  finalizer?: "add" | "remove";
  steps: Step[];
  /** The conditions to write; undefined: no status write. */
  outcome?: Outcome;
  /** Status fields from SageMaker (ARN, profile status, owner...); CreateUserProfile's answer adds the ARN. */
  facts: Partial<SageMakerUserProfileStatus>;
  /** The drift found (status.drift); undefined leaves status.drift as it was. */
  drift?: DriftResult;
  action: Action;
  /** Backoffs that start over once the steps succeeded. */
  forget?: BackoffName[];
  /** The resource is let go (its finalizer removed): its metrics go. */
  release?: boolean;
  /** The userSettings blocks an update repaired (metrics). */
  repaired?: string[];
  /** This reconcile read the profile's tags and found it ours (or adopts it): proof from AWS, kept in memory. */
  ownerVerified?: boolean;
}

/** The operator's settings the planner reads. */
export interface PlanSettings {
  /** Identifies this cluster in the owner tag: `<clusterId>/<namespace>/<name>`. */
  clusterId: string;
  /** While SageMaker is Pending/Updating/Deleting, or after a write, look again after this long. */
  pollIntervalMs: number;
  /** Re-check an in-sync profile after this long (jittered ±10 %); 0 when a List-based resync enqueues changes. */
  resyncPeriodMs: number;
  /** Stalled resources are retried this slowly (a spec change retries at once). */
  stalledRetryMs: number;
  /** When repairs of the same field make a resource contested, and how long it is held. */
  contest: FlapPolicy;
  /** A namespace no policy covers is refused (Stalled NoPolicy) before any AWS call. */
  requirePolicy: boolean;
  /**
   * Ownership memory vouches for a profile at most this long after AWS last named its owner (our create, a ListTags);
   * the first write after that reads the owner tag again (0: before every write).
   */
  ownerRecheckMs: number;
}

export interface PlanContext {
  settings: PlanSettings;
  /** The guardrails' decision; undefined: no guardrails. */
  policy?: PolicyDecision;
  /** Which AWS account and region (src/accounts/resolve.ts); undefined: the operator's own, as before accounts. */
  account?: AccountDecision;
  /**
   * Whose the operator's own identity is, when `account` gives it to a profile an ARN pins (pinned.ts); a profile is
   * refused while this is unknown or names another account or region.
   */
  ownIdentity?: OwnIdentity;
  /** Milliseconds since the epoch. */
  now: number;
  /** A number in [0, 1) spreading resync delays. */
  jitter: number;
  /** The flap guard's state for this resource. */
  flap?: FlapState;
  /** When to describe again after a write, from SageMaker's observed settle times (settle.ts); unset: pollIntervalMs. */
  firstPoll?: { create?: number; update?: number };
  /** This reconcile's Describe is the first since our own write (settle.ts): still in progress is a timing miss. */
  firstLookAfterWrite?: boolean;
  /** What this process learnt from AWS about the owner of this resource's profile (memory, not status). */
  owned?: OwnershipMemory;
  /** Which spec.deletion.cleanup the namespace may use; undefined: none (no guardrails, no grant). */
  cleanup?: CleanupPermission;
}

export const isNeed = (p: Plan | Need): p is Need => "need" in p;

/** The SageMaker calls of a plan, in order. */
export const callsOf = (plan: Plan): SageMakerCall[] => plan.steps.flatMap((s) => ("call" in s ? [s.call] : []));

/** The events of a plan, in order. */
export const eventsOf = (plan: Plan): PlannedEvent[] => plan.steps.flatMap((s) => ("event" in s ? [s.event] : []));
