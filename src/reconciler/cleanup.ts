/**
 * Deletion cleanup and what blocks a delete. Pure: from what ListApps and ListSpaces answered (Observation.studio),
 * the profile's blockers (named in DeleteBlocked) and the next cleanup steps (spec.deletion.cleanup). Every step is
 * derived from SageMaker's answers of this reconcile, never from memory, so a crash or a new leader resumes where
 * SageMaker is. Nothing is deleted whose List fields do not show it is this profile's: an app whose UserProfileName is
 * the profile's, a space whose OwnerUserProfileName is the profile's and whose SharingType is Private, and the apps
 * whose SpaceName is such a space's. Shared spaces are never deleted.
 */
import type { AppDetails, SpaceDetails } from "../api/generated/sagemaker-shapes.js";
import { type DeletionCleanup, profileName, type SageMakerUserProfile } from "../api/types.js";
import { type CleanupPermission, permits } from "../policy/index.js";

export type { StudioInventory } from "./plan-types.js";

import type { Need, Observation, Plan, PlanContext, Step, StudioInventory } from "./plan-types.js";
import type { AppRef } from "./ports.js";
import { truncate } from "./text.js";

export interface Blockers {
  apps: AppDetails[];
  privateSpaces: SpaceDetails[];
  sharedSpaces: SpaceDetails[];
}

const same = (a: string | undefined, b: string) => a !== undefined && a.toLowerCase() === b.toLowerCase();
const gone = (a: AppDetails) => a.Status === "Deleted";
const going = (a: AppDetails) => a.Status === "Deleting";

/** The profile's own apps, checked from their List fields. */
const profileApps = (inv: StudioInventory, domainId: string, name: string) =>
  inv.apps.filter((a) => a.DomainId === domainId && same(a.UserProfileName, name) && a.SpaceName === undefined);

/** Spaces this profile owns, checked from their List fields. */
const ownedSpaces = (inv: StudioInventory, domainId: string, name: string) =>
  inv.ownedSpaces.filter(
    ({ space }) => space.DomainId === domainId && same(space.OwnershipSettingsSummary?.OwnerUserProfileName, name),
  );

const isPrivate = (s: SpaceDetails) => s.SpaceSharingSettingsSummary?.SharingType === "Private";

/** A private space's apps, checked from their List fields. */
const spaceApps = (apps: AppDetails[], space: SpaceDetails) =>
  apps.filter(
    (a) =>
      a.DomainId === space.DomainId &&
      a.SpaceName !== undefined &&
      same(a.SpaceName, space.SpaceName ?? "") &&
      a.UserProfileName === undefined,
  );

/** What keeps SageMaker from deleting the profile: its apps not Deleted and every space it owns. */
export function blockersOf(resource: SageMakerUserProfile, inv: StudioInventory): Blockers {
  const name = profileName(resource);
  const { domainId } = resource.spec;
  const spaces = ownedSpaces(inv, domainId, name).map((o) => o.space);
  return {
    apps: profileApps(inv, domainId, name).filter((a) => !gone(a)),
    privateSpaces: spaces.filter(isPrivate),
    sharedSpaces: spaces.filter((s) => !isPrivate(s)),
  };
}

export const blockerCounts = (b: Blockers) => ({
  apps: b.apps.length,
  privateSpaces: b.privateSpaces.length,
  sharedSpaces: b.sharedSpaces.length,
});

export const isBlocked = (b: Blockers): boolean => b.apps.length + b.privateSpaces.length + b.sharedSpaces.length > 0;

const MAX_NAMED = 10;
function named(items: string[], one: string, many: string): string | undefined {
  if (items.length === 0) return undefined;
  const shown = items.slice(0, MAX_NAMED).join(", ");
  const more = items.length > MAX_NAMED ? ` and ${items.length - MAX_NAMED} more` : "";
  return `${items.length} ${items.length === 1 ? one : many}: ${shown}${more}`;
}

/** `2 apps: JupyterLab/default (InService), KernelGateway/datascience-1 (Failed); 1 private space: alice-space`. */
export function describeBlockers(b: Blockers): string {
  return [
    named(
      b.apps.map((a) => `${a.AppType}/${a.AppName} (${a.Status})`),
      "app",
      "apps",
    ),
    named(
      b.privateSpaces.map((s) => s.SpaceName ?? ""),
      "private space",
      "private spaces",
    ),
    named(
      b.sharedSpaces.map((s) => s.SpaceName ?? ""),
      "shared space",
      "shared spaces",
    ),
  ]
    .filter((x) => x !== undefined)
    .join("; ");
}

/** What a person can do about the blockers, given the cleanup the spec asks for. */
export function blockedHint(resource: SageMakerUserProfile, b: Blockers): string {
  const wanted = resource.spec.deletion?.cleanup ?? "None";
  if (b.sharedSpaces.length > 0 && b.apps.length + b.privateSpaces.length === 0)
    return "shared spaces are never deleted by the operator: delete them or give them another owner";
  if (wanted === "None")
    return "delete them (apps, then spaces), or set spec.deletion.cleanup: Apps or AppsAndSpaces where a SageMakerProfilePolicy permits it";
  if (wanted === "Apps" && b.privateSpaces.length > 0)
    return "spec.deletion.cleanup: Apps leaves spaces: delete them or set AppsAndSpaces";
  return "cleanup is in progress";
}

/**
 * With spec.deletion.cleanup set: the reads, then the cleanup steps, or undefined once nothing of what the cleanup
 * removes is left (the caller then deletes the profile).
 */
export function planCleanup(
  resource: SageMakerUserProfile,
  observed: Observation,
  ctx: PlanContext,
  facts: Plan["facts"],
): Plan | Need | undefined {
  const wanted: DeletionCleanup = resource.spec.deletion?.cleanup ?? "None";
  if (wanted === "None") return undefined;
  const permission: CleanupPermission = ctx.cleanup ?? { level: "None", by: [] };
  if ("unknown" in permission)
    return {
      steps: [],
      outcome: { phase: "Progressing", reason: "PolicyPending", message: permission.unknown },
      facts,
      action: { requeueAfter: ctx.settings.pollIntervalMs },
    };
  if (observed.studio === undefined) return { need: "studio" };
  const inv = observed.studio;
  const blockers = blockersOf(resource, inv);
  if (!permits(permission.level, wanted)) {
    // Nothing to clean: the delete needs no permission.
    if (!isBlocked(blockers)) return undefined;
    const namespace = resource.metadata.namespace ?? "";
    const grant =
      permission.by.length === 0
        ? `no SageMakerProfilePolicy covering namespace ${namespace} sets deletionCleanup`
        : `${permission.by.join(", ")} permit at most ${permission.level} in namespace ${namespace}`;
    const message = truncate(
      `spec.deletion.cleanup is ${wanted} but ${grant}; the delete is blocked by ${describeBlockers(blockers)}`,
    );
    const already = resource.status?.conditions?.some(
      (c) => c.type === "Stalled" && c.status === "True" && c.reason === "CleanupNotPermitted" && c.message === message,
    );
    return {
      steps: already ? [] : [{ event: { type: "Warning", reason: "CleanupNotPermitted", note: message } }],
      outcome: { phase: "Stalled", reason: "CleanupNotPermitted", message },
      facts: { ...facts, deleteBlockedBy: blockerCounts(blockers) },
      action: { requeueAfter: ctx.settings.stalledRetryMs },
    };
  }

  const name = profileName(resource);
  const { domainId } = resource.spec;
  const apps: AppRef[] = [];
  /** Apps left that no call is sent for now: Deleting (SageMaker is at it), or not addressable (no type or name). */
  const waitingApps: AppDetails[] = [];
  const consider = (a: AppDetails, owner: { userProfileName: string } | { spaceName: string }) => {
    if (gone(a)) return;
    if (going(a) || a.AppType === undefined || a.AppName === undefined) waitingApps.push(a);
    else apps.push({ domainId, ...owner, appType: a.AppType, appName: a.AppName });
  };
  for (const a of profileApps(inv, domainId, name)) consider(a, { userProfileName: a.UserProfileName ?? name });
  const spaces: string[] = [];
  let spacesLeft = 0;
  if (wanted === "AppsAndSpaces")
    for (const { space, apps: inSpace } of ownedSpaces(inv, domainId, name)) {
      if (!isPrivate(space) || space.SpaceName === undefined) continue;
      spacesLeft++;
      const live = spaceApps(inSpace, space).filter((a) => !gone(a));
      for (const a of live) consider(a, { spaceName: space.SpaceName });
      // Its apps first: SageMaker refuses to delete a space whose apps are not Deleted.
      if (live.length === 0 && space.Status !== "Deleting") spaces.push(space.SpaceName);
    }
  const appsLeft = apps.length + waitingApps.length;
  if (appsLeft === 0 && spacesLeft === 0) return undefined;

  const steps: Step[] = [];
  for (const app of apps) {
    const of = "spaceName" in app ? `space ${app.spaceName}` : `profile ${domainId}/${app.userProfileName}`;
    steps.push(
      { call: { op: "DeleteApp", app } },
      {
        event: {
          type: "Normal",
          reason: "CleanupApp",
          note: `DeleteApp sent for ${app.appType}/${app.appName} of ${of}`,
        },
      },
    );
  }
  for (const spaceName of spaces)
    steps.push(
      { call: { op: "DeleteSpace", domainId, spaceName } },
      { event: { type: "Normal", reason: "CleanupSpace", note: `DeleteSpace sent for private space ${spaceName}` } },
    );
  const left = [
    appsLeft > 0 ? `${appsLeft} app${appsLeft === 1 ? "" : "s"}` : undefined,
    spacesLeft > 0 ? `${spacesLeft} private space${spacesLeft === 1 ? "" : "s"}` : undefined,
  ].filter((x) => x !== undefined);
  return {
    steps,
    outcome: {
      phase: "Progressing",
      reason: "CleaningUp",
      message: truncate(
        `spec.deletion.cleanup ${wanted}: ${left.join(" and ")} left before the profile is deleted (${describeBlockers(blockers) || "waiting for SageMaker"})`,
      ),
    },
    facts: { ...facts, cleanup: { appsLeft, spacesLeft } },
    action: { requeueAfter: ctx.settings.pollIntervalMs },
  };
}
