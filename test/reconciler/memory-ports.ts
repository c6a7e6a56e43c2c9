/**
 * In-memory ports for the reconciler's table test, and only for it: SageMaker is otherwise always the real SDK against
 * the emulator. The SageMaker port keeps profiles (names case-insensitive) and tags and answers with the reconciler's
 * own error type, classified by the real classifier; the kube port keeps resources and records status writes, events
 * and finalizer changes. Failures are scripted per operation.
 */
import type {
  AppDetails,
  CreateUserProfileRequest,
  DescribeUserProfileResponse,
  SpaceDetails,
  Tag,
  UpdateUserProfileRequest,
  UserSettings,
} from "../../src/api/generated/sagemaker-shapes.js";
import { FINALIZER, type SageMakerUserProfile, type SageMakerUserProfileStatus } from "../../src/api/types.js";
import { deepEqual } from "../../src/kube/index.js";
import type { AppRef, KubePort, SageMakerPort } from "../../src/reconciler/index.js";
import { classifyError, SageMakerError } from "../../src/sagemaker/index.js";

interface StoredProfile {
  response: DescribeUserProfileResponse;
  tags: Tag[];
}

export interface Call {
  op: string;
  input: Record<string, unknown>;
}

/** A SageMaker error as the gateway throws it, e.g. `sageMakerError("UpdateUserProfile", "ResourceInUse")`. */
export function sageMakerError(op: string, code: string, httpStatusCode = 400): SageMakerError {
  const cause = { name: code, message: `${code} (scripted)`, $metadata: { httpStatusCode } };
  return new SageMakerError(op, classifyError(cause), cause);
}

export class MemorySageMaker implements SageMakerPort {
  readonly calls: Call[] = [];
  private readonly domains = new Map<string, string[]>();
  private readonly profiles = new Map<string, StoredProfile>();
  /** Apps and spaces, as ListApps and ListSpaces answer them; DeleteApp makes an app Deleting, DeleteSpace removes. */
  readonly apps: AppDetails[] = [];
  readonly spaces: SpaceDetails[] = [];
  private readonly failures: Array<{ op: string; code: string; httpStatus?: number; applied?: boolean }> = [];
  private seq = 0;

  addDomain(domainId: string, securityGroups: string[] = []): void {
    this.domains.set(domainId, securityGroups);
  }

  /**
   * The next call of `op` fails with `code`. `applied`: the call takes effect first (a lost answer, whose SDK retry
   * is then refused).
   */
  failNext(op: string, code: string, options: { httpStatus?: number; applied?: boolean } = {}): void {
    this.failures.push({ op, code, ...options });
  }

  /** A profile someone else made (the console, another tool), or one of ours after the fact. */
  putProfile(
    domainId: string,
    name: string,
    fields: Partial<DescribeUserProfileResponse> = {},
    tags: Tag[] = [],
  ): DescribeUserProfileResponse {
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:user-profile/${domainId}/${name.toLowerCase()}`;
    const response: DescribeUserProfileResponse = {
      DomainId: domainId,
      UserProfileArn: arn,
      UserProfileName: name,
      Status: "InService",
      HomeEfsFileSystemUid: "200001",
      CreationTime: new Date(0),
      LastModifiedTime: new Date(++this.seq * 1000),
      ...fields,
    };
    this.profiles.set(this.key(domainId, name), { response, tags: [...tags] });
    return response;
  }

  profile(domainId: string, name: string): StoredProfile | undefined {
    return this.profiles.get(this.key(domainId, name));
  }

  /** An out-of-band change (console, another tool). */
  edit(domainId: string, name: string, fields: Partial<DescribeUserProfileResponse>): void {
    const p = this.mustGet(domainId, name);
    p.response = { ...p.response, ...fields, LastModifiedTime: new Date(++this.seq * 1000) };
  }

  remove(domainId: string, name: string): void {
    this.profiles.delete(this.key(domainId, name));
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }

  async describeUserProfile(domainId: string, name: string, signal?: AbortSignal) {
    this.enter("DescribeUserProfile", { DomainId: domainId, UserProfileName: name }, signal);
    const p = this.profiles.get(this.key(domainId, name));
    return p ? structuredClone(p.response) : null;
  }

  async createUserProfile(input: CreateUserProfileRequest, signal?: AbortSignal) {
    signal?.throwIfAborted();
    const failure = this.failure("CreateUserProfile");
    if (!failure?.applied) this.record("CreateUserProfile", input, failure);
    this.mustHaveDomain("CreateUserProfile", input.DomainId);
    if (this.profiles.has(this.key(input.DomainId, input.UserProfileName)))
      throw sageMakerError("CreateUserProfile", "ResourceInUse");
    const created = this.putProfile(
      input.DomainId,
      input.UserProfileName,
      { Status: "Pending", UserSettings: input.UserSettings },
      input.Tags ?? [],
    );
    if (failure?.applied) this.record("CreateUserProfile", input, failure);
    return { UserProfileArn: created.UserProfileArn };
  }

  async updateUserProfile(input: UpdateUserProfileRequest, signal?: AbortSignal) {
    this.enter("UpdateUserProfile", input, signal);
    const p = this.found("UpdateUserProfile", input.DomainId, input.UserProfileName);
    // Each top-level member sent replaces the observed one (the update builder sends whole blocks).
    const settings: UserSettings = { ...p.response.UserSettings, ...input.UserSettings };
    p.response = { ...p.response, UserSettings: settings, LastModifiedTime: new Date(++this.seq * 1000) };
    return {};
  }

  putApp(app: AppDetails): void {
    this.apps.push({ DomainId: "d-table0000001", Status: "InService", ...app });
  }

  putSpace(space: SpaceDetails): void {
    this.spaces.push({ Status: "InService", ...space });
  }

  /** Like SageMaker: `Deleting` apps become `Deleted` (call between reconciles). */
  settleApps(): void {
    for (const a of this.apps) if (a.Status === "Deleting") a.Status = "Deleted";
  }

  async listApps(domainId: string, owner: { userProfileName: string } | { spaceName: string }, signal?: AbortSignal) {
    const filter =
      "spaceName" in owner ? { SpaceNameEquals: owner.spaceName } : { UserProfileNameEquals: owner.userProfileName };
    this.enter("ListApps", { DomainIdEquals: domainId, ...filter }, signal);
    return structuredClone(
      this.apps.filter(
        (a) =>
          a.DomainId === domainId &&
          ("spaceName" in owner ? a.SpaceName === owner.spaceName : a.UserProfileName === owner.userProfileName),
      ),
    );
  }

  async listSpaces(domainId: string, signal?: AbortSignal) {
    this.enter("ListSpaces", { DomainIdEquals: domainId }, signal);
    return structuredClone(this.spaces.filter((s) => s.DomainId === domainId));
  }

  async deleteApp(app: AppRef, signal?: AbortSignal) {
    this.enter("DeleteApp", app, signal);
    const found = this.apps.find(
      (a) =>
        a.AppType === app.appType &&
        a.AppName === app.appName &&
        ("spaceName" in app ? a.SpaceName === app.spaceName : a.UserProfileName === app.userProfileName),
    );
    if (!found || found.Status === "Deleted") throw sageMakerError("DeleteApp", "ResourceNotFound");
    if (found.Status === "Deleting") throw sageMakerError("DeleteApp", "ResourceInUse");
    found.Status = "Deleting";
  }

  async deleteSpace(domainId: string, spaceName: string, signal?: AbortSignal) {
    this.enter("DeleteSpace", { DomainId: domainId, SpaceName: spaceName }, signal);
    if (this.apps.some((a) => a.SpaceName === spaceName && a.Status !== "Deleted"))
      throw sageMakerError("DeleteSpace", "ResourceInUse");
    const i = this.spaces.findIndex((s) => s.DomainId === domainId && s.SpaceName === spaceName);
    if (i < 0) throw sageMakerError("DeleteSpace", "ResourceNotFound");
    this.spaces.splice(i, 1);
  }

  async deleteUserProfile(domainId: string, name: string, signal?: AbortSignal) {
    this.enter("DeleteUserProfile", { DomainId: domainId, UserProfileName: name }, signal);
    const blocked =
      this.apps.some((a) => a.UserProfileName === name && a.Status !== "Deleted") ||
      this.spaces.some((s) => s.OwnershipSettingsSummary?.OwnerUserProfileName === name);
    if (blocked) throw sageMakerError("DeleteUserProfile", "ResourceInUse");
    const p = this.found("DeleteUserProfile", domainId, name);
    p.response = { ...p.response, Status: "Deleting" };
  }

  async domainSecurityGroups(domainId: string, signal?: AbortSignal) {
    this.enter("DescribeDomain", { DomainId: domainId }, signal);
    this.mustHaveDomain("DescribeDomain", domainId);
    return [...(this.domains.get(domainId) ?? [])];
  }

  async domainExists(domainId: string, signal?: AbortSignal) {
    this.enter("DescribeDomain", { DomainId: domainId }, signal);
    return this.domains.has(domainId);
  }

  async listTags(arn: string, signal?: AbortSignal) {
    this.enter("ListTags", { ResourceArn: arn }, signal);
    return structuredClone(this.byArn("ListTags", arn).tags);
  }

  async addTags(arn: string, tags: Tag[], signal?: AbortSignal) {
    this.enter("AddTags", { ResourceArn: arn, Tags: tags }, signal);
    const p = this.byArn("AddTags", arn);
    p.tags = [...p.tags.filter((t) => !tags.some((n) => n.Key === t.Key)), ...tags];
  }

  async deleteTags(arn: string, keys: string[], signal?: AbortSignal) {
    this.enter("DeleteTags", { ResourceArn: arn, TagKeys: keys }, signal);
    const p = this.byArn("DeleteTags", arn);
    p.tags = p.tags.filter((t) => !keys.includes(t.Key));
  }

  /** Records the call, then fails it if a failure is scripted for it; an aborted call is not sent (as the gateway's). */
  private enter(op: string, input: object, signal: AbortSignal | undefined): void {
    signal?.throwIfAborted();
    this.record(op, input, this.failure(op));
  }

  private record(op: string, input: object, scripted: { code: string; httpStatus?: number } | undefined): void {
    this.calls.push({ op, input: structuredClone(input) as Record<string, unknown> });
    if (scripted) throw sageMakerError(op, scripted.code, scripted.httpStatus);
  }

  private failure(op: string) {
    const i = this.failures.findIndex((f) => f.op === op);
    return i < 0 ? undefined : this.failures.splice(i, 1)[0];
  }

  private key(domainId: string, name: string): string {
    return `${domainId}/${name.toLowerCase()}`;
  }

  private mustHaveDomain(op: string, domainId: string): void {
    if (!this.domains.has(domainId)) throw sageMakerError(op, "ResourceNotFound");
  }

  private mustGet(domainId: string, name: string): StoredProfile {
    const p = this.profiles.get(this.key(domainId, name));
    if (!p) throw new Error(`no profile ${domainId}/${name}`);
    return p;
  }

  private found(op: string, domainId: string, name: string): StoredProfile {
    const p = this.profiles.get(this.key(domainId, name));
    if (!p) throw sageMakerError(op, "ResourceNotFound");
    return p;
  }

  private byArn(op: string, arn: string): StoredProfile {
    const p = [...this.profiles.values()].find((x) => x.response.UserProfileArn === arn);
    if (!p) throw sageMakerError(op, "ResourceNotFound");
    return p;
  }
}

export interface RecordedEvent {
  type: string;
  reason: string;
  note: string;
}

/** The informer cache and the writes, kept in memory; a status write that changes nothing is skipped, as the real one. */
export class MemoryKube implements KubePort {
  private readonly objects = new Map<string, SageMakerUserProfile>();
  /** Every writeStatus call (written or skipped). */
  statusCalls = 0;
  readonly statusWrites: SageMakerUserProfileStatus[] = [];
  readonly events: RecordedEvent[] = [];
  readonly finalizerChanges: Array<"add" | "remove"> = [];
  /** Thrown by the next writeStatus (a Kubernetes failure). */
  failNextStatusWrite?: Error;

  /** Creates or updates the resource as `kubectl apply` would: a spec change moves the generation. */
  apply(obj: SageMakerUserProfile): void {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const current = this.objects.get(key);
    const generation = !current
      ? 1
      : deepEqual(current.spec, obj.spec)
        ? current.metadata.generation
        : (current.metadata.generation ?? 1) + 1;
    this.objects.set(key, {
      ...structuredClone(obj),
      metadata: {
        ...structuredClone(obj.metadata),
        generation,
        finalizers: current?.metadata.finalizers ?? obj.metadata.finalizers,
      },
      status: current?.status ?? obj.status,
    });
  }

  /** kubectl delete: the object stays while it has finalizers. */
  delete(key: string, at: string): void {
    const obj = this.must(key);
    if (!obj.metadata.finalizers?.length) this.objects.delete(key);
    else obj.metadata.deletionTimestamp = at;
  }

  get(key: string): SageMakerUserProfile | undefined {
    const obj = this.objects.get(key);
    return obj && structuredClone(obj);
  }

  async writeStatus(obj: SageMakerUserProfile, status: SageMakerUserProfileStatus): Promise<boolean> {
    this.statusCalls++;
    const failure = this.failNextStatusWrite;
    this.failNextStatusWrite = undefined;
    if (failure) throw failure;
    const current = this.must(keyOf(obj));
    if (deepEqual(current.status, status)) return false;
    current.status = structuredClone(status);
    this.statusWrites.push(structuredClone(status));
    return true;
  }

  async addFinalizer(obj: SageMakerUserProfile): Promise<void> {
    const current = this.must(keyOf(obj));
    if (current.metadata.finalizers?.includes(FINALIZER)) return;
    current.metadata.finalizers = [...(current.metadata.finalizers ?? []), FINALIZER];
    this.finalizerChanges.push("add");
  }

  async removeFinalizer(obj: SageMakerUserProfile): Promise<void> {
    const key = keyOf(obj);
    const current = this.objects.get(key);
    if (!current?.metadata.finalizers?.includes(FINALIZER)) return;
    current.metadata.finalizers = current.metadata.finalizers.filter((f) => f !== FINALIZER);
    this.finalizerChanges.push("remove");
    if (current.metadata.deletionTimestamp && current.metadata.finalizers.length === 0) this.objects.delete(key);
  }

  event(_obj: SageMakerUserProfile, type: "Normal" | "Warning", reason: string, note: string): void {
    this.events.push({ type, reason, note });
  }

  private must(key: string): SageMakerUserProfile {
    const obj = this.objects.get(key);
    if (!obj) throw new Error(`no object ${key}`);
    return obj;
  }
}

const keyOf = (obj: SageMakerUserProfile) => `${obj.metadata.namespace}/${obj.metadata.name}`;
