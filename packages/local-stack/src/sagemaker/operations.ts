/**
 * The SageMaker operations the emulator answers: input validated against the model (or, for the domain calls the
 * model file does not hold, by hand), then applied to the store. Outputs are wire JSON: timestamps in epoch seconds.
 */
import type {
  AddTagsInput,
  CreateUserProfileRequest,
  DeleteTagsInput,
  DeleteUserProfileRequest,
  DescribeUserProfileRequest,
  ListTagsInput,
  ListUserProfilesRequest,
  Tag,
  UpdateUserProfileRequest,
  UserSettings,
} from "../../../../src/api/generated/sagemaker-shapes.js";
import { type ModelViolation, modelPatternTest, validateShape } from "../../../../src/api/model.js";
import { invalid, notFound } from "./errors.js";
import { assertMemberGroups, gateUpdate, storedForm } from "./member-groups.js";
import { wireTime } from "./modes.js";
import { assertReferencesExist } from "./references.js";
import {
  MAX_TAGS_PER_RESOURCE,
  type ProfileRecord,
  type ProfileSortKey,
  type Store,
  tagLimit,
  tagList,
} from "./store.js";
import { studioHandlers } from "./studio-operations.js";
import { assertValid, validationMessage } from "./validation.js";

export type Handler = (store: Store, body: Record<string, unknown>) => unknown;

/** Operations that change state: they also draw from the throttle's mutating budget. */
export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set([
  "CreateUserProfile",
  "UpdateUserProfile",
  "DeleteUserProfile",
  "AddTags",
  "DeleteTags",
  "CreateDomain",
  "CreateApp",
  "DeleteApp",
  "CreateSpace",
  "DeleteSpace",
]);

const seconds = (ms: number): number => ms / 1000;

/**
 * AWS reserves the `aws:` prefix "or any upper or lowercase combination" of it: such tags cannot be added, edited or
 * deleted by callers (docs/fidelity.md, Tenant isolation). The error code SageMaker answers is not documented.
 */
function refuseReservedTagKeys(keys: readonly string[]): void {
  const reserved = keys.find((k) => k.slice(0, 4).toLowerCase() === "aws:");
  if (reserved !== undefined)
    throw invalid(`Tag keys starting with 'aws:' are reserved for AWS use (in any case): ${JSON.stringify(reserved)}`);
}

export const handlers: Record<string, Handler> = {
  CreateUserProfile(store, body) {
    assertValid("CreateUserProfileRequest", body);
    const req = body as unknown as CreateUserProfileRequest;
    const arn = store.profileArn(req.DomainId, req.UserProfileName);
    refuseReservedTagKeys((req.Tags ?? []).map((t) => t.Key));
    assertMemberGroups(req.UserSettings, { action: "create", arn });
    // A missing domain is answered first, as without the check.
    store.requireProfileDomain(req.DomainId);
    assertReferences(store, req.UserSettings);
    const rec = store.createProfile(req.DomainId, req.UserProfileName, {
      ...(req.UserSettings !== undefined ? { userSettings: storedForm(req.UserSettings) } : {}),
      ...(req.Tags !== undefined ? { tags: req.Tags } : {}),
      ...(req.SingleSignOnUserIdentifier !== undefined ? { ssoIdentifier: req.SingleSignOnUserIdentifier } : {}),
      ...(req.SingleSignOnUserValue !== undefined ? { ssoValue: req.SingleSignOnUserValue } : {}),
    });
    return { UserProfileArn: rec.arn };
  },

  DescribeUserProfile(store, body) {
    assertValid("DescribeUserProfileRequest", body);
    const req = body as unknown as DescribeUserProfileRequest;
    store.requireProfileDomain(req.DomainId);
    return describeProfile(store, store.requireProfile(req.DomainId, req.UserProfileName));
  },

  UpdateUserProfile(store, body) {
    assertValid("UpdateUserProfileRequest", body);
    const req = body as unknown as UpdateUserProfileRequest;
    const arn = store.profileArn(req.DomainId, req.UserProfileName);
    const gate = gateUpdate(arn);
    // Checked once the profile is found and may change: what the request names, not what was stored before.
    const rec = store.updateProfile(req.DomainId, req.UserProfileName, req.UserSettings, (merged, before, request) => {
      assertReferences(store, request);
      return gate(merged, before, request);
    });
    return { UserProfileArn: rec.arn };
  },

  DeleteUserProfile(store, body) {
    assertValid("DeleteUserProfileRequest", body);
    const req = body as unknown as DeleteUserProfileRequest;
    store.deleteProfile(req.DomainId, req.UserProfileName);
    return {};
  },

  ListUserProfiles(store, body) {
    assertValid("ListUserProfilesRequest", body);
    const req = body as unknown as ListUserProfilesRequest;
    const sortBy: ProfileSortKey = req.SortBy ?? "CreationTime";
    const descending = req.SortOrder === "Descending";
    const cursor = req.NextToken ? decodeCursor(req.NextToken, sortBy, descending) : undefined;
    const page = store.listProfiles({
      sortBy,
      descending,
      max: req.MaxResults ?? 10,
      ...(req.DomainIdEquals !== undefined ? { domainId: req.DomainIdEquals } : {}),
      ...(req.UserProfileNameContains !== undefined ? { nameContains: req.UserProfileNameContains } : {}),
      ...(cursor !== undefined ? { after: cursor } : {}),
    });
    const precision = store.config.modes.listTimestampPrecision;
    return {
      UserProfiles: page.items.map((rec) => ({
        DomainId: rec.domainId,
        UserProfileName: store.shownName(rec),
        Status: rec.status,
        CreationTime: wireTime(rec.creationTime, precision),
        LastModifiedTime: wireTime(rec.lastModifiedTime, precision),
      })),
      ...(page.next !== undefined ? { NextToken: encodeCursor(page.next, sortBy, descending) } : {}),
    };
  },

  AddTags(store, body) {
    assertValid("AddTagsInput", body);
    const req = body as unknown as AddTagsInput;
    refuseReservedTagKeys(req.Tags.map((t) => t.Key));
    const target = requireTaggable(store, req.ResourceArn);
    const next = new Map(target.tags);
    for (const t of req.Tags) next.set(t.Key, t.Value);
    if (next.size > MAX_TAGS_PER_RESOURCE) throw tagLimit(req.ResourceArn);
    for (const t of req.Tags) target.tags.set(t.Key, t.Value);
    store.tagsWritten(target.arn);
    return { Tags: req.Tags };
  },

  DeleteTags(store, body) {
    assertValid("DeleteTagsInput", body);
    const req = body as unknown as DeleteTagsInput;
    refuseReservedTagKeys(req.TagKeys);
    const target = requireTaggable(store, req.ResourceArn);
    for (const key of req.TagKeys) target.tags.delete(key);
    store.tagsWritten(target.arn);
    return {};
  },

  ListTags(store, body) {
    assertValid("ListTagsInput", body);
    const req = body as unknown as ListTagsInput;
    const tags = tagList(requireTaggable(store, req.ResourceArn).tags);
    return page(tags, req.NextToken, req.MaxResults ?? 50, "Tags");
  },

  CreateDomain(store, body) {
    assertValidDomainRequest(body);
    const defaultUserSettings = body.DefaultUserSettings as UserSettings;
    const known = new Set([
      "DomainName",
      "AuthMode",
      "DefaultUserSettings",
      "AppNetworkAccessType",
      "VpcId",
      "SubnetIds",
      "Tags",
    ]);
    const extra = Object.fromEntries(Object.entries(body).filter(([k]) => !known.has(k)));
    const domain = store.createDomain(
      {
        domainName: body.DomainName as string,
        authMode: body.AuthMode as "IAM" | "SSO",
        defaultUserSettings,
        ...(body.AppNetworkAccessType !== undefined
          ? { appNetworkAccessType: body.AppNetworkAccessType as "PublicInternetOnly" | "VpcOnly" }
          : {}),
        ...(body.VpcId !== undefined ? { vpcId: body.VpcId as string } : {}),
        ...(body.SubnetIds !== undefined ? { subnetIds: body.SubnetIds as string[] } : {}),
        ...(body.Tags !== undefined ? { tags: body.Tags as Tag[] } : {}),
      },
      extra,
    );
    return { DomainArn: domain.domainArn, DomainId: domain.domainId, Url: domain.url };
  },

  DescribeDomain(store, body) {
    if (typeof body.DomainId !== "string")
      throw invalid(
        "1 validation error detected: Value null at 'domainId' failed to satisfy constraint: Member must not be null",
      );
    const d = store.requireDomain(body.DomainId);
    return {
      ...d.extra,
      DomainArn: d.domainArn,
      DomainId: d.domainId,
      DomainName: d.domainName,
      HomeEfsFileSystemId: d.homeEfsFileSystemId,
      Status: "InService",
      CreationTime: seconds(d.creationTime),
      LastModifiedTime: seconds(d.lastModifiedTime),
      ...(d.securityGroupIdForDomainBoundary !== undefined
        ? { SecurityGroupIdForDomainBoundary: d.securityGroupIdForDomainBoundary }
        : {}),
      AuthMode: d.authMode,
      DefaultUserSettings: d.defaultUserSettings,
      AppNetworkAccessType: d.appNetworkAccessType,
      ...(d.subnetIds !== undefined ? { SubnetIds: d.subnetIds } : {}),
      Url: d.url,
      ...(d.vpcId !== undefined ? { VpcId: d.vpcId } : {}),
    };
  },

  ListDomains(store, body) {
    const max = body.MaxResults ?? 10;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1 || max > 100)
      throw invalid(
        `1 validation error detected: Value '${String(max)}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100`,
      );
    const domains = store.allDomains().map((d) => ({
      DomainArn: d.domainArn,
      DomainId: d.domainId,
      DomainName: d.domainName,
      Status: "InService",
      CreationTime: seconds(d.creationTime),
      LastModifiedTime: seconds(d.lastModifiedTime),
      Url: d.url,
    }));
    return page(domains, body.NextToken as string | undefined, max, "Domains");
  },

  ...studioHandlers,
};

export function describeProfile(store: Store, rec: ProfileRecord): Record<string, unknown> {
  const precision = store.config.modes.describeTimestampPrecision;
  return {
    DomainId: rec.domainId,
    UserProfileArn: rec.arn,
    UserProfileName: store.shownName(rec),
    HomeEfsFileSystemUid: rec.uid,
    Status: rec.status,
    LastModifiedTime: wireTime(rec.lastModifiedTime, precision),
    CreationTime: wireTime(rec.creationTime, precision),
    ...(rec.failureReason !== undefined ? { FailureReason: rec.failureReason } : {}),
    ...(rec.ssoIdentifier !== undefined ? { SingleSignOnUserIdentifier: rec.ssoIdentifier } : {}),
    ...(rec.ssoValue !== undefined ? { SingleSignOnUserValue: rec.ssoValue } : {}),
    ...definedSettings(store.describedSettings(rec)),
  };
}

/** Under the mode `referencedResources: checked`, the resources `settings` names must have been seeded. */
function assertReferences(store: Store, settings: UserSettings | undefined): void {
  if (store.config.modes.referencedResources !== "checked") return;
  const { region, accountId } = store.config;
  const prefix = `arn:aws:sagemaker:${region}:${accountId}`;
  assertReferencesExist(store.references, settings, {
    image: (name) => `${prefix}:image/${name}`,
    imageVersion: (name, version) => `${prefix}:image-version/${name}/${version}`,
  });
}

function requireTaggable(store: Store, arn: string) {
  const target = store.taggable(arn);
  if (!target) throw notFound(`Resource does not exist: ${arn}`);
  return target;
}

// ---- pagination tokens: opaque to clients, checked against the query they continue

interface Cursor {
  v: 1;
  by: string;
  desc: boolean;
  after: number;
}

function encodeCursor(after: number, by: ProfileSortKey, desc: boolean): string {
  return Buffer.from(JSON.stringify({ v: 1, by, desc, after } satisfies Cursor)).toString("base64url");
}

function decodeCursor(token: string, by: ProfileSortKey, desc: boolean): number {
  let cursor: Partial<Cursor> | undefined;
  try {
    cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Partial<Cursor>;
  } catch {
    cursor = undefined;
  }
  if (cursor?.v !== 1 || cursor.by !== by || cursor.desc !== desc || typeof cursor.after !== "number")
    throw invalid("Invalid pagination token: it does not continue this query (SortBy and SortOrder must not change)");
  return cursor.after;
}

/** Offset pagination for the short lists (tags, domains). */
function page<T>(items: T[], token: string | undefined, max: number, key: string): Record<string, unknown> {
  let start = 0;
  if (token) {
    start = Number(
      Buffer.from(token, "base64url")
        .toString("utf8")
        .replace(/^offset:/, ""),
    );
    if (!Number.isInteger(start) || start < 0) throw invalid("Invalid pagination token");
  }
  const end = start + max;
  return {
    [key]: items.slice(start, end),
    ...(end < items.length ? { NextToken: Buffer.from(`offset:${end}`).toString("base64url") } : {}),
  };
}

/** CreateDomain is not in the model file: the members the emulator uses are checked by hand, settings by the model. */
function assertValidDomainRequest(body: Record<string, unknown>): void {
  const violations: ModelViolation[] = [];
  const required = (member: string) => {
    if (body[member] === undefined || body[member] === null)
      violations.push({ path: member, message: "failed to satisfy constraint: Member must not be null" });
  };
  required("DomainName");
  required("AuthMode");
  required("DefaultUserSettings");
  const name = body.DomainName;
  if (
    name !== undefined &&
    (typeof name !== "string" || !modelPatternTest("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}").test(name))
  )
    violations.push({
      path: "DomainName",
      message:
        "failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    });
  const enumOf = (member: string, values: string[]) => {
    const v = body[member];
    if (v !== undefined && !values.includes(v as string))
      violations.push({
        path: member,
        message: `failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`,
      });
  };
  enumOf("AuthMode", ["SSO", "IAM"]);
  enumOf("AppNetworkAccessType", ["PublicInternetOnly", "VpcOnly"]);
  if (body.DefaultUserSettings !== undefined && body.DefaultUserSettings !== null)
    violations.push(...validateShape("UserSettings", body.DefaultUserSettings, "DefaultUserSettings"));
  if (body.Tags !== undefined) violations.push(...validateShape("TagList", body.Tags, "Tags"));
  if (violations.length > 0) throw invalid(validationMessage(violations, body));
}

const definedSettings = (s: UserSettings | undefined) => (s === undefined ? {} : { UserSettings: s });
