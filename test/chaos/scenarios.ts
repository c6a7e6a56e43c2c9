/**
 * The chaos scenarios of issue #7. Each drives the same kind of workload (create, edit, delete resources while the
 * operator works) under one family of faults; the runner then checks the invariants.
 */
import { DEMO_DOMAIN } from "@sagemaker-profile-operator/local-stack/stack";
import type { OperatorProcess } from "../support/operator-process.js";
import { stopProcess } from "../support/operator-process.js";
import { slowAppDeletions } from "./cleanup-scenario.js";
import { type Scenario, type ScenarioContext, type Size, sleep } from "./runner.js";

const pick = <T>(random: () => number, xs: T[]): T | undefined => xs[Math.floor(random() * xs.length)];
const bySize = <T>(size: Size, short: T, full: T) => (size === "full" ? full : short);

interface ChurnOptions {
  count: number;
  durationMs: number;
  /** Pause between two edits of random resources. */
  editEveryMs: number;
  /** Share of the resources deleted, at random times in the second half. */
  deleteFraction?: number;
}

/**
 * Creates `count` resources, then edits random ones for `durationMs` and deletes some along the way. Returns when
 * the duration is over (or `until` resolves, whichever is later).
 */
async function churn(ctx: ScenarioContext, o: ChurnOptions, until?: Promise<unknown>): Promise<void> {
  const names = Array.from({ length: o.count }, (_, i) => `p-${String(i).padStart(3, "0")}`);
  for (const name of names) await ctx.cluster.create(name);
  const started = Date.now();
  const toDelete = new Set(
    [...names].sort(() => ctx.random() - 0.5).slice(0, Math.round(o.count * (o.deleteFraction ?? 0.2))),
  );
  const deleteAt = new Map([...toDelete].map((n) => [n, started + o.durationMs * (0.5 + 0.45 * ctx.random())]));
  let done = false;
  void until?.finally(() => {
    done = true;
  });
  while (Date.now() - started < o.durationMs || (until && !done)) {
    const now = Date.now();
    for (const [name, at] of deleteAt)
      if (at <= now) {
        deleteAt.delete(name);
        await ctx.cluster.remove(name);
      }
    const live = names.filter((n) => !ctx.cluster.deleted.has(n));
    const name = pick(ctx.random, live);
    if (name) await ctx.cluster.edit(name);
    await sleep(o.editEveryMs * (0.5 + ctx.random()));
  }
  for (const name of deleteAt.keys()) await ctx.cluster.remove(name);
}

/** Runs `step` every `everyMs` until stopped; stop() waits for the step in progress. */
function every(everyMs: number, step: () => Promise<void> | void): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(everyMs);
      if (!stopped) await step();
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

const waitUntil = async (check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
};

const LEASE = { leaseMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };

/** SageMaker misbehaving on 20 % of all calls. */
const sagemakerFaults: Scenario = {
  name: "sagemaker-errors-20pct",
  faults:
    "5xx (500, 503), timeouts (answer later than the SDK's request timeout, write applied), connection resets (before and after the write), throttling: about 20 % of all calls",
  resources: { short: 4, full: 30 },
  async run(ctx) {
    const { admin } = ctx.stack.sagemaker;
    const n = 1_000_000_000;
    const rules = [
      { label: "5xx", rule: { code: "InternalFailure", rate: 0.05, count: n } },
      { label: "5xx", rule: { code: "ServiceUnavailable", rate: 0.04, count: n } },
      { label: "resets", rule: { drop: true as const, rate: 0.03, count: n } },
      { label: "resets after write", rule: { drop: true as const, phase: "after" as const, rate: 0.02, count: n } },
      { label: "throttles", rule: { code: "ThrottlingException", message: "Rate exceeded", rate: 0.03, count: n } },
      { label: "timeouts", rule: { latencyMs: 2_500, phase: "after" as const, rate: 0.03, count: n } },
    ].map((r) => ({ ...r, id: admin.injectFault(r.rule) }));
    ctx.operator({ flags: ["--aws-request-timeout=1500ms"] });
    await churn(ctx, {
      count: this.resources[ctx.size],
      durationMs: bySize(ctx.size, 6_000, 90_000),
      editEveryMs: bySize(ctx.size, 300, 250),
    });
    const remaining = new Map(admin.faults().map((f) => [f.id, f.remaining ?? n]));
    for (const r of rules) ctx.tally(r.label, n - (remaining.get(r.id) ?? n));
  },
};

/** Busy profiles (an injected fault): every Update and Delete answered ResourceInUse for a long while. */
const resourceInUse: Scenario = {
  name: "resource-in-use",
  faults: "half the profiles are busy (ResourceInUse on every update and delete) for 2.5 min (short: 5 s)",
  resources: { short: 4, full: 24 },
  async run(ctx) {
    const sm = ctx.stack.sagemaker;
    ctx.operator({});
    const count = this.resources[ctx.size];
    const windowMs = bySize(ctx.size, 5_000, 150_000);
    const busy: string[] = [];
    const blocked = (async () => {
      // Once the first half exists, its apps start; they stop after the window.
      const half = Array.from({ length: Math.ceil(count / 2) }, (_, i) => `p-${String(2 * i).padStart(3, "0")}`);
      await waitUntil(
        () =>
          half.every((n) => ctx.cluster.deleted.has(n) || sm.store.getProfile(DEMO_DOMAIN, n)?.status === "InService"),
        30_000,
      );
      for (const name of half) {
        if (sm.store.getProfile(DEMO_DOMAIN, name)) {
          // Apps block only the delete; the injected hold blocks the updates too.
          sm.admin.startApp({
            domainId: DEMO_DOMAIN,
            userProfileName: name,
            appType: "JupyterServer",
            appName: "default",
          });
          sm.admin.setProfile(DEMO_DOMAIN, name, { inUseFor: { count: 1_000_000 } });
          busy.push(name);
        }
      }
      ctx.log(`${busy.length} profiles busy`);
      await sleep(windowMs);
      for (const name of busy)
        if (sm.store.getProfile(DEMO_DOMAIN, name)) {
          sm.admin.removeApp({
            domainId: DEMO_DOMAIN,
            userProfileName: name,
            appType: "JupyterServer",
            appName: "default",
          });
          sm.admin.setProfile(DEMO_DOMAIN, name, { inUseFor: { count: 0 } });
        }
    })();
    await churn(ctx, { count, durationMs: windowMs, editEveryMs: bySize(ctx.size, 300, 600) }, blocked);
    await blocked;
    const calls = sm.calls();
    ctx.tally(
      "ResourceInUse answers",
      (calls.UpdateUserProfile?.ResourceInUse ?? 0) + (calls.DeleteUserProfile?.ResourceInUse ?? 0),
    );
  },
};

/** Watches cut every few seconds, history compacted (410 Gone on re-watch), 409 on status writes. */
const kubeWatchFaults: Scenario = {
  name: "kube-watch-410-409",
  faults:
    "every watch stream cut every 3 s (short: 1.5 s); every third cut after a compaction (re-watch gets 410 Gone, relist); two 409 Conflicts on status writes armed per cut",
  resources: { short: 4, full: 30 },
  async run(ctx) {
    const { kube } = ctx.stack;
    ctx.operator({});
    let round = 0;
    const stop = every(bySize(ctx.size, 1_500, 3_000), () => {
      if (++round % 3 === 0) {
        kube.faults.expireHistory();
        ctx.tally("410 Gone");
      }
      kube.faults.breakWatches();
      ctx.tally("watch cuts");
      kube.faults.failNext({ verb: "patch", path: /\/status$/, status: 409, count: 2 });
      ctx.tally("409 on status", 2);
    });
    await churn(ctx, {
      count: this.resources[ctx.size],
      durationMs: bySize(ctx.size, 6_000, 90_000),
      editEveryMs: bySize(ctx.size, 300, 250),
    });
    await stop();
  },
};

/** The API server answers 503 to everything (and cuts every watch) for 30 s in the middle of the work. */
const kubeUnavailable: Scenario = {
  name: "kube-api-unavailable",
  faults: "API server unavailable (503 to every request, watches cut) for 30 s (short: 4 s) in the middle of the work",
  resources: { short: 4, full: 30 },
  async run(ctx) {
    ctx.operator({});
    const downMs = bySize(ctx.size, 4_000, 30_000);
    const outage = (async () => {
      await sleep(bySize(ctx.size, 2_000, 10_000));
      ctx.stack.kube.faults.setUnavailable(downMs);
      ctx.tally("API down (s)", downMs / 1000);
      await sleep(downMs);
    })();
    await churn(
      ctx,
      { count: this.resources[ctx.size], durationMs: bySize(ctx.size, 4_000, 60_000), editEveryMs: 300 },
      outage,
    );
  },
};

/** The only operator process SIGKILLed at random points (often right after a SageMaker write) and restarted. */
const operatorSigkill: Scenario = {
  name: "operator-sigkill",
  faults:
    "operator process SIGKILLed and restarted 12 times (short: 2), half of the kills right after a create, update or delete reached SageMaker",
  resources: { short: 4, full: 20 },
  async run(ctx) {
    const kills = bySize(ctx.size, 2, 12);
    let current = ctx.operator({});
    const killer = (async () => {
      await current.started;
      for (let k = 0; k < kills; k++) {
        await sleep(1_000 + ctx.random() * 2_000);
        if (ctx.random() < 0.5) {
          // Right after a write: the status has not recorded it yet.
          const seen = ctx.stack.sagemaker.mutations().length;
          await waitUntil(() => ctx.stack.sagemaker.mutations().length > seen, 10_000);
          ctx.tally("SIGKILL after a write");
        } else ctx.tally("SIGKILL at random");
        await stopProcess(current);
        current = ctx.operator({});
        await current.started;
      }
    })();
    await churn(
      ctx,
      { count: this.resources[ctx.size], durationMs: bySize(ctx.size, 3_000, 60_000), editEveryMs: 400 },
      killer,
    );
    await killer;
  },
};

/** Two processes with leader election; the leader is SIGKILLed while it has work in flight. */
const leaderKill: Scenario = {
  name: "leader-sigkill",
  faults:
    "two processes with leader election (lease 3 s); the leader SIGKILLed 5 times (short: 1) right after one of its writes, a new follower started each time",
  resources: { short: 4, full: 20 },
  async run(ctx) {
    const kills = bySize(ctx.size, 1, 5);
    const procs: OperatorProcess[] = [ctx.operator({ leaderElection: LEASE }), ctx.operator({ leaderElection: LEASE })];
    const killer = (async () => {
      await Promise.all(procs.map((p) => p.started));
      for (let k = 0; k < kills; k++) {
        let leader: OperatorProcess | undefined;
        await waitUntil(async () => {
          const holder = await ctx.leaseHolder();
          leader = procs.find((p) => p.name === holder && p.exitCode() === undefined);
          return leader !== undefined;
        }, 30_000);
        if (!leader) throw new Error("no leader");
        const seen = ctx.stack.sagemaker.mutations().length;
        // Holding work: it just wrote to SageMaker.
        await waitUntil(
          () =>
            ctx.stack.sagemaker
              .mutations()
              .slice(seen)
              .some((m) => m.caller === leader?.name),
          15_000,
        );
        ctx.log(`killing leader ${leader.name}`);
        await stopProcess(leader);
        ctx.tally("leader SIGKILL");
        procs.splice(procs.indexOf(leader), 1, ctx.operator({ leaderElection: LEASE }));
        await sleep(1_000);
      }
    })();
    await churn(
      ctx,
      { count: this.resources[ctx.size], durationMs: bySize(ctx.size, 3_000, 40_000), editEveryMs: 400 },
      killer,
    );
    await killer;
  },
};

/**
 * The leader's clock stops: SIGSTOP for twice the lease, edits keep coming, the follower takes over; then SIGCONT.
 * The old leader must not write anything after the takeover (the emulator logs who signed each write) and must step
 * down (exit), as its lease is gone.
 */
const leaderPaused: Scenario = {
  name: "leader-paused",
  faults:
    "two processes with leader election (lease 3 s); the leader SIGSTOPped (twice the lease, until the follower took over) while edits arrive, then SIGCONTed: 3 times (short: 1)",
  resources: { short: 4, full: 20 },
  async run(ctx) {
    const rounds = bySize(ctx.size, 1, 3);
    const procs: OperatorProcess[] = [ctx.operator({ leaderElection: LEASE }), ctx.operator({ leaderElection: LEASE })];
    const pauser = (async () => {
      for (let r = 0; r < rounds; r++) {
        await Promise.all(procs.map((p) => p.started));
        let leader: OperatorProcess | undefined;
        await waitUntil(async () => {
          const holder = await ctx.leaseHolder();
          leader = procs.find((p) => p.name === holder && p.exitCode() === undefined);
          return leader !== undefined;
        }, 30_000);
        if (!leader) throw new Error("no leader");
        const old = leader;
        const seen = ctx.stack.sagemaker.mutations().length;
        await waitUntil(
          () =>
            ctx.stack.sagemaker
              .mutations()
              .slice(seen)
              .some((m) => m.caller === old.name),
          15_000,
        );
        old.child.kill("SIGSTOP");
        ctx.tally("leader SIGSTOP ≥ 6 s");
        ctx.log(`stopped leader ${old.name}`);
        // Stopped for twice the lease at least, and until the follower has taken over (it may still be starting).
        let takeoverAt = 0;
        const stoppedAt = Date.now();
        await waitUntil(async () => {
          const holder = await ctx.leaseHolder();
          if (holder && holder !== old.name && !takeoverAt) takeoverAt = Date.now();
          return takeoverAt > 0 && Date.now() - stoppedAt >= 2 * LEASE.leaseMs;
        }, 30_000);
        old.child.kill("SIGCONT");
        if (!takeoverAt) {
          ctx.violation({ invariant: "failover", resource: "*", detail: `no takeover while ${old.name} was stopped` });
          continue;
        }
        // It lost the lease while stopped: it must step down.
        const exited = await Promise.race([old.exited.then(() => true), sleep(15_000).then(() => false)]);
        if (!exited)
          ctx.violation({ invariant: "steps-down", resource: "*", detail: `${old.name} still running after SIGCONT` });
        const late = ctx.stack.sagemaker.mutations().filter((m) => m.caller === old.name && m.at >= takeoverAt);
        for (const m of late)
          ctx.violation({
            invariant: "fenced",
            resource: String(m.request.UserProfileName ?? m.request.ResourceArn),
            detail: `${m.op} by deposed leader ${old.name} ${m.at - takeoverAt} ms after the takeover`,
          });
        const refused = old.logs.filter((l) => JSON.stringify(l).includes("NotLeaderError")).length;
        if (refused) ctx.tally("writes refused by the fence", refused);
        await stopProcess(old);
        procs.splice(procs.indexOf(old), 1, ctx.operator({ leaderElection: LEASE }));
      }
    })();
    await churn(
      ctx,
      { count: this.resources[ctx.size], durationMs: bySize(ctx.size, 3_000, 30_000), editEveryMs: 300 },
      pauser,
    );
    await pauser;
  },
};

/** Issue #7 item 2 at scale: the process dies while creates are accepted by SageMaker but not yet answered. */
const crashAfterCreate: Scenario = {
  name: "crash-between-create-and-status",
  faults:
    "every CreateUserProfile takes effect at once but is answered 4 s later; the operator is SIGKILLed in that window and restarted until every profile exists",
  resources: { short: 3, full: 12 },
  async run(ctx) {
    const sm = ctx.stack.sagemaker;
    const count = this.resources[ctx.size];
    sm.admin.injectFault({ op: "CreateUserProfile", latencyMs: 4_000, phase: "after" });
    let current = ctx.operator({});
    for (let i = 0; i < count; i++) await ctx.cluster.create(`p-${String(i).padStart(3, "0")}`);
    for (let k = 0; sm.mutations("CreateUserProfile").length < count && k < count + 5; k++) {
      const seen = sm.mutations("CreateUserProfile").length;
      if (!(await waitUntil(() => sm.mutations("CreateUserProfile").length > seen, 30_000))) break;
      await sleep(100); // let the other workers' creates land too
      await stopProcess(current);
      ctx.tally("SIGKILL with creates unanswered");
      current = ctx.operator({});
      await current.started;
    }
    sm.admin.clearFaults();
  },
};

export const SCENARIOS: Scenario[] = [
  sagemakerFaults,
  resourceInUse,
  kubeWatchFaults,
  kubeUnavailable,
  operatorSigkill,
  leaderKill,
  leaderPaused,
  crashAfterCreate,
  slowAppDeletions,
];
