/**
 * The emulator's state, in memory: domains, user profiles and their tags, and the profile status life cycle.
 *
 * Profile status is derived lazily: an action records its status and the time it settles (`settlesAt`), and every
 * read settles what is due (Pending/Updating -> InService, Deleting -> gone). No timer per profile, so 10,000 profiles
 * cost only their memory. ListUserProfiles pages over the logs of profile-log.ts.
 * A profile's LastModifiedTime is the time of the request that changed it, and with the mode `on-settle` also of its
 * status settling; due transitions are therefore settled in time order (a heap) before any read or write, so the
 * modification log stays sorted by LastModifiedTime.
 */
import type { Tag, UserProfileStatus, UserSettings } from "../../../../src/api/generated/sagemaker-shapes.js";
import { DelayHeap } from "../../../../src/kube/delay-heap.js";
import { applyDomainPatch, newDomain } from "./domains.js";
import { ApiError, inUse, notFound } from "./errors.js";
import { applyUpdate, describedUserSettings } from "./modes.js";
import { ProfileLog } from "./profile-log.js";
import { assertSecurityGroupsFit, canonicalProfileName, missingDomain } from "./profile-rules.js";
import { assertMutable, TRANSITIONAL } from "./profile-status.js";
import {
  type DomainRecord,
  MAX_TAGS_PER_RESOURCE,
  type ProfileQuery,
  type ProfileRecord,
  profileKey,
  type StoreConfig,
  type Taggable,
  tagLimit,
} from "./records.js";
import { ReferencedResources } from "./references.js";
import { StudioStore } from "./studio.js";
import type { AdminDomainPatch, AdminDomainSpec, AdminProfilePatch, DomainView, ProfileView } from "./types.js";
import { domainView, profileView } from "./views.js";

// The record shapes moved to records.ts; re-exported so `sagemaker/store` keeps its exports.
export {
  type DomainRecord,
  MAX_TAGS_PER_RESOURCE,
  type ProfileQuery,
  type ProfileRecord,
  type ProfileSortKey,
  profileKey,
  type StoreConfig,
  type Taggable,
  tagLimit,
  tagList,
} from "./records.js";

export class Store {
  private readonly domains = new Map<string, DomainRecord>();
  private readonly profiles = new Map<string, ProfileRecord>();
  private readonly profilesPerDomain = new Map<string, number>();
  /** Profiles with a transition due, by due time. */
  private readonly due = new DelayHeap<ProfileRecord>();
  /** ListUserProfiles' cursor over creations and modifications. */
  private readonly log = new ProfileLog(
    (rec) => this.profiles.get(rec.key) === rec,
    () => this.profiles.size,
  );
  private uids = 0;
  /** What the admin seeded for the mode `referencedResources: checked`. */
  readonly references = new ReferencedResources();
  /** Apps and spaces (studio.ts): what keeps a profile from being deleted. */
  readonly studio: StudioStore;

  constructor(readonly config: StoreConfig) {
    this.studio = new StudioStore(config);
  }

  private now(): number {
    return this.config.now();
  }

  // ---- domains

  createDomain(spec: AdminDomainSpec, extra: Record<string, unknown> = {}): DomainRecord {
    const domain = newDomain(this.config, spec, extra, (domainId) => this.domains.has(domainId));
    this.domains.set(domain.domainId, domain);
    return domain;
  }

  updateDomain(domainId: string, patch: AdminDomainPatch): DomainRecord {
    const domain = this.requireDomain(domainId);
    applyDomainPatch(this.config, domain, patch);
    domain.lastModifiedTime = this.now();
    return domain;
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
    const seq = this.log.nextSeq();
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
      inUseFor: 0,
    };
    this.profiles.set(rec.key, rec);
    this.profilesPerDomain.set(domainId, (this.profilesPerDomain.get(domainId) ?? 0) + 1);
    this.log.created(rec);
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
    assertMutable(rec, "update");
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
    assertMutable(rec, "delete");
    const blocker = this.studio.profileDeleteBlocker(domainId, rec.name, rec.arn);
    if (blocker) throw blocker;
    delete rec.failureReason;
    this.transition(rec, "Deleting", this.config.delays.deleteMs);
    // With no delay the profile is gone at once.
    this.settle(rec, this.now());
  }

  /** Admin edits; see AdminProfilePatch. */
  patchProfile(domainId: string, name: string, patch: AdminProfilePatch): ProfileRecord {
    const rec = this.requireProfile(domainId, name);
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
    return this.log.page(q, (rec) => {
      if (q.domainId !== undefined && rec.domainId !== q.domainId) return false;
      if (q.nameContains !== undefined && !this.shownName(rec).includes(q.nameContains)) return false;
      return this.settle(rec, now);
    });
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

  /**
   * An accepted AddTags or DeleteTags on `arn`: a user profile's LastModifiedTime moves with it only under
   * `modes.profileTagWrites: moved` (undocumented).
   */
  tagsWritten(arn: string): void {
    if (this.config.modes.profileTagWrites !== "moved") return;
    const m = /:user-profile\/([^/]+)\/([^/]+)$/.exec(arn);
    const rec = m ? this.profile(m[1] as string, m[2] as string) : undefined;
    if (rec && rec.arn === arn) this.touch(rec);
  }

  // ---- views

  profileView(rec: ProfileRecord): ProfileView {
    return profileView(rec);
  }

  domainView(d: DomainRecord): DomainView {
    return domainView(d);
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

  private touch(rec: ProfileRecord, at = this.now()): void {
    rec.lastModifiedTime = at;
    this.log.modified(rec);
  }

  private forget(rec: ProfileRecord): void {
    if (this.profiles.get(rec.key) !== rec) return;
    this.profiles.delete(rec.key);
    this.profilesPerDomain.set(rec.domainId, (this.profilesPerDomain.get(rec.domainId) ?? 1) - 1);
  }
}
