/**
 * Ownership of a SageMaker profile: the owner tag `<clusterId>/<namespace>/<name>` names the one resource that may
 * write it. A profile this resource created (or adopted) carries its tag; an untagged one is adopted only when the
 * spec asks and a policy allows it; a profile tagged by another resource is never written. Pure.
 *
 * Authority always comes from AWS: the tags SageMaker answered in this reconcile, or this process's memory of its own
 * create or of an earlier ListTags (OwnershipMemory), never `status`: `status.ownedBy` is written by the operator but
 * anyone who may write the status subresource can forge it, so it only lets a reconcile that writes nothing skip
 * ListTags (docs/security.md).
 */
import type { DescribeUserProfileResponse, Tag } from "../api/generated/sagemaker-shapes.js";
import { smallTime } from "../api/small-time.js";
import { isOwnerTagKey, OWNER_TAG, type SageMakerUserProfile } from "../api/types.js";
import type { AdoptionDecision } from "../policy/index.js";
import type { Outcome } from "./conditions.js";

type Profile = Pick<SageMakerUserProfile, "metadata" | "spec" | "status">;

/** SageMaker's TagValue limit. */
export const OWNER_TAG_VALUE_MAX = 256;

export function ownerTag(clusterId: string, resource: Profile): string {
  return `${clusterId}/${resource.metadata.namespace}/${resource.metadata.name}`;
}

/**
 * Whether status says this resource owns the profile: for display and to skip ListTags in a reconcile that writes
 * nothing, never as authority for a write.
 */
export function cachedOwner(resource: Profile, arn: string, owner: string): boolean {
  return resource.status?.userProfileArn === arn && resource.status.ownedBy === owner;
}

/** The owner tag's value; its key is matched the way SageMaker would treat a spoof (case-insensitively). */
export const ownerOf = (tags: readonly Tag[]): string | undefined => {
  const owners = tags.filter((t) => isOwnerTagKey(t.Key));
  // Two keys that differ only in case: trust the exact one (ours); a look-alike alone is still someone's claim.
  return (owners.find((t) => t.Key === OWNER_TAG) ?? owners[0])?.Value;
};

export type Ownership =
  /** Ours: the owner tag names this resource. */
  | { mine: true }
  /** Untagged, `spec.adoptExisting` and a policy allowing adoption: tag it and take it over. */
  | { adopt: Tag }
  /** Not ours: report this and never write. */
  | { refuse: Outcome };

/** Ownership of an existing profile from the tags SageMaker answered in this reconcile. */
export function ownership(
  resource: Profile,
  profile: DescribeUserProfileResponse,
  tags: readonly Tag[],
  owner: string,
  adoption: AdoptionDecision,
): Ownership {
  const tagged = ownerOf(tags);
  if (tagged === owner) return { mine: true };
  const where = `${profile.DomainId}/${profile.UserProfileName}`;
  if (tagged !== undefined)
    return {
      refuse: {
        phase: "Stalled",
        reason: "OwnershipConflict",
        message: `profile ${where} is owned by ${tagged}; this resource will not write to it`,
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
  if (!adoption.allowed)
    return {
      refuse: {
        phase: "Stalled",
        reason: "AdoptionNotAllowed",
        message: `profile ${where} exists with no owner tag and spec.adoptExisting is true, but adoption is not allowed: ${adoption.why}`,
      },
    };
  return { adopt: { Key: OWNER_TAG, Value: owner } };
}

/** Whether this resource owns the profile, from the tags SageMaker answered (deletion asks before deleting). */
export function owns(profile: DescribeUserProfileResponse, tags: readonly Tag[], owner: string): boolean {
  return Boolean(profile.UserProfileArn) && ownerOf(tags) === owner;
}

/**
 * What this process learnt from AWS about the owner of one resource's profile: it created the profile, or listed its
 * tags and found ours (or adopted it). Kept in memory only (a restart starts over with ListTags), and trusted only while
 * the profile shows no sign of a change made by someone else since, and for a bounded time: a re-tagging by someone
 * with AWS rights alone (AddTags/DeleteTags) may leave LastModifiedTime where it was (undocumented; the emulator's mode
 * `profileTagWrites`), so the owner tag is read again before the first write after `vouchesUntil`.
 */
export interface OwnershipMemory {
  arn: string;
  /**
   * The profile's CreationTime (a small time: api/small-time.ts, as every time here); undefined: created by this
   * process and not described since.
   */
  created?: number;
  /** LastModifiedTime at the last Describe. */
  modified?: number;
  /** A write of ours was accepted since `modified` and no Describe has seen it settle: LastModifiedTime may move. */
  writing: boolean;
  /** From when memory no longer vouches: the recheck period after AWS last named the owner (create, ListTags). */
  vouchesUntil: number;
}

/** Epoch ms of an SDK timestamp (a Date; numbers and strings from other clients). */
export function epochMs(t: unknown): number | undefined {
  if (t instanceof Date) return t.getTime();
  if (typeof t === "number") return t < 1e11 ? t * 1000 : t;
  if (typeof t === "string") return Date.parse(t);
  return undefined;
}

/**
 * Whether memory vouches that the described profile is ours at `now`: within the recheck period of the last time AWS
 * named the owner, the same ARN, the same profile (not deleted and made again under that name: SageMaker's ARN is the
 * name's), and not modified since we last saw it unless by our own write in flight. Any other change (the console,
 * another tool) may have been a re-tagging too: ListTags again.
 */
export function remembered(
  memory: OwnershipMemory | undefined,
  profile: DescribeUserProfileResponse,
  now: number,
): boolean {
  if (!memory || memory.arn !== profile.UserProfileArn || smallTime(now) >= memory.vouchesUntil) return false;
  if (memory.created !== undefined && memory.created !== smallTime(epochMs(profile.CreationTime))) return false;
  return memory.writing || memory.modified === smallTime(epochMs(profile.LastModifiedTime));
}

/**
 * The memory after a reconcile that described `profile`: kept (from that Describe) when ownership was proved from AWS in
 * this reconcile (`verified`: vouching again for `recheckMs` from `now`) or memory still vouched for it (until the same
 * time as before); forgotten otherwise. `wrote`: this reconcile's UpdateUserProfile (or DeleteUserProfile) was
 * accepted, so the next Describe may see LastModifiedTime moved by it.
 */
export function rememberOwner(
  memory: OwnershipMemory | undefined,
  profile: DescribeUserProfileResponse | null | undefined,
  how: { verified: boolean; wrote: boolean; now: number; recheckMs: number },
): OwnershipMemory | undefined {
  const arn = profile?.UserProfileArn;
  if (!profile || !arn) return undefined;
  const vouchesUntil = how.verified
    ? smallTime(how.now + how.recheckMs)
    : memory && remembered(memory, profile, how.now)
      ? memory.vouchesUntil
      : undefined;
  if (vouchesUntil === undefined) return undefined;
  const settling = profile.Status === "Pending" || profile.Status === "Updating";
  return {
    arn,
    created: smallTime(epochMs(profile.CreationTime)),
    modified: smallTime(epochMs(profile.LastModifiedTime)),
    writing: how.wrote || (settling && (memory?.writing ?? false)),
    vouchesUntil,
  };
}
