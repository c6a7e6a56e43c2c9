/** The SageMakerUserProfile resource (sagemaker.gitops.io/v1alpha1). Spec blocks are generated from the model. */
import type { SpecTag, SpecUserSettings } from "./generated/spec-types.js";

export type * from "./generated/spec-types.js";

export const GROUP = "sagemaker.gitops.io";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "SageMakerUserProfile";
export const PLURAL = "sagemakeruserprofiles";
export const FINALIZER = `${GROUP}/finalizer`;
export const PAUSED_ANNOTATION = `${GROUP}/paused`;
/** Tag put on every profile the operator creates or adopts: `<clusterId>/<namespace>/<name>`. */
export const OWNER_TAG = `${GROUP}/owner`;

/** The owner tag's key in any case: a look-alike is treated as an owner claim, never set, changed or removed. */
export const isOwnerTagKey = (key: string): boolean => key.toLowerCase() === OWNER_TAG;
/** AWS reserves the `aws:` prefix "or any upper or lowercase combination" (docs/fidelity.md, Tenant isolation). */
export const isAwsTagKey = (key: string): boolean => key.slice(0, 4).toLowerCase() === "aws:";
/** Tag keys a spec may not declare and the operator never writes or deletes as a declared tag. */
export const isReservedTagKey = (key: string): boolean => isAwsTagKey(key) || isOwnerTagKey(key);

export type ManagementPolicy = "Manage" | "Observe";
export type DeletionPolicy = "Delete" | "Retain";
/**
 * What the operator removes before deleting the profile: nothing (None), the profile's apps (Apps), or also the
 * private spaces it owns and their apps (AppsAndSpaces). Never a shared space, never another profile's app.
 */
export type DeletionCleanup = "None" | "Apps" | "AppsAndSpaces";
export const DELETION_CLEANUP: readonly DeletionCleanup[] = ["None", "Apps", "AppsAndSpaces"];

export interface DeletionSpec {
  /** Allowed only where a SageMakerProfilePolicy's deletionCleanup permits it for the namespace. */
  cleanup?: DeletionCleanup;
}

export interface SageMakerUserProfileSpec {
  domainId: string;
  userProfileName?: string;
  singleSignOnUserIdentifier?: string;
  singleSignOnUserValue?: string;
  userSettings?: SpecUserSettings;
  tags?: SpecTag[];
  managementPolicy?: ManagementPolicy;
  deletionPolicy?: DeletionPolicy;
  deletion?: DeletionSpec;
  adoptExisting?: boolean;
  /** The SageMakerAccount (by name); see src/accounts/resolve.ts for the defaults. */
  accountRef?: { name: string };
  region?: string;
}

export type ConditionType = "Ready" | "Synced" | "Reconciling" | "Stalled";
export interface Condition {
  type: ConditionType;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface SageMakerUserProfileStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  userProfileName?: string;
  userProfileArn?: string;
  /** The owner tag this resource set or verified on the profile; unset until ownership is established. */
  ownedBy?: string;
  profileStatus?: string;
  failureReason?: string;
  homeEfsFileSystemUid?: string;
  drift?: { count: number; fields: string[]; detectedTime?: string };
  managedTagKeys?: string[];
  lastSyncTime?: string;
  /** While a delete is refused: what SageMaker still holds that blocks it (counted from ListApps and ListSpaces). */
  deleteBlockedBy?: { apps: number; privateSpaces: number; sharedSpaces: number };
  /** While spec.deletion.cleanup runs: what is left to delete. */
  cleanup?: { appsLeft: number; spacesLeft: number };
}

/** Type aliases (not interfaces) so they fit the runtime's index-signature object types. */
export type ObjectMeta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};

export type SageMakerUserProfile = {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: SageMakerUserProfileSpec;
  status?: SageMakerUserProfileStatus;
};

/** The SageMaker profile name: spec.userProfileName, else metadata.name. */
export const profileName = (r: Pick<SageMakerUserProfile, "metadata" | "spec">): string =>
  r.spec.userProfileName ?? r.metadata.name;
