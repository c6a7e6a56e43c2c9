/**
 * N new resources applied at once to a running operator (a GitOps folder of new users): when the first becomes Ready,
 * and how long each took from being applied to the Describe that saw its profile InService (its Ready status write
 * follows that Describe at once). The creates are paced by R, so the last is sent N / R seconds in; a profile created
 * early must not wait for its Describe behind the creates still queued (docs/architecture.md, the queue).
 */
import { type RunningOperator, sleep, type World } from "./world.js";

type Log = (line: string) => void;

export interface CreateBurst {
  /** Seconds from the first apply to the first profile seen InService (Ready). */
  firstReady: number;
  /** Seconds from the first apply to the operator reporting all N Ready. */
  allReady: number;
  /** Per profile, ms from its resource being applied to the Describe that saw it InService (sorted). */
  applyToReady: number[];
  /** Per profile, ms from its CreateUserProfile to that Describe (sorted): the wait for the follow-up Describe. */
  createToReady: number[];
  /** Seconds from the first apply to the last accepted (the benchmark's own pace: no create can come before). */
  applySpan: number;
  /** Seconds from the first CreateUserProfile to the last (the creates' pace). */
  createSpan: number;
  /** SageMaker calls naming these profiles, per profile. */
  callsPerCreated: number;
}

export async function createBurst(
  world: World,
  op: RunningOperator,
  from: number,
  n: number,
  log: Log,
  timeoutMs = 10 * 60_000,
): Promise<CreateBurst> {
  await world.resetCalls();
  const base = await op.metric("sagemaker_user_profiles_ready");
  const applied = new Map<string, number>();
  const t0 = Date.now();
  const applying = world.addResources(from, n, (name, at) => applied.set(name, at));
  applying.catch(() => {}); // awaited below
  let lastLog = t0;
  for (;;) {
    const ready = (await op.metric("sagemaker_user_profiles_ready")) - base;
    if (ready >= n) break;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${n} created at once: only ${ready} Ready after ${timeoutMs} ms`);
    if (Date.now() - lastLog > 10_000) {
      log(`    ${n} created at once: ${ready}/${n} Ready after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      lastLog = Date.now();
    }
    await sleep(250);
  }
  const allReady = (Date.now() - t0) / 1000;
  await applying;
  const created = new Map<string, number>();
  const seen = new Map<string, number>();
  let calls = 0;
  for (const r of await world.requests()) {
    const name =
      r.request.UserProfileName ??
      String(r.request.ResourceArn ?? "")
        .split("/")
        .at(-1);
    if (r.op === "ListUserProfiles" || typeof name !== "string" || !applied.has(name)) continue;
    calls++;
    if (r.op === "CreateUserProfile" && !created.has(name)) created.set(name, r.at);
    // The last Describe of a profile is the one that saw it InService (the operator reported it Ready).
    if (r.op === "DescribeUserProfile") seen.set(name, r.at);
  }
  const applyToReady: number[] = [];
  const createToReady: number[] = [];
  for (const [name, at] of seen) {
    applyToReady.push(at - (applied.get(name) as number));
    const c = created.get(name);
    if (c !== undefined) createToReady.push(at - c);
  }
  applyToReady.sort((a, b) => a - b);
  createToReady.sort((a, b) => a - b);
  const createTimes = [...created.values()];
  return {
    firstReady: (Math.min(...seen.values()) - t0) / 1000,
    allReady,
    applyToReady,
    createToReady,
    applySpan: (Math.max(...applied.values()) - t0) / 1000,
    createSpan: (Math.max(...createTimes) - Math.min(...createTimes)) / 1000,
    callsPerCreated: calls / n,
  };
}
