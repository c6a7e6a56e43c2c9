/**
 * Accounts do not slow each other (issue 15): account B creates N profiles with account A idle, then again while A is
 * throttled hard by SageMaker (its own account×region rate limit) and has N creates of its own queued. B's time to
 * converge under A's throttling, over its idle time, is the figure: each account×region has its own client and limiter,
 * and the work queue keeps A's reconciles from holding every worker (docs/multi-account.md, "Workers and limiters").
 * BENCH_TRACE=1 logs, every second, the queue depth, busy workers and calls waiting in each account's limiter.
 */
import PQueue from "p-queue";
import { GROUP, PLURAL, type SageMakerUserProfile, VERSION } from "../src/api/types.js";
import { loadKubeConfig } from "../src/kube/index.js";
import { applyAccount } from "../test/support/account.js";
import type { Figure, Goal, ScenarioResult, Sizes } from "./scenarios.js";
import { DECLARED_INSTANCE, DOMAIN, resource, sleep, World } from "./world.js";

type Log = (line: string) => void;
const HUB_USER = "arn:aws:iam::123456789012:user/local";
const ACCOUNTS = { a: "111111111111", b: "222222222222" } as const;
const roleOf = (id: string) => `arn:aws:iam::${id}:role/sagemaker-profile-operator`;

/**
 * Spoke accounts (SageMakerAccount name -> account id), each with: a role the operator (signing as `local`) may
 * assume, the bench domain in us-east-1, a namespace `acct-<name>` whose profiles use it, and its SageMakerAccount.
 */
export async function setUpAccounts(world: World, accounts: Record<string, string> = ACCOUNTS): Promise<void> {
  const kubeConfig = loadKubeConfig({ path: world.kubeconfigPath });
  for (const [name, id] of Object.entries(accounts)) {
    await world.admin("POST", "sts/roles", { arn: roleOf(id), trustedPrincipals: [HUB_USER] });
    await world.admin("POST", `accounts/${id}/us-east-1/domains`, {
      domainId: DOMAIN,
      defaultUserSettings: { ExecutionRole: `arn:aws:iam::${id}:role/studio` },
    });
    await world.kubeRequest("POST", "/api/v1/namespaces", {
      metadata: { name: `acct-${name}`, labels: { tenant: name, [`${GROUP}/account`]: name } },
    });
    await applyAccount(kubeConfig, name, {
      accountId: id,
      roleArn: roleOf(id),
      regions: ["us-east-1"],
      namespaceSelector: { matchLabels: { tenant: name } },
    });
  }
}

/** Creates `n` resources named `<prefix>-<i>` in the account's namespace, `concurrency` at a time. */
export async function createIn(world: World, account: string, prefix: string, n: number, concurrency = 1) {
  const queue = new PQueue({ concurrency });
  for (let i = 0; i < n; i++)
    void queue.add(() =>
      world.api.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: `acct-${account}`,
        body: resource(`${prefix}-${i}`, DECLARED_INSTANCE, `acct-${account}`),
      }),
    );
  await queue.onIdle();
}

/** Seconds until every resource of the prefix is Ready. */
async function converge(world: World, account: "a" | "b", prefix: string, n: number, since: number): Promise<number> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const list = (await world.api.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: `acct-${account}`,
    })) as { items: SageMakerUserProfile[] };
    const ready = list.items.filter(
      (o) =>
        o.metadata.name.startsWith(`${prefix}-`) &&
        o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    ).length;
    if (ready >= n) return (Date.now() - since) / 1000;
    if (Date.now() > deadline) throw new Error(`${prefix}: only ${ready}/${n} Ready after 10 minutes`);
    await sleep(100);
  }
}

/** One labelled sample from the operator's /metrics text (0 when absent). */
function sample(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n"))
    if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(labels))
      sum += Number(line.split(" ").at(-1));
  return sum;
}

/** Logs, once a second until stopped, where the workers are: queue depth, workers busy, calls waiting per account. */
function trace(metricsUrl: string, log: Log, since: number): () => void {
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const text = await (await fetch(metricsUrl)).text();
      const per = (n: string, a: string) => sample(text, n, `account="${a}"`);
      log(
        `    t=${((Date.now() - since) / 1000).toFixed(1)}s depth=${sample(text, "workqueue_depth")} ` +
          `workers=${sample(text, "controller_runtime_active_workers")} ` +
          `waiting A=${per("sagemaker_api_limiter_waiting", "a")} B=${per("sagemaker_api_limiter_waiting", "b")} ` +
          `inflight A=${per("sagemaker_api_calls_in_flight", "a")} B=${per("sagemaker_api_calls_in_flight", "b")} ` +
          `rateA=${per("sagemaker_api_rate_limit", "a").toFixed(1)} calls A=${per("sagemaker_api_calls_total", "a")} B=${per("sagemaker_api_calls_total", "b")}`,
      );
      await sleep(1000);
    }
  })();
  return () => {
    stopped = true;
  };
}

export async function accountIsolation(sizes: Sizes, log: Log): Promise<ScenarioResult> {
  const n = Math.max(20, Math.round(sizes.medium / 10));
  const t0 = Date.now();
  const world = await World.start({ updateDelayMs: 200 });
  try {
    await setUpAccounts(world);
    const rate = sizes.rate;
    const operator = await world.startOperator({
      flags: [
        `--aws-rps=${rate * 2}`,
        `--aws-burst=${rate * 2}`,
        `--aws-mutating-rps=${rate}`,
        `--aws-mutating-burst=${rate}`,
      ],
    });
    try {
      // A first batch warms up (B's assumed role and DescribeDomain, the JIT, and the settle estimate that times the
      // Describe after each create: cold, it waits ~8 s longer), so both figures below are B's steady pace.
      await createIn(world, "b", "warm", n);
      await converge(world, "b", "warm", n, Date.now());
      log(`  accounts: B creates ${n} profiles, A idle`);
      let since = Date.now();
      const stopIdle = process.env.BENCH_TRACE ? trace(operator.metricsUrl, log, since) : () => {};
      await createIn(world, "b", "idle", n);
      const idle = await converge(world, "b", "idle", n, since);
      stopIdle();
      // SageMaker throttles A's account×region to a tenth of the rate; A queues as many creates as B.
      await world.admin("POST", `accounts/${ACCOUNTS.a}/us-east-1/throttle`, {
        rps: rate / 10,
        burst: 1,
        mutatingRps: rate / 10,
        mutatingBurst: 1,
      });
      log(`  accounts: A throttled to ${rate / 10}/s with ${n} creates; B creates ${n} more`);
      const stopA = process.env.BENCH_TRACE ? trace(operator.metricsUrl, log, Date.now()) : () => {};
      await createIn(world, "a", "throttled", n);
      since = Date.now();
      await createIn(world, "b", "busy", n);
      const underThrottle = await converge(world, "b", "busy", n, since);
      stopA();
      const throttles = await operator.metric("sagemaker_api_throttles_total");
      const figures: Figure[] = [
        { name: "account B converges, A idle", value: idle, unit: "s" },
        { name: "account B converges, A throttled with a backlog", value: underThrottle, unit: "s" },
        { name: "throttles seen (all of them A's)", value: throttles, unit: "calls" },
      ];
      const goals: Goal[] = [
        {
          name: "account B's convergence, A throttled / A idle",
          value: underThrottle / idle,
          op: "<=",
          bound: 1.5,
          unit: "ratio",
        },
      ];
      return {
        scenario: `accounts N=${n}, account B while account A is throttled`,
        resources: 4 * n,
        figures,
        goals,
        seconds: (Date.now() - t0) / 1000,
      };
    } finally {
      await operator.child.stop();
    }
  } finally {
    await world.close();
  }
}
