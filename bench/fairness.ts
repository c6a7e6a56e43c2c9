/**
 * Fair share between namespaces (issue 13): one namespace changes N resources at once (a storm of spec edits, as a
 * GitOps sync of a new default would), another namespace edits 100 of its own while the storm runs. The quiet
 * namespace's edit -> UpdateUserProfile latency is measured at idle and under the storm in the same run, against the
 * same operator; the busy namespace's update rate shows it is not starved.
 */
import PQueue from "p-queue";
import {
  configuredFor,
  converged,
  type Figure,
  type Goal,
  quantile,
  type ScenarioResult,
  type Sizes,
} from "./scenarios.js";
import { BENCH_TENANT, count, nameIn, sleep, type Tenant, World } from "./world.js";

const BUSY: Tenant = BENCH_TENANT;
const QUIET: Tenant = { namespace: "quiet", prefix: "quiet" };
/** 100, so that a p99 is not just the slowest edit (with 10, one late edit decided the ratio); 100 take ~30 s, inside the storm. */
const QUIET_EDITS = 100;
/** What the storm sets in the busy namespace, and what the quiet namespace sets at idle and under the storm. */
const STORM_INSTANCE = "ml.t3.xlarge";
const QUIET_IDLE_INSTANCE = "ml.m5.large";
const QUIET_STORM_INSTANCE = "ml.m5.xlarge";

type Log = (line: string) => void;
type Update = { at: number; request: Record<string, unknown> };

const instanceTypeIn = (u: Update) =>
  (u.request.UserSettings as { JupyterServerAppSettings?: { DefaultResourceSpec?: { InstanceType?: string } } })
    ?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType;

/**
 * The quiet namespace's edits, one at a time (the next once the last reached SageMaker): edit -> the
 * UpdateUserProfile carrying it, in ms, sorted. Times are the emulator's, so polling does not blur them.
 */
async function timeQuietEdits(world: World, instanceType: string): Promise<number[]> {
  const editedAt = new Map<string, number>();
  for (let i = 0; i < QUIET_EDITS; i++) {
    editedAt.set(nameIn(QUIET, i), Date.now());
    await world.editSpec(i, instanceType, QUIET);
    const deadline = Date.now() + 5 * 60_000;
    while ((await world.instanceTypeOf(i, QUIET)) !== instanceType) {
      if (Date.now() > deadline) throw new Error(`the edit of ${nameIn(QUIET, i)} did not reach SageMaker`);
      await sleep(20);
    }
    await sleep(200);
  }
  const latencies = new Map<string, number>();
  for (const u of await world.mutations("UpdateUserProfile")) {
    const name = u.request.UserProfileName as string;
    const at = editedAt.get(name);
    if (at !== undefined && instanceTypeIn(u) === instanceType && !latencies.has(name)) latencies.set(name, u.at - at);
  }
  if (latencies.size < QUIET_EDITS) throw new Error(`only ${latencies.size}/${QUIET_EDITS} quiet edits were found`);
  return [...latencies.values()].sort((a, b) => a - b);
}

export async function fairShare(sizes: Sizes, log: Log): Promise<ScenarioResult> {
  const t0 = Date.now();
  const n = sizes.large / 2;
  const r = sizes.rate;
  const world = await World.start({ mutatingRps: r });
  try {
    await world.createNamespace(QUIET.namespace);
    log(`  seeding ${n} profiles in namespace ${BUSY.namespace}, ${QUIET_EDITS} in ${QUIET.namespace}`);
    await world.seed(n, 0, (done) => log(`    seeded ${done}/${n}`), BUSY);
    await world.seed(QUIET_EDITS, 0, undefined, QUIET);
    // A resync period longer than the run: only the edits make work.
    const op = await world.startOperator({ flags: [...configuredFor(r), "--resync-mode=list", "--resync-period=1h"] });
    await converged(op, n + QUIET_EDITS);

    log(`  ${QUIET.namespace}: ${QUIET_EDITS} edits at idle, one at a time`);
    await world.resetCalls();
    const idle = await timeQuietEdits(world, QUIET_IDLE_INSTANCE);

    log(`  ${BUSY.namespace}: ${n} spec edits at once (the storm)`);
    await world.resetCalls();
    const stormStarted = Date.now();
    const patches = new PQueue({ concurrency: 16 });
    for (let i = 0; i < n; i++) void patches.add(() => world.editSpec(i, STORM_INSTANCE, BUSY));
    await patches.onIdle();
    const stormSent = Date.now();

    log(`  ${QUIET.namespace}: ${QUIET_EDITS} edits under the storm, one at a time`);
    const underStorm = await timeQuietEdits(world, QUIET_STORM_INSTANCE);
    const quietDone = Date.now();

    const deadline = Date.now() + 30 * 60_000;
    while (count(await world.calls(), "ok", "UpdateUserProfile") < n + QUIET_EDITS) {
      if (Date.now() > deadline) throw new Error(`the storm's ${n} updates did not all reach SageMaker`);
      await sleep(500);
    }
    const busyUpdates = (await world.mutations("UpdateUserProfile"))
      .filter((u) => (u.request.UserProfileName as string).startsWith(`${BUSY.prefix}-`))
      .filter((u) => instanceTypeIn(u) === STORM_INSTANCE)
      .map((u) => u.at)
      .sort((a, b) => a - b);
    const busyRate =
      busyUpdates.length > 1
        ? (busyUpdates.length - 1) / (((busyUpdates.at(-1) as number) - (busyUpdates[0] as number)) / 1000)
        : Number.NaN;
    await op.child.stop();

    const idleP99 = quantile(idle, 0.99);
    const stormP99 = quantile(underStorm, 0.99);
    const figures: Figure[] = [
      { name: "quiet namespace: edit -> update p50, idle", value: quantile(idle, 0.5), unit: "ms" },
      { name: "quiet namespace: edit -> update p99, idle", value: idleP99, unit: "ms" },
      { name: "quiet namespace: edit -> update p50, under the storm", value: quantile(underStorm, 0.5), unit: "ms" },
      { name: "quiet namespace: edit -> update p99, under the storm", value: stormP99, unit: "ms" },
      { name: "storm: time to send the busy namespace's edits", value: (stormSent - stormStarted) / 1000, unit: "s" },
      {
        name: "storm: busy updates done when the quiet edits were",
        value: busyUpdates.filter((at) => at <= quietDone).length,
        unit: "updates",
      },
      { name: "storm: busy namespace's update rate / R", value: busyRate / r, unit: "ratio" },
    ];
    const goals: Goal[] = [
      {
        name: `quiet namespace edit -> update p99 under a ${n.toLocaleString("en-US")}-change storm`,
        value: stormP99 / 1000,
        op: "<=",
        bound: 2,
        unit: "s",
      },
      {
        name: "quiet namespace edit -> update p99, storm / idle",
        value: stormP99 / idleP99,
        op: "<=",
        bound: 3,
        unit: "ratio",
      },
    ];
    return {
      scenario: `fair share N=${n}, a quiet namespace editing ${QUIET_EDITS}`,
      resources: n + QUIET_EDITS,
      figures,
      goals,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await world.close();
  }
}
