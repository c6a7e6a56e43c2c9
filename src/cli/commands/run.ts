/** `run`: the operator as it runs in production (KUBECONFIG or in-cluster; SageMaker from the standard AWS environment). */
import { type Command, Option } from "commander";
import { defaultConfig, type OperatorConfig, parseDuration } from "../../operator/config.js";
import { awsAccountId } from "../flags.js";

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${v}"`);
  return n;
};
const positiveNumber = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, got "${v}"`);
  return n;
};

/** `--flag=true|false` (a plain `--flag` means true), for settings whose default is true. */
const booleanValue = (flag: string) => (v: string) => {
  if (v === "true") return true;
  if (v === "false") return false;
  throw new Error(`${flag} must be true or false, got "${v}"`);
};

interface RunFlags {
  kubeconfig?: string;
  namespaces?: string;
  workers: number;
  clusterId: string;
  requirePolicy: boolean;
  awsRegion?: string;
  awsAccountId?: string;
  awsRps: number;
  awsBurst: number;
  awsConcurrency: number;
  awsMutatingRps: number;
  awsMutatingBurst: number;
  awsMaxAttempts: number;
  awsRequestTimeout: string;
  resyncPeriod: string;
  resyncMode: "list" | "describe";
  fullResyncPeriod: string;
  ownerRecheckPeriod: string;
  pollInterval: string;
  stalledRetry: string;
  inUseBackoffBase: string;
  inUseBackoffMax: string;
  contestBackoffBase: string;
  contestBackoffMax: string;
  leaderElect: boolean;
  shards: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  metricsBindAddress: string;
  healthProbeBindAddress: string;
  logLevel: string;
  shutdownTimeout: string;
}

/** Adds the operator's flags to a command (shared by `run` and `demo`). */
export function operatorFlags(cmd: Command): Command {
  const d = defaultConfig();
  return cmd
    .option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, then in-cluster)")
    .option("--namespaces <list>", "comma-separated namespaces to watch (default: all)")
    .option("--workers <n>", "concurrent reconciles", positiveInt("--workers"), d.workers)
    .option("--cluster-id <id>", "this cluster's name in the owner tag on every profile", d.clusterId)
    .option(
      "--require-policy [bool]",
      "refuse profiles of namespaces no SageMakerProfilePolicy covers (Stalled NoPolicy, no AWS call); false: such namespaces are unconstrained",
      booleanValue("--require-policy"),
      d.requirePolicy,
    )
    .option("--aws-region <region>", "AWS region (default: $AWS_REGION)")
    .option(
      "--aws-account-id <id>",
      "the account of the operator's own credentials (12 digits; default: asked of STS GetCallerIdentity once)",
      awsAccountId,
    )
    .option(
      "--aws-rps <n>",
      "SageMaker calls per second (shared by all workers)",
      positiveNumber("--aws-rps"),
      d.aws.rps,
    )
    .option("--aws-burst <n>", "SageMaker call burst", positiveInt("--aws-burst"), d.aws.burst)
    .option(
      "--aws-concurrency <n>",
      "SageMaker calls in flight at most",
      positiveInt("--aws-concurrency"),
      d.aws.concurrency,
    )
    .option(
      "--aws-mutating-rps <n>",
      "budget for Create/Update/Delete/tag calls",
      positiveNumber("--aws-mutating-rps"),
      d.aws.mutatingRps,
    )
    .option(
      "--aws-mutating-burst <n>",
      "burst for mutating calls",
      positiveInt("--aws-mutating-burst"),
      d.aws.mutatingBurst,
    )
    .option(
      "--aws-max-attempts <n>",
      "SDK attempts per call (network errors, 5xx)",
      positiveInt("--aws-max-attempts"),
      d.aws.maxAttempts,
    )
    .option("--aws-request-timeout <duration>", "an SDK attempt with no answer by then fails (and is retried)", "30s")
    .option("--resync-period <duration>", "look again at in-sync profiles this often", "10m")
    .addOption(
      new Option(
        "--resync-mode <mode>",
        "list: one ListUserProfiles pass per domain finds changes; describe: one call per profile",
      )
        .choices(["list", "describe"])
        .default("list"),
    )
    .option("--full-resync-period <duration>", "in list mode, reconcile every resource at least this often", "6h")
    .option(
      "--owner-recheck-period <duration>",
      "read a profile's owner tag again before the first write this long after it was last read (0: before every write)",
      "10m",
    )
    .option("--poll-interval <duration>", "look again while SageMaker is busy", "10s")
    .option("--stalled-retry <duration>", "retry stalled resources this often (a spec change retries at once)", "10m")
    .option("--in-use-backoff-base <duration>", "first delay after ResourceInUse (doubles, full jitter)", "5s")
    .option("--in-use-backoff-max <duration>", "largest delay after ResourceInUse", "5m")
    .option(
      "--contest-backoff-base <duration>",
      "wait before repairing again a field another writer keeps changing",
      "1m",
    )
    .option("--contest-backoff-max <duration>", "largest such wait (it doubles per contest)", "1h")
    .option("--leader-elect", "elect a leader on a coordination.k8s.io Lease (needed with replicas > 1)", false)
    .option(
      "--shards",
      "split the accounts×regions between replicas, one Lease per shard (replaces --leader-elect; docs/reliability.md)",
      false,
    )
    .option("--leader-election-namespace <ns>", "namespace of the Lease", d.leaderElection.namespace)
    .option("--leader-election-id <name>", "name of the Lease", d.leaderElection.id)
    .option("--lease-duration <duration>", "", "15s")
    .option("--renew-deadline <duration>", "", "10s")
    .option("--retry-period <duration>", "", "2s")
    .option("--metrics-bind-address <addr>", 'address of /metrics ("0" disables)', d.metricsBindAddress)
    .option(
      "--health-probe-bind-address <addr>",
      'address of /healthz and /readyz ("0" disables)',
      d.healthProbeBindAddress,
    )
    .addOption(
      new Option("--log-level <level>", "log level")
        .choices(["trace", "debug", "info", "warn", "error"])
        .default(d.logLevel),
    )
    .option("--shutdown-timeout <duration>", "on SIGTERM, wait this long for in-flight work", "30s");
}

export function configFromFlags(f: RunFlags): OperatorConfig {
  const d = defaultConfig();
  const duration = (flag: string, v: string) => {
    try {
      return parseDuration(v);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
  };
  return {
    ...d,
    kubeconfig: f.kubeconfig,
    namespaces: f.namespaces
      ? f.namespaces
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    workers: f.workers,
    clusterId: f.clusterId,
    requirePolicy: f.requirePolicy,
    aws: {
      region: f.awsRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      ...(f.awsAccountId ? { accountId: f.awsAccountId } : {}),
      rps: f.awsRps,
      burst: f.awsBurst,
      concurrency: f.awsConcurrency,
      mutatingRps: f.awsMutatingRps,
      mutatingBurst: f.awsMutatingBurst,
      maxAttempts: f.awsMaxAttempts,
      requestTimeoutMs: duration("--aws-request-timeout", f.awsRequestTimeout),
    },
    resyncPeriodMs: duration("--resync-period", f.resyncPeriod),
    resyncMode: f.resyncMode,
    fullResyncPeriodMs: duration("--full-resync-period", f.fullResyncPeriod),
    ownerRecheckMs: duration("--owner-recheck-period", f.ownerRecheckPeriod),
    pollIntervalMs: duration("--poll-interval", f.pollInterval),
    stalledRetryMs: duration("--stalled-retry", f.stalledRetry),
    inUseBackoffBaseMs: duration("--in-use-backoff-base", f.inUseBackoffBase),
    inUseBackoffMaxMs: duration("--in-use-backoff-max", f.inUseBackoffMax),
    contestBackoffBaseMs: duration("--contest-backoff-base", f.contestBackoffBase),
    contestBackoffMaxMs: duration("--contest-backoff-max", f.contestBackoffMax),
    leaderElection: {
      ...d.leaderElection,
      enabled: f.leaderElect,
      namespace: f.leaderElectionNamespace,
      id: f.leaderElectionId,
      leaseDurationMs: duration("--lease-duration", f.leaseDuration),
      renewDeadlineMs: duration("--renew-deadline", f.renewDeadline),
      retryPeriodMs: duration("--retry-period", f.retryPeriod),
    },
    sharding: { enabled: f.shards },
    metricsBindAddress: f.metricsBindAddress,
    healthProbeBindAddress: f.healthProbeBindAddress,
    logLevel: f.logLevel,
    shutdownTimeoutMs: duration("--shutdown-timeout", f.shutdownTimeout),
  };
}

export function register(program: Command): void {
  operatorFlags(
    program.command("run").description("run the operator against the cluster in KUBECONFIG (or in-cluster)"),
  ).action(async (flags: RunFlags) => {
    const config = configFromFlags(flags);
    if (!config.aws.region) throw new Error("no AWS region: set --aws-region or AWS_REGION");
    const { startOperator } = await import("../../operator/index.js");
    const operator = await startOperator(config);
    await operator.stopOnSignals();
  });
}
