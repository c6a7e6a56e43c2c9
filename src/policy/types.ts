/** The SageMakerProfilePolicy resource (sagemaker.gitops.io/v1alpha1, cluster-scoped): tenant guardrails. */
import { GROUP, VERSION } from "../api/types.js";
import type { IdRange } from "./matchers.js";

export type { IdRange };

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
  // Every other shared resource (src/policy/shared-members.ts). Globs may use `{namespace}`.
  /** Allowed SageMaker image and image version ARNs (glob), in every defaultResourceSpec. */
  images?: string[];
  /** Allowed custom image names (glob), customImages[].imageName. */
  imageNames?: string[];
  /** Allowed app image config names (glob), customImages[].appImageConfigName. */
  appImageConfigs?: string[];
  /** Allowed studio lifecycle config ARNs (glob): lifecycleConfigArns, defaultResourceSpec, builtInLifecycleConfigArn. */
  lifecycleConfigs?: string[];
  /** Allowed training plan ARNs (glob) in every defaultResourceSpec (`None` names no plan and always passes). */
  trainingPlans?: string[];
  /** Allowed Secrets Manager secret ARNs (glob), e.g. Canvas identity provider OAuth secrets. */
  secrets?: string[];
  /** Allowed KMS key ids, key ARNs, aliases (glob), compared as written. */
  kmsKeys?: string[];
  /** Allowed S3 URI prefixes, compared by whole path segments (`s3://team-a/studio/`). */
  s3Prefixes?: string[];
  /** Allowed EFS and FSx for Lustre file system ids (glob), customFileSystemConfigs. */
  fileSystems?: string[];
  /** Allowed file system directories, compared by whole path segments (`/team-a`). */
  fileSystemPaths?: string[];
  /** Allowed POSIX user ids, inclusive ranges (customPosixUserConfig.uid). */
  posixUids?: IdRange[];
  /** Allowed POSIX group ids, inclusive ranges (customPosixUserConfig.gid). */
  posixGids?: IdRange[];
  /** Allowed code repository URLs (glob); URLs with `.` or `..` segments are refused. */
  codeRepositories?: string[];
  /** Allowed SageMaker profile names (glob, e.g. `{namespace}-*`): spec.userProfileName, else metadata.name. */
  userProfileNames?: string[];
  /** Allowed spec.singleSignOnUserValue values (glob). */
  singleSignOnUserValues?: string[];
  /** Tag keys spec.tags must contain (glob, ignoring case): each pattern needs a matching key. */
  requiredTagKeys?: string[];
  /** Tag keys spec.tags must not contain (glob, ignoring case). */
  forbiddenTagKeys?: string[];
  /** Allowed instance types (glob), for every default resource spec. */
  instanceTypes?: string[];
  /** Allowed security group IDs (glob). */
  securityGroups?: string[];
  /**
   * The most spec.deletion.cleanup may do in the covered namespaces: None, Apps or AppsAndSpaces. Omitted: this policy
   * does not constrain it; cleanup needs at least one covering policy that sets it (src/policy/cleanup.ts).
   */
  deletionCleanup?: "None" | "Apps" | "AppsAndSpaces";
  /**
   * Whether `spec.adoptExisting: true` may take over an existing profile that has no owner tag (made in the console,
   * by another tool, or released with `deletionPolicy: Retain`). Omitted: Refused. Every policy covering the namespace
   * must allow it.
   */
  adoption?: Adoption;
}

export type Adoption = "Allowed" | "Refused";

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
