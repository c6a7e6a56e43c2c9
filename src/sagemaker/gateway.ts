/**
 * The SageMaker calls the operator makes, each one through the shared limiter, counted and timed, its failure
 * classified. The reconciler's SageMakerPort is implemented here.
 */
import { AsyncResource } from "node:async_hooks";
import {
  AddTagsCommand,
  CreateUserProfileCommand,
  DeleteTagsCommand,
  DeleteUserProfileCommand,
  DescribeDomainCommand,
  type DescribeDomainCommandOutput,
  DescribeUserProfileCommand,
  ListTagsCommand,
  ListUserProfilesCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
} from "@aws-sdk/client-sagemaker";
import type {
  AppDetails,
  CreateUserProfileRequest,
  CreateUserProfileResponse,
  DescribeUserProfileResponse,
  SpaceDetails,
  Tag,
  UpdateUserProfileRequest,
  UpdateUserProfileResponse,
  UserProfileDetails,
} from "../api/generated/sagemaker-shapes.js";
import { type Clock, systemClock, untilAborted } from "../kube/clock.js";
import { NotLeaderError } from "../kube/leader.js";
import { createSageMakerClient, type SageMakerClientOptions } from "./client.js";
import { classifyError, SageMakerError } from "./errors.js";
import { LAST_CHECK } from "./http-handler.js";
import { type CallKind, RateLimiter, type RateLimiterOptions } from "./limiter.js";
import type { AppOwner, AppRef } from "./studio-calls.js";
import * as studio from "./studio-calls.js";

/** Where call counts, latencies, throttles and the limiter's rate go (the metrics module wires prom-client here). */
export interface CallObserver {
  /** One per call that reached SageMaker: outcome is "success" or the error code; seconds include SDK retries. */
  onCall(op: string, outcome: string, seconds: number): void;
  /** SageMaker throttled a call. */
  onThrottle(op: string): void;
  /** The limiter's shared rate changed (calls per second); also called once with the configured rate. */
  onRateChange(rps: number): void;
  /** Calls waiting for the limiter and calls in flight, whenever either may have changed. */
  onLoadChange?(waiting: number, inFlight: number): void;
}

export interface GatewayOptions extends Omit<SageMakerClientOptions, "maxSockets"> {
  rps: number;
  burst: number;
  /** Calls in flight at most; also the HTTP agent's socket count. */
  concurrency: number;
  mutatingRps?: number;
  mutatingBurst?: number;
  minRps?: number;
  observer?: CallObserver;
  clock?: Clock;
  /** Fine-tuning of AIMD (decreaseFactor, cooldownMs, increaseIntervalMs, increaseStep). */
  aimd?: Pick<RateLimiterOptions, "decreaseFactor" | "cooldownMs" | "increaseIntervalMs" | "increaseStep">;
  /** DescribeDomain answers are reused for this long; default 10 min. */
  domainCacheTtlMs?: number;
  /** Aborts waiting and in-flight calls (shutdown). */
  signal?: AbortSignal;
  /** An existing client to use instead of creating one (one client per process). */
  client?: SageMakerClient;
  /**
   * Checked right before every attempt of a mutating call goes on the wire (SDK retries included): false refuses
   * it with NotLeaderError. Leader election's write fence.
   */
  mayWrite?: () => boolean;
  /**
   * Who the current call is made for (the namespace of the reconcile making it): the limiter shares its budgets
   * fairly between flows. Read when the call starts waiting; undefined = the operator's own flow ("").
   */
  flowOf?: () => string | undefined;
}

const MUTATING_COMMANDS = new Set([
  "CreateUserProfileCommand",
  "UpdateUserProfileCommand",
  "DeleteUserProfileCommand",
  "AddTagsCommand",
  "DeleteTagsCommand",
]);

export type DescribeDomainOutput = Omit<DescribeDomainCommandOutput, "$metadata">;

const PAGE_SIZE = 100;

/**
 * The gateway speaks the model's wire types (src/api/generated, what the drift engine uses); the SDK's TypeScript
 * types describe the same JSON but mark every member optional, model unions with `$unknown` and may lag the model's
 * enums, so values cross between the two unchanged.
 */
const sameJson = <T>(value: unknown) => value as T;
const noObserver: CallObserver = { onCall() {}, onThrottle() {}, onRateChange() {} };

export class SageMakerGateway {
  readonly client: SageMakerClient;
  readonly limiter: RateLimiter;
  private readonly observer: CallObserver;
  private readonly clock: Clock;
  private readonly signal?: AbortSignal;
  /** Throttled reads are retried through the limiter up to this many times (mutating calls are requeued instead). */
  private readonly readRetries: number;
  private readonly domainTtlMs: number;
  private readonly ownsClient: boolean;
  private readonly flowOf: () => string | undefined;
  private readonly domains = new Map<string, { at: number; value: Promise<DescribeDomainOutput> }>();
  /**
   * The gateway's signal combined with a caller's, one per caller signal: the reconciles all pass their controller's
   * one signal, and AbortSignal.any per call made a signal (and weak references in both sources) for every call.
   */
  private readonly combined = new WeakMap<AbortSignal, AbortSignal>();

  constructor(options: GatewayOptions) {
    this.observer = options.observer ?? noObserver;
    this.clock = options.clock ?? systemClock;
    this.signal = options.signal;
    this.readRetries = Math.max(0, (options.maxAttempts ?? 3) - 1);
    this.domainTtlMs = options.domainCacheTtlMs ?? 10 * 60_000;
    this.ownsClient = options.client === undefined;
    this.flowOf = options.flowOf ?? (() => undefined);
    this.client =
      options.client ??
      createSageMakerClient({
        region: options.region,
        endpoint: options.endpoint,
        credentials: options.credentials,
        maxAttempts: options.maxAttempts,
        maxSockets: options.concurrency,
        connectionTimeoutMs: options.connectionTimeoutMs,
        requestTimeoutMs: options.requestTimeoutMs,
      });
    this.limiter = new RateLimiter({
      rps: options.rps,
      burst: options.burst,
      concurrency: options.concurrency,
      mutatingRps: options.mutatingRps,
      mutatingBurst: options.mutatingBurst,
      minRps: options.minRps,
      ...options.aimd,
      clock: this.clock,
      onRateChange: (rps) => this.observer.onRateChange(rps),
      onLoadChange: (waiting, inFlight) => this.observer.onLoadChange?.(waiting, inFlight),
    });
    this.observer.onRateChange(options.rps);
    const mayWrite = options.mayWrite;
    if (mayWrite)
      // Innermost middleware: after the limiter's wait and the SDK's retry backoff. The request handler checks once
      // more when the request has its connection, right before writing it (LAST_CHECK, in the caller's async context).
      this.client.middlewareStack.add(
        (next, context) => (args) => {
          if (!MUTATING_COMMANDS.has(context.commandName ?? "")) return next(args);
          const refused = () => new NotLeaderError(`${context.commandName} refused: the leader lease is not held`);
          if (!mayWrite()) return Promise.reject(refused());
          (args.request as { [LAST_CHECK]?: () => void })[LAST_CHECK] = AsyncResource.bind(() => {
            if (!mayWrite()) throw refused();
          });
          return next(args);
        },
        { step: "deserialize", priority: "low", name: "leaderWriteFence" },
      );
  }

  /** The profile, or null when SageMaker answers ResourceNotFound. */
  async describeUserProfile(
    domainId: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<DescribeUserProfileResponse | null> {
    try {
      const { $metadata, ...profile } = await this.call(
        "DescribeUserProfile",
        "read",
        () => this.client.send(new DescribeUserProfileCommand({ DomainId: domainId, UserProfileName: name })),
        signal,
      );
      return sameJson<DescribeUserProfileResponse>(profile);
    } catch (err) {
      if (err instanceof SageMakerError && err.kind === "notFound") return null;
      throw err;
    }
  }

  /** ResourceInUse here means the profile already exists; the caller decides what that means. */
  async createUserProfile(input: CreateUserProfileRequest, signal?: AbortSignal): Promise<CreateUserProfileResponse> {
    const { UserProfileArn } = await this.call(
      "CreateUserProfile",
      "mutating",
      () => this.client.send(new CreateUserProfileCommand(sameJson(input))),
      signal,
    );
    return UserProfileArn === undefined ? {} : { UserProfileArn };
  }

  async updateUserProfile(input: UpdateUserProfileRequest, signal?: AbortSignal): Promise<UpdateUserProfileResponse> {
    const { UserProfileArn } = await this.call(
      "UpdateUserProfile",
      "mutating",
      () => this.client.send(new UpdateUserProfileCommand(sameJson(input))),
      signal,
    );
    return UserProfileArn === undefined ? {} : { UserProfileArn };
  }

  async deleteUserProfile(domainId: string, name: string, signal?: AbortSignal): Promise<void> {
    await this.call(
      "DeleteUserProfile",
      "mutating",
      () => this.client.send(new DeleteUserProfileCommand({ DomainId: domainId, UserProfileName: name })),
      signal,
    );
  }

  /** The domain's profiles, a page (up to 100) at a time; each page is one limited call. */
  async *listUserProfiles(domainId: string): AsyncGenerator<UserProfileDetails[], void, undefined> {
    let token: string | undefined;
    do {
      const page = await this.call("ListUserProfiles", "read", () =>
        this.client.send(
          new ListUserProfilesCommand({ DomainIdEquals: domainId, MaxResults: PAGE_SIZE, NextToken: token }),
        ),
      );
      yield sameJson<UserProfileDetails[]>(page.UserProfiles ?? []);
      token = page.NextToken;
    } while (token);
  }

  /** DescribeDomain, cached per domain for the TTL (concurrent callers share one call; failures are not cached). */
  describeDomain(domainId: string, signal?: AbortSignal): Promise<DescribeDomainOutput> {
    const now = this.clock.now();
    const hit = this.domains.get(domainId);
    if (hit && now - hit.at < this.domainTtlMs) return hit.value;
    const value = this.call(
      "DescribeDomain",
      "read",
      () => this.client.send(new DescribeDomainCommand({ DomainId: domainId })),
      signal,
    );
    this.domains.set(domainId, { at: now, value });
    value.catch(() => {
      if (this.domains.get(domainId)?.value === value) this.domains.delete(domainId);
    });
    return value;
  }

  /**
   * Whether the domain exists, asked of SageMaker now rather than of the cache (a domain created or deleted since the
   * last look counts). DescribeDomain answers ResourceNotFound for a domain that does not exist.
   */
  async domainExists(domainId: string, signal?: AbortSignal): Promise<boolean> {
    this.domains.delete(domainId);
    try {
      await this.describeDomain(domainId, signal);
      return true;
    } catch (err) {
      if (err instanceof SageMakerError && err.kind === "notFound") return false;
      throw err;
    }
  }

  /**
   * The security groups SageMaker adds to every profile's Describe in this domain: the domain's default groups and
   * its NFS boundary group. Drift compares declared groups with the observed ones minus these.
   */
  async domainSecurityGroups(domainId: string, signal?: AbortSignal): Promise<string[]> {
    const domain = await this.describeDomain(domainId, signal);
    const groups = new Set(domain.DefaultUserSettings?.SecurityGroups ?? []);
    if (domain.SecurityGroupIdForDomainBoundary) groups.add(domain.SecurityGroupIdForDomainBoundary);
    return [...groups];
  }

  /** All the resource's tags (every page). */
  async listTags(arn: string, signal?: AbortSignal): Promise<Tag[]> {
    const tags: Tag[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(
        "ListTags",
        "read",
        () => this.client.send(new ListTagsCommand({ ResourceArn: arn, MaxResults: PAGE_SIZE, NextToken: token })),
        signal,
      );
      for (const t of page.Tags ?? []) if (t.Key !== undefined) tags.push({ Key: t.Key, Value: t.Value ?? "" });
      token = page.NextToken;
    } while (token);
    return tags;
  }

  async addTags(arn: string, tags: Tag[], signal?: AbortSignal): Promise<void> {
    await this.call(
      "AddTags",
      "mutating",
      () => this.client.send(new AddTagsCommand({ ResourceArn: arn, Tags: tags })),
      signal,
    );
  }

  async deleteTags(arn: string, keys: string[], signal?: AbortSignal): Promise<void> {
    await this.call(
      "DeleteTags",
      "mutating",
      () => this.client.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: keys })),
      signal,
    );
  }

  /** Every page of ListApps of a profile's or a space's apps (deletion cleanup and DeleteBlocked). */
  listApps(domainId: string, owner: AppOwner, signal?: AbortSignal): Promise<AppDetails[]> {
    return studio.listApps(this.send, domainId, owner, signal);
  }

  /** Every page of ListSpaces of the domain (it has no owner filter: the caller filters on OwnershipSettingsSummary). */
  listSpaces(domainId: string, signal?: AbortSignal): Promise<SpaceDetails[]> {
    return studio.listSpaces(this.send, domainId, signal);
  }

  deleteApp(app: AppRef, signal?: AbortSignal): Promise<void> {
    return studio.deleteApp(this.send, app, signal);
  }

  deleteSpace(domainId: string, spaceName: string, signal?: AbortSignal): Promise<void> {
    return studio.deleteSpace(this.send, domainId, spaceName, signal);
  }

  /** The client and the limited call, for the calls kept in their own files (studio-calls.ts). */
  private readonly send: studio.Send = {
    client: () => this.client,
    call: (op, kind, send, signal) => this.call(op, kind, send, signal),
  };

  /** Closes the client's sockets (when the gateway created the client). */
  destroy(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /**
   * One logical call: wait for the limiter, send (the SDK retries network errors and 5xx), report, classify. A
   * throttle is reported to the limiter, which slows down; a throttled read is then tried again through the limiter,
   * a throttled mutating call is handed back so the reconciler requeues it. `signal` (the caller's, e.g. a reconcile's)
   * aborts the wait, and the caller stops waiting for a request in flight, as with the gateway's own signal.
   *
   * The request itself is sent without the signal: a call with per-call options makes the SDK resolve its middleware
   * stack again (`cacheMiddleware` serves only calls without options), which was the largest part of its per-call
   * work. A request the caller gave up on runs to its end (the request handler's timeouts bound it; shutdown destroys
   * the client's sockets) and keeps its limiter slot until then, so the concurrency bound still holds.
   */
  private async call<T>(op: string, kind: CallKind, send: () => Promise<T>, callerSignal?: AbortSignal): Promise<T> {
    const signal =
      this.signal && callerSignal ? this.combinedWith(callerSignal, this.signal) : (callerSignal ?? this.signal);
    const flow = this.flowOf() ?? "";
    for (let attempt = 0; ; attempt++) {
      const release = await this.limiter.acquire(kind, signal, flow);
      const started = this.clock.now();
      const seconds = () => (this.clock.now() - started) / 1000;
      if (signal?.aborted) {
        release();
        throw signal.reason;
      }
      const sent = send();
      let abandoned = false;
      try {
        const output = signal
          ? await untilAborted(sent, signal, () => {
              abandoned = true;
            })
          : await sent;
        this.observer.onCall(op, "success", seconds());
        return output;
      } catch (err) {
        if (abandoned || err instanceof NotLeaderError) throw err;
        const classified = classifyError(err);
        this.observer.onCall(op, classified.code, seconds());
        if (classified.kind === "throttled") {
          this.limiter.onThrottle(kind);
          this.observer.onThrottle(op);
          if (kind === "read" && attempt < this.readRetries && !signal?.aborted) continue;
        }
        throw new SageMakerError(op, classified, err);
      } finally {
        if (abandoned) sent.then(release, release);
        else release();
      }
    }
  }

  private combinedWith(callerSignal: AbortSignal, own: AbortSignal): AbortSignal {
    let signal = this.combined.get(callerSignal);
    if (!signal) {
      signal = AbortSignal.any([own, callerSignal]);
      this.combined.set(callerSignal, signal);
    }
    return signal;
  }
}
