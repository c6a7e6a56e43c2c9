/**
 * The operator process: a Manager running the SageMaker gateway, the metrics and health endpoints and the profile
 * controller (src/operator/profile-controller.ts), gated on leader election. Used by `run`, `demo`, the end-to-end
 * tests and the benchmark.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { Logger as PinoLogger } from "pino";
import {
  KeyedRecords,
  LeaderElector,
  leaseTiming,
  loadKubeConfig,
  Manager,
  NotLeaderError,
  systemClock,
} from "../kube/index.js";
import { OperatorMetrics, parseBindAddress, serveHealth, serveMetrics } from "../metrics/index.js";
import { type GatewayOptions, SageMakerGateway } from "../sagemaker/index.js";
import type { OperatorConfig } from "./config.js";
import { createLogger } from "./log.js";
import { CONTROLLER_NAME, idle, setupProfileController } from "./profile-controller.js";
import { SageMakerPool } from "./sagemaker-pool.js";
import type { ShardRouting } from "./sharding.js";

export { defaultConfig, type OperatorConfig, parseDuration } from "./config.js";
export { createLogger, scrub } from "./log.js";
export { CONTROLLER_NAME } from "./profile-controller.js";

export interface RunningOperator {
  metrics: OperatorMetrics;
  /** Bound ports (useful with port 0). */
  metricsPort?: number;
  healthPort?: number;
  log: PinoLogger;
  isLeader(): boolean;
  /** With sharding: the shards this replica holds now (`""` is the shard of profiles with no account). */
  heldShards(): string[];
  /** Resolves when the operator has stopped (stop() called, or leadership lost). */
  done: Promise<void>;
  stop(): Promise<void>;
  /** Stops on SIGTERM/SIGINT and resolves when stopped; exits non-zero if leadership was lost. */
  stopOnSignals(): Promise<void>;
}

export interface OperatorDeps {
  log?: PinoLogger;
}

export async function startOperator(config: OperatorConfig, deps: OperatorDeps = {}): Promise<RunningOperator> {
  const log = deps.log ?? createLogger({ level: config.logLevel, base: { controller: CONTROLLER_NAME } });
  const kubeConfig = loadKubeConfig({ path: config.kubeconfig });
  // One record per resource for what the reconciler, the List resync, the policy cache and the metrics keep of it.
  const records = new KeyedRecords();
  const metrics = new OperatorMetrics({ profiles: records.slot() });

  // The write fence: with leader election, only a leader that renewed within renewDeadline writes.
  let mayWrite = () => true;
  const fence = () => {
    if (!mayWrite()) throw new NotLeaderError("write refused: the leader lease is not held");
  };
  // The namespace each reconcile works for, so the gateway's limiter shares the AWS budget fairly between namespaces.
  const tenant = new AsyncLocalStorage<string>();
  const flowOf = () => tenant.getStore();
  const gateway = makeGateway(config, metrics, () => mayWrite(), flowOf);
  // One client and limiter per SageMakerAccount and region, on first use (unused without any SageMakerAccount).
  const pool = new SageMakerPool({
    makeGateway: (target, account, credentials) => {
      const limits = account.spec.rateLimits?.find((l) => l.region === target.region);
      return makeGateway(config, metrics, () => mayWrite(), flowOf, {
        onDrained: () => pool.limiterDrained(),
        labels: { account: target.account, region: target.region },
        region: target.region,
        credentials: credentials?.provider ?? config.aws.credentials,
        ...(limits?.rps !== undefined ? { rps: limits.rps } : {}),
        ...(limits?.burst !== undefined ? { burst: limits.burst } : {}),
        ...(limits?.mutatingRps !== undefined ? { mutatingRps: limits.mutatingRps } : {}),
      });
    },
    ...(config.aws.credentials ? { ownCredentials: config.aws.credentials } : {}),
    stsRegion: config.aws.region ?? "us-east-1",
    ...(config.aws.stsEndpoint ? { stsEndpoint: config.aws.stsEndpoint } : {}),
    sessionName: sessionName(config),
    idleMs: config.accounts.clientIdleMs,
    clock: systemClock,
  });

  let routing: ShardRouting | undefined;
  const leaderLabel = { name: config.leaderElection.id };
  metrics.leaderStatus.set(leaderLabel, 0);
  const election = config.leaderElection;
  const manager = new Manager({
    log,
    onLeading: (leading) => {
      if (leading) log.info({ identity: election.identity }, "became leader; starting workers");
      metrics.leaderStatus.set(leaderLabel, leading && !config.sharding.enabled ? 1 : 0);
    },
    // Sharded, there is no single leader: every replica runs the controller, which reconciles only its shards' keys.
    leaderElection:
      election.enabled && !config.sharding.enabled
        ? (hooks) => {
            const elector = new LeaderElector({
              kubeConfig,
              namespace: election.namespace,
              name: election.id,
              identity: election.identity,
              ...leaseTiming(election),
              log: log.child({ component: "leader-election" }),
              onStartedLeading: hooks.onStartedLeading,
              onStoppedLeading: hooks.onStoppedLeading,
            });
            mayWrite = () => elector.holdsLease();
            return elector;
          }
        : undefined,
  });

  // Endpoints first, so probes answer while the caches sync; closed last.
  const metricsAddress = parseBindAddress(config.metricsBindAddress);
  const healthAddress = parseBindAddress(config.healthProbeBindAddress);
  const metricsServer = metricsAddress ? await serveMetrics(metrics.registry, metricsAddress) : undefined;
  const healthServer = healthAddress
    ? await serveHealth({ healthy: () => manager.healthy(), ready: () => manager.ready() }, healthAddress)
    : undefined;
  manager.add({
    name: "endpoints",
    start: idle,
    close: async () => void (await Promise.all([metricsServer?.close(), healthServer?.close()])),
  });
  manager.add({
    name: "sagemaker-client",
    start: idle,
    close: () => {
      gateway.destroy();
      pool.destroy();
    },
  });
  for (const runnable of setupProfileController({
    config,
    kubeConfig,
    gateway,
    pool,
    metrics,
    records,
    log,
    fence,
    mayWrite: () => mayWrite(),
    tenant,
    sharded: (r) => {
      routing = r;
      mayWrite = () => r.mayWrite();
    },
  }))
    manager.add(runnable);
  manager.start();

  log.info(
    {
      namespaces: config.namespaces.length ? config.namespaces : "all",
      workers: config.workers,
      metrics: metricsServer?.port,
      health: healthServer?.port,
      leaderElection: election.enabled,
      sharding: config.sharding.enabled,
    },
    "operator started",
  );

  return {
    metrics,
    metricsPort: metricsServer?.port,
    healthPort: healthServer?.port,
    log,
    isLeader: () => manager.isLeader(),
    heldShards: () => routing?.set.held() ?? [],
    done: manager.done,
    stop: () => manager.stop(),
    async stopOnSignals() {
      const onSignal = (sig: string) => {
        log.info({ signal: sig }, "signal received");
        void manager.stop();
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      await manager.done;
      if (manager.lostLeadership) process.exitCode = 1;
    },
  };
}

/**
 * The RoleSessionName of assumed roles (CloudTrail shows it). Sharded, it ends with the replica's identity, so the
 * calls of each replica can be told apart (the end, where a Pod name's random suffix is, is kept within 64 chars).
 */
function sessionName(config: OperatorConfig): string {
  const name = `sagemaker-profile-operator-${config.clusterId}`;
  const full = config.sharding.enabled ? `${name}-${config.leaderElection.identity}`.slice(-64) : name.slice(0, 64);
  return full.replace(/[^\w+=,.@-]/g, "-");
}

interface GatewayScope {
  /** The account and region labels of its metrics (none for the operator's own account and region). */
  labels: { account: string; region: string };
  region: string;
  credentials: GatewayOptions["credentials"];
  rps?: number;
  burst?: number;
  mutatingRps?: number;
  /** The limiter's last waiting call was granted. */
  onDrained?: () => void;
}

/** A SageMaker client behind its own rate limit, its calls counted in the metrics. */
function makeGateway(
  config: OperatorConfig,
  metrics: OperatorMetrics,
  mayWrite: () => boolean,
  flowOf: () => string | undefined,
  scope?: GatewayScope,
): SageMakerGateway {
  const labels = scope?.labels ?? {};
  const rps = scope?.rps ?? config.aws.rps;
  const mutatingRps = scope?.mutatingRps ?? config.aws.mutatingRps;
  metrics.sagemakerRateLimit.set(labels, rps);
  const callSeries = new Map<string, { calls: { inc(): void }; duration: { observe(seconds: number): void } }>();
  let hadWaiting = false;
  // Label children taken once: onLoadChange runs on every grant and release, and prom-client hashes a label object.
  const limiterWaiting = metrics.sagemakerLimiterWaiting.labels(labels);
  const inFlightCalls = metrics.sagemakerInFlight.labels(labels);
  return new SageMakerGateway({
    mayWrite,
    flowOf,
    region: scope?.region ?? config.aws.region ?? "us-east-1",
    endpoint: config.aws.endpoint,
    credentials: scope ? scope.credentials : config.aws.credentials,
    rps,
    burst: scope?.burst ?? config.aws.burst,
    concurrency: config.aws.concurrency,
    mutatingRps: Math.min(mutatingRps, rps),
    mutatingBurst: config.aws.mutatingBurst,
    maxAttempts: config.aws.maxAttempts,
    requestTimeoutMs: config.aws.requestTimeoutMs,
    observer: {
      onCall: (operation, outcome, seconds) => {
        // The label sets' children, kept: prom-client hashes a label object on every inc/observe otherwise.
        const key = `${operation} ${outcome}`;
        let child = callSeries.get(key);
        if (!child) {
          child = {
            calls: metrics.sagemakerCalls.labels({ operation, outcome, ...labels }),
            duration: metrics.sagemakerCallDuration.labels({ operation, ...labels }),
          };
          callSeries.set(key, child);
        }
        child.calls.inc();
        child.duration.observe(seconds);
      },
      onThrottle: (operation) => metrics.sagemakerThrottles.inc({ operation, ...labels }),
      onRateChange: (rps) => metrics.sagemakerRateLimit.set(labels, rps),
      onLoadChange: (waiting, inFlight) => {
        limiterWaiting.set(waiting);
        inFlightCalls.set(inFlight);
        if (hadWaiting && waiting === 0) scope?.onDrained?.();
        hadWaiting = waiting > 0;
      },
    },
  });
}
