/** The SageMakerProfilePolicy resource (sagemaker.gitops.io/v1alpha1, cluster-scoped): tenant guardrails. */
import { GROUP, VERSION } from "../api/types.js";

export const POLICY_KIND = "SageMakerProfilePolicy";
export const POLICY_PLURAL = "sagemakerprofilepolicies";
export const POLICY_API_VERSION = `${GROUP}/${VERSION}`;

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** metav1.LabelSelector: an empty selector ({}) selects every namespace. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface SageMakerProfilePolicySpec {
  /** Namespaces the policy applies to, by name. */
  namespaces?: string[];
  /** Namespaces the policy applies to, by label. A namespace named in `namespaces` or selected here is covered. */
  namespaceSelector?: LabelSelector;
  /** Allowed spec.domainId values (glob: `*` any run, `?` one character). Omitted: any; `[]`: none. */
  domains?: string[];
  /** Allowed IAM role ARNs (glob), for every role ARN the profile hands to SageMaker. */
  executionRoles?: string[];
  /** Allowed instance types (glob), for every default resource spec. */
  instanceTypes?: string[];
  /** Allowed security group IDs (glob). */
  securityGroups?: string[];
  /**
   * The most spec.deletion.cleanup may do in the covered namespaces: None, Apps or AppsAndSpaces. Omitted: this policy
   * does not constrain it; cleanup needs at least one covering policy that sets it (src/policy/cleanup.ts).
   */
  deletionCleanup?: "None" | "Apps" | "AppsAndSpaces";
}

export type SageMakerProfilePolicy = {
  apiVersion: typeof POLICY_API_VERSION;
  kind: typeof POLICY_KIND;
  metadata: { name: string; generation?: number; resourceVersion?: string; labels?: Record<string, string> };
  spec: SageMakerProfilePolicySpec;
};

/** One broken rule: the field (kubectl-style path), its value, and the policy rule it breaks. */
export interface Violation {
  field: string;
  value: string;
  /** `SageMakerProfilePolicy/<name>` or `partition`. */
  source: string;
  /** `executionRoles: [arn:aws:iam::*:role/team-a-*]`, or the partition rule in words. */
  rule: string;
}
