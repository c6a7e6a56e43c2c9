/**
 * Scratch: the operator's memory WHILE a drifted world of N converges at R (as the "convergence large" scenario), per
 * variant, each in a fresh world; optional heap snapshots at fractions of the way and once converged. Not a scenario.
 *   SNAP=0.3,1 npx tsx bench/_snap.ts N 'label|main|NODE_OPTIONS|node args|ENV=V' ...
 * ("main" replaces the bundle, e.g. a copy of main's; NODE_OPTIONS and node args add to the chart's).
 * Prints a sample every 10 s and one JSON line per variant (peak RSS, heap used at its peak, CPU per profile).
 */
import { readdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureBuild, repoRoot } from "./processes.js";
import { configuredFor } from "./scenarios.js";
import { sleep, World } from "./world.js";

if (!process.env.SKIP_BUILD) await ensureBuild();
const n = Number(process.argv[2] ?? 10_000);
const variants = process.argv.slice(3);
const snapAt = (process.env.SNAP ?? "").split(",").filter(Boolean).map(Number);
const r = 50;

async function snapshot(pid: number, name: string): Promise<void> {
  const before = new Set(readdirSync(repoRoot).filter((f) => f.endsWith(".heapsnapshot")));
  process.kill(pid, "SIGUSR2");
  let last = -1;
  for (let i = 0; i < 200; i++) {
    await sleep(2000);
    const fresh = readdirSync(repoRoot).filter((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    const size = fresh.reduce((sum, f) => sum + statSync(join(repoRoot, f)).size, 0);
    if (size > 0 && size === last) {
      renameSync(join(repoRoot, fresh[0] as string), join(repoRoot, `${name}.heapsnapshot`));
      return;
    }
    last = size;
  }
}

for (const v of variants) {
  const [label, main, opts, args, env] = v.split("|");
  if (main) process.env.BENCH_OPERATOR_MAIN = main;
  else delete process.env.BENCH_OPERATOR_MAIN;
  const world = await World.start({ mutatingRps: r });
  await world.seed(n, n);
  await world.resetCalls();
  process.env.BENCH_NODE_OPTIONS = `${opts ?? ""}${snapAt.length ? " --heapsnapshot-signal=SIGUSR2" : ""}`;
  process.env.BENCH_NODE_ARGS = args ?? "";
  const envs = (env ?? "").split(" ").filter(Boolean);
  for (const kv of envs) process.env[kv.split("=")[0] as string] = kv.split("=")[1];
  const op = await world.startOperator({
    flags: [...configuredFor(r), "--resync-period=15000ms", "--resync-mode=list"],
  });
  for (const kv of envs) delete process.env[kv.split("=")[0] as string];
  const t0 = Date.now();
  let maxHeap = 0;
  let heapAtPeak = 0;
  let lastPeak = 0;
  let lastLog = 0;
  const pending = [...snapAt].sort();
  for (;;) {
    // One scrape per sample, as the scenario's track() does (every /metrics scrape is work and garbage).
    const text = await (await fetch(op.metricsUrl)).text();
    const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1] ?? 0);
    const ready = value("sagemaker_user_profiles_ready");
    const heap = value("nodejs_heap_size_used_bytes") / 2 ** 20;
    const total = value("nodejs_heap_size_total_bytes") / 2 ** 20;
    const m = op.child.memory();
    maxHeap = Math.max(maxHeap, heap);
    if (m.peakRssMiB > lastPeak) {
      lastPeak = m.peakRssMiB;
      heapAtPeak = heap;
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(
        `  ${label} t=${Math.round((Date.now() - t0) / 1000)}s ready=${ready} rss=${m.rssMiB.toFixed(0)} peak=${m.peakRssMiB.toFixed(0)} anon=${m.anonMiB.toFixed(0)} heap=${heap.toFixed(1)}/${total.toFixed(1)}`,
      );
    }
    if (pending.length && pending[0] !== 1 && ready >= (pending[0] as number) * n) {
      const at = pending.shift() as number;
      await snapshot(op.child.pid, `snap-${label}-${at}`);
    }
    if (ready >= n) break;
    await sleep(500);
  }
  const conv = (Date.now() - t0) / 1000;
  const cpu = op.child.cpuSeconds();
  const m = op.child.memory();
  await sleep(3000);
  const heapAfter = (await op.metric("nodejs_heap_size_used_bytes")) / 2 ** 20;
  console.log(
    JSON.stringify({
      label,
      n,
      conv,
      cpuMsPerProfile: ((cpu * 1000) / n).toFixed(2),
      peak: Math.round(m.peakRssMiB),
      rss: Math.round(m.rssMiB),
      anon: Math.round(m.anonMiB),
      maxHeap: maxHeap.toFixed(1),
      heapAtPeak: heapAtPeak.toFixed(1),
      heapAfter: heapAfter.toFixed(1),
    }),
  );
  if (pending.includes(1)) await snapshot(op.child.pid, `snap-${label}-1`);
  await op.child.stop();
  await world.close();
}
