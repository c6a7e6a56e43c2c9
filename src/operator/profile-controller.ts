/**
 * The SageMakerUserProfile controller's setup, as controller-runtime's builder declares one: what it watches (the
 * resource informers, policy and namespace changes, the List resync of SageMaker), its work queue, its reconciler and
 * the ports the reconciler writes through. Returns the runnables the Manager runs.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger as PinoLogger } from "pino";
import { FINALIZER, GROUP, PLURAL, profileName, type SageMakerUserProfile, VERSION } from "../api/types.js";
import {
  addFinalizer,
  BucketRateLimiter,
  Controller,
  type ControllerObserver,
  EventRecorder,
  Informer,
  ItemExponentialFailureRateLimiter,
  isForbidden,
  KeyedRecords,
  MaxOfRateLimiter,
  makeClients,
  objectKey,
  type QueueObserver,
  RBAC_HINT,
  RecentWrites,
  type Runnable,
  removeFinalizer,
  sleep,
  splitKey,
  systemClock,
  WorkQueue,
  writeStatus,
} from "../kube/index.js";
import type { OperatorMetrics } from "../metrics/index.js";
import { partitionOf } from "../policy/index.js";
import { type KubePort, ProfileReconciler } from "../reconciler/index.js";
import { ListResync } from "../resync/index.js";
import { getCallerIdentity, type SageMakerGateway } from "../sagemaker/index.js";
import { AccountRegistry } from "./accounts.js";
import type { OperatorConfig } from "./config.js";
import { errorSummary } from "./log.js";
import { PolicyGuard } from "./policy.js";
import { profileCacheTransform } from "./profile-cache.js";
import type { SageMakerPool } from "./sagemaker-pool.js";
import { NO_ACCOUNT_SHARD, ShardRouting } from "./sharding.js";

export const CONTROLLER_NAME = "sagemakeruserprofile";

export interface ProfileControllerDeps {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  gateway: SageMakerGateway;
  /** The clients of SageMakerAccounts' accounts and regions. */
  pool: SageMakerPool;
  metrics: OperatorMetrics;
  /** The per-resource records the metrics use too; default new ones. */
  records?: KeyedRecords;
  log: PinoLogger;
  /** The leader write fence: throws when this process may not write (see SageMakerGateway's mayWrite). */
  fence(): void;
  mayWrite(): boolean;
  /**
   * Set to the resource's namespace while it is reconciled; the gateway reads it to share the AWS budget fairly
   * between namespaces (see src/sagemaker/limiter.ts).
   */
  tenant?: AsyncLocalStorage<string>;
  /** With sharding on: told the routing, whose per-shard fence then replaces the leader's (src/operator/sharding.ts). */
  sharded?(routing: ShardRouting): void;
}

/** The fairness flow of a queue key: its namespace. */
export const namespaceOfKey = (key: string): string => splitKey(key).namespace ?? "";

/** The runnables of the profile controller, in start order: caches first, then the leader-elected loops. */
export function setupProfileController(d: ProfileControllerDeps): Runnable[] {
  const { config, kubeConfig, metrics, log } = d;
  const records = d.records ?? new KeyedRecords();
  const resource = { group: GROUP, version: VERSION, plural: PLURAL };

  // Source: one informer per watched namespace, or one for all namespaces.
  const namespaces: Array<string | undefined> = config.namespaces.length ? config.namespaces : [undefined];
  const informers: Informer<SageMakerUserProfile>[] = namespaces.map(
    (namespace) =>
      new Informer<SageMakerUserProfile>({
        kubeConfig,
        resource: { ...resource, namespace },
        log: log.child({ component: "informer", namespace: namespace ?? "*" }),
        // With the version it replaces and the reconciler's memory: strings that did not change are kept once.
        transform: (obj: SageMakerUserProfile) => {
          const key = objectKey(obj);
          return profileCacheTransform(obj, cached(key), reconciler.rememberedArn(key));
        },
      }),
  );
  const cached = (key: string): SageMakerUserProfile | undefined => {
    for (const i of informers) {
      const obj = i.get(key);
      if (obj) return obj as SageMakerUserProfile;
    }
    return undefined;
  };
  const profiles = () => informers.flatMap((i) => i.list());

  // Source: policy and namespace-label changes re-enqueue the resources they affect.
  const guard = new PolicyGuard({
    kubeConfig,
    log: log.child({ component: "policy" }),
    partition: partitionOf(config.aws.region ?? "us-east-1"),
    profiles,
    records,
  });

  // Source: SageMakerAccount changes and account checks re-enqueue the resources they affect.
  const operatorRegion = config.aws.region ?? "us-east-1";
  const accounts = new AccountRegistry({
    kubeConfig,
    log: log.child({ component: "accounts" }),
    namespaces: guard.namespaces,
    profiles,
    pool: d.pool,
    operatorRegion,
    ownAccountId: config.aws.accountId,
    whoAmI: (account, signal) =>
      getCallerIdentity(
        (account && d.pool.credentialsOf(account)?.provider) ?? config.aws.credentials,
        operatorRegion,
        config.aws.stsEndpoint,
        signal,
      ),
    checkPeriodMs: config.accounts.checkPeriodMs,
    retryMs: config.accounts.retryMs,
    clock: systemClock,
    fence: d.fence,
  });

  const queue = new WorkQueue<string>({
    // client-go's default controller limiter: per-key exponential (5 ms -> 1000 s) max'd with an overall bucket.
    rateLimiter: new MaxOfRateLimiter(
      new ItemExponentialFailureRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
      new BucketRateLimiter(10, 100),
    ),
    observer: queueObserver(metrics, CONTROLLER_NAME),
    // Namespaces take turns: one namespace's thousands of changes do not queue another's edits behind them.
    fairnessKey: namespaceOfKey,
    // Per account×region (issue 15): a throttled account's reconciles wait in its limiter, and without a bound they
    // would hold every worker while the other accounts' keys wait. A key of an account×region whose limiter already has
    // a call waiting stays queued until that call is granted; and with several account×regions declared, one never
    // holds every worker (a burst of its keys would otherwise take them all before its limiter shows any wait).
    downstreamOf: (key) => {
      if (!accounts.inUse()) return undefined; // one gateway: nothing to make way for
      const obj = cached(key);
      const decision = obj && accounts.decide(obj);
      return decision?.ok === true && decision.target
        ? `${decision.target.account}/${decision.target.region}`
        : undefined;
    },
    saturated: (downstream, inProgress, namespaceInProgress) => {
      if (
        downstream !== undefined &&
        inProgress > 0 &&
        (d.pool.saturated(downstream) || (inProgress >= config.workers - 1 && accounts.targets() > 1))
      )
        return true;
      // Per namespace (issue 13): with all but one worker on one namespace's reconciles and SageMaker calls already
      // waiting for tokens, one more of them would only wait too; the last worker is kept for another namespace's edit,
      // which otherwise waited for a storm's reconcile to get its token and give a worker back.
      const waiting = downstream === undefined ? d.gateway.limiter.waiting > 0 : d.pool.saturated(downstream);
      return config.workers > 1 && namespaceInProgress >= config.workers - 1 && waiting;
    },
  });
  d.pool.onDrained(() => queue.poke());

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
      onAdd: (obj) => {
        recent.observed(obj);
        accounts.profileArrived();
      },
      onUpdate: (old, obj) => {
        recent.observed(obj);
        // A relist may replace a profile deleted and made again while the watch was down: it arrived now.
        if (old.metadata.uid !== obj.metadata.uid) accounts.profileArrived();
      },
      onDelete: (obj) => recent.observed(obj, true),
    });
  const clients = makeClients(kubeConfig);
  const onWritten = (obj: unknown) => {
    const written = obj as SageMakerUserProfile;
    recent.record(written, cached(objectKey(written)));
  };
  const kube: KubePort = {
    get: (key) => recent.read(key, cached(key)),
    writeStatus: (obj, status) =>
      writeStatus(clients.api, resource, obj, status, { onWritten, beforeAttempt: d.fence }),
    addFinalizer: async (obj) => {
      d.fence();
      await addFinalizer(clients.api, resource, obj, FINALIZER, { onWritten });
    },
    removeFinalizer: async (obj) => {
      d.fence();
      await removeFinalizer(clients.api, resource, obj, FINALIZER, { onWritten });
    },
    event: (obj, type, reason, note) => {
      if (d.mayWrite()) events.event(obj, type, reason, note);
    },
  };

  let listResync: ListResync | undefined;
  let controller: Controller<SageMakerUserProfile> | undefined;
  const sharding = config.sharding.enabled
    ? new ShardRouting({
        config,
        kubeConfig,
        log: log.child({ component: "shards" }),
        accounts,
        profiles,
        get: cached,
        enqueue: (key) => controller?.enqueue(key),
        onHeld: (lease, held) => metrics.leaderStatus.set({ name: lease }, held ? 1 : 0),
      })
    : undefined;
  if (sharding) d.sharded?.(sharding);
  const reconciler = new ProfileReconciler({
    sagemaker: d.gateway,
    kube,
    policy: guard,
    accounts,
    requirePolicy: config.requirePolicy,
    clusterId: config.clusterId,
    inUseBackoff: new ItemExponentialFailureRateLimiter({
      baseDelayMs: config.inUseBackoffBaseMs,
      maxDelayMs: config.inUseBackoffMaxMs,
      jitter: "full",
    }),
    transientBackoff: new ItemExponentialFailureRateLimiter({ baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: "full" }),
    contestBackoff: { baseDelayMs: config.contestBackoffBaseMs, maxDelayMs: config.contestBackoffMaxMs },
    pollIntervalMs: config.pollIntervalMs,
    resyncPeriodMs: config.resyncMode === "describe" ? config.resyncPeriodMs : 0,
    stalledRetryMs: config.stalledRetryMs,
    ownerRecheckMs: config.ownerRecheckMs,
    records,
    knownAbsent: (obj, signal) => {
      const domainKey = accounts.resyncKey(obj);
      return domainKey !== undefined && (listResync?.absentSoon(domainKey, profileName(obj), signal) ?? false);
    },
    hooks: {
      onProfile: (key, snapshot) => metrics.recordProfile(key, snapshot),
      onForget: (key) => {
        metrics.forgetProfile(key);
        guard.forget(key);
      },
      onRepair: (blocks) => {
        for (const field of blocks) metrics.driftRepairs.inc({ field });
      },
      onResourceInUse: () => metrics.resourceInUseRetries.inc(),
      onObserved: (key, lastModifiedTime, settled) => listResync?.observed(key, lastModifiedTime, settled),
      onWrite: (key) => listResync?.wrote(key),
    },
  });

  controller = new Controller<SageMakerUserProfile>({
    name: CONTROLLER_NAME,
    // The guard's source holds the workers until the policy caches are synced (fail closed) and re-enqueues on changes.
    informers: [...informers, guard.eventSource(), accounts.eventSource()],
    queue,
    workers: config.workers,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    log: log.child({ component: "controller" }),
    reconcile: async (key, ctx) => {
      const started = performance.now();
      const inTenant = () => reconciler.reconcile(key, ctx);
      const reconcile = () => (d.tenant ? d.tenant.run(namespaceOfKey(key), inTenant) : inTenant());
      const action = await (sharding ? sharding.reconcile(key, reconcile) : reconcile());
      // Not even built at the default level: this runs for every reconcile.
      if (log.isLevelEnabled("debug"))
        log.debug(
          {
            key,
            ms: Math.round(performance.now() - started),
            requeueAfter: action.requeueAfter,
            status: cached(key)?.status?.profileStatus,
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
    observer: controllerObserver(metrics, CONTROLLER_NAME),
  });

  // Source: the List resync of SageMaker enqueues the resources whose profile changed out of band.
  if (config.resyncMode === "list")
    listResync = new ListResync({
      // Per account, region and domain: `<account>/<region>/<domainId>` once SageMakerAccounts exist.
      listUserProfiles: (domainKey) => {
        const [account, region, domainId] = domainKey.split("/");
        if (domainId === undefined || region === undefined) return d.gateway.listUserProfiles(domainKey);
        const target = { account: account as string, accountId: "", region };
        return (accounts.sagemakerFor(target) as SageMakerGateway).listUserProfiles(domainId);
      },
      targets: function* () {
        for (const i of informers)
          for (const obj of i.list()) {
            // Sharded: each replica lists the domains of the shards it holds.
            if (sharding && !sharding.holds(sharding.shardOf(obj))) continue;
            const domainKey = accounts.resyncKey(obj);
            if (domainKey !== undefined)
              yield {
                key: objectKey(obj),
                domainId: domainKey,
                profileName: profileName(obj),
              };
          }
      },
      enqueue: (key) => controller?.enqueue(key),
      periodMs: config.resyncPeriodMs,
      fullResyncPeriodMs: config.fullResyncPeriodMs,
      seen: records.slot(),
      // More keys waiting than one round of workers takes: their reconciles describe those profiles anyway.
      backlogged: () => queue.len() > config.workers,
      onDeferred: () => metrics.listResyncDeferred.inc(),
      onError: (domainId, err) =>
        log.warn(
          { domainId, err: errorSummary(err) },
          "list resync failed; the next period lists again (a reconcile waiting for a first List asks again after 30 s)",
        ),
    });
  const resync = listResync;
  const ctrl = controller;
  const shardSet = sharding?.set;

  return [
    ...informers.map(
      (informer, i): Runnable => ({
        name: `informer/${namespaces[i] ?? "*"}`,
        start: (signal) => informer.start(signal),
        ready: () => informer.isReady(),
      }),
    ),
    {
      name: "account-cache",
      start: (signal) => accounts.informer.start(signal),
      ready: () => accounts.informer.isReady(),
    },
    {
      name: "client-sweeper",
      start: async (signal) => {
        while (!signal.aborted) {
          await sleep(Math.min(60_000, config.accounts.clientIdleMs), signal);
          d.pool.sweep();
        }
      },
    },
    sharding
      ? {
          // Sharded: the holder of the no-account shard checks the accounts (and writes their status).
          name: "account-checks",
          start: (signal: AbortSignal) =>
            sharding.whileHolding(NO_ACCOUNT_SHARD, signal, (term) => accounts.runChecks(term)),
        }
      : { name: "account-checks", leaderElected: true, start: (signal: AbortSignal) => accounts.runChecks(signal) },
    {
      name: "policy-caches",
      start: (signal) => Promise.all(guard.start(signal)).then(() => undefined),
      ready: () => guard.isReady(),
    },
    { name: "events", start: idle, close: () => events.flush() },
    { name: `controller/${CONTROLLER_NAME}`, leaderElected: true, start: (signal) => ctrl.run(signal) },
    ...(resync
      ? [{ name: "list-resync", leaderElected: true, start: (signal: AbortSignal) => resync.run(signal) }]
      : []),
    // Campaigns once the caches are synced, so the shards it counts are all there are.
    ...(shardSet
      ? [
          {
            name: "shards",
            start: async (signal: AbortSignal) => {
              const synced = Promise.all([...informers.map((i) => i.ready()), accounts.informer.ready()]);
              await Promise.race([synced, idle(signal)]);
              if (!signal.aborted) await shardSet.run(signal);
            },
          },
        ]
      : []),
  ];
}

/** A runnable with nothing to run: it waits for the stop, and its close() does the work. */
export const idle = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });

/** client-go's workqueue_* metrics for a queue. */
const queueObserver = (metrics: OperatorMetrics, name: string): QueueObserver => ({
  depth: (n) => metrics.workqueueDepth.set({ name }, n),
  add: () => metrics.workqueueAdds.inc({ name }),
  retry: () => metrics.workqueueRetries.inc({ name }),
  latency: (s) => metrics.workqueueLatency.observe({ name }, s),
  workDuration: (s) => metrics.workqueueWorkDuration.observe({ name }, s),
  unfinishedWork: (s) => metrics.workqueueUnfinished.set({ name }, s),
  longestRunning: (s) => metrics.workqueueLongestRunning.set({ name }, s),
  flows: (n) => metrics.workqueueNamespacesWaiting.set({ name }, n),
});

/** controller-runtime's controller_runtime_reconcile_* metrics for a controller. */
const controllerObserver = (metrics: OperatorMetrics, controller: string): ControllerObserver => ({
  activeWorkers: (n) => metrics.activeWorkers.set({ controller }, n),
  reconciled: (result, seconds) => {
    metrics.reconcileTotal.inc({ controller, result });
    if (result === "error") metrics.reconcileErrors.inc({ controller });
    metrics.reconcileTime.observe({ controller }, seconds);
  },
});
