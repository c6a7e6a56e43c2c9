/**
 * Scratch: operator memory and CPU by variant on one converged world. Not a scenario.
 *   npx tsx bench/_mem.ts N 'label|main|NODE_OPTIONS|node args|ENV=V ENV2=V' ...
 * (every part after the label may be empty; "main" replaces the bundle, NODE_OPTIONS and node args add to the chart's).
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureBuild, repoRoot } from "./processes.js";
import { World } from "./world.js";

if (!process.env.SKIP_BUILD) await ensureBuild();
const n = Number(process.argv[2] ?? 1000);
const variants = process.argv.slice(3);
const world = await World.start({});
if (n) await world.seed(n, Number(process.env.DRIFTED ?? 0)); // DRIFTED: profiles that differ from their spec
for (const v of process.env.SKIP_WARMUP ? variants : ["warmup", ...variants]) {
  const [label, main, opts, args, env] = v === "warmup" ? ["warmup"] : v.split("|");
  if (main) process.env.BENCH_OPERATOR_MAIN = main;
  else delete process.env.BENCH_OPERATOR_MAIN;
  process.env.BENCH_NODE_OPTIONS = opts ?? "";
  process.env.BENCH_NODE_ARGS = args ?? "";
  const envs = (env ?? "").split(" ").filter(Boolean);
  for (const kv of envs) process.env[kv.split("=")[0] as string] = kv.split("=")[1];
  const op = await world.startOperator({
    flags: ["--aws-rps=2000", "--aws-mutating-rps=200", "--workers=32", "--aws-concurrency=32", "--resync-mode=list"],
  });
  for (const kv of envs) delete process.env[kv.split("=")[0] as string];
  const t0 = Date.now();
  const cpu0 = op.child.cpuSeconds();
  while ((await op.metric("sagemaker_user_profiles_ready")) < n) await new Promise((r) => setTimeout(r, 300));
  const conv = (Date.now() - t0) / 1000;
  const cpu = op.child.cpuSeconds() - cpu0;
  await new Promise((r) => setTimeout(r, 3000));
  const heap = (await op.metric("nodejs_heap_size_used_bytes")) / 2 ** 20;
  const heapTotal = (await op.metric("nodejs_heap_size_total_bytes")) / 2 ** 20;
  const m = op.child.memory();
  console.log(
    JSON.stringify({
      label,
      n,
      conv,
      cpu,
      rss: Math.round(m.rssMiB),
      peak: Math.round(m.peakRssMiB),
      anon: Math.round(m.anonMiB),
      file: Math.round(m.fileMiB),
      heap: heap.toFixed(1),
      heapTotal: heapTotal.toFixed(1),
    }),
  );
  if (process.env.SNAP) {
    // Written into the repository root as Heap.*.heapsnapshot; wait until its size stops changing.
    process.kill(op.child.pid, "SIGUSR2");
    let last = -1;
    for (let i = 0; i < 120; i++) {
      await new Promise((r) => setTimeout(r, 3000));
      const snaps = readdirSync(repoRoot).filter((f) => f.endsWith(".heapsnapshot"));
      const size = snaps.reduce((sum, f) => sum + statSync(join(repoRoot, f)).size, 0);
      if (size > 0 && size === last) break;
      last = size;
    }
  }
  await op.child.stop();
}
await world.close();
