/**
 * The emulator's state, in memory: domains, user profiles and their tags.
 *
 * Profile status is derived lazily: an action records its status and the time it settles (`settlesAt`), and every
 * read settles what is due (Pending/Updating -> InService, Deleting -> gone). No timer per profile, so 10,000 profiles
 * cost only their memory.
 *
 * ListUserProfiles pages by cursor over two append-only logs, one per sort key: every create appends to the creation
 * log, every create or modification to the modification log, each entry stamped with a global sequence number. The
 * logs are therefore already sorted; an entry whose record was deleted or modified again is stale and skipped, and
 * stale entries are compacted away once they outnumber the live ones. A page costs a binary search plus its length.
 * A profile's LastModifiedTime is the time of the request that changed it, and with the mode `on-settle` also of its
 * status settling; due transitions are therefore settled in time order (a heap) before any read or write, so the
 * modification log stays sorted by LastModifiedTime.
 */
import type { Tag, UserProfileStatus, UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { validateShape } from "../../../../src/api/model.js";
import { DelayHeap } from "../../../../src/kube/delay-heap.js";
import { ApiError, inUse, invalid, notFound } from "./errors.js";
import { applyUpdate, describedUserSettings } from "./modes.js";
import { assertSecurityGroupsFit, canonicalProfileName, missingDomain } from "./profile-rules.js";
import { ReferencedResources } from "./references.js";
import { type Random, randomId } from "./rng.js";
import type {
  AdminDomainPatch,
  AdminDomainSpec,
  AdminProfilePatch,
  Delays,
  DomainView,
  EmulatorLimits,
  EmulatorModes,
  ProfileView,
} from "./types.js";

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
  runningApps: number;
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

interface LogEntry {
  seq: number;
  rec: ProfileRecord;
}

export interface Taggable {
  arn: string;
  tags: Map<string, string>;
}

const TRANSITIONAL: ReadonlySet<UserProfileStatus> = new Set(["Pending", "Updating", "Deleting"]);
const UPDATABLE: ReadonlySet<UserProfileStatus> = new Set(["InService", "Update_Failed"]);
const DELETABLE: ReadonlySet<UserProfileStatus> = new Set(["InService", "Failed", "Update_Failed", "Delete_Failed"]);

export class Store {
  private readonly domains = new Map<string, DomainRecord>();
  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly profilesPerDomain = new Map<string, number>();
  /** Profiles with a transition due, by due time. */
  private readonly due = new DelayHeap<ProfileRecord>();
  private creationLog: LogEntry[] = [];
  private modificationLog: LogEntry[] = [];
  private seq = 0;
  private uids = 0;
  /** What the admin seeded for the mode `referencedResources: checked`. */
  readonly references = new ReferencedResources();

  constructor(readonly config: StoreConfig) {}

  private now(): number {
    return this.config.now();
  }

  // ---- domains

  createDomain(spec: AdminDomainSpec, extra: Record<string, unknown> = {}): DomainRecord {
    const { region, accountId, random } = this.config;
    const domainId = spec.domainId ?? `d-${randomId(random, 12)}`;
    if (validateShape("DomainId", domainId).length > 0)
      throw invalid(`Invalid domain id ${domainId}: expected d-[a-z0-9]+`);
    if (this.domains.has(domainId)) throw inUse(`Domain ${domainId} already exists`);
    const appNetworkAccessType = spec.appNetworkAccessType ?? "PublicInternetOnly";
    const now = this.now();
    const domain: DomainRecord = {
      domainId,
      domainArn: `arn:aws:sagemaker:${region}:${accountId}:domain/${domainId}`,
      domainName: spec.domainName ?? domainId,
      authMode: spec.authMode ?? "IAM",
      defaultUserSettings: structuredClone(
        spec.defaultUserSettings ?? {
          ExecutionRole: `arn:aws:iam::${accountId}:role/service-role/AmazonSageMaker-ExecutionRole`,
        },
      ),
      appNetworkAccessType,
      ...(spec.vpcId !== undefined ? { vpcId: spec.vpcId } : {}),
      ...(spec.subnetIds !== undefined ? { subnetIds: [...spec.subnetIds] } : {}),
      homeEfsFileSystemId: `fs-${randomId(random, 17, "0123456789abcdef")}`,
      url: `https://${domainId}.studio.${region}.sagemaker.aws`,
      creationTime: now,
      lastModifiedTime: now,
      tags: new Map((spec.tags ?? []).map((t) => [t.Key, t.Value])),
      extra: structuredClone(extra),
    };
    const boundary = spec.securityGroupIdForDomainBoundary ?? appNetworkAccessType === "VpcOnly";
    this.setBoundary(domain, boundary);
    this.domains.set(domainId, domain);
    return domain;
  }

  updateDomain(domainId: string, patch: AdminDomainPatch): DomainRecord {
    const domain = this.requireDomain(domainId);
    if (patch.defaultUserSettings !== undefined)
      domain.defaultUserSettings = applyUpdate(
        this.config.modes,
        domain.defaultUserSettings,
        patch.defaultUserSettings,
      );
    if (patch.securityGroupIdForDomainBoundary !== undefined)
      this.setBoundary(domain, patch.securityGroupIdForDomainBoundary);
    domain.lastModifiedTime = this.now();
    return domain;
  }

  /** `true` generates a SageMaker-managed NFS group id, a string sets it, `false` removes it. */
  private setBoundary(domain: DomainRecord, boundary: string | boolean): void {
    if (boundary === false) delete domain.securityGroupIdForDomainBoundary;
    else
      domain.securityGroupIdForDomainBoundary =
        boundary === true ? `sg-nfs${randomId(this.config.random, 12, "0123456789abcdef")}` : boundary;
  }

  domain(domainId: string): DomainRecord | undefined {
    return this.domains.get(domainId);
  }

  requireDomain(domainId: string): DomainRecord {
    const domain = this.domains.get(domainId);
    if (!domain) throw notFound(`Domain does not exist: ${this.domainArn(domainId)}`);
    return domain;
  }

  /** The domain a profile call names; its absence is answered per `modes.missingDomainError`. */
  requireProfileDomain(domainId: string): DomainRecord {
    const domain = this.domains.get(domainId);
    if (!domain) throw missingDomain(this.config.modes, this.domainArn(domainId));
    return domain;
  }

  allDomains(): DomainRecord[] {
    return [...this.domains.values()];
  }

  domainArn(domainId: string): string {
    return `arn:aws:sagemaker:${this.config.region}:${this.config.accountId}:domain/${domainId}`;
  }

  /** The name in lower case, whatever case it was created with. */
  profileArn(domainId: string, name: string): string {
    return `arn:aws:sagemaker:${this.config.region}:${this.config.accountId}:user-profile/${domainId}/${canonicalProfileName(name)}`;
  }

  /** UserProfileName as Describe and List answer it (undocumented: `modes.profileNameCase`). */
  shownName(rec: ProfileRecord): string {
    return this.config.modes.profileNameCase === "lowercase" ? canonicalProfileName(rec.name) : rec.name;
  }

  // ---- profiles

  /** `initialStatus` InService skips the Pending phase (admin seeding). */
  createProfile(
    domainId: string,
    name: string,
    init: { userSettings?: UserSettings; tags?: Tag[]; ssoIdentifier?: string; ssoValue?: string },
    initialStatus?: "InService",
  ): ProfileRecord {
    const domain = this.requireProfileDomain(domainId);
    this.settleDue(this.now());
    const arn = this.profileArn(domainId, name);
    if (this.profile(domainId, name)) throw inUse(`User profile already exists: ${arn}`);
    const limit = this.config.limits.profilesPerDomain;
    if (limit !== undefined && (this.profilesPerDomain.get(domainId) ?? 0) >= limit)
      throw new ApiError(
        "ResourceLimitExceeded",
        `The account-level service limit 'Maximum number of user profiles per domain' is ${limit} UserProfiles, with current utilization of ${limit} UserProfiles and a request delta of 1 UserProfiles.`,
      );
    if ((init.tags?.length ?? 0) > MAX_TAGS_PER_RESOURCE) throw tagLimit(arn);
    assertSecurityGroupsFit(domain.appNetworkAccessType, init.userSettings);
    const now = this.now();
    const seq = ++this.seq;
    const delay = this.config.delays.createMs;
    const pending = initialStatus === undefined && delay > 0;
    const rec: ProfileRecord = {
      key: profileKey(domainId, name),
      domainId,
      name,
      arn,
      uid: String(200000 + ++this.uids),
      ...(init.ssoIdentifier !== undefined ? { ssoIdentifier: init.ssoIdentifier } : {}),
      ...(init.ssoValue !== undefined ? { ssoValue: init.ssoValue } : {}),
      settings: structuredClone(init.userSettings ?? {}),
      tags: new Map((init.tags ?? []).map((t) => [t.Key, t.Value])),
      creationTime: now,
      lastModifiedTime: now,
      createSeq: seq,
      modSeq: seq,
      status: pending ? "Pending" : "InService",
      settlesAt: pending ? now + delay : Number.POSITIVE_INFINITY,
      runningApps: 0,
      inUseFor: 0,
    };
    this.profiles.set(rec.key, rec);
    this.profilesPerDomain.set(domainId, (this.profilesPerDomain.get(domainId) ?? 0) + 1);
    this.creationLog.push({ seq, rec });
    this.modificationLog.push({ seq, rec });
    this.compact();
    if (pending) this.due.schedule(rec, rec.settlesAt);
    return rec;
  }

  /** The live profile, with its status settled; undefined when missing or gone. */
  profile(domainId: string, name: string): ProfileRecord | undefined {
    const now = this.now();
    this.settleDue(now);
    const rec = this.profiles.get(profileKey(domainId, name));
    return rec && this.settle(rec, now) ? rec : undefined;
  }

  requireProfile(domainId: string, name: string): ProfileRecord {
    const rec = this.profile(domainId, name);
    if (!rec) throw notFound(`User profile does not exist: ${this.profileArn(domainId, name)}`);
    return rec;
  }

  /**
   * `gate` sees the settings the update would leave (and the stored ones, and the request) before they are stored:
   * it throws to refuse the update, or returns the settings to store.
   */
  updateProfile(
    domainId: string,
    name: string,
    update: UserSettings | undefined,
    gate?: (merged: UserSettings, before: UserSettings, request: UserSettings | undefined) => UserSettings,
  ): ProfileRecord {
    const domain = this.requireProfileDomain(domainId);
    assertSecurityGroupsFit(domain.appNetworkAccessType, update);
    const rec = this.requireProfile(domainId, name);
    this.assertMutable(rec, "update");
    const merged = applyUpdate(this.config.modes, rec.settings, update);
    rec.settings = gate ? gate(merged, rec.settings, update) : merged;
    delete rec.failureReason;
    this.transition(rec, "Updating", this.config.delays.updateMs);
    this.touch(rec);
    return rec;
  }

  deleteProfile(domainId: string, name: string): void {
    this.requireProfileDomain(domainId);
    const rec = this.requireProfile(domainId, name);
    this.assertMutable(rec, "delete");
    delete rec.failureReason;
    this.transition(rec, "Deleting", this.config.delays.deleteMs);
    // With no delay the profile is gone at once.
    this.settle(rec, this.now());
  }

  /** Admin edits; see AdminProfilePatch. */
  patchProfile(domainId: string, name: string, patch: AdminProfilePatch): ProfileRecord {
    const rec = this.requireProfile(domainId, name);
    if (patch.runningApps !== undefined) rec.runningApps = Math.max(0, patch.runningApps);
    if (patch.inUseFor !== undefined) rec.inUseFor = Math.max(0, patch.inUseFor.count);
    if (patch.userSettings !== undefined) {
      rec.settings = applyUpdate(this.config.modes, rec.settings, patch.userSettings);
      this.touch(rec);
    }
    if (patch.status !== undefined) {
      rec.status = patch.status;
      rec.settlesAt =
        TRANSITIONAL.has(patch.status) && patch.settleInMs !== undefined
          ? this.now() + patch.settleInMs
          : Number.POSITIVE_INFINITY;
      if (Number.isFinite(rec.settlesAt)) this.due.schedule(rec, rec.settlesAt);
      if (patch.failureReason === undefined) delete rec.failureReason;
    }
    if (patch.failureReason !== undefined) rec.failureReason = patch.failureReason;
    this.settle(rec, this.now());
    return rec;
  }

  /** Removes a profile at once, whatever its state (an out-of-band deletion). */
  removeProfile(domainId: string, name: string): boolean {
    const rec = this.profile(domainId, name);
    if (rec) this.forget(rec);
    return rec !== undefined;
  }

  /** Live profiles (settles every due transition, so it is O(n): for assertions, not hot paths). */
  profileCount(): number {
    const now = this.now();
    this.settleDue(now);
    let n = 0;
    for (const rec of [...this.profiles.values()]) if (this.settle(rec, now)) n++;
    return n;
  }

  /** One page of profiles in the order of the query, and the cursor of the next page when there is one. */
  listProfiles(q: ProfileQuery): { items: ProfileRecord[]; next?: number } {
    const now = this.now();
    // Settle first: a transition settling mid-page would move its profile in the modification log.
    this.settleDue(now);
    const byCreation = q.sortBy === "CreationTime";
    const log = byCreation ? this.creationLog : this.modificationLog;
    const matches = (e: LogEntry): boolean => {
      const rec = e.rec;
      if (this.profiles.get(rec.key) !== rec) return false;
      if ((byCreation ? rec.createSeq : rec.modSeq) !== e.seq) return false;
      if (q.domainId !== undefined && rec.domainId !== q.domainId) return false;
      if (q.nameContains !== undefined && !this.shownName(rec).includes(q.nameContains)) return false;
      return this.settle(rec, now);
    };
    const items: ProfileRecord[] = [];
    let lastSeq: number | undefined;
    const step = q.descending ? -1 : 1;
    let i: number;
    if (q.after === undefined) i = q.descending ? log.length - 1 : 0;
    else i = q.descending ? firstIndexAtLeast(log, q.after) - 1 : firstIndexAtLeast(log, q.after + 1);
    for (; i >= 0 && i < log.length; i += step) {
      const entry = log[i] as LogEntry;
      if (!matches(entry)) continue;
      if (items.length === q.max) return { items, ...(lastSeq !== undefined ? { next: lastSeq } : {}) };
      items.push(entry.rec);
      lastSeq = entry.seq;
    }
    return { items };
  }

  // ---- tags

  /** The profile or domain an ARN names, if it exists. */
  taggable(arn: string): Taggable | undefined {
    const m = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:(user-profile|domain)\/([^/]+)(?:\/([^/]+))?$/.exec(arn);
    if (!m) return undefined;
    const [, kind, domainId = "", name] = m;
    const target =
      kind === "domain"
        ? name === undefined
          ? this.domains.get(domainId)
          : undefined
        : this.profile(domainId, name ?? "");
    if (!target) return undefined;
    const targetArn = "domainArn" in target ? target.domainArn : target.arn;
    return targetArn === arn ? { arn, tags: target.tags } : undefined;
  }

  // ---- views

  profileView(rec: ProfileRecord): ProfileView {
    return {
      domainId: rec.domainId,
      userProfileName: rec.name,
      userProfileArn: rec.arn,
      homeEfsFileSystemUid: rec.uid,
      status: rec.status,
      ...(rec.failureReason !== undefined ? { failureReason: rec.failureReason } : {}),
      userSettings: structuredClone(rec.settings),
      tags: tagList(rec.tags),
      creationTime: rec.creationTime,
      lastModifiedTime: rec.lastModifiedTime,
      runningApps: rec.runningApps,
      inUseFor: rec.inUseFor,
    };
  }

  domainView(d: DomainRecord): DomainView {
    return {
      domainId: d.domainId,
      domainArn: d.domainArn,
      domainName: d.domainName,
      defaultUserSettings: structuredClone(d.defaultUserSettings),
      ...(d.securityGroupIdForDomainBoundary !== undefined
        ? { securityGroupIdForDomainBoundary: d.securityGroupIdForDomainBoundary }
        : {}),
      creationTime: d.creationTime,
      lastModifiedTime: d.lastModifiedTime,
    };
  }

  /** UserSettings as DescribeUserProfile shows them, per the modes (see describedUserSettings). */
  describedSettings(rec: ProfileRecord): UserSettings | undefined {
    return describedUserSettings(this.config.modes, rec.settings, this.domains.get(rec.domainId));
  }

  // ---- internals

  /** Applies a due transition. False when the profile is gone. */
  private settle(rec: ProfileRecord, now: number): boolean {
    if (now < rec.settlesAt) return true;
    const settledAt = rec.settlesAt;
    rec.settlesAt = Number.POSITIVE_INFINITY;
    if (rec.status === "Deleting") {
      this.forget(rec);
      return false;
    }
    if (rec.status === "Pending" || rec.status === "Updating") {
      rec.status = "InService";
      if (this.config.modes.lastModifiedTime === "on-settle") this.touch(rec, settledAt);
    }
    return true;
  }

  /** Settles every transition due by `now`, earliest first. */
  private settleDue(now: number): void {
    for (let top = this.due.peek(); top !== undefined && top.readyAt <= now; top = this.due.peek()) {
      this.due.pop();
      const rec = top.key;
      if (this.profiles.get(rec.key) !== rec) continue;
      // Rescheduled later since (a forced status): wait for the new time.
      if (rec.settlesAt > now) {
        if (Number.isFinite(rec.settlesAt)) this.due.schedule(rec, rec.settlesAt);
        continue;
      }
      this.settle(rec, now);
    }
  }

  private transition(rec: ProfileRecord, status: UserProfileStatus, delayMs: number): void {
    rec.status = status;
    rec.settlesAt = this.now() + Math.max(0, delayMs);
    this.due.schedule(rec, rec.settlesAt);
  }

  /**
   * Update and Delete are refused while a change is in flight (Pending, Updating, Deleting: the statuses ACK's
   * sagemaker-controller waits out), Delete also while apps exist, and both for admin-injected `inUseFor` calls.
   * Running apps do not block an update. Failed states stay actionable (Update_Failed can be updated again, any failed
   * profile can be deleted), or a failed profile could never be repaired.
   */
  private assertMutable(rec: ProfileRecord, action: "update" | "delete"): void {
    const what = `user profile ${rec.name} in domain ${rec.domainId}`;
    if (rec.inUseFor > 0) {
      rec.inUseFor--;
      throw inUse(`Unable to ${action} ${what}: the resource is in use by another operation`);
    }
    const allowed = action === "update" ? UPDATABLE : DELETABLE;
    if (!allowed.has(rec.status)) throw inUse(`Unable to ${action} ${what} because it is in ${rec.status} status`);
    if (action === "delete" && rec.runningApps > 0)
      throw inUse(`Unable to delete UserProfile [${rec.arn}] because App(s) are associated with it.`);
  }

  private touch(rec: ProfileRecord, at = this.now()): void {
    rec.lastModifiedTime = at;
    rec.modSeq = ++this.seq;
    this.modificationLog.push({ seq: rec.modSeq, rec });
    this.compact();
  }

  private forget(rec: ProfileRecord): void {
    if (this.profiles.get(rec.key) !== rec) return;
    this.profiles.delete(rec.key);
    this.profilesPerDomain.set(rec.domainId, (this.profilesPerDomain.get(rec.domainId) ?? 1) - 1);
  }

  /** Drops stale log entries once they outnumber live ones; entries keep their order. */
  private compact(): void {
    const limit = 2 * this.profiles.size + 1024;
    if (this.creationLog.length > limit)
      this.creationLog = this.creationLog.filter(
        (e) => this.profiles.get(e.rec.key) === e.rec && e.rec.createSeq === e.seq,
      );
    if (this.modificationLog.length > limit)
      this.modificationLog = this.modificationLog.filter(
        (e) => this.profiles.get(e.rec.key) === e.rec && e.rec.modSeq === e.seq,
      );
  }
}

export const profileKey = (domainId: string, name: string): string => `${domainId}/${canonicalProfileName(name)}`;

export const tagList = (tags: Map<string, string>): Tag[] => [...tags].map(([Key, Value]) => ({ Key, Value }));

export const tagLimit = (arn: string) =>
  new ApiError("ResourceLimitExceeded", `A resource can have at most ${MAX_TAGS_PER_RESOURCE} tags: ${arn}`);

/** Index of the first entry whose seq is >= `seq` (entries are sorted by seq). */
function firstIndexAtLeast(log: LogEntry[], seq: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((log[mid] as LogEntry).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
