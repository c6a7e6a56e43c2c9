/**
 * What the reconciler reads and writes through: SageMaker (implemented by SageMakerGateway), the Kubernetes side
 * (informer cache, status subresource, finalizer, events) and the tenant guardrails. Every SageMaker call takes the
 * reconcile's abort signal.
 */

import type { AccountDecision, OwnIdentity, Target } from "../accounts/index.js";
import type {
  AppDetails,
  AppType,
  CreateUserProfileRequest,
  DescribeUserProfileResponse,
  SpaceDetails,
  Tag,
  UpdateUserProfileRequest,
} from "../api/generated/sagemaker-shapes.js";
import type { SageMakerUserProfile, SageMakerUserProfileStatus } from "../api/types.js";
import type { CleanupPermission, PolicyDecision } from "../policy/index.js";

/** The SageMaker calls the reconciler makes (implemented by SageMakerGateway). */
export interface SageMakerPort {
  /** null when SageMaker answers ResourceNotFound. */
  describeUserProfile(
    domainId: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<DescribeUserProfileResponse | null>;
  createUserProfile(input: CreateUserProfileRequest, signal?: AbortSignal): Promise<{ UserProfileArn?: string }>;
  updateUserProfile(input: UpdateUserProfileRequest, signal?: AbortSignal): Promise<unknown>;
  deleteUserProfile(domainId: string, name: string, signal?: AbortSignal): Promise<unknown>;
  /** The groups SageMaker adds to every profile of the domain (its defaults and its NFS group). */
  domainSecurityGroups(domainId: string, signal?: AbortSignal): Promise<string[]>;
  /** Asked of SageMaker now, not from a cache. */
  domainExists(domainId: string, signal?: AbortSignal): Promise<boolean>;
  listTags(arn: string, signal?: AbortSignal): Promise<Tag[]>;
  addTags(arn: string, tags: Tag[], signal?: AbortSignal): Promise<unknown>;
  deleteTags(arn: string, keys: string[], signal?: AbortSignal): Promise<unknown>;
  /** Every page of ListApps for the profile's or the space's apps (Deleted ones included while SageMaker lists them). */
  listApps(
    domainId: string,
    owner: { userProfileName: string } | { spaceName: string },
    signal?: AbortSignal,
  ): Promise<AppDetails[]>;
  /** Every page of ListSpaces of the domain. */
  listSpaces(domainId: string, signal?: AbortSignal): Promise<SpaceDetails[]>;
  deleteApp(app: AppRef, signal?: AbortSignal): Promise<unknown>;
  deleteSpace(domainId: string, spaceName: string, signal?: AbortSignal): Promise<unknown>;
}

/** An app as DeleteApp names it: of a user profile or of a space. */
export type AppRef = { domainId: string; appType: AppType; appName: string } & (
  | { userProfileName: string }
  | { spaceName: string }
);

/** The SageMaker reads alone: what observing needs (and all `diff --live` may do). */
export type SageMakerReader = Pick<
  SageMakerPort,
  "describeUserProfile" | "domainSecurityGroups" | "domainExists" | "listTags" | "listApps" | "listSpaces"
>;

/** The Kubernetes side: the informer cache and the writes (status subresource, finalizer, events). */
export interface KubePort {
  get(key: string): SageMakerUserProfile | undefined;
  writeStatus(obj: SageMakerUserProfile, status: SageMakerUserProfileStatus): Promise<boolean>;
  addFinalizer(obj: SageMakerUserProfile): Promise<void>;
  removeFinalizer(obj: SageMakerUserProfile): Promise<void>;
  event(obj: SageMakerUserProfile, type: "Normal" | "Warning", reason: string, note: string): void;
}

/**
 * Many AWS accounts and regions: which one a resource uses (or why none), and the SageMaker client of an account and
 * region. Without it every resource uses the one `sagemaker` port.
 */
export interface AccountPort {
  decide(obj: SageMakerUserProfile): AccountDecision;
  /**
   * Asked before any SageMaker call for a profile that may be created, when `decide` gave the operator's own identity:
   * the decision to use instead. An empty account cache does not prove that no account exists (the accounts' watch
   * may not have delivered one created with the profile yet); this asks the source.
   */
  confirm?(obj: SageMakerUserProfile, signal?: AbortSignal): Promise<AccountDecision>;
  /**
   * Whose the operator's own identity is (GetCallerIdentity, learnt once): asked when `decide` gives that identity to a
   * profile an ARN pins to an account. Without it such a profile is refused (the planner does not guess).
   */
  ownIdentity?(signal?: AbortSignal): Promise<OwnIdentity>;
  sagemakerFor(target: Target): SageMakerPort;
}

/** Tenant guardrails: the decision for a resource (pure evaluation over the operator's policy caches). */
export interface PolicyPort {
  decide(obj: SageMakerUserProfile): PolicyDecision;
  /** Which spec.deletion.cleanup the resource's namespace may use; absent: none (cleanup needs a policy's grant). */
  cleanup?(obj: SageMakerUserProfile): CleanupPermission;
}

export interface ReconcilerHooks {
  onProfile?(
    key: string,
    snapshot: { profileStatus?: string; drifted: boolean; stalled: boolean; ready: boolean },
  ): void;
  onForget?(key: string): void;
  onRepair?(blocks: string[]): void;
  onResourceInUse?(): void;
  /**
   * Every successful DescribeUserProfile, with the LastModifiedTime seen (for the List-based resync) and whether the
   * profile was settled (not Pending/Updating).
   */
  onObserved?(key: string, lastModifiedTime: unknown, settled: boolean): void;
  /** SageMaker accepted a CreateUserProfile or UpdateUserProfile of this resource's profile (a Describe will follow). */
  onWrite?(key: string): void;
}
