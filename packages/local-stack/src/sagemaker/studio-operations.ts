/**
 * The app and space operations: input validated against the model, then applied to the studio store. Outputs are wire
 * JSON (epoch-second timestamps). Sources: docs/fidelity.md, "Apps and spaces".
 */
import type {
  CreateAppRequest,
  CreateSpaceRequest,
  DeleteAppRequest,
  DeleteSpaceRequest,
  DescribeAppRequest,
  DescribeSpaceRequest,
  ListAppsRequest,
  ListSpacesRequest,
} from "../../../../src/api/generated/sagemaker-shapes.js";
import { invalid } from "./errors.js";
import { MAX_TAGS_PER_RESOURCE, type Store, tagLimit } from "./store.js";
import type { AppOwner, AppRecord, SpaceRecord } from "./studio.js";
import { assertValid } from "./validation.js";

type Handler = (store: Store, body: Record<string, unknown>) => unknown;

const seconds = (ms: number): number => ms / 1000;

/** CreateApp, DescribeApp, DeleteApp: "If this value is not set, then SpaceName/UserProfileName must be set". */
function appOwner(req: { UserProfileName?: string; SpaceName?: string }): AppOwner {
  if (req.UserProfileName !== undefined && req.SpaceName !== undefined)
    throw invalid("Only one of UserProfileName and SpaceName may be set.");
  if (req.UserProfileName !== undefined) return { userProfileName: req.UserProfileName };
  if (req.SpaceName !== undefined) return { spaceName: req.SpaceName };
  throw invalid("One of UserProfileName and SpaceName must be set.");
}

const ownerMembers = (o: AppOwner) =>
  "spaceName" in o ? { SpaceName: o.spaceName } : { UserProfileName: o.userProfileName };

function appDetails(a: AppRecord): Record<string, unknown> {
  return {
    DomainId: a.domainId,
    ...ownerMembers(a.owner),
    AppType: a.appType,
    AppName: a.appName,
    Status: a.status,
    CreationTime: seconds(a.creationTime),
    ...(a.resourceSpec !== undefined ? { ResourceSpec: a.resourceSpec } : {}),
  };
}

function spaceDetails(s: SpaceRecord): Record<string, unknown> {
  return {
    DomainId: s.domainId,
    SpaceName: s.name,
    Status: s.status,
    CreationTime: seconds(s.creationTime),
    LastModifiedTime: seconds(s.lastModifiedTime),
    ...(s.sharingType !== undefined ? { SpaceSharingSettingsSummary: { SharingType: s.sharingType } } : {}),
    ...(s.ownerUserProfileName !== undefined
      ? { OwnershipSettingsSummary: { OwnerUserProfileName: s.ownerUserProfileName } }
      : {}),
    ...(s.displayName !== undefined ? { SpaceDisplayName: s.displayName } : {}),
  };
}

export const studioHandlers: Record<string, Handler> = {
  CreateApp(store, body) {
    assertValid("CreateAppRequest", body);
    const req = body as unknown as CreateAppRequest;
    const owner = appOwner(req);
    store.requireProfileDomain(req.DomainId);
    if ("userProfileName" in owner) store.requireProfile(req.DomainId, owner.userProfileName);
    if ((req.Tags?.length ?? 0) > MAX_TAGS_PER_RESOURCE)
      throw tagLimit(store.studio.appArn(req.DomainId, owner, req.AppType, req.AppName));
    const rec = store.studio.createApp(req.DomainId, {
      owner,
      appType: req.AppType,
      appName: req.AppName,
      ...(req.ResourceSpec !== undefined ? { resourceSpec: req.ResourceSpec } : {}),
      ...(req.Tags !== undefined ? { tags: req.Tags } : {}),
    });
    return { AppArn: rec.arn };
  },

  DescribeApp(store, body) {
    assertValid("DescribeAppRequest", body);
    const req = body as unknown as DescribeAppRequest;
    store.requireProfileDomain(req.DomainId);
    const a = store.studio.requireApp(req.DomainId, appOwner(req), req.AppType, req.AppName);
    return {
      AppArn: a.arn,
      ...appDetails(a),
      ...(a.failureReason !== undefined ? { FailureReason: a.failureReason } : {}),
    };
  },

  DeleteApp(store, body) {
    assertValid("DeleteAppRequest", body);
    const req = body as unknown as DeleteAppRequest;
    store.requireProfileDomain(req.DomainId);
    store.studio.deleteApp(store.studio.requireApp(req.DomainId, appOwner(req), req.AppType, req.AppName));
    return {};
  },

  ListApps(store, body) {
    assertValid("ListAppsRequest", body);
    const req = body as unknown as ListAppsRequest;
    if (req.UserProfileNameEquals !== undefined && req.SpaceNameEquals !== undefined)
      throw invalid("UserProfileNameEquals and SpaceNameEquals cannot both be set.");
    const owner: AppOwner | undefined =
      req.UserProfileNameEquals !== undefined
        ? { userProfileName: req.UserProfileNameEquals }
        : req.SpaceNameEquals !== undefined
          ? { spaceName: req.SpaceNameEquals }
          : undefined;
    let apps = store.studio.listApps({
      ...(req.DomainIdEquals !== undefined ? { domainId: req.DomainIdEquals } : {}),
      ...(owner !== undefined ? { owner } : {}),
    });
    if (req.SortOrder === "Descending") apps = apps.reverse();
    return pageOf(apps.map(appDetails), "Apps", req, queryOf(req));
  },

  CreateSpace(store, body) {
    assertValid("CreateSpaceRequest", body);
    const req = body as unknown as CreateSpaceRequest;
    store.requireProfileDomain(req.DomainId);
    const owner = req.OwnershipSettings?.OwnerUserProfileName;
    // A private space is its owner's: Studio creates one only with an owner (OwnershipSettings).
    if (req.SpaceSharingSettings?.SharingType === "Private" && owner === undefined)
      throw invalid("A space with SharingType Private must have OwnershipSettings.OwnerUserProfileName.");
    if (owner !== undefined) store.requireProfile(req.DomainId, owner);
    if ((req.Tags?.length ?? 0) > MAX_TAGS_PER_RESOURCE)
      throw tagLimit(store.studio.spaceArn(req.DomainId, req.SpaceName));
    const rec = store.studio.createSpace(req.DomainId, req.SpaceName, {
      ...(owner !== undefined ? { ownerUserProfileName: owner } : {}),
      ...(req.SpaceSharingSettings !== undefined ? { sharingType: req.SpaceSharingSettings.SharingType } : {}),
      ...(req.SpaceDisplayName !== undefined ? { displayName: req.SpaceDisplayName } : {}),
      ...(req.SpaceSettings !== undefined ? { settings: req.SpaceSettings as Record<string, unknown> } : {}),
      ...(req.Tags !== undefined ? { tags: req.Tags } : {}),
    });
    return { SpaceArn: rec.arn };
  },

  DescribeSpace(store, body) {
    assertValid("DescribeSpaceRequest", body);
    const req = body as unknown as DescribeSpaceRequest;
    store.requireProfileDomain(req.DomainId);
    const s = store.studio.requireSpace(req.DomainId, req.SpaceName);
    return {
      DomainId: s.domainId,
      SpaceArn: s.arn,
      SpaceName: s.name,
      HomeEfsFileSystemUid: s.uid,
      Status: s.status,
      CreationTime: seconds(s.creationTime),
      LastModifiedTime: seconds(s.lastModifiedTime),
      ...(s.settings !== undefined ? { SpaceSettings: s.settings } : {}),
      ...(s.ownerUserProfileName !== undefined
        ? { OwnershipSettings: { OwnerUserProfileName: s.ownerUserProfileName } }
        : {}),
      ...(s.sharingType !== undefined ? { SpaceSharingSettings: { SharingType: s.sharingType } } : {}),
      ...(s.displayName !== undefined ? { SpaceDisplayName: s.displayName } : {}),
    };
  },

  DeleteSpace(store, body) {
    assertValid("DeleteSpaceRequest", body);
    const req = body as unknown as DeleteSpaceRequest;
    store.requireProfileDomain(req.DomainId);
    store.studio.deleteSpace(store.studio.requireSpace(req.DomainId, req.SpaceName));
    return {};
  },

  ListSpaces(store, body) {
    assertValid("ListSpacesRequest", body);
    const req = body as unknown as ListSpacesRequest;
    let spaces = store.studio
      .listSpaces(req.DomainIdEquals)
      .filter((s) => req.SpaceNameContains === undefined || s.name.includes(req.SpaceNameContains));
    if (req.SortBy === "LastModifiedTime") spaces = spaces.sort((a, b) => a.lastModifiedTime - b.lastModifiedTime);
    if (req.SortOrder === "Descending") spaces = spaces.reverse();
    return pageOf(spaces.map(spaceDetails), "Spaces", req, queryOf(req));
  },
};

/** The query a NextToken continues: every member but the paging ones. */
function queryOf(req: object): string {
  const { NextToken: _t, MaxResults: _m, ...query } = req as Record<string, unknown>;
  return JSON.stringify(Object.entries(query).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Offset pagination with a token bound to its query: a token of another query is refused, never misread. */
function pageOf<T>(
  items: T[],
  key: string,
  req: { NextToken?: string; MaxResults?: number },
  query: string,
): Record<string, unknown> {
  let start = 0;
  if (req.NextToken) {
    let cursor: { q?: string; at?: number } | undefined;
    try {
      cursor = JSON.parse(Buffer.from(req.NextToken, "base64url").toString("utf8"));
    } catch {
      cursor = undefined;
    }
    if (cursor?.q !== query || typeof cursor.at !== "number" || !Number.isInteger(cursor.at) || cursor.at < 0)
      throw invalid("Invalid pagination token: it does not continue this query");
    start = cursor.at;
  }
  const end = start + (req.MaxResults ?? 10);
  return {
    [key]: items.slice(start, end),
    ...(end < items.length
      ? { NextToken: Buffer.from(JSON.stringify({ q: query, at: end })).toString("base64url") }
      : {}),
  };
}
