/** The controller runtime: watcher, reflector and informer; work queue and rate limiters; controller; status,
 * finalizer and event writers; leader election; kubeconfig loading. Built on @kubernetes/client-node's KubeConfig
 * (authentication, TLS), with the REST calls and the watch request in rest.ts on node:http(s) (not its generated API
 * classes, nor its Watch: both use undici's fetch). */
export { type BackoffOptions, ResettingBackoff } from "./backoff.js";
export { type Clock, sleep, systemClock, type TimerHandle, untilAborted } from "./clock.js";
export { type Condition, type ConditionInput, findCondition, isConditionTrue, setCondition } from "./conditions.js";
export { inClusterNamespace, type KubeClients, type KubeConfigSource, loadKubeConfig, makeClients } from "./config.js";
export {
  type Action,
  Controller,
  type ControllerObserver,
  type ControllerOptions,
  type EventSource,
  metadataChanged,
  type ReconcileContext,
  type ReconcileResult,
} from "./controller.js";
export { errorMessage, httpStatus, isConflict, isForbidden, isGone, isNotFound, RBAC_HINT } from "./errors.js";
export { EventRecorder, type EventRecorderOptions, type EventType } from "./events.js";
export { addFinalizer, type FinalizerOptions, removeFinalizer } from "./finalizer.js";
export { Informer, type InformerHandlers, type InformerOptions } from "./informer.js";
export { INTERN_MAX_LENGTH, intern, internTable } from "./intern.js";
export { deepEqual, mergePatch } from "./json.js";
export { KeyedRecords, type KeyedState } from "./keyed-records.js";
export {
  LeaderElector,
  type LeaderElectorOptions,
  type LeaseTiming,
  leaseTiming,
  NotLeaderError,
} from "./leader.js";
export { type Lease, LeaseApi, type LeaseSpec, microTime } from "./leases.js";
export { type Logger, silentLogger } from "./log.js";
export { type LeaderElection, type LeadershipHooks, Manager, type ManagerOptions, type Runnable } from "./manager.js";
export {
  collectionPath,
  type KubeObject,
  type KubeObjectMeta,
  LAST_APPLIED_ANNOTATION,
  objectKey,
  objectPath,
  type ResourceRef,
  splitKey,
  stripForCache,
} from "./object.js";
export {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  type ExponentialOptions,
  exponentialDelay,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  type RateLimiter,
} from "./ratelimiter.js";
export { RecentWrites } from "./recent-writes.js";
export { type Change, Store, type StoreReader } from "./reflector.js";
export { JSON_PATCH, KubeApi, KubeApiError, MERGE_PATCH, type Query } from "./rest.js";
export { ShardSet, type ShardSetOptions } from "./shard-set.js";
export { MemberView, membersLeaseName, shardLeaseName, shardQuota, shardsToShed } from "./shards.js";
export { type StatusWriteOptions, writeStatus } from "./status.js";
export {
  Watcher,
  type WatcherEvent,
  type WatcherOptions,
  type WatcherState,
  type WatcherStats,
  type WatchHandler,
} from "./watcher.js";
export { type QueueObserver, WorkQueue, type WorkQueueOptions } from "./workqueue.js";
