/**
 * BENCH_DEBUG=1: where the calls and writes of a phase went. Groups the emulator's request log and the API server's
 * request log by profile / resource and prints how many profiles took each sequence, so an extra call or write per
 * change shows as the sequences that have it.
 */
import type { World } from "./world.js";

type Log = (line: string) => void;

const profileOf = (request: Record<string, unknown>): string => {
  const name = request.UserProfileName;
  if (typeof name === "string") return name;
  const arn = request.ResourceArn;
  return typeof arn === "string" ? (arn.split("/").at(-1) ?? arn) : "(domain)";
};

const histogram = (sequences: Iterable<string>, log: Log, what: string, top = 12) => {
  const counts = new Map<string, number>();
  for (const s of sequences) counts.set(s, (counts.get(s) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  log(`    ${what}: ${sorted.length} distinct sequences`);
  for (const [s, n] of sorted.slice(0, top)) log(`      ${String(n).padStart(6)}  ${s}`);
};

/** Prints the call sequences per profile since the emulator's last reset, and the writes per resource. */
export async function trace(world: World, log: Log, phase: string): Promise<void> {
  if (!process.env.BENCH_DEBUG) return;
  const requests = await world.requests();
  const perProfile = new Map<string, Array<{ op: string; at: number }>>();
  const lists: number[] = [];
  for (const r of requests) {
    if (r.op === "ListUserProfiles") {
      lists.push(r.at);
      continue;
    }
    const p = profileOf(r.request);
    const ops = perProfile.get(p) ?? [];
    ops.push({ op: r.op.replace("UserProfile", "").replace("Describe", "D").replace("Update", "U"), at: r.at });
    perProfile.set(p, ops);
  }
  // ms after the profile's first call; "L" marks a List resync page in between.
  const timed = (ops: Array<{ op: string; at: number }>) =>
    ops
      .map((o, i) => {
        const prev = ops[i - 1]?.at;
        const listed = prev !== undefined && lists.some((at) => at > prev && at <= o.at);
        return `${listed ? "L " : ""}${o.op}+${o.at - (ops[0]?.at ?? 0)}`;
      })
      .join(" ");
  log(`  [trace] ${phase}: ${requests.length} SageMaker requests, ${perProfile.size} profiles`);
  histogram(
    [...perProfile.values()].map((ops) => ops.map((o) => o.op).join(" ")),
    log,
    "SageMaker calls per profile",
  );
  const longest = Math.max(...[...perProfile.values()].map((o) => o.length));
  for (const [p, ops] of [...perProfile].filter(([, o]) => o.length === longest).slice(0, 5))
    log(`      e.g. ${p}: ${timed(ops)}`);
  const kube = await world.kubeRequests();
  const perResource = new Map<string, string[]>();
  const unnamed = new Map<string, number>();
  for (const r of kube) {
    if (!["create", "update", "patch", "delete"].includes(r.verb)) continue;
    if (!r.name) {
      // A create names its object in the body: counted by kind only.
      unnamed.set(`${r.verb}:${r.resource}`, (unnamed.get(`${r.verb}:${r.resource}`) ?? 0) + 1);
      continue;
    }
    const name = r.resource === "events" ? (r.name.split(".")[0] ?? r.name) : r.name;
    const writes = perResource.get(name) ?? [];
    writes.push(`${r.verb}:${r.resource.replace("sagemakeruserprofiles", "sup")}`);
    perResource.set(name, writes);
  }
  histogram(
    [...perResource.values()].map((w) => w.join(" ")),
    log,
    "Kubernetes writes per resource",
  );
  // The resources whose writes differ from the usual, by name (to look them up in the calls above).
  const usual = new Map<string, number>();
  for (const w of perResource.values()) usual.set(w.join(" "), (usual.get(w.join(" ")) ?? 0) + 1);
  const rare = [...perResource].filter(([, w]) => (usual.get(w.join(" ")) ?? 0) <= 3).slice(0, 5);
  for (const [name, w] of rare) {
    const calls = perProfile.get(name);
    log(`      rare: ${name}: ${w.join(" ")}; calls ${calls ? timed(calls) : "(none in the log)"}`);
  }
  log(`    writes naming no object: ${JSON.stringify(Object.fromEntries(unnamed))}`);
}
