/**
 * Scratch: operator CPU per converged profile by variant (BENCH_OPERATOR_MAIN / node options), as the convergence
 * scenario measures it (N drifted profiles, R mutating calls/s, the operator configured for R). The variants of a
 * round run AT THE SAME TIME, each in its own world, so the machine's load (other agents' work) hits them alike; then
 * the operator's idle CPU rate over 20 s after convergence (time-bound costs: resyncs, scrapes, timers). Not a scenario.
 *
 *   npx tsx bench/_cpu.ts N R ROUNDS "label|main|node options|node args|operator flags" ...
 *   PERF=/tmp/perf.data: `perf record` each operator while it converges (add --perf-basic-prof to its options).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { ensureBuild } from "./processes.js";
import { configuredFor } from "./scenarios.js";
import { count, World } from "./world.js";

await ensureBuild();
const n = Number(process.argv[2] ?? 1000);
const r = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 1);
const variants = process.argv.slice(5).map((v) => v.split("|"));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const userSys = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return [Number(f[11]) / 100, Number(f[12]) / 100] as const;
};
const totals = new Map<string, number[]>();
let starting: Promise<void> = Promise.resolve();

async function one(label: string, main: string, opts: string, args: string, round: number, flags = "") {
  const world = await World.start({ mutatingRps: r });
  try {
    await world.seed(n, n);
    await world.resetCalls();
    await world.kubeStats(true);
    // startOperator reads these from the environment when it spawns: one start at a time, so variants do not mix.
    const start = starting.then(() => {
      if (main) process.env.BENCH_OPERATOR_MAIN = main;
      else delete process.env.BENCH_OPERATOR_MAIN;
      process.env.BENCH_NODE_OPTIONS = opts;
      process.env.BENCH_NODE_ARGS = args;
      return world.startOperator({
        flags: [
          ...configuredFor(r),
          "--resync-period=15000ms",
          "--resync-mode=list",
          ...flags.split(" ").filter(Boolean),
        ],
      });
    });
    starting = start.then(
      () => {},
      () => {},
    );
    const op = await start;
    const perf = process.env.PERF
      ? spawn(
          "perf",
          ["record", "-F", "499", "-g", "-o", `${process.env.PERF}.${label}.${round}`, "-p", `${op.child.pid}`],
          {
            stdio: "ignore",
          },
        )
      : undefined;
    while ((await op.metric("sagemaker_user_profiles_ready")) < n) await sleep(500); // as the scenario's track() polls
    if (perf) {
      perf.kill("SIGINT");
      await new Promise((res) => perf.once("exit", res));
    }
    const conv = (Date.now() - op.child.startedAt) / 1000;
    const [user, sys] = userSys(op.child.pid);
    const cpu = user + sys;
    const calls = count(await world.calls()) / n;
    const writes = (await world.kubeStats()).writes / n;
    // Idle: converged, nothing to do but resyncs, the same scrapes and timers.
    await sleep(20_000);
    const [u2, s2] = userSys(op.child.pid);
    const idlePerS = (u2 + s2 - cpu) / 20;
    const perProfile = (cpu * 1000) / n;
    totals.set(label, [...(totals.get(label) ?? []), perProfile]);
    console.log(
      JSON.stringify({
        label,
        round,
        n,
        conv,
        cpu,
        user,
        sys,
        msPerProfile: +perProfile.toFixed(2),
        awsCallsPerProfile: +calls.toFixed(2),
        kubeWritesPerProfile: +writes.toFixed(2),
        idleCpuPerS: +idlePerS.toFixed(3),
        load: loadavg()[0]?.toFixed(1),
        peakRssMiB: Math.round(op.child.memory().peakRssMiB),
      }),
    );
    await op.child.stop();
  } finally {
    await world.close();
  }
}

for (let round = 0; round < rounds; round++)
  await Promise.all(
    variants.map(([label = "", main = "", opts = "", args = "", flags = ""]) =>
      one(label, main, opts, args, round, flags),
    ),
  );
for (const [label, xs] of totals)
  console.log(
    label,
    "mean ms/profile",
    (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2),
    xs.map((x) => x.toFixed(2)),
  );
