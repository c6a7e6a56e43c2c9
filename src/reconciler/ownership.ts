/**
 * Ownership of a SageMaker profile: the owner tag `<clusterId>/<namespace>/<name>` names the one resource that may
 * write it. A profile this resource created (or adopted) carries its tag; an untagged one is adopted only when the
 * spec says so; a profile tagged by another resource is never written. Pure.
 */
import type { DescribeUserProfileResponse, Tag } from "../api/generated/sagemaker-shapes.js";
import { OWNER_TAG, type SageMakerUserProfile } from "../api/types.js";
import type { Outcome } from "./conditions.js";

type Profile = Pick<SageMakerUserProfile, "metadata" | "spec" | "status">;

/** SageMaker's TagValue limit. */
export const OWNER_TAG_VALUE_MAX = 256;

export function ownerTag(clusterId: string, resource: Profile): string {
  return `${clusterId}/${resource.metadata.namespace}/${resource.metadata.name}`;
}

/** Ownership recorded in status by an earlier reconcile (saves a ListTags per reconcile). */
export function verifiedOwner(resource: Profile, arn: string, owner: string): boolean {
  return resource.status?.userProfileArn === arn && resource.status.ownedBy === owner;
}

/** Whether ownership can only be told from the profile's tags. */
export function needsOwnerTag(resource: Profile, profile: DescribeUserProfileResponse, owner: string): boolean {
  const arn = profile.UserProfileArn;
  return arn !== undefined && arn !== "" && !verifiedOwner(resource, arn, owner);
}

export const ownerOf = (tags: readonly Tag[]): string | undefined => tags.find((t) => t.Key === OWNER_TAG)?.Value;

export type Ownership =
  /** Ours: created by this resource (perhaps before a crash lost the status write), or verified earlier. */
  | { mine: true }
  /** Untagged and `spec.adoptExisting`: tag it and take it over. */
  | { adopt: Tag }
  /** Not ours: report this and never write. */
  | { refuse: Outcome };

/** Ownership of an existing profile, given its tags when `needsOwnerTag` asked for them. */
export function ownership(
  resource: Profile,
  profile: DescribeUserProfileResponse,
  tags: readonly Tag[] | undefined,
  owner: string,
): Ownership {
  if (!needsOwnerTag(resource, profile, owner)) return { mine: true };
  const tagged = ownerOf(tags ?? []);
  if (tagged === owner) return { mine: true };
  if (tagged)
    return {
      refuse: {
        phase: "Stalled",
        reason: "OwnershipConflict",
        message: `profile ${profile.DomainId}/${profile.UserProfileName} is owned by ${tagged}; this resource will not write to it`,
      },
    };
  if (!resource.spec.adoptExisting)
    return {
      refuse: {
        phase: "Stalled",
        reason: "AlreadyExists",
        message:
          "a profile with this name already exists and is not managed; set spec.adoptExisting: true to take it over",
      },
    };
  return { adopt: { Key: OWNER_TAG, Value: owner } };
}

/** Whether this resource owns the profile (deletion asks before deleting it). */
export function owns(
  resource: Profile,
  profile: DescribeUserProfileResponse,
  tags: readonly Tag[] | undefined,
  owner: string,
): boolean {
  if (!profile.UserProfileArn) return false;
  if (verifiedOwner(resource, profile.UserProfileArn, owner)) return true;
  return ownerOf(tags ?? []) === owner;
}
