/**
 * Studio apps and spaces: their records, status life cycles and what they block. Statuses settle lazily on every
 * read, as the profiles' do: an action records the status and when it settles, no timer per record.
 *
 * Apps: Pending -> InService (delays.appStartMs); DeleteApp: Deleting -> Deleted (delays.appDeleteMs), or Failed when
 * the admin made its deletion fail; a Deleted app stays listed for delays.deletedAppRetentionMs, then is gone.
 * Spaces: Pending -> InService (delays.spaceCreateMs); DeleteSpace: Deleting -> gone (delays.spaceDeleteMs).
 * Sources of every rule: docs/fidelity.md, "Apps and spaces".
 */
import type {
  AppStatus,
  AppType,
  ResourceSpec,
  SharingType,
  SpaceStatus,
  Tag,
} from "../../../../src/api/generated/sagemaker-shapes.js";
import { ApiError, inUse, notFound } from "./errors.js";
import { canonicalProfileName } from "./profile-rules.js";
import type { StoreConfig } from "./records.js";

/** An app belongs to a user profile or to a space, never both (CreateApp: "If this value is not set, then ... must be set"). */
export type AppOwner = { userProfileName: string } | { spaceName: string };

export interface AppRecord {
  key: string;
  domainId: string;
  owner: AppOwner;
  appType: AppType;
  appName: string;
  arn: string;
  status: AppStatus;
  failureReason?: string;
  resourceSpec?: ResourceSpec;
  tags: Map<string, string>;
  creationTime: number;
  /** When the status settles (Pending -> InService, Deleting -> Deleted, Deleted -> gone); +Infinity when it holds. */
  settlesAt: number;
  /** The next this many deletions end Failed instead of Deleted (admin: a deletion that fails). */
  deleteFailures: number;
}

export interface SpaceRecord {
  key: string;
  domainId: string;
  name: string;
  arn: string;
  uid: string;
  status: SpaceStatus;
  ownerUserProfileName?: string;
  sharingType?: SharingType;
  displayName?: string;
  settings?: Record<string, unknown>;
  tags: Map<string, string>;
  creationTime: number;
  lastModifiedTime: number;
  settlesAt: number;
}

export interface NewApp {
  owner: AppOwner;
  appType: AppType;
  appName: string;
  resourceSpec?: ResourceSpec;
  tags?: Tag[];
  /** Admin seeding: InService or Failed at once; API calls start Pending. */
  status?: "InService" | "Failed";
  failureReason?: string;
}

export interface NewSpace {
  ownerUserProfileName?: string;
  sharingType?: SharingType;
  displayName?: string;
  settings?: Record<string, unknown>;
  tags?: Tag[];
  /** Admin seeding: InService at once. */
  seeded?: boolean;
}

const lower = (s: string) => s.toLowerCase();
const ownerKey = (o: AppOwner) =>
  "spaceName" in o ? `space:${lower(o.spaceName)}` : `profile:${lower(o.userProfileName)}`;
export const appKey = (domainId: string, owner: AppOwner, appType: string, appName: string) =>
  `${domainId}/${ownerKey(owner)}/${appType}/${lower(appName)}`;
const spaceKey = (domainId: string, name: string) => `${domainId}/${lower(name)}`;

export class StudioStore {
  private readonly apps = new Map<string, AppRecord>();
  private readonly spaces = new Map<string, SpaceRecord>();
  private uids = 0;

  constructor(private readonly config: StoreConfig) {}

  private now(): number {
    return this.config.now();
  }

  // ---- apps

  createApp(domainId: string, init: NewApp): AppRecord {
    const key = appKey(domainId, init.owner, init.appType, init.appName);
    const existing = this.app(key);
    const arn = this.appArn(domainId, init.owner, init.appType, init.appName);
    if (existing && existing.status !== "Deleted") throw inUse(`App already exists: ${arn}`);
    if ("spaceName" in init.owner) this.requireLiveSpace(domainId, init.owner.spaceName);
    const now = this.now();
    const delay = this.config.delays.appStartMs;
    const pending = init.status === undefined && delay > 0;
    const rec: AppRecord = {
      key,
      domainId,
      owner: init.owner,
      appType: init.appType,
      appName: init.appName,
      arn,
      status: init.status ?? (pending ? "Pending" : "InService"),
      ...(init.failureReason !== undefined ? { failureReason: init.failureReason } : {}),
      ...(init.resourceSpec !== undefined ? { resourceSpec: init.resourceSpec } : {}),
      tags: new Map((init.tags ?? []).map((t) => [t.Key, t.Value])),
      creationTime: now,
      settlesAt: pending ? now + delay : Number.POSITIVE_INFINITY,
      deleteFailures: 0,
    };
    this.apps.set(key, rec);
    return rec;
  }

  /** The app (Deleted ones included while they are listed); undefined when unknown or gone. */
  app(key: string): AppRecord | undefined {
    const rec = this.apps.get(key);
    return rec && this.settleApp(rec, this.now()) ? rec : undefined;
  }

  requireApp(domainId: string, owner: AppOwner, appType: AppType, appName: string): AppRecord {
    const rec = this.app(appKey(domainId, owner, appType, appName));
    if (!rec) throw notFound(`App does not exist: ${this.appArn(domainId, owner, appType, appName)}`);
    return rec;
  }

  /** DeleteApp: InService, Pending and Failed apps go Deleting; a Deleting or Deleted one is answered per mode. */
  deleteApp(rec: AppRecord): void {
    if (rec.status === "Deleting" || rec.status === "Deleted") {
      const code = this.config.modes.repeatedAppDelete;
      throw new ApiError(
        code,
        code === "ResourceInUse" ? `App ${rec.arn} is already ${rec.status}` : `App does not exist: ${rec.arn}`,
      );
    }
    rec.status = "Deleting";
    delete rec.failureReason;
    rec.settlesAt = this.now() + Math.max(0, this.config.delays.appDeleteMs);
    this.settleApp(rec, this.now());
  }

  /** Apps in creation order, optionally of one domain and owner (settles each). */
  listApps(filter: { domainId?: string; owner?: AppOwner }): AppRecord[] {
    const now = this.now();
    const wanted = filter.owner && ownerKey(filter.owner);
    return [...this.apps.values()]
      .filter((a) => this.settleApp(a, now))
      .filter((a) => filter.domainId === undefined || a.domainId === filter.domainId)
      .filter((a) => wanted === undefined || ownerKey(a.owner) === wanted)
      .sort((a, b) => a.creationTime - b.creationTime || (a.key < b.key ? -1 : 1));
  }

  /** Admin: removes an app at once. */
  removeApp(key: string): boolean {
    return this.apps.delete(key);
  }

  /** Admin: the next `count` deletions of this app end Failed. */
  failDeletions(rec: AppRecord, count: number): void {
    rec.deleteFailures = Math.max(0, count);
  }

  appArn(domainId: string, owner: AppOwner, appType: string, appName: string): string {
    const ownerName = "spaceName" in owner ? owner.spaceName : owner.userProfileName;
    return `arn:aws:sagemaker:${this.config.region}:${this.config.accountId}:app/${domainId}/${lower(ownerName)}/${lower(appType)}/${lower(appName)}`;
  }

  // ---- spaces

  createSpace(domainId: string, name: string, init: NewSpace): SpaceRecord {
    const key = spaceKey(domainId, name);
    const arn = this.spaceArn(domainId, name);
    if (this.space(domainId, name)) throw inUse(`Space already exists: ${arn}`);
    const now = this.now();
    const delay = this.config.delays.spaceCreateMs;
    const pending = !init.seeded && delay > 0;
    const rec: SpaceRecord = {
      key,
      domainId,
      name,
      arn,
      uid: String(300000 + ++this.uids),
      status: pending ? "Pending" : "InService",
      ...(init.ownerUserProfileName !== undefined ? { ownerUserProfileName: init.ownerUserProfileName } : {}),
      ...(init.sharingType !== undefined ? { sharingType: init.sharingType } : {}),
      ...(init.displayName !== undefined ? { displayName: init.displayName } : {}),
      ...(init.settings !== undefined ? { settings: structuredClone(init.settings) } : {}),
      tags: new Map((init.tags ?? []).map((t) => [t.Key, t.Value])),
      creationTime: now,
      lastModifiedTime: now,
      settlesAt: pending ? now + delay : Number.POSITIVE_INFINITY,
    };
    this.spaces.set(key, rec);
    return rec;
  }

  space(domainId: string, name: string): SpaceRecord | undefined {
    const rec = this.spaces.get(spaceKey(domainId, name));
    return rec && this.settleSpace(rec, this.now()) ? rec : undefined;
  }

  requireSpace(domainId: string, name: string): SpaceRecord {
    const rec = this.space(domainId, name);
    if (!rec) throw notFound(`Space does not exist: ${this.spaceArn(domainId, name)}`);
    return rec;
  }

  /** DeleteSpace: refused while the space's apps are not Deleted (per mode, Failed ones too) or it is changing. */
  deleteSpace(rec: SpaceRecord): void {
    if (rec.status === "Deleting" || rec.status === "Pending" || rec.status === "Updating")
      throw inUse(`Unable to delete Space [${rec.arn}] because it is in ${rec.status} status`);
    if (this.blockingApps(rec.domainId, { spaceName: rec.name }).length > 0)
      throw inUse(`Unable to delete Space [${rec.arn}] because App(s) are associated with it.`);
    rec.status = "Deleting";
    rec.lastModifiedTime = this.now();
    rec.settlesAt = this.now() + Math.max(0, this.config.delays.spaceDeleteMs);
    this.settleSpace(rec, this.now());
  }

  /** Spaces in creation order, optionally of one domain (settles each). */
  listSpaces(domainId?: string): SpaceRecord[] {
    const now = this.now();
    return [...this.spaces.values()]
      .filter((s) => this.settleSpace(s, now))
      .filter((s) => domainId === undefined || s.domainId === domainId)
      .sort((a, b) => a.creationTime - b.creationTime || (a.key < b.key ? -1 : 1));
  }

  spaceArn(domainId: string, name: string): string {
    return `arn:aws:sagemaker:${this.config.region}:${this.config.accountId}:space/${domainId}/${lower(name)}`;
  }

  // ---- what blocks a deletion

  /** Apps that keep their owner from being deleted: every app not Deleted (Failed ones per mode). */
  blockingApps(domainId: string, owner: AppOwner): AppRecord[] {
    const failedBlocks = this.config.modes.failedAppsBlockDelete === "blocks";
    return this.listApps({ domainId, owner }).filter(
      (a) => a.status !== "Deleted" && (failedBlocks || a.status !== "Failed"),
    );
  }

  /**
   * Why DeleteUserProfile is refused, or undefined: "All apps launched by a user profile and all spaces owned by the
   * user profile must be deleted to delete the user profile" (SageMaker Developer Guide, Remove user profiles).
   */
  profileDeleteBlocker(domainId: string, profileName: string, profileArn: string): ApiError | undefined {
    if (this.blockingApps(domainId, { userProfileName: profileName }).length > 0)
      return inUse(`Unable to delete UserProfile [${profileArn}] because App(s) are associated with it.`);
    const owned = this.listSpaces(domainId).some(
      (s) =>
        s.ownerUserProfileName !== undefined &&
        canonicalProfileName(s.ownerUserProfileName) === canonicalProfileName(profileName),
    );
    if (owned) return inUse(`Unable to delete UserProfile [${profileArn}] because Space(s) are associated with it.`);
    return undefined;
  }

  private requireLiveSpace(domainId: string, name: string): SpaceRecord {
    const rec = this.requireSpace(domainId, name);
    if (rec.status === "Deleting") throw inUse(`Space ${rec.arn} is being deleted`);
    return rec;
  }

  /** Applies a due transition. False when the app is gone. */
  private settleApp(rec: AppRecord, now: number): boolean {
    while (now >= rec.settlesAt) {
      const at = rec.settlesAt;
      if (rec.status === "Pending") {
        rec.status = "InService";
        rec.settlesAt = Number.POSITIVE_INFINITY;
      } else if (rec.status === "Deleting" && rec.deleteFailures > 0) {
        rec.deleteFailures--;
        rec.status = "Failed";
        rec.failureReason = "The app could not be deleted: its instance did not stop in time.";
        rec.settlesAt = Number.POSITIVE_INFINITY;
      } else if (rec.status === "Deleting") {
        rec.status = "Deleted";
        rec.settlesAt = at + Math.max(0, this.config.delays.deletedAppRetentionMs);
      } else {
        if (this.apps.get(rec.key) === rec) this.apps.delete(rec.key);
        return false;
      }
    }
    return true;
  }

  private settleSpace(rec: SpaceRecord, now: number): boolean {
    if (now < rec.settlesAt) return true;
    rec.settlesAt = Number.POSITIVE_INFINITY;
    if (rec.status === "Deleting") {
      if (this.spaces.get(rec.key) === rec) this.spaces.delete(rec.key);
      return false;
    }
    rec.status = "InService";
    return true;
  }
}
