import { readFileSync } from "node:fs";
import { ensureBuild } from "./processes.js";
import { World } from "./world.js";

await ensureBuild();
const n = Number(process.argv[2] ?? 0);
const world = await World.start({});
if (n) await world.seed(n, Number(process.argv[3] ?? 0));
const op = await world.startOperator({
  flags: ["--aws-rps=2000", "--aws-mutating-rps=200", "--workers=32", "--aws-concurrency=32", "--resync-mode=list"],
});
while ((await op.metric("sagemaker_user_profiles_ready")) < n) await new Promise((r) => setTimeout(r, 300));
await new Promise((r) => setTimeout(r, 5000));
const text = readFileSync(`/proc/${op.child.pid}/smaps`, "utf8");
const groups = new Map<string, { rss: number; anon: number; count: number }>();
let cur = "";
for (const line of text.split("\n")) {
  const m = /^[0-9a-f]+-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
  if (m) {
    cur = m[2] || "[anon]";
    continue;
  }
  const r = /^(Rss|Anonymous):\s+(\d+)/.exec(line);
  if (r) {
    const g = groups.get(cur) ?? { rss: 0, anon: 0, count: 0 };
    if (r[1] === "Rss") {
      g.rss += Number(r[2]);
      g.count++;
    } else g.anon += Number(r[2]);
    groups.set(cur, g);
  }
}
for (const [k, g] of [...groups].sort((a, b) => b[1].rss - a[1].rss).slice(0, 15))
  console.log((g.rss / 1024).toFixed(1), (g.anon / 1024).toFixed(1), g.count, k);
// anon mappings by size bucket
let start = 0,
  end = 0,
  name = "";
for (const line of text.split("\n")) {
  const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
  if (m) {
    start = parseInt(m[1] ?? "0", 16);
    end = parseInt(m[2] ?? "0", 16);
    name = m[3] ?? "";
    continue;
  }
  const r = /^Rss:\s+(\d+)/.exec(line);
  if (r && !name && Number(r[1]) > 512)
    console.log(
      "anon map",
      ((end - start) / 1048576).toFixed(1),
      "MiB size,",
      (Number(r[1]) / 1024).toFixed(1),
      "MiB rss",
    );
}
const mt = await (await fetch(op.metricsUrl)).text();
for (const l of mt.split("\n"))
  if (/^nodejs_(heap_space_size_(used|committed|total|available)|external|heap_size)/.test(l) && !/ 0(\.0+)?$/.test(l))
    console.log(l.replace(/ (\d+)$/, (_, v) => ` ${(Number(v) / 1048576).toFixed(2)} MiB`));
process.exit(0);
