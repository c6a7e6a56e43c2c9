/** Domain and user-profile records and the store's configuration: the shapes every store module shares. */
import type { Tag, UserProfileStatus, UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { ApiError } from "./errors.js";
import { canonicalProfileName } from "./profile-rules.js";
import type { Random } from "./rng.js";
import type { Delays, EmulatorLimits, EmulatorModes } from "./types.js";

export const MAX_TAGS_PER_RESOURCE = 50;

export interface StoreConfig {
  region: string;
  accountId: string;
  delays: Delays;
  limits: EmulatorLimits;
  /** Answers to what AWS does not document (see modes.ts); replaced as a whole by the admin. */
  modes: EmulatorModes;
  random: Random;
  now: () => number;
}

export interface DomainRecord {
  domainId: string;
  domainArn: string;
  domainName: string;
  authMode: string;
  defaultUserSettings: UserSettings;
  appNetworkAccessType: string;
  vpcId?: string;
  subnetIds?: string[];
  securityGroupIdForDomainBoundary?: string;
  homeEfsFileSystemId: string;
  url: string;
  creationTime: number;
  lastModifiedTime: number;
  tags: Map<string, string>;
  /** Other CreateDomain members (DomainSettings, KmsKeyId, ...), echoed back by DescribeDomain. */
  extra: Record<string, unknown>;
}

export interface ProfileRecord {
  key: string;
  domainId: string;
  /** As sent to CreateUserProfile; lookups ignore case (see `shownName`). */
  name: string;
  arn: string;
  uid: string;
  ssoIdentifier?: string;
  ssoValue?: string;
  /** As stored: the profile's own settings, before server defaults and security-group aggregation. */
  settings: UserSettings;
  tags: Map<string, string>;
  creationTime: number;
  lastModifiedTime: number;
  createSeq: number;
  modSeq: number;
  status: UserProfileStatus;
  /** When a transitional status settles; +Infinity for a status that holds. */
  settlesAt: number;
  failureReason?: string;
  inUseFor: number;
}

export type ProfileSortKey = "CreationTime" | "LastModifiedTime";

export interface ProfileQuery {
  sortBy: ProfileSortKey;
  descending: boolean;
  domainId?: string;
  nameContains?: string;
  max: number;
  /** The sequence number of the last entry of the previous page. */
  after?: number;
}

export interface Taggable {
  arn: string;
  tags: Map<string, string>;
}

export const profileKey = (domainId: string, name: string): string => `${domainId}/${canonicalProfileName(name)}`;

export const tagList = (tags: Map<string, string>): Tag[] => [...tags].map(([Key, Value]) => ({ Key, Value }));

export const tagLimit = (arn: string) =>
  new ApiError("ResourceLimitExceeded", `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags: ${arn}`);
