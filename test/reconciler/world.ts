/**
 * One reconciler over in-memory ports and a fake clock, with the resource the table test reconciles, and a record of
 * what one reconcile did: SageMaker calls, events, status writes, finalizer changes and the Action.
 */

import type { AccountDecision, OwnIdentity } from "../../src/accounts/index.js";
import {
  API_VERSION,
  KIND,
  type ObjectMeta,
  PAUSED_ANNOTATION,
  type SageMakerUserProfile,
  type SageMakerUserProfileSpec,
  type SageMakerUserProfileStatus,
} from "../../src/api/types.js";
import { type Action, ItemExponentialFailureRateLimiter, type ReconcileContext } from "../../src/kube/index.js";
import type { CleanupPermission, PolicyDecision } from "../../src/policy/index.js";
import { ProfileReconciler } from "../../src/reconciler/index.js";
import { FakeClock } from "../support/fake-clock.js";
import { type Call, MemoryKube, MemorySageMaker } from "./memory-ports.js";

export const DOMAIN = "d-table0000001";
export const MISSING_DOMAIN = "d-missing00001";
export const DOMAIN_SG = "sg-0d0d0d0d0d0d0d0d1";
export const ROLE = "arn:aws:iam::123456789012:role/Studio";
export const CONSOLE_ROLE = "arn:aws:iam::123456789012:role/ConsoleEdit";
export const KEY = "team-a/alice";
export const OWNER = "test/team-a/alice";
export const MINUTE = 60_000;
export const PAUSED = PAUSED_ANNOTATION;

/** The reconciler's settings here: poll 5 s, resync and stalled retry 10 min (random 0.5: no jitter off the period). */
export const POLL = 5_000;
export const RESYNC = 600_000;
export const STALLED = 600_000;
/** Ownership memory vouches this long after AWS last named the owner (the operator's default). */
export const OWNER_RECHECK = 600_000;

export function resource(
  spec: Partial<SageMakerUserProfileSpec> = {},
  metadata: Partial<ObjectMeta> = {},
): SageMakerUserProfile {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: "alice", namespace: "team-a", ...metadata },
    spec: { domainId: DOMAIN, userSettings: { executionRole: ROLE }, tags: [{ key: "team", value: "a" }], ...spec },
  };
}

/** What one reconcile did. */
export interface Turn {
  action?: Action;
  error?: unknown;
  calls: Call[];
  events: string[];
  /** Status writes that changed something (0 or 1). */
  writes: SageMakerUserProfileStatus[];
  /** writeStatus calls, changed or not. */
  statusCalls: number;
  finalizer: Array<"add" | "remove">;
}

export class World {
  readonly clock = new FakeClock(Date.parse("2025-01-01T00:00:00Z"));
  readonly sagemaker = new MemorySageMaker();
  readonly kube = new MemoryKube();
  decision: PolicyDecision = {
    allowed: true,
    policies: ["team-a"],
    adoption: { allowed: false, why: "the test policy refuses it" },
  };
  /** The account decision; the default is "no SageMakerAccount": the one SageMaker port. */
  account: AccountDecision = { ok: true };
  /** The decision once the reconcile has asked for it: an account change arriving while it reads. */
  accountNext?: AccountDecision;
  /** What the API server says before a create with the operator's own identity; default: the decision again. */
  confirmed?: AccountDecision;
  confirms = 0;
  /** Whose the operator's own identity is (the memory SageMaker's ARNs name this account and region). */
  own: OwnIdentity = { accountId: "123456789012", region: "us-east-1" };
  ownAsked = 0;
  /** What the guardrails permit of spec.deletion.cleanup (default: nothing, as without a policy's grant). */
  cleanup: CleanupPermission = { level: "None", by: [] };
  key = KEY;
  readonly seen = { inUse: 0, repaired: [] as string[], forgotten: [] as string[], observed: 0 };
  readonly reconciler: ProfileReconciler;

  /** What the List resync would say: the domain's last List had no profile of this name. */
  absentFromList = false;
  /** How often the reconciler asked it (a domain's first List is a SageMaker call). */
  absentAsked = 0;

  constructor() {
    this.sagemaker.addDomain(DOMAIN, [DOMAIN_SG]);
    this.reconciler = new ProfileReconciler({
      sagemaker: this.sagemaker,
      kube: this.kube,
      policy: { decide: () => this.decision, cleanup: () => this.cleanup },
      accounts: {
        decide: () => this.decideAccount(),
        confirm: async () => {
          this.confirms++;
          return this.confirmed ?? this.decideAccount();
        },
        ownIdentity: async () => {
          this.ownAsked++;
          return this.own;
        },
        sagemakerFor: () => this.sagemaker,
      },
      clusterId: "test",
      requirePolicy: true,
      inUseBackoff: new ItemExponentialFailureRateLimiter({
        baseDelayMs: 5_000,
        maxDelayMs: 300_000,
        jitter: "full",
        random: () => 0.5,
      }),
      transientBackoff: new ItemExponentialFailureRateLimiter({
        baseDelayMs: 1_000,
        maxDelayMs: 60_000,
        jitter: "full",
        random: () => 0.5,
      }),
      contestBackoff: { baseDelayMs: MINUTE, maxDelayMs: 60 * MINUTE },
      pollIntervalMs: POLL,
      resyncPeriodMs: RESYNC,
      stalledRetryMs: STALLED,
      ownerRecheckMs: OWNER_RECHECK,
      knownAbsent: () => {
        this.absentAsked++;
        return this.absentFromList;
      },
      clock: this.clock,
      random: () => 0.5,
      hooks: {
        onResourceInUse: () => this.seen.inUse++,
        onRepair: (blocks) => this.seen.repaired.push(...blocks),
        onForget: (key) => this.seen.forgotten.push(key),
        onObserved: () => this.seen.observed++,
      },
    });
  }

  private decideAccount(): AccountDecision {
    const decision = this.account;
    if (this.accountNext) [this.account, this.accountNext] = [this.accountNext, undefined];
    return decision;
  }

  apply(r: SageMakerUserProfile): void {
    this.key = `${r.metadata.namespace}/${r.metadata.name}`;
    this.kube.apply(r);
  }

  delete(): void {
    this.kube.delete(this.key, new Date(this.clock.now()).toISOString());
  }

  get(): SageMakerUserProfile | undefined {
    return this.kube.get(this.key);
  }

  /** A profile edit in SageMaker (the console, another tool). */
  edit(fields: Parameters<MemorySageMaker["edit"]>[2], name = "alice"): void {
    this.sagemaker.edit(DOMAIN, name, fields);
  }

  async reconcile(ctx?: ReconcileContext): Promise<Turn> {
    const before = {
      calls: this.sagemaker.calls.length,
      events: this.kube.events.length,
      writes: this.kube.statusWrites.length,
      statusCalls: this.kube.statusCalls,
      finalizer: this.kube.finalizerChanges.length,
    };
    const turn: Partial<Turn> = {};
    try {
      turn.action = await this.reconciler.reconcile(this.key, ctx);
    } catch (err) {
      turn.error = err;
    }
    return {
      ...turn,
      calls: this.sagemaker.calls.slice(before.calls),
      events: this.kube.events.slice(before.events).map((e) => `${e.type} ${e.reason}`),
      writes: this.kube.statusWrites.slice(before.writes),
      statusCalls: this.kube.statusCalls - before.statusCalls,
      finalizer: this.kube.finalizerChanges.slice(before.finalizer),
    };
  }

  /** Applied, created, InService and Ready: where most rows start. */
  async inSync(r = resource()): Promise<void> {
    this.apply(r);
    await this.reconcile();
    this.edit({ Status: "InService" }, r.spec.userProfileName ?? r.metadata.name);
    const turn = await this.reconcile();
    if (turn.writes[0]?.conditions?.find((c) => c.type === "Ready")?.status !== "True")
      throw new Error(`not in sync: ${JSON.stringify(turn)}`);
  }
}

/** An out-of-band change of the execution role. */
export const driftedRole = (w: World): void => w.edit({ UserSettings: { ExecutionRole: CONSOLE_ROLE } });

/** The four kstatus conditions per kind of outcome, written out here rather than taken from the code under test. */
export const CONDITIONS = {
  InSync: { Ready: "True", Synced: "True", Reconciling: "False", Stalled: "False" },
  Progressing: { Ready: "False", Synced: "False", Reconciling: "True", Stalled: "False" },
  Stalled: { Ready: "False", Synced: "False", Reconciling: "False", Stalled: "True" },
  Held: { Ready: "False", Synced: "False", Reconciling: "False", Stalled: "False" },
  Paused: { Ready: "Unknown", Synced: "False", Reconciling: "False", Stalled: "False" },
} as const;

/** One transition: the world before, and what one reconcile does. */
export interface Row {
  name: string;
  given(w: World): void | Promise<void>;
  /** SageMaker operations in order. */
  calls: string[];
  /** `type reason`, in order. */
  events?: string[];
  /** The conditions written: [kind, reason, message pattern]; "none": no write; "unchanged": the same status again. */
  status: [keyof typeof CONDITIONS, string, RegExp?] | "none" | "unchanged";
  action?: Action;
  /** The reconcile fails to the controller with this. */
  raises?: RegExp;
  finalizer?: Array<"add" | "remove">;
  /** The reconcile's context (default: not aborted, first attempt). */
  context?(w: World): ReconcileContext;
  check?(w: World, turn: Turn): void;
}
