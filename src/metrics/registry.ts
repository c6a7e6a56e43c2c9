/**
 * The operator's Prometheus metrics. Names follow controller-runtime where one exists (controller_runtime_*, workqueue_*,
 * leader_election_master_status) so existing dashboards and alerts apply. No per-profile label values (cardinality).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface ProfileSnapshot {
  profileStatus?: string;
  drifted: boolean;
  stalled: boolean;
  ready: boolean;
}

/**
 * One frozen snapshot per distinct value: there are a few dozen (profile statuses times three flags), and a copy per
 * resource was 10,000 objects at 10,000 resources. Bounded: an unknown status string beyond it is kept as given.
 */
const snapshots = new Map<string, ProfileSnapshot>();
const SNAPSHOTS_MAX = 256;

function shared(s: ProfileSnapshot): ProfileSnapshot {
  const key = `${s.profileStatus ?? ""}|${+s.drifted}${+s.stalled}${+s.ready}`;
  const known = snapshots.get(key);
  if (known) return known;
  const frozen = Object.freeze({ ...s });
  if (snapshots.size < SNAPSHOTS_MAX) snapshots.set(key, frozen);
  return frozen;
}

/** What the metrics use of a Map keyed by resource. */
export interface ProfileSnapshots {
  get(key: string): ProfileSnapshot | undefined;
  set(key: string, value: ProfileSnapshot): unknown;
  delete(key: string): unknown;
}

export class OperatorMetrics {
  readonly registry = new Registry();
  /**
   * Per-resource state, for the gauges computed at scrape time; bounded by the number of resources. A slot of the
   * operator's per-resource records (src/kube/keyed-records.ts) when given; else a Map.
   */
  private readonly profiles: ProfileSnapshots;
  /**
   * How many resources hold each (shared) snapshot, kept as they change: a scrape reads these few dozen entries, where
   * counting the resources at every scrape (every 500 ms in the benchmark) walked all of them four times.
   */
  private readonly held = new Map<ProfileSnapshot, number>();

  readonly reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller and result",
    labelNames: ["controller", "result"] as const,
    registers: [this.registry],
  });
  readonly reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly activeWorkers = new Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"] as const,
    registers: [this.registry],
  });
  readonly workqueueDepth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly workqueueAdds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly workqueueRetries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly workqueueLatency = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name"] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60, 300],
    registers: [this.registry],
  });
  readonly workqueueWorkDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes",
    labelNames: ["name"] as const,
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 10, 60],
    registers: [this.registry],
  });
  readonly workqueueUnfinished = new Gauge({
    name: "workqueue_unfinished_work_seconds",
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly workqueueLongestRunning = new Gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly workqueueNamespacesWaiting = new Gauge({
    name: "workqueue_namespaces_waiting",
    help: "Namespaces with keys waiting in workqueue; they are served in turn",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });
  readonly sagemakerCalls = new Counter({
    name: "sagemaker_api_calls_total",
    help: "SageMaker API calls by operation and outcome (success or the error code)",
    labelNames: ["operation", "outcome", "account", "region"] as const,
    registers: [this.registry],
  });
  readonly sagemakerCallDuration = new Histogram({
    name: "sagemaker_api_call_duration_seconds",
    help: "SageMaker API call latency by operation, retries included",
    labelNames: ["operation", "account", "region"] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly sagemakerThrottles = new Counter({
    name: "sagemaker_api_throttles_total",
    help: "SageMaker ThrottlingException answers by operation",
    labelNames: ["operation", "account", "region"] as const,
    registers: [this.registry],
  });
  readonly sagemakerRateLimit = new Gauge({
    name: "sagemaker_api_rate_limit",
    help: "Current SageMaker call rate allowed by the adaptive limiter (calls per second)",
    labelNames: ["account", "region"] as const,
    registers: [this.registry],
  });
  readonly sagemakerLimiterWaiting = new Gauge({
    name: "sagemaker_api_limiter_waiting",
    help: "SageMaker calls waiting for the limiter of their account and region (each one holds a reconcile)",
    labelNames: ["account", "region"] as const,
    registers: [this.registry],
  });
  readonly sagemakerInFlight = new Gauge({
    name: "sagemaker_api_calls_in_flight",
    help: "SageMaker calls in flight per account and region",
    labelNames: ["account", "region"] as const,
    registers: [this.registry],
  });
  readonly resourceInUseRetries = new Counter({
    name: "sagemaker_resource_in_use_retries_total",
    help: "Reconciles requeued with backoff because SageMaker answered ResourceInUse",
    registers: [this.registry],
  });
  readonly listResyncDeferred = new Counter({
    name: "sagemaker_list_resync_deferred_total",
    help: "List resync passes put off because the work queue had a backlog (at most 3 periods in a row)",
    registers: [this.registry],
  });
  readonly driftRepairs = new Counter({
    name: "sagemaker_drift_repairs_total",
    help: "Drift repaired with UpdateUserProfile, by top-level userSettings field",
    labelNames: ["field"] as const,
    registers: [this.registry],
  });
  readonly leaderStatus = new Gauge({
    name: "leader_election_master_status",
    help: "1 when this process is the leader for the named lease, 0 otherwise",
    labelNames: ["name"] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean; profiles?: ProfileSnapshots } = {}) {
    this.profiles = options.profiles ?? new Map<string, ProfileSnapshot>();
    const held = this.held;
    new Gauge({
      name: "sagemaker_user_profiles",
      help: "SageMakerUserProfile resources by SageMaker profile status (Unknown before the first describe)",
      labelNames: ["status"] as const,
      registers: [this.registry],
      collect() {
        // Counted first, then one set per status: an inc() per resource hashed its label object 10,000 times a scrape.
        const counts = new Map<string, number>();
        for (const [p, n] of held) {
          const status = p.profileStatus ?? "Unknown";
          counts.set(status, (counts.get(status) ?? 0) + n);
        }
        this.reset();
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    // Counted at scrape time from the snapshots held.
    const counted = (name: string, help: string, has: (p: ProfileSnapshot) => boolean) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          let total = 0;
          for (const [p, n] of held) if (has(p)) total += n;
          this.set(total);
        },
      });
    counted(
      "sagemaker_user_profiles_drifted",
      "SageMakerUserProfile resources whose profile currently differs from the spec",
      (p) => p.drifted,
    );
    counted(
      "sagemaker_user_profiles_stalled",
      "SageMakerUserProfile resources with Stalled=True (need a person)",
      (p) => p.stalled,
    );
    counted("sagemaker_user_profiles_ready", "SageMakerUserProfile resources with Ready=True", (p) => p.ready);
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  recordProfile(key: string, snapshot: ProfileSnapshot): void {
    const next = shared(snapshot);
    const prev = this.profiles.get(key);
    if (prev === next) return;
    if (prev) this.release(prev);
    this.held.set(next, (this.held.get(next) ?? 0) + 1);
    this.profiles.set(key, next);
  }

  forgetProfile(key: string): void {
    const prev = this.profiles.get(key);
    if (!prev) return;
    this.release(prev);
    this.profiles.delete(key);
  }

  private release(snapshot: ProfileSnapshot): void {
    const n = (this.held.get(snapshot) ?? 0) - 1;
    if (n > 0) this.held.set(snapshot, n);
    else this.held.delete(snapshot);
  }
}
