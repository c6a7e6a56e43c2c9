import { ensureBuild } from "./processes.js";
import { World } from "./world.js";

ensureBuild();
for (const n of [0, 1000]) {
  const world = await World.start({});
  if (n) await world.seed(n, 0);
  const op = await world.startOperator({
    flags: ["--aws-rps=1000", "--aws-mutating-rps=100", "--workers=32", "--aws-concurrency=32"],
  });
  while ((await op.metric("sagemaker_user_profiles_ready")) < n) await new Promise((r) => setTimeout(r, 300));
  await new Promise((r) => setTimeout(r, 3000));
  const heap = (await op.metric("nodejs_heap_size_used_bytes")) / 2 ** 20;
  console.log(n, op.child.memory(), heap.toFixed(1));
  await op.child.stop();
  await world.close();
}
