/**
 * Policy evaluation: which rules a SageMakerUserProfile breaks. Pure (no I/O): the caller passes the policies and the
 * namespace's labels from its caches, so the same function serves the reconciler, the tests and any offline check.
 *
 * Semantics (docs/guardrails.md): every policy that covers the resource's namespace applies, and each must be
 * satisfied (adding a policy can only restrict). A list a policy omits does not constrain that field; `[]` allows
 * nothing. No policy covering the namespace allows everything.
 */
import { memberRef, modelShapes, shape, wireName } from "../api/model.js";
import type { SageMakerUserProfile } from "../api/types.js";
import { globMatch } from "./glob.js";
import {
  hasDotSegments,
  inRanges,
  isRange,
  NAMESPACE_PLACEHOLDER,
  pathPrefixMatch,
  substitute,
  tagKeyMatch,
} from "./matchers.js";
import { selectorMatches } from "./selector.js";
import { KINDS, type Kind, NOTHING_VALUES, REQUEST_SHAPES, SHARED_MEMBERS } from "./shared-members.js";
import { POLICY_KIND, type SageMakerProfilePolicy, type SageMakerProfilePolicySpec, type Violation } from "./types.js";

/** The label the API server puts on every namespace (so selectors can name namespaces). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Whether `spec.adoptExisting` may take over an unowned profile; when not, what to change, in words. */
export type AdoptionDecision = { allowed: true } | { allowed: false; why: string };

export type PolicyDecision =
  /** `policies`: the names of the policies that cover the namespace (none: no guardrails apply to it). */
  | { allowed: true; policies: string[]; adoption: AdoptionDecision }
  | { allowed: false; violations: Violation[] }
  /** A policy selects namespaces by label but this namespace's labels are not known yet: decide later, fail closed. */
  | { allowed: "unknown"; reason: string };

export interface PolicyInput {
  resource: Pick<SageMakerUserProfile, "metadata" | "spec">;
  policies: readonly SageMakerProfilePolicy[];
  /** Labels of the resource's namespace; undefined when the namespace is not in the cache. */
  namespaceLabels: Record<string, string> | undefined;
  /** The operator's AWS partition (aws, aws-cn, aws-us-gov, ...): ARNs of another partition are refused. */
  partition?: string;
}

/** A string value in the spec with the SageMaker shape it has, e.g. executionRole -> RoleArn. */
interface Setting {
  path: string;
  member: string;
  shape: string;
  value: string;
}

/** Every string value under spec.userSettings with its model shape, following the model (not guessing by name). */
export function settingValues(userSettings: unknown): Setting[] {
  const out: Setting[] = [];
  const walk = (shapeName: string, value: unknown, path: string, member: string) => {
    let s: ReturnType<typeof shape>;
    try {
      s = shape(shapeName);
    } catch {
      return;
    }
    if (s.type === "string" && typeof value === "string") out.push({ path, member, shape: shapeName, value });
    else if (s.type === "list" && Array.isArray(value))
      value.forEach((v, i) => {
        walk(s.member?.shape ?? "", v, `${path}[${i}]`, member);
      });
    else if (s.type === "structure" && typeof value === "object" && value !== null && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) {
        const ref = memberRef(s.members, wireName(k));
        if (ref) walk(ref.shape, v, `${path}.${k}`, wireName(k));
      }
  };
  walk("UserSettings", userSettings, ".spec.userSettings", "UserSettings");
  return out;
}

/** A value of the resource that names something shared, with the kind the model table gives its member. */
export interface SharedValue {
  /** kubectl-style path, e.g. `.spec.userSettings.securityGroups[1]`. */
  path: string;
  kind: Kind;
  value: string | number;
}

/**
 * Every value of the spec whose model member is in the shared-members table, found by walking the spec with the
 * request shape it is sent as. The profile name is the one SageMaker gets: spec.userProfileName, else metadata.name.
 */
export function sharedValues(resource: PolicyInput["resource"]): SharedValue[] {
  const out: SharedValue[] = [];
  const walk = (shapeName: string, value: unknown, path: string, modelPath: string) => {
    const s = modelShapes[shapeName];
    if (!s) return;
    if (s.type === "list" && Array.isArray(value))
      value.forEach((v, i) => {
        walk(s.member?.shape ?? "", v, `${path}[${i}]`, `${modelPath}[]`);
      });
    else if (s.type === "structure" && typeof value === "object" && value !== null && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) {
        const ref = memberRef(s.members, wireName(k));
        if (ref) walk(ref.shape, v, `${path}.${k}`, modelPath ? `${modelPath}.${wireName(k)}` : wireName(k));
      }
    else if (typeof value === "string" || typeof value === "number") {
      const kind = SHARED_MEMBERS.get(modelPath);
      if (kind && !(typeof value === "string" && NOTHING_VALUES[kind]?.includes(value)))
        out.push({ path, kind, value });
    }
  };
  const spec = resource.spec as unknown;
  walk(REQUEST_SHAPES[0], spec, ".spec", "");
  const name = resource.metadata?.name;
  const declared = typeof (spec as { userProfileName?: unknown } | null)?.userProfileName === "string";
  if (!declared && typeof name === "string") out.push({ path: ".metadata.name", kind: "userProfileName", value: name });
  return out;
}

/** A policy list as the message shows it; junk the schema would refuse is shown as `?` rather than throwing. */
const quoteList = (entries: readonly unknown[]) =>
  `[${entries.map((e) => (isRange(e) ? `${e.min}-${e.max}` : typeof e === "string" ? e : "?")).join(", ")}]`;

/** What one covering policy says about the resource's shared values. */
function policyViolations(
  policy: SageMakerProfilePolicy,
  values: readonly SharedValue[],
  namespace: string,
): Violation[] {
  const spec = (policy.spec ?? {}) as Record<string, unknown>;
  const source = `${POLICY_KIND}/${policy.metadata.name}`;
  const out: Violation[] = [];
  const list = (field: string): unknown[] | undefined => (Array.isArray(spec[field]) ? spec[field] : undefined);
  const patterns = (entries: readonly unknown[]) =>
    entries.filter((e): e is string => typeof e === "string").map((p) => substitute(p, namespace));
  /** The rule as compared: `{namespace}` shown substituted, so the message says what the value was held to. */
  const rule = (field: string, entries: readonly unknown[]) => {
    const templated = entries.some((e) => typeof e === "string" && e.includes(NAMESPACE_PLACEHOLDER));
    const shown = entries.map((e) => (typeof e === "string" ? substitute(e, namespace) : e));
    return `${field}: ${quoteList(shown)}${templated ? ` ({namespace} = ${namespace})` : ""}`;
  };
  for (const v of values) {
    const { fields, match } = KINDS[v.kind];
    for (const field of fields) {
      const allowed = list(field);
      if (!allowed || field === "requiredTagKeys") continue;
      const value = String(v.value);
      let ok: boolean;
      if (match === "range") ok = inRanges(allowed, v.value);
      else if (match === "prefix") ok = patterns(allowed).some((p) => pathPrefixMatch(p, value));
      else if (match === "tagKey") ok = !patterns(allowed).some((p) => tagKeyMatch(p, value));
      else if (v.kind === "codeRepositoryUrl" && hasDotSegments(value)) {
        out.push({ field: v.path, value, source, rule: `${field}: URLs with . or .. path segments are refused` });
        continue;
      } else ok = patterns(allowed).some((p) => globMatch(p, value));
      if (!ok) out.push({ field: v.path, value, source, rule: rule(field, allowed) });
    }
  }
  const required = list("requiredTagKeys");
  if (required) {
    const keys = values.filter((v) => v.kind === "tagKey").map((v) => String(v.value));
    for (const pattern of patterns(required))
      if (!keys.some((k) => tagKeyMatch(pattern, k)))
        out.push({
          field: ".spec.tags",
          value: keys.join(", "),
          source,
          rule: `${rule("requiredTagKeys", required)}: no tag key matches ${pattern} (compared ignoring case)`,
        });
  }
  return out;
}

export function covers(
  policy: Pick<SageMakerProfilePolicy, "spec">,
  namespace: string,
  labels: Record<string, string> | undefined,
): boolean | "unknown" {
  const spec: SageMakerProfilePolicySpec = policy.spec ?? {};
  if (Array.isArray(spec.namespaces) && spec.namespaces.includes(namespace)) return true;
  if (typeof spec.namespaceSelector !== "object" || spec.namespaceSelector === null) return false;
  if (!labels) return "unknown";
  return selectorMatches(spec.namespaceSelector, { ...labels, [NAMESPACE_NAME_LABEL]: namespace });
}

/** aws, aws-cn, aws-us-gov, aws-iso, ... from a region name (the same rule the SDK's partition table follows). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  return "aws";
}

/** ARNs in the spec that name another partition than the operator's: SageMaker would refuse them, or worse. */
export function partitionViolations(resource: PolicyInput["resource"], partition: string): Violation[] {
  const out: Violation[] = [];
  for (const s of settingValues(resource.spec?.userSettings)) {
    const m = /^arn:([^:]*):/.exec(s.value);
    if (m && m[1] !== partition)
      out.push({
        field: s.path,
        value: s.value,
        source: "partition",
        rule: `ARNs must be in partition ${partition} (the operator's region); this one is in ${m[1] || "(empty)"}`,
      });
  }
  return out;
}

export function evaluatePolicies(input: PolicyInput): PolicyDecision {
  const { resource, policies } = input;
  const namespace = resource.metadata?.namespace ?? "";
  const violations: Violation[] = input.partition ? partitionViolations(resource, input.partition) : [];
  const applied: string[] = [];
  let unknown: string | undefined;
  const values = sharedValues(resource);
  for (const policy of [...policies].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const covered = covers(policy, namespace, input.namespaceLabels);
    if (covered === "unknown") {
      unknown ??= `${POLICY_KIND}/${policy.metadata.name} selects namespaces by label and the labels of namespace ${namespace} are not known yet`;
      continue;
    }
    if (!covered) continue;
    applied.push(policy.metadata.name);
    violations.push(...policyViolations(policy, values, namespace));
  }
  if (violations.length) return { allowed: false, violations };
  if (unknown) return { allowed: "unknown", reason: unknown };
  return { allowed: true, policies: applied, adoption: adoptionDecision(policies, applied, namespace) };
}

/** Adoption is allowed when at least one policy covers the namespace and every one of them says `adoption: Allowed`. */
export function adoptionDecision(
  policies: readonly SageMakerProfilePolicy[],
  applied: readonly string[],
  namespace: string,
): AdoptionDecision {
  if (applied.length === 0)
    return {
      allowed: false,
      why: `no ${POLICY_KIND} covers namespace ${namespace}; a cluster administrator must apply one with adoption: Allowed`,
    };
  const refusing = applied.filter(
    (name) => policies.find((p) => p.metadata.name === name)?.spec?.adoption !== "Allowed",
  );
  if (refusing.length === 0) return { allowed: true };
  return {
    allowed: false,
    why: `${refusing.map((n) => `${POLICY_KIND}/${n}`).join(", ")} ${refusing.length > 1 ? "do" : "does"} not set adoption: Allowed (the default is Refused); a cluster administrator must set it to let namespace ${namespace} adopt profiles`,
  };
}

/** One status message for all violations: each names the field, its value and the rule it breaks. */
export function violationMessage(violations: Violation[], max = 5): string {
  const lines = violations
    .slice(0, max)
    .map((v) => `${v.field} ${JSON.stringify(v.value)} is not allowed by ${v.source} (${v.rule})`);
  if (violations.length > max) lines.push(`and ${violations.length - max} more`);
  return lines.join("; ");
}
