/**
 * Scratch: N new resources applied at once to an idle operator configured for R (as the convergence scenario runs
 * it), by variant (BENCH_OPERATOR_MAIN), the variants at the same time each in its own world. Prints when the first
 * profile is Ready, create -> Ready percentiles, and (BENCH_DEBUG=1) the call sequences. Not a scenario.
 *
 *   npx tsx bench/_startup.ts N R "label|main" ...
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { type CreateBurst, createBurst } from "./creates.js";
import { ensureBuild } from "./processes.js";
import { configuredFor, quantile } from "./scenarios.js";
import { trace } from "./trace.js";
import { sleep, World } from "./world.js";

await ensureBuild();
const n = Number(process.argv[2] ?? 1000);
const r = Number(process.argv[3] ?? 50);
const variants = process.argv.slice(4).map((v) => v.split("|"));
if (variants.length === 0) variants.push(["this", ""]);
let starting: Promise<unknown> = Promise.resolve();

const line = (b: CreateBurst) =>
  [
    `first Ready ${b.firstReady.toFixed(1)} s`,
    `all Ready ${b.allReady.toFixed(1)} s`,
    `applied over ${b.applySpan.toFixed(1)} s`,
    `creates over ${b.createSpan.toFixed(1)} s`,
    `apply->Ready p10/p50/p99 ${[0.1, 0.5, 0.99].map((q) => (quantile(b.applyToReady, q) / 1000).toFixed(1)).join("/")} s`,
    `create->Ready p10/p50/p90/max ${[0.1, 0.5, 0.9, 1].map((q) => quantile(b.createToReady, q)).join("/")} ms`,
    `calls/created ${b.callsPerCreated.toFixed(2)}`,
  ].join(", ");

async function one(label: string, main: string) {
  const world = await World.start({ mutatingRps: r });
  try {
    const start = starting.then(() => {
      if (main) process.env.BENCH_OPERATOR_MAIN = main;
      else delete process.env.BENCH_OPERATOR_MAIN;
      return world.startOperator({ flags: [...configuredFor(r), "--resync-period=15000ms", "--resync-mode=list"] });
    });
    starting = start.catch(() => {});
    const op = await start;
    await sleep(3_000); // caches synced, the first List resync done
    const b = await createBurst(world, op, 0, n, (l) => console.log(label, l));
    console.log(`${label}: ${line(b)} (load ${loadavg()[0]?.toFixed(1)})`);
    await trace(world, (l) => console.log(label, l), `${n} created at once`);
    if (process.env.BENCH_DUMP) {
      const rows = (await world.requests()).map((q) => [
        q.op,
        q.at,
        q.request.UserProfileName ?? q.request.ResourceArn,
      ]);
      writeFileSync(`${process.env.BENCH_DUMP}.${label}.json`, JSON.stringify(rows));
      writeFileSync(`${process.env.BENCH_DUMP}.${label}.metrics`, await (await fetch(op.metricsUrl)).text());
    }
    await op.child.stop();
  } finally {
    await world.close();
  }
}

await Promise.all(variants.map(([label = "", main = ""]) => one(label, main)));
