/** The admin's and the test reader's view of apps and spaces (see EmulatorAdmin and EmulatorStoreReader). */
import { invalid } from "./errors.js";
import type { Store } from "./store.js";
import { type AppOwner, type AppRecord, appKey, type SpaceRecord } from "./studio.js";
import type { AdminAppSpec, AdminSpaceSpec, AppView, SpaceView } from "./types.js";

export interface StudioAdmin {
  /** Starts an app at once (InService, or Failed), for a user profile or in a space that exists. */
  startApp(spec: AdminAppSpec): AppView;
  /** Creates a space that is InService at once. */
  createSpace(spec: AdminSpaceSpec): SpaceView;
  /** The next `count` deletions of the app end Failed instead of Deleted (as a stuck instance does). */
  failAppDeletions(spec: AdminAppRef, count: number): AppView;
  /** Removes an app at once, whatever its status (someone stopped it out of band). False when there was none. */
  removeApp(spec: AdminAppRef): boolean;
}

export type AdminAppRef = Omit<AdminAppSpec, "status" | "failureReason">;

export interface StudioReader {
  /** Every listed app (Deleted ones while retained), optionally of one domain. */
  apps(domainId?: string): AppView[];
  spaces(domainId?: string): SpaceView[];
}

function ownerOf(spec: { userProfileName?: string; spaceName?: string }): AppOwner {
  if ((spec.userProfileName === undefined) === (spec.spaceName === undefined))
    throw invalid("exactly one of userProfileName and spaceName");
  return spec.userProfileName !== undefined
    ? { userProfileName: spec.userProfileName }
    : { spaceName: spec.spaceName ?? "" };
}

export function appView(a: AppRecord): AppView {
  return {
    domainId: a.domainId,
    ...("spaceName" in a.owner ? { spaceName: a.owner.spaceName } : { userProfileName: a.owner.userProfileName }),
    appType: a.appType,
    appName: a.appName,
    appArn: a.arn,
    status: a.status,
    ...(a.failureReason !== undefined ? { failureReason: a.failureReason } : {}),
    creationTime: a.creationTime,
  };
}

export function spaceView(s: SpaceRecord): SpaceView {
  return {
    domainId: s.domainId,
    spaceName: s.name,
    spaceArn: s.arn,
    status: s.status,
    ...(s.ownerUserProfileName !== undefined ? { ownerUserProfileName: s.ownerUserProfileName } : {}),
    ...(s.sharingType !== undefined ? { sharingType: s.sharingType } : {}),
    creationTime: s.creationTime,
  };
}

export function studioAdmin(store: Store): StudioAdmin {
  return {
    startApp: (spec) => {
      const owner = ownerOf(spec);
      store.requireProfileDomain(spec.domainId);
      if ("userProfileName" in owner) store.requireProfile(spec.domainId, owner.userProfileName);
      return appView(
        store.studio.createApp(spec.domainId, {
          owner,
          appType: spec.appType,
          appName: spec.appName,
          status: spec.status ?? "InService",
          ...(spec.failureReason !== undefined ? { failureReason: spec.failureReason } : {}),
        }),
      );
    },
    createSpace: (spec) => {
      store.requireProfileDomain(spec.domainId);
      if (spec.ownerUserProfileName !== undefined) store.requireProfile(spec.domainId, spec.ownerUserProfileName);
      return spaceView(
        store.studio.createSpace(spec.domainId, spec.spaceName, {
          seeded: true,
          ...(spec.ownerUserProfileName !== undefined ? { ownerUserProfileName: spec.ownerUserProfileName } : {}),
          ...(spec.sharingType !== undefined ? { sharingType: spec.sharingType } : {}),
        }),
      );
    },
    failAppDeletions: (spec, count) => {
      const rec = store.studio.requireApp(spec.domainId, ownerOf(spec), spec.appType, spec.appName);
      store.studio.failDeletions(rec, count);
      return appView(rec);
    },
    removeApp: (spec) => store.studio.removeApp(appKey(spec.domainId, ownerOf(spec), spec.appType, spec.appName)),
  };
}

export function studioReader(store: Store): StudioReader {
  return {
    apps: (domainId) => store.studio.listApps(domainId === undefined ? {} : { domainId }).map(appView),
    spaces: (domainId) => store.studio.listSpaces(domainId).map(spaceView),
  };
}
