/**
 * The emulator without HTTP: one API call in, one answer (or a dropped connection) out, with fault injection,
 * throttling and call accounting in front of the operations; plus the typed admin surface.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Partitions, signatureScope } from "./accounts.js";
import { ApiError } from "./errors.js";
import { Faults } from "./faults.js";
import { DEFAULT_MODES, type EmulatorModes, withModes } from "./modes.js";
import { handlers, MUTATING_OPERATIONS } from "./operations.js";
import type { AdminResources } from "./references.js";
import { seededRandom } from "./rng.js";
import { Store } from "./store.js";
import { makeReader, storeAdmin } from "./store-admin.js";
import { type AdminRoleSpec, SecurityTokenService } from "./sts.js";
import { handleSts } from "./sts-wire.js";
import type { StudioAdmin, StudioReader } from "./studio-admin.js";
import type {
  AdminConfig,
  AdminDomainPatch,
  AdminDomainSpec,
  AdminProfilePatch,
  AdminProfileSpec,
  CallCounts,
  DomainView,
  EmulatorOptions,
  FaultRule,
  ProfileView,
  ThrottleConfig,
} from "./types.js";

export interface ApiCall {
  /** The X-Amz-Target header. */
  target: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The X-Amz-Security-Token header (temporary credentials). */
  securityToken?: string | undefined;
  body: string;
}

export type ApiAnswer =
  | { kind: "answer"; status: number; body: unknown; errorType?: string }
  /** STS's query protocol answers XML. */
  | { kind: "xml"; status: number; body: string }
  | { kind: "drop" };

/** The SageMaker state of one account and region: seed and read it like the default one. */
export interface PartitionHandle {
  admin: PartitionAdmin;
  reader: EmulatorStoreReader;
}

/** The admin calls that act on one account and region's state. */
export type PartitionAdmin = Pick<
  EmulatorAdmin,
  | "createDomain"
  | "updateDomain"
  | "createProfile"
  | "setProfile"
  | "deleteProfile"
  | "registerResources"
  | "resources"
  | keyof StudioAdmin
> & {
  /** This partition's own throttle (`null`: back to the emulator-wide one). */
  setThrottle(config: ThrottleConfig | null): void;
};

/** The emulator's STS, administered: roles and their trust policies, named identities, short-lived credentials. */
export interface StsAdmin {
  setRole(spec: AdminRoleSpec): void;
  removeRole(arn: string): boolean;
  roles(): AdminRoleSpec[];
  /** The principal ARN a (non-temporary) access key signs as. */
  setIdentity(accessKeyId: string, arn: string): void;
  /** Every credential issued from now on lives at most this long (seconds); `null` lifts the cap. */
  setCredentialLifetime(seconds: number | null): void;
  sessions(): ReturnType<SecurityTokenService["activeSessions"]>;
}

/** Typed mirror of the `/_admin/` endpoint. */
export interface EmulatorAdmin extends StudioAdmin {
  createDomain(spec?: AdminDomainSpec): DomainView;
  updateDomain(domainId: string, patch: AdminDomainPatch): DomainView;
  /** Seeds a profile that is InService at once (no Pending phase, not counted as a call). */
  createProfile(domainId: string, name: string, spec?: AdminProfileSpec): ProfileView;
  setProfile(domainId: string, name: string, patch: AdminProfilePatch): ProfileView;
  /** Removes a profile at once (an out-of-band deletion). False when there was none. */
  deleteProfile(domainId: string, name: string): boolean;
  /** Returns the rule's id. */
  injectFault(rule: FaultRule): number;
  removeFault(id: number): void;
  clearFaults(): void;
  faults(): Array<FaultRule & { id: number; remaining?: number }>;
  configure(config: AdminConfig): void;
  /** The modes in force. */
  modes(): EmulatorModes;
  /**
   * Registers resources that exist (images, image versions, app image configs, lifecycle configs, file systems), for
   * the mode `referencedResources: checked`; adds to what was registered. Entries outside the model's shapes are refused.
   */
  registerResources(resources: AdminResources): void;
  /** Every registered resource, by kind. */
  resources(): Required<AdminResources>;
}

/** Read access to the state, for assertions. */
export interface EmulatorStoreReader extends StudioReader {
  /** The profile as stored (its own UserSettings, before defaults and aggregation); undefined when missing or gone. */
  getProfile(domainId: string, name: string): ProfileView | undefined;
  /** What DescribeUserProfile would answer (wire JSON, epoch-second timestamps); undefined when missing. */
  describeProfile(domainId: string, name: string): Record<string, unknown> | undefined;
  getDomain(domainId: string): DomainView | undefined;
  profileCount(): number;
}

const TARGET_PREFIX = "SageMaker.";
const MUTATION_LOG_SIZE = 10_000;

/** One accepted Create/Update/Delete/AddTags/DeleteTags request as it arrived (wire JSON). */
export interface MutationRecord {
  op: string;
  /** Epoch ms. */
  at: number;
  /** The access key id the request was signed with (who wrote, as CloudTrail would tell); "" when unsigned. */
  caller: string;
  request: Record<string, unknown>;
  /** The account and region the request was answered in (the signer's account, the signature's region). */
  account: string;
  region: string;
}

export class EmulatorCore {
  readonly store: Store;
  readonly admin: EmulatorAdmin;
  readonly reader: EmulatorStoreReader;
  readonly sts: StsAdmin;
  private readonly faults: Faults;
  private readonly partitions: Partitions;
  private readonly tokens: SecurityTokenService;
  private counts: CallCounts = {};
  /** Epoch ms of the first and last answered call per operation since the last reset (benchmarks: start-up, rates). */
  private activity: Record<string, { first: number; last: number }> = {};
  /** Accepted mutating requests, newest last, bounded: what tests assert an update carried. */
  private mutations: MutationRecord[] = [];
  /** Every well-formed request, reads included, so a test can prove a profile was never even described. */
  private requests: MutationRecord[] = [];
  private readonly now: () => number;

  constructor(options: EmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    const random = seededRandom(options.seed ?? Date.now());
    this.store = new Store({
      region: options.region ?? "us-east-1",
      accountId: options.accountId ?? "123456789012",
      delays: {
        createMs: 0,
        updateMs: 0,
        deleteMs: 0,
        appStartMs: 0,
        appDeleteMs: 0,
        deletedAppRetentionMs: 3_600_000,
        spaceCreateMs: 0,
        spaceDeleteMs: 0,
        ...options.delays,
      },
      limits: { ...options.limits },
      modes: withModes(DEFAULT_MODES, options.modes),
      random,
      now: this.now,
    });
    this.faults = new Faults(random);
    for (const rule of options.faults ?? []) this.faults.add(rule);
    this.partitions = new Partitions(this.store, this.now, options.throttle);
    this.tokens = new SecurityTokenService(this.store.config.accountId, this.now, random);
    this.admin = this.makeAdmin();
    this.reader = makeReader(this.store);
    this.sts = {
      setRole: (spec) => this.tokens.setRole(spec),
      removeRole: (arn) => this.tokens.removeRole(arn),
      roles: () => this.tokens.listRoles(),
      setIdentity: (key, arn) => this.tokens.setIdentity(key, arn),
      setCredentialLifetime: (seconds) => {
        if (seconds !== null && !(Number.isInteger(seconds) && seconds > 0))
          throw new ApiError("BadRequest", "credential lifetime: a positive number of seconds, or null");
        this.tokens.credentialLifetimeSeconds = seconds ?? undefined;
      },
      sessions: () => this.tokens.activeSessions(),
    };
  }

  /** The state of one account and region (created empty on first use). */
  partition(account: string, region: string): PartitionHandle {
    const p = this.partitions.get(account, region);
    return {
      admin: {
        ...storeAdmin(p.store),
        setThrottle: (config) => this.partitions.setPartitionThrottle(account, region, config),
      },
      reader: makeReader(p.store),
    };
  }

  calls(): CallCounts {
    return structuredClone(this.counts);
  }

  callActivity(): Record<string, { first: number; last: number }> {
    return structuredClone(this.activity);
  }

  resetCalls(): void {
    this.counts = {};
    this.activity = {};
    this.mutations = [];
    this.requests = [];
  }

  /** The last accepted mutating requests (at most MUTATION_LOG_SIZE), optionally of one operation. */
  mutationLog(op?: string): MutationRecord[] {
    return structuredClone(op ? this.mutations.filter((m) => m.op === op) : this.mutations);
  }

  /** The last requests of any operation that parsed (at most MUTATION_LOG_SIZE), optionally of one operation. */
  requestLog(op?: string): MutationRecord[] {
    return structuredClone(op ? this.requests.filter((m) => m.op === op) : this.requests);
  }

  async handle(call: ApiCall): Promise<ApiAnswer> {
    const scope = signatureScope(call.authorization);
    if (scope?.service === "sts") {
      const answer = handleSts(this.tokens, { ...call, accessKeyId: scope.accessKeyId });
      this.count(answer.action, answer.code ?? "ok");
      if (answer.caller)
        this.log(this.requests, {
          op: answer.action,
          at: this.now(),
          caller: scope.accessKeyId,
          request: {},
          account: answer.caller.account,
          region: scope.region,
        });
      return { kind: "xml", status: answer.status, body: answer.xml };
    }
    const op =
      call.target?.startsWith(TARGET_PREFIX) === true ? call.target.slice(TARGET_PREFIX.length) : (call.target ?? "");
    const plan = this.faults.plan(op);
    if (plan.drop) {
      this.count(op, "dropped");
      return { kind: "drop" };
    }
    if (plan.latencyMs > 0) await sleep(plan.latencyMs);
    try {
      const body = this.run(op, call, plan.error);
      // The operation took effect; only the answer is late or lost.
      if (plan.latencyAfterMs > 0) await sleep(plan.latencyAfterMs);
      this.count(op, plan.dropAfter ? "droppedAfter" : "ok");
      if (plan.dropAfter) return { kind: "drop" };
      return { kind: "answer", status: 200, body };
    } catch (err) {
      const error =
        err instanceof ApiError
          ? err
          : new ApiError("InternalFailure", err instanceof Error ? err.message : String(err), 500);
      this.count(op, error.code);
      return {
        kind: "answer",
        status: error.status,
        body: { __type: error.code, Message: error.message },
        errorType: error.code,
      };
    }
  }

  private run(op: string, call: ApiCall, injected: { code: string; status?: number; message?: string } | undefined) {
    const scope = signatureScope(call.authorization);
    if (!call.authorization)
      throw new ApiError("MissingAuthenticationTokenException", "Missing Authentication Token", 403);
    // AWS refuses a SigV4 header without its Credential scope (common errors: IncompleteSignature, 403).
    if (!scope)
      throw new ApiError(
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter (<key>/<date>/<region>/<service>/aws4_request).",
        403,
      );
    if (scope.service !== "sagemaker")
      throw new ApiError(
        "InvalidSignatureException",
        `Credential should be scoped to correct service: 'sagemaker'.`,
        403,
      );
    const caller = this.tokens.identify(scope.accessKeyId, call.securityToken, "json");
    const partition = this.partitions.get(caller.account, scope.region);
    const handler = call.target?.startsWith(TARGET_PREFIX) ? handlers[op] : undefined;
    if (!handler)
      throw new ApiError("UnknownOperationException", `Unknown operation ${call.target ?? "(no X-Amz-Target)"}`);
    if (partition.throttle && !partition.throttle.admit(MUTATING_OPERATIONS.has(op), this.now()))
      throw new ApiError("ThrottlingException", "Rate exceeded");
    if (injected) throw new ApiError(injected.code, injected.message ?? `Injected ${injected.code}`, injected.status);
    if (!call.contentType?.startsWith("application/x-amz-json-1."))
      throw new ApiError("SerializationException", "Expected Content-Type application/x-amz-json-1.1");
    let body: unknown;
    try {
      body = call.body.trim() === "" ? {} : JSON.parse(call.body);
    } catch {
      throw new ApiError("SerializationException", "Request body is not valid JSON");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new ApiError("SerializationException", "Request body must be a JSON object");
    const record: MutationRecord = {
      op,
      at: this.now(),
      caller: scope.accessKeyId,
      request: body as Record<string, unknown>,
      account: partition.account,
      region: partition.region,
    };
    this.log(this.requests, record);
    const answer = handler(partition.store, body as Record<string, unknown>);
    if (MUTATING_OPERATIONS.has(op)) this.log(this.mutations, { ...record, at: this.now() });
    return answer;
  }

  private log(list: MutationRecord[], record: MutationRecord): void {
    list.push(record);
    if (list.length > MUTATION_LOG_SIZE) list.splice(0, list.length - MUTATION_LOG_SIZE);
  }

  private count(op: string, outcome: string): void {
    const name = op || "(none)";
    const perOp = this.counts[name] ?? {};
    this.counts[name] = perOp;
    perOp[outcome] = (perOp[outcome] ?? 0) + 1;
    const now = this.now();
    const seen = this.activity[name];
    if (seen) seen.last = now;
    else this.activity[name] = { first: now, last: now };
  }

  private makeAdmin(): EmulatorAdmin {
    const store = this.store;
    return {
      ...storeAdmin(store),
      injectFault: (rule) => this.faults.add(rule),
      removeFault: (id) => this.faults.remove(id),
      clearFaults: () => this.faults.clear(),
      faults: () => this.faults.list(),
      configure: (config) => {
        // Checked first, so a refused mode changes nothing. Every account and region shares these settings.
        const modes = withModes(store.config.modes, config.modes);
        store.config.modes = modes;
        if (config.delays) store.config.delays = { ...store.config.delays, ...config.delays };
        if (config.limits) store.config.limits = { ...store.config.limits, ...config.limits };
        if (config.throttle !== undefined) this.partitions.setThrottle(config.throttle);
      },
      modes: () => ({ ...store.config.modes }),
    };
  }
}
