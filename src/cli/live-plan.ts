/**
 * What the operator would do for a resource, as `diff --live` reports it: the operator's own planner
 * (src/reconciler/plan.ts) over SageMaker reads only. Nothing is sent: the plan's calls are what the operator would
 * send, its outcome what it would report. No flap history (a first repair is never contested).
 */
import type { DescribeUserProfileResponse, Tag } from "../api/generated/sagemaker-shapes.js";
import { OWNER_TAG, profileName, type SageMakerUserProfile } from "../api/types.js";
import { computeDrift, type DriftResult } from "../drift/index.js";
import { evaluatePolicies, type PolicyDecision, type SageMakerProfilePolicy } from "../policy/index.js";
import {
  callsOf,
  type Observation,
  observe,
  ownerOf,
  type Plan,
  plan,
  planSettings,
  type SageMakerCall,
  type SageMakerReader,
} from "../reconciler/index.js";

/** The operator's default --cluster-id. */
export const DEFAULT_CLUSTER_ID = "default";

/** The guardrails as the operator sees them: the policies, the namespaces' labels and the AWS partition. */
export interface Guardrails {
  policies: readonly SageMakerProfilePolicy[];
  /** A namespace's labels; undefined when the namespace is not known. */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
  partition: string;
  /** The operator's --require-policy: a namespace no policy covers is refused (NoPolicy). */
  requirePolicy?: boolean;
}

export interface LiveOptions {
  sagemaker: SageMakerReader;
  /**
   * The operator's --cluster-id, which owner tags start with. Unset: the owner the resource's status records, else an
   * owner tag naming this resource's namespace and name (from any cluster), else the operator's default.
   */
  clusterId?: string;
  /** Unset: no guardrails (as an operator without policies). */
  guardrails?: Guardrails;
  /** Milliseconds since the epoch. */
  now?: number;
}

export interface LiveVerdict {
  resource: SageMakerUserProfile;
  name: string;
  /** The operator's plan. */
  plan: Plan;
  /** The SageMaker writes it would send, in order. */
  calls: SageMakerCall[];
  /** The described profile; null: none; undefined: not described (paused, refused before any call). */
  profile?: DescribeUserProfileResponse | null;
  /**
   * How the profile differs from the spec: the plan's drift, or for a profile the operator would not compare or write
   * (ownership, a stall, SageMaker still busy) the same drift engine's answer, shown but never sent.
   */
  drift?: DriftResult;
  /**
   * Something would be written (other than the owner tag of an adoption), differs, or cannot converge without a
   * person (ownership, guardrails, a failed profile).
   */
  changes: boolean;
}

/** `<clusterId>` of an owner value `<clusterId>/<namespace>/<name>` naming this resource. */
function clusterOf(owner: string | undefined, resource: SageMakerUserProfile): string | undefined {
  const suffix = `/${resource.metadata.namespace}/${resource.metadata.name}`;
  return owner?.endsWith(suffix) ? owner.slice(0, -suffix.length) : undefined;
}

export async function liveVerdict(resource: SageMakerUserProfile, o: LiveOptions): Promise<LiveVerdict> {
  const name = profileName(resource);
  const namespace = resource.metadata.namespace ?? "default";
  const subject: SageMakerUserProfile = { ...resource, metadata: { ...resource.metadata, namespace } };
  const policy: PolicyDecision | undefined =
    o.guardrails &&
    evaluatePolicies({
      resource: subject,
      policies: o.guardrails.policies,
      namespaceLabels: o.guardrails.namespaceLabels(namespace),
      partition: o.guardrails.partition,
    });
  const clusterId = (tags: Tag[] | undefined) =>
    o.clusterId ??
    clusterOf(subject.status?.ownedBy, subject) ??
    clusterOf(ownerOf(tags ?? []), subject) ??
    DEFAULT_CLUSTER_ID;
  const now = o.now ?? Date.now();
  const planner = (observed: Observation) =>
    plan(subject, observed, {
      settings: planSettings({
        clusterId: clusterId(observed.tags),
        contestBackoff: { baseDelayMs: 60_000, maxDelayMs: 3_600_000 },
        requirePolicy: o.guardrails?.requirePolicy ?? false,
      }),
      policy,
      now,
      jitter: 0.5,
    });
  const { plan: planned, observed } = await observe(o.sagemaker, subject, {}, planner);
  const profile = observed.profile;
  let drift = planned.drift;
  if (!drift && profile) {
    const groups =
      observed.domainSecurityGroups ??
      (subject.spec.userSettings?.securityGroups ? await o.sagemaker.domainSecurityGroups(subject.spec.domainId) : []);
    drift = computeDrift(subject.spec, name, profile, { domainSecurityGroups: groups });
  }
  const calls = callsOf(planned);
  const outcome = planned.outcome;
  // Adopting (the owner tag alone) changes nothing in the profile: exported manifests diff clean before adoption.
  const writes = calls.filter((c) => !(c.op === "AddTags" && c.tags.every((t) => t.Key === OWNER_TAG)));
  const changes =
    writes.length > 0 || Boolean(drift?.drifted) || outcome?.phase === "Stalled" || outcome?.reason === "NotFound";
  return { resource: subject, name, plan: planned, calls, profile, drift, changes };
}
