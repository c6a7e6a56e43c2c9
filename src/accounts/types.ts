/**
 * The SageMakerAccount resource (sagemaker.gitops.io/v1alpha1, cluster-scoped): an AWS account the operator reaches
 * by assuming a role (or with its own identity), the regions profiles may use in it, the rate limits per region and
 * the namespaces allowed to use it.
 */
import { GROUP, VERSION } from "../api/types.js";
import type { LabelSelector } from "../policy/index.js";

export const ACCOUNT_KIND = "SageMakerAccount";
export const ACCOUNT_PLURAL = "sagemakeraccounts";
export const ACCOUNT_API_VERSION = `${GROUP}/${VERSION}`;
/** The namespace label naming the account its profiles use by default. */
export const ACCOUNT_LABEL = `${GROUP}/account`;

export interface RegionRateLimits {
  /** Calls per second over all SageMaker calls in this account and region. */
  rps?: number;
  burst?: number;
  /** Calls per second for the mutating calls (create, update, delete, tags). */
  mutatingRps?: number;
}

export interface SageMakerAccountSpec {
  /** The 12-digit AWS account id; GetCallerIdentity through the role must answer it. */
  accountId: string;
  /** The IAM role to assume; empty: the operator's own identity (which must then belong to accountId). */
  roleArn?: string;
  /** The trust policy's sts:ExternalId condition. */
  externalId?: string;
  /** Session tags passed to AssumeRole (the trust policy must allow sts:TagSession). */
  sessionTags?: Array<{ key: string; value: string }>;
  /** Regions profiles may use in this account. */
  regions: string[];
  /** The region of a profile that names none; must be one of regions. */
  defaultRegion?: string;
  /** Rate limits per region; a region not listed gets the operator's defaults (the chart's aws.rps and friends). */
  rateLimits?: Array<RegionRateLimits & { region: string }>;
  /** Namespaces that may use this account (`{}`: every namespace). A SageMakerProfilePolicy may narrow it further. */
  namespaceSelector: LabelSelector;
  /** The account of profiles whose namespace names none; at most one account should be marked. */
  default?: boolean;
}

export interface SageMakerAccountStatus {
  observedGeneration?: number;
  conditions?: Array<{
    type: "Ready" | "Stalled";
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
    lastTransitionTime: string;
    observedGeneration?: number;
  }>;
  /** The ARN GetCallerIdentity answered through the credentials. */
  callerArn?: string;
  /** When the current credentials expire (RFC 3339); unset for the operator's own identity. */
  credentialsExpiry?: string;
  lastCheckTime?: string;
}

export type SageMakerAccount = {
  apiVersion: typeof ACCOUNT_API_VERSION;
  kind: typeof ACCOUNT_KIND;
  metadata: { name: string; generation?: number; resourceVersion?: string; uid?: string };
  spec: SageMakerAccountSpec;
  status?: SageMakerAccountStatus;
};
