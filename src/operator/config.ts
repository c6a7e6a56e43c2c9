/** The operator's configuration: what `run` flags (and the Helm chart's values) set. */
import type { LeaseTiming } from "../kube/index.js";

export interface OperatorConfig {
  /** Path of a kubeconfig file; else KUBECONFIG, else in-cluster. */
  kubeconfig?: string;
  /** Watched namespaces; empty = all namespaces. */
  namespaces: string[];
  workers: number;
  /** Identifies this cluster in the owner tag on every profile. */
  clusterId: string;
  /** A namespace no SageMakerProfilePolicy covers is refused (Stalled NoPolicy) before any AWS call. */
  requirePolicy: boolean;
  aws: {
    region?: string;
    /**
     * The account of the operator's own credentials, when given: STS GetCallerIdentity is then never called for it
     * (a Pod that cannot reach STS). Profiles whose ARN names another account are refused by it (src/reconciler/pinned.ts).
     */
    accountId?: string;
    /** Explicit endpoint (tests); AWS_ENDPOINT_URL_SAGEMAKER is honoured by the SDK without it. */
    endpoint?: string;
    /** Explicit STS endpoint (tests); AWS_ENDPOINT_URL_STS is honoured by the SDK without it. */
    stsEndpoint?: string;
    /** Only for the local emulator; in a cluster the SDK's standard chain (IRSA, Pod Identity) is used. */
    credentials?: { accessKeyId: string; secretAccessKey: string };
    rps: number;
    burst: number;
    concurrency: number;
    mutatingRps: number;
    mutatingBurst: number;
    maxAttempts: number;
    /** An SDK attempt that gets no answer within this long fails as a timeout (and is retried like a network error). */
    requestTimeoutMs: number;
  };
  /** SageMakerAccount: how often a ready account's credentials are checked, how soon a failing one is retried, and
   * how long an account×region's client may stay unused before it is closed. */
  accounts: { checkPeriodMs: number; retryMs: number; clientIdleMs: number };
  resyncPeriodMs: number;
  /**
   * `list`: every resync period, one ListUserProfiles pass per domain finds changed profiles (docs/architecture.md: resync without
   * waste); `describe`: every in-sync profile is described once per period (simple, one call per profile).
   */
  resyncMode: "list" | "describe";
  /** In list mode, every resource is still reconciled this often (jittered). */
  fullResyncPeriodMs: number;
  /**
   * The owner tag is read again before the first write this long after AWS last named the owner (our create, a
   * ListTags): a re-tagging with AWS rights alone may not move LastModifiedTime (docs/security.md).
   */
  ownerRecheckMs: number;
  pollIntervalMs: number;
  stalledRetryMs: number;
  inUseBackoffBaseMs: number;
  inUseBackoffMaxMs: number;
  /** A field someone else keeps changing back is repaired again after this (doubling up to the max). */
  contestBackoffBaseMs: number;
  contestBackoffMaxMs: number;
  /** The leader Lease, or with sharding every shard's Lease: where, who, and held with which timings. */
  leaderElection: LeaseTiming & {
    enabled: boolean;
    namespace: string;
    id: string;
    identity: string;
  };
  /**
   * Replicas split the work: one Lease per account×region (and one for profiles with no account), named from
   * leaderElection.id in its namespace, with its timings; the single leader Lease is then not used.
   */
  sharding: { enabled: boolean };
  /** ":8080", "127.0.0.1:0", or "0" to disable. */
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  logLevel: string;
  shutdownTimeoutMs: number;
}

export const defaultConfig = (): OperatorConfig => ({
  namespaces: [],
  workers: 4,
  clusterId: "default",
  requirePolicy: true,
  aws: {
    rps: 5,
    burst: 10,
    concurrency: 8,
    mutatingRps: 2,
    mutatingBurst: 4,
    maxAttempts: 3,
    requestTimeoutMs: 30_000,
  },
  accounts: { checkPeriodMs: 5 * 60_000, retryMs: 30_000, clientIdleMs: 15 * 60_000 },
  resyncPeriodMs: 10 * 60_000,
  resyncMode: "list",
  fullResyncPeriodMs: 6 * 60 * 60_000,
  ownerRecheckMs: 10 * 60_000,
  pollIntervalMs: 10_000,
  stalledRetryMs: 10 * 60_000,
  inUseBackoffBaseMs: 5_000,
  inUseBackoffMaxMs: 5 * 60_000,
  contestBackoffBaseMs: 60_000,
  contestBackoffMaxMs: 60 * 60_000,
  leaderElection: {
    enabled: false,
    namespace: process.env.POD_NAMESPACE ?? "default",
    id: "sagemaker-profile-operator",
    identity: process.env.POD_NAME ?? `${process.env.HOSTNAME ?? "local"}-${process.pid}`,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
  },
  sharding: { enabled: false },
  metricsBindAddress: ":8080",
  healthProbeBindAddress: ":8081",
  logLevel: "info",
  shutdownTimeoutMs: 30_000,
});

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses Go-style durations ("10s", "5m", "1h30m", "250ms"); a bare number is milliseconds. */
export function parseDuration(value: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    end = re.lastIndex;
  }
  if (end === 0 || end !== v.length) throw new Error(`invalid duration "${value}" (use e.g. 250ms, 10s, 5m, 1h)`);
  return total;
}
