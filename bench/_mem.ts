/** Scratch: operator memory by variant (BENCH_OPERATOR_MAIN / NODE_OPTIONS) on one converged world. Not a scenario. */
import { ensureBuild } from "./processes.js";
import { World } from "./world.js";

await ensureBuild();
const n = Number(process.argv[2] ?? 1000);
const variants = process.argv.slice(3); // "main|node options"
const world = await World.start({});
if (n) await world.seed(n, 0);
for (const v of ["warmup", ...variants]) {
  const [main, opts] = v === "warmup" ? ["", ""] : v.split("|");
  if (main) process.env.BENCH_OPERATOR_MAIN = main;
  else delete process.env.BENCH_OPERATOR_MAIN;
  process.env.BENCH_NODE_OPTIONS = opts ?? "";
  const op = await world.startOperator({
    flags: ["--aws-rps=2000", "--aws-mutating-rps=200", "--workers=32", "--aws-concurrency=32", "--resync-mode=list"],
  });
  const t0 = Date.now();
  const cpu0 = op.child.cpuSeconds();
  while ((await op.metric("sagemaker_user_profiles_ready")) < n) await new Promise((r) => setTimeout(r, 300));
  const conv = (Date.now() - t0) / 1000;
  const cpu = op.child.cpuSeconds() - cpu0;
  await new Promise((r) => setTimeout(r, 3000));
  const heap = (await op.metric("nodejs_heap_size_used_bytes")) / 2 ** 20;
  const m = op.child.memory();
  console.log(
    JSON.stringify({
      v,
      n,
      conv,
      cpu,
      rss: m.rssMiB.toFixed(0),
      peak: m.peakRssMiB.toFixed(0),
      anon: m.anonMiB.toFixed(0),
      heap: heap.toFixed(1),
    }),
  );
  if (process.env.SNAP) {
    process.kill(op.child.pid, "SIGUSR2");
    await new Promise((r) => setTimeout(r, 15000));
  }
  await op.child.stop();
}
await world.close();
