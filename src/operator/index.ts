/**
 * The manager: wires the informer, work queue, controller, reconciler, SageMaker gateway, leader election, metrics and
 * health endpoints together, and stops them in order. Used by `run`, `demo`, the end-to-end tests and the benchmark.
 */
import type { Logger as PinoLogger } from "pino";
import { FINALIZER, GROUP, PLURAL, profileName, type SageMakerUserProfile, VERSION } from "../api/types.js";
import {
  addFinalizer,
  BucketRateLimiter,
  Controller,
  EventRecorder,
  errorMessage,
  Informer,
  ItemExponentialFailureRateLimiter,
  isForbidden,
  LeaderElector,
  loadKubeConfig,
  MaxOfRateLimiter,
  makeClients,
  NotLeaderError,
  RBAC_HINT,
  RecentWrites,
  removeFinalizer,
  WorkQueue,
  writeStatus,
} from "../kube/index.js";
import { OperatorMetrics, parseBindAddress, serveHealth, serveMetrics } from "../metrics/index.js";
import { partitionOf } from "../policy/index.js";
import { type KubePort, ProfileReconciler } from "../reconciler/index.js";
import { ListResync } from "../resync/index.js";
import { SageMakerGateway } from "../sagemaker/index.js";
import type { OperatorConfig } from "./config.js";
import { createLogger } from "./log.js";
import { PolicyGuard } from "./policy.js";

export { defaultConfig, type OperatorConfig, parseDuration } from "./config.js";
export { createLogger, scrub } from "./log.js";

export const CONTROLLER_NAME = "sagemakeruserprofile";

export interface RunningOperator {
  metrics: OperatorMetrics;
  /** Bound ports (useful with port 0). */
  metricsPort?: number;
  healthPort?: number;
  log: PinoLogger;
  isLeader(): boolean;
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
  const clients = makeClients(kubeConfig);
  const metrics = new OperatorMetrics();
  const resource = { group: GROUP, version: VERSION, plural: PLURAL };

  const region = config.aws.region ?? "us-east-1";
  // The write fence: with leader election, only a leader that renewed within renewDeadline writes (set below).
  let mayWrite = () => true;
  const fenced = () => {
    if (!mayWrite()) throw new NotLeaderError("write refused: the leader lease is not held");
  };

  const gateway = new SageMakerGateway({
    mayWrite: () => mayWrite(),
    region,
    endpoint: config.aws.endpoint,
    credentials: config.aws.credentials,
    rps: config.aws.rps,
    burst: config.aws.burst,
    concurrency: config.aws.concurrency,
    mutatingRps: config.aws.mutatingRps,
    mutatingBurst: config.aws.mutatingBurst,
    maxAttempts: config.aws.maxAttempts,
    requestTimeoutMs: config.aws.requestTimeoutMs,
    observer: {
      onCall: (operation, outcome, seconds) => {
        metrics.sagemakerCalls.inc({ operation, outcome });
        metrics.sagemakerCallDuration.observe({ operation }, seconds);
      },
      onThrottle: (operation) => metrics.sagemakerThrottles.inc({ operation }),
      onRateChange: (rps) => metrics.sagemakerRateLimit.set(rps),
    },
  });
  metrics.sagemakerRateLimit.set(config.aws.rps);

  // One informer per watched namespace, or one for all namespaces.
  const namespaces: Array<string | undefined> = config.namespaces.length ? config.namespaces : [undefined];
  const informers = namespaces.map(
    (namespace) =>
      new Informer<SageMakerUserProfile>({
        kubeConfig,
        resource: { ...resource, namespace },
        log: log.child({ component: "informer", namespace: namespace ?? "*" }),
      }),
  );
  const cached = (key: string) => {
    for (const i of informers) {
      const obj = i.get(key);
      if (obj) return obj as SageMakerUserProfile;
    }
    return undefined;
  };

  const guard = new PolicyGuard({
    kubeConfig,
    log: log.child({ component: "policy" }),
    partition: partitionOf(region),
    profiles: () => informers.flatMap((i) => i.list()),
  });

  const queueName = CONTROLLER_NAME;
  const queue = new WorkQueue<string>({
    // client-go's default controller limiter: per-key exponential (5 ms -> 1000 s) max'd with an overall bucket.
    rateLimiter: new MaxOfRateLimiter(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
      new BucketRateLimiter(10, 100),
    ),
    observer: {
      depth: (n) => metrics.workqueueDepth.set({ name: queueName }, n),
      add: () => metrics.workqueueAdds.inc({ name: queueName }),
      retry: () => metrics.workqueueRetries.inc({ name: queueName }),
      latency: (s) => metrics.workqueueLatency.observe({ name: queueName }, s),
      workDuration: (s) => metrics.workqueueWorkDuration.observe({ name: queueName }, s),
      unfinishedWork: (s) => metrics.workqueueUnfinished.set({ name: queueName }, s),
      longestRunning: (s) => metrics.workqueueLongestRunning.set({ name: queueName }, s),
    },
  });

  const events = new EventRecorder({
    kubeConfig,
    reportingController: `${GROUP}/${CONTROLLER_NAME}`,
    reportingInstance: config.leaderElection.identity,
    log: log.child({ component: "events" }),
  });

  // Our own writes, until the informer has them: the next write then carries the current resourceVersion.
  const recent = new RecentWrites<SageMakerUserProfile>();
  for (const informer of informers)
    informer.subscribe({
      onAdd: (obj) => recent.observed(obj),
      onUpdate: (_, obj) => recent.observed(obj),
      onDelete: (obj) => recent.observed(obj, true),
    });
  const onWritten = (obj: unknown) => recent.record(obj as SageMakerUserProfile);
  const kube: KubePort = {
    get: (key) => recent.read(key, cached(key)),
    writeStatus: (obj, status) =>
      writeStatus(clients.customObjects, resource, obj, status, { onWritten, beforeAttempt: fenced }),
    addFinalizer: async (obj) => {
      fenced();
      await addFinalizer(clients.customObjects, resource, obj, FINALIZER, { onWritten });
    },
    removeFinalizer: async (obj) => {
      fenced();
      await removeFinalizer(clients.customObjects, resource, obj, FINALIZER, { onWritten });
    },
    event: (obj, type, reason, note) => {
      if (mayWrite()) events.event(obj, type, reason, note);
    },
  };

  const reconciler = new ProfileReconciler({
    sagemaker: gateway,
    kube,
    policy: guard,
    clusterId: config.clusterId,
    inUseBackoff: new ItemExponentialFailureRateLimiter({
      baseDelayMs: config.inUseBackoffBaseMs,
      maxDelayMs: config.inUseBackoffMaxMs,
      jitter: "full",
    }),
    transientBackoff: new ItemExponentialFailureRateLimiter({ baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: "full" }),
    contestBackoff: new ItemExponentialFailureRateLimiter({
      baseDelayMs: config.contestBackoffBaseMs,
      maxDelayMs: config.contestBackoffMaxMs,
    }),
    pollIntervalMs: config.pollIntervalMs,
    resyncPeriodMs: config.resyncMode === "describe" ? config.resyncPeriodMs : 0,
    stalledRetryMs: config.stalledRetryMs,
    hooks: {
      onProfile: (key, snapshot) => metrics.recordProfile(key, snapshot),
      onForget: (key) => metrics.forgetProfile(key),
      onRepair: (blocks) => {
        for (const field of blocks) metrics.driftRepairs.inc({ field });
      },
      onResourceInUse: () => metrics.resourceInUseRetries.inc(),
      onObserved: (key, lastModifiedTime) => listResync?.observed(key, lastModifiedTime),
    },
  });

  const controller = new Controller({
    name: CONTROLLER_NAME,
    // The guard's source holds the workers until the policy caches are synced (fail closed) and re-enqueues on changes.
    informers: [...informers, guard.eventSource()],
    queue,
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log: log.child({ component: "controller" }),
    reconcile: async (key) => {
      const started = performance.now();
      const action = await reconciler.reconcile(key);
      const obj = cached(key);
      log.debug(
        {
          key,
          ms: Math.round(performance.now() - started),
          requeueAfter: action.requeueAfter,
          status: obj?.status?.profileStatus,
        },
        "reconciled",
      );
      return action;
    },
    errorPolicy: (key, err) => {
      if (isForbidden(err))
        log.error({ key, err: errorSummary(err), hint: RBAC_HINT }, "reconcile forbidden; requeued");
      else log.error({ key, err: errorSummary(err) }, "reconcile failed; requeued with backoff");
      return { requeue: "rateLimited" };
    },
    observer: {
      reconciled: (result, seconds) => {
        metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result });
        if (result === "error") metrics.reconcileErrors.inc({ controller: CONTROLLER_NAME });
        metrics.reconcileTime.observe({ controller: CONTROLLER_NAME }, seconds);
      },
    },
  });

  const listResync =
    config.resyncMode === "list"
      ? new ListResync({
          listUserProfiles: (domainId) => gateway.listUserProfiles(domainId),
          targets: function* () {
            for (const i of informers)
              for (const obj of i.list())
                yield {
                  key: `${obj.metadata.namespace}/${obj.metadata.name}`,
                  domainId: obj.spec.domainId,
                  profileName: profileName(obj),
                };
          },
          enqueue: (key) => controller.enqueue(key),
          periodMs: config.resyncPeriodMs,
          fullResyncPeriodMs: config.fullResyncPeriodMs,
          onError: (domainId, err) =>
            log.warn({ domainId, err: errorSummary(err) }, "list resync failed; next period retries"),
        })
      : undefined;

  // --- start: endpoints first (probes), then caches (followers keep them warm), then the controller when leading.
  const stopping = new AbortController();
  const metricsAddress = parseBindAddress(config.metricsBindAddress);
  const healthAddress = parseBindAddress(config.healthProbeBindAddress);
  const metricsServer = metricsAddress ? await serveMetrics(metrics.registry, metricsAddress) : undefined;
  const healthServer = healthAddress
    ? await serveHealth(
        {
          healthy: () => !stopping.signal.aborted,
          ready: () => informers.every((i) => i.isReady()) && guard.isReady(),
        },
        healthAddress,
      )
    : undefined;

  const informerRuns = [...informers.map((i) => i.start(stopping.signal)), ...guard.start(stopping.signal)];
  let lostLeadership = false;
  let controllerRun: Promise<void> = Promise.resolve();
  let resyncRun: Promise<void> = Promise.resolve();
  let elector: LeaderElector | undefined;
  let electorRun: Promise<void> = Promise.resolve();
  const leaderLabel = { name: config.leaderElection.id };
  metrics.leaderStatus.set(leaderLabel, 0);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });

  let stopPromise: Promise<void> | undefined;
  const stop = () => {
    stopPromise ??= (async () => {
      log.info({}, "stopping");
      stopping.abort();
      await controller.stop(config.shutdownTimeoutMs);
      await controllerRun;
      await resyncRun;
      await electorRun; // releases the lease after the controller stopped
      await Promise.all(informerRuns);
      await events.flush();
      gateway.destroy();
      await metricsServer?.close();
      await healthServer?.close();
      metrics.leaderStatus.set(leaderLabel, 0);
      log.info({}, "stopped");
      resolveDone();
    })();
    return stopPromise;
  };

  if (config.leaderElection.enabled) {
    elector = new LeaderElector({
      kubeConfig,
      namespace: config.leaderElection.namespace,
      name: config.leaderElection.id,
      identity: config.leaderElection.identity,
      leaseDurationMs: config.leaderElection.leaseDurationMs,
      renewDeadlineMs: config.leaderElection.renewDeadlineMs,
      retryPeriodMs: config.leaderElection.retryPeriodMs,
      log: log.child({ component: "leader-election" }),
      onStartedLeading: (leading) => {
        log.info({ identity: config.leaderElection.identity }, "became leader; starting workers");
        metrics.leaderStatus.set(leaderLabel, 1);
        controllerRun = controller.run(stopping.signal);
        resyncRun = listResync?.run(leading) ?? Promise.resolve();
      },
      onStoppedLeading: async () => {
        metrics.leaderStatus.set(leaderLabel, 0);
        if (stopping.signal.aborted) return;
        // Like controller-runtime: a process that lost its lease stops reconciling at once and exits; its
        // replacement starts as a follower with fresh state.
        lostLeadership = true;
        log.error({}, "leader lease lost; stopping");
        void stop();
      },
    });
    const leader = elector;
    mayWrite = () => leader.holdsLease();
    electorRun = elector.run(stopping.signal);
  } else {
    metrics.leaderStatus.set(leaderLabel, 1);
    controllerRun = controller.run(stopping.signal);
    resyncRun = listResync?.run(stopping.signal) ?? Promise.resolve();
  }

  log.info(
    {
      namespaces: config.namespaces.length ? config.namespaces : "all",
      workers: config.workers,
      metrics: metricsServer?.port,
      health: healthServer?.port,
      leaderElection: config.leaderElection.enabled,
    },
    "operator started",
  );

  return {
    metrics,
    metricsPort: metricsServer?.port,
    healthPort: healthServer?.port,
    log,
    isLeader: () => (elector ? elector.isLeader() : !stopping.signal.aborted),
    done,
    stop,
    async stopOnSignals() {
      const onSignal = (sig: string) => {
        log.info({ signal: sig }, "signal received");
        void stop();
      };
      process.once("SIGTERM", onSignal);
      process.once("SIGINT", onSignal);
      await done;
      if (lostLeadership) process.exitCode = 1;
    },
  };
}

/** Name, code and the short message: client-node's own message embeds the response headers and body. */
function errorSummary(err: unknown): Record<string, unknown> {
  if (err && typeof err === "object") {
    const e = err as { name?: string; code?: unknown };
    return { name: e.name, message: errorMessage(err), code: e.code };
  }
  return { message: String(err) };
}
