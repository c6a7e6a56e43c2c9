/**
 * Scratch: operator CPU per converged profile by variant (BENCH_OPERATOR_MAIN / BENCH_NODE_OPTIONS), as the
 * convergence scenario measures it (N drifted profiles, R mutating calls/s, the operator configured for R), one fresh
 * world per run, variants interleaved (A B A B ...) so machine load hits them alike. Not a scenario.
 *
 *   npx tsx bench/_cpu.ts N R ROUNDS "label|main|node options" ...
 */

import { ensureBuild } from "./processes.js";
import { configuredFor } from "./scenarios.js";
import { World } from "./world.js";

await ensureBuild();
const n = Number(process.argv[2] ?? 1000);
const r = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 1);
const variants = process.argv.slice(5).map((v) => v.split("|"));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const totals = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [label = "", main = "", opts = ""] of variants) {
    if (main) process.env.BENCH_OPERATOR_MAIN = main;
    else delete process.env.BENCH_OPERATOR_MAIN;
    process.env.BENCH_NODE_OPTIONS = opts;
    const world = await World.start({ mutatingRps: r });
    await world.seed(n, n);
    const cpuServers0 = world.kube.cpuSeconds() + world.emulator.cpuSeconds();
    const op = await world.startOperator({
      flags: [...configuredFor(r), "--resync-period=15000ms", "--resync-mode=list"],
    });
    const perf = process.env.PERF
      ? (await import("node:child_process")).spawn(
          "perf",
          ["record", "-F", "499", "-g", "-o", `${process.env.PERF}.${label}.${round}`, "-p", String(op.child.pid)],
          { stdio: "ignore" },
        )
      : undefined;
    while ((await op.metric("sagemaker_user_profiles_ready")) < n) await sleep(300);
    if (perf) {
      perf.kill("SIGINT");
      await new Promise((res) => perf.once("exit", res));
    }
    const conv = (Date.now() - op.child.startedAt) / 1000;
    const cpu = op.child.cpuSeconds();
    const stat =
      (await import("node:fs")).readFileSync(`/proc/${op.child.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    const [user, sys] = [Number(stat[11]) / 100, Number(stat[12]) / 100];
    const servers = world.kube.cpuSeconds() + world.emulator.cpuSeconds() - cpuServers0;
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
        serversMsPerProfile: +((servers * 1000) / n).toFixed(2),
        load: (await import("node:os")).loadavg()[0]?.toFixed(1),
      }),
    );
    await op.child.stop();
    await world.close();
  }
}
for (const [label, xs] of totals)
  console.log(
    label,
    "mean ms/profile",
    (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2),
    xs.map((x) => x.toFixed(2)),
  );
