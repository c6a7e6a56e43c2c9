/**
 * The gateway driving the real SDK over HTTP against the SageMaker emulator (packages/local-stack/src/sagemaker): limited, counted,
 * classified calls; SDK retries of 5xx and resets; throttles seen by the limiter; the emulator's own token bucket
 * measures the rate the gateway sends at.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { type SageMakerEmulator, startSageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, describe, expect, it } from "vitest";
import { NotLeaderError } from "../../src/kube/leader.js";
import { type CallObserver, type GatewayOptions, SageMakerError, SageMakerGateway } from "../../src/sagemaker/index.js";
import { waitFor } from "../support/wait.js";

const DOMAIN = "d-gateway00001";
const ROLE = "arn:aws:iam::123456789012:role/service-role/Studio";

let emu: SageMakerEmulator | undefined;
let gateway: SageMakerGateway | undefined;
afterEach(async () => {
  gateway?.destroy();
  gateway = undefined;
  await emu?.close();
  emu = undefined;
});

async function startEmulator(options: Parameters<typeof startSageMakerEmulator>[0] = {}) {
  emu = await startSageMakerEmulator({ seed: 11, ...options });
  emu.admin.createDomain({ domainId: DOMAIN, defaultUserSettings: { ExecutionRole: ROLE } });
  return emu;
}

function recorder() {
  const calls: { op: string; outcome: string; seconds: number; at: number }[] = [];
  const throttles: string[] = [];
  const rates: number[] = [];
  const observer: CallObserver = {
    onCall: (op, outcome, seconds) => calls.push({ op, outcome, seconds, at: Date.now() }),
    onThrottle: (op) => throttles.push(op),
    onRateChange: (rps) => rates.push(rps),
  };
  return { observer, calls, throttles, rates, outcomes: () => calls.map((c) => `${c.op}:${c.outcome}`) };
}

function gatewayFor(server: SageMakerEmulator, options: Partial<GatewayOptions> = {}) {
  gateway = new SageMakerGateway({
    region: "us-east-1",
    endpoint: server.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    rps: 200,
    burst: 200,
    concurrency: 16,
    ...options,
  });
  return gateway;
}

async function rejection(p: Promise<unknown>): Promise<SageMakerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SageMakerError);
    return err as SageMakerError;
  }
  throw new Error("expected the call to fail");
}

/** Answers per operation at the server, every outcome together (SDK retries included). */
function serverTotals(server: SageMakerEmulator): Record<string, number> {
  return Object.fromEntries(
    Object.entries(server.calls()).map(([op, outcomes]) => [op, Object.values(outcomes).reduce((a, b) => a + b, 0)]),
  );
}
function observedTotals(calls: { op: string }[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const c of calls) totals[c.op] = (totals[c.op] ?? 0) + 1;
  return totals;
}

describe("SageMakerGateway: the calls", () => {
  it("describeUserProfile answers null for ResourceNotFound, and the observer sees the call", async () => {
    const server = await startEmulator();
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer });
    expect(await gw.describeUserProfile(DOMAIN, "nobody")).toBeNull();
    expect(rec.outcomes()).toEqual(["DescribeUserProfile:ResourceNotFound"]);
    expect(rec.calls[0]?.seconds).toBeGreaterThanOrEqual(0);
  });

  it("creates, describes, updates, tags and deletes a profile; each call is counted with its outcome", async () => {
    const server = await startEmulator();
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer });
    const created = await gw.createUserProfile({
      DomainId: DOMAIN,
      UserProfileName: "alice",
      UserSettings: { ExecutionRole: ROLE },
      Tags: [{ Key: "team", Value: "ml" }],
    });
    expect(created.UserProfileArn).toMatch(/:user-profile\/d-gateway00001\/alice$/);
    const again = await rejection(gw.createUserProfile({ DomainId: DOMAIN, UserProfileName: "alice" }));
    expect(again.classified).toMatchObject({ kind: "inUse", code: "ResourceInUse", httpStatus: 400, attempts: 1 });

    const profile = await gw.describeUserProfile(DOMAIN, "alice");
    expect(profile?.UserProfileArn).toBe(created.UserProfileArn);
    expect(profile?.Status).toBe("InService");
    expect(profile?.CreationTime).toBeInstanceOf(Date);

    await gw.updateUserProfile({
      DomainId: DOMAIN,
      UserProfileName: "alice",
      UserSettings: { JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.medium" } } },
    });
    const arn = created.UserProfileArn as string;
    await gw.addTags(arn, [{ Key: "owner", Value: "x/y/z" }]);
    await gw.deleteTags(arn, ["team"]);
    expect(await gw.listTags(arn)).toEqual([{ Key: "owner", Value: "x/y/z" }]);
    await gw.deleteUserProfile(DOMAIN, "alice");

    expect(rec.outcomes()).toEqual([
      "CreateUserProfile:success",
      "CreateUserProfile:ResourceInUse",
      "DescribeUserProfile:success",
      "UpdateUserProfile:success",
      "AddTags:success",
      "DeleteTags:success",
      "ListTags:success",
      "DeleteUserProfile:success",
    ]);
    expect(observedTotals(rec.calls)).toEqual(serverTotals(server));
  });

  it("classifies what the emulator refuses: ValidationException is terminal", async () => {
    const server = await startEmulator();
    const gw = gatewayFor(server);
    const err = await rejection(gw.createUserProfile({ DomainId: DOMAIN, UserProfileName: "not a valid name!" }));
    expect(err.classified).toMatchObject({ kind: "terminal", code: "ValidationException", httpStatus: 400 });
    expect(err.operation).toBe("CreateUserProfile");
    expect(err.cause).toMatchObject({ name: "ValidationException" });
  });

  it("lists a domain's profiles 100 a page, each page one call", async () => {
    const server = await startEmulator();
    for (let i = 0; i < 230; i++) server.admin.createProfile(DOMAIN, `user-${String(i).padStart(3, "0")}`);
    server.admin.createDomain({ domainId: "d-otherdomain1" });
    server.admin.createProfile("d-otherdomain1", "stranger");
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer });
    const sizes: number[] = [];
    const names = new Set<string>();
    for await (const page of gw.listUserProfiles(DOMAIN)) {
      sizes.push(page.length);
      for (const p of page) names.add(p.UserProfileName as string);
    }
    expect(sizes).toEqual([100, 100, 30]);
    expect(names.size).toBe(230);
    expect(names.has("stranger")).toBe(false);
    expect(server.calls().ListUserProfiles).toEqual({ ok: 3 });
    expect(rec.outcomes()).toEqual(Array(3).fill("ListUserProfiles:success"));
  });

  it("domainSecurityGroups is the domain's defaults plus its boundary group, from a DescribeDomain cached for the TTL", async () => {
    const server = await startEmulator();
    server.admin.createDomain({
      domainId: "d-securegroups",
      defaultUserSettings: { ExecutionRole: ROLE, SecurityGroups: ["sg-0aaa0000000000001", "sg-0aaa0000000000002"] },
      securityGroupIdForDomainBoundary: "sg-0bbb0000000000001",
    });
    let offset = 0;
    const clock = {
      now: () => Date.now() + offset,
      setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
      clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    };
    const gw = gatewayFor(server, { clock, domainCacheTtlMs: 60_000 });
    const [a, b] = await Promise.all([
      gw.domainSecurityGroups("d-securegroups"),
      gw.domainSecurityGroups("d-securegroups"),
    ]);
    expect([...a].sort()).toEqual(["sg-0aaa0000000000001", "sg-0aaa0000000000002", "sg-0bbb0000000000001"]);
    expect(b).toEqual(a);
    await gw.domainSecurityGroups("d-securegroups");
    expect(server.calls().DescribeDomain).toEqual({ ok: 1 });

    offset = 61_000;
    await gw.domainSecurityGroups("d-securegroups");
    expect(server.calls().DescribeDomain).toEqual({ ok: 2 });

    // A failure is not cached: the next call asks again.
    await rejection(gw.describeDomain("d-nosuchdomain"));
    await rejection(gw.describeDomain("d-nosuchdomain"));
    expect(server.calls().DescribeDomain).toEqual({ ok: 2, ResourceNotFound: 2 });
  });

  it("domainExists asks SageMaker now, not the cache, and refreshes the cache with what it finds", async () => {
    const server = await startEmulator();
    const gw = gatewayFor(server);
    expect(await gw.domainExists("d-comeslater01")).toBe(false);
    server.admin.createDomain({ domainId: "d-comeslater01", defaultUserSettings: { SecurityGroups: ["sg-0ccc"] } });
    expect(await gw.domainExists("d-comeslater01")).toBe(true);
    expect(await gw.domainSecurityGroups("d-comeslater01")).toEqual(["sg-0ccc"]);
    expect(server.calls().DescribeDomain).toEqual({ ResourceNotFound: 1, ok: 1 });
    expect(await gw.domainExists("d-comeslater01")).toBe(true);
    expect(server.calls().DescribeDomain).toEqual({ ResourceNotFound: 1, ok: 2 });
    // Anything but ResourceNotFound is not an answer to the question.
    server.admin.injectFault({ op: "DescribeDomain", code: "AccessDeniedException", count: 1 });
    expect((await rejection(gw.domainExists("d-comeslater01"))).code).toBe("AccessDeniedException");
  });

  it("stops waiting for the limiter when its signal aborts (shutdown)", async () => {
    const server = await startEmulator();
    const controller = new AbortController();
    const gw = gatewayFor(server, { rps: 1, burst: 1, signal: controller.signal });
    expect(await gw.describeUserProfile(DOMAIN, "first")).toBeNull();
    const waiting = gw.describeUserProfile(DOMAIN, "second");
    controller.abort(new Error("shutting down"));
    await expect(waiting).rejects.toThrow("shutting down");
    expect(server.calls().DescribeUserProfile).toEqual({ ResourceNotFound: 1 });
  });

  it("a caller's signal (a reconcile's) aborts its own call, in flight or waiting, and no other", async () => {
    const server = await startEmulator();
    const gw = gatewayFor(server);
    server.admin.injectFault({ op: "DescribeUserProfile", latencyMs: 5_000, count: 1 });
    const reconcile = new AbortController();
    const inFlight = gw.describeUserProfile(DOMAIN, "slow", reconcile.signal);
    expect(await gw.domainExists(DOMAIN)).toBe(true); // another call, answered while the first one is held
    reconcile.abort(new Error("controller stopped"));
    // Rejected at once, not answered (null) when the emulator lets it go.
    await expect(inFlight).rejects.toThrow();
    // An aborted signal sends nothing at all.
    await expect(gw.describeUserProfile(DOMAIN, "never", reconcile.signal)).rejects.toThrow("controller stopped");
    expect(server.requests().map((r) => r.request.UserProfileName)).not.toContain("never");
  });

  it("a call its caller gave up on keeps its place in the concurrency bound until its request has ended", async () => {
    const server = await startEmulator();
    let inFlight = 0;
    const observer: CallObserver = {
      ...recorder().observer,
      onLoadChange: (_, n) => {
        inFlight = n;
      },
    };
    const gw = gatewayFor(server, { concurrency: 1, observer });
    server.admin.injectFault({ op: "DescribeUserProfile", latencyMs: 1_500, count: 1 });
    const reconcile = new AbortController();
    const abandoned = gw.describeUserProfile(DOMAIN, "slow", reconcile.signal);
    await waitFor("the slow call in flight", () => inFlight === 1);
    reconcile.abort(new Error("controller stopped"));
    await expect(abandoned).rejects.toThrow("controller stopped");
    // The request is still held by the emulator: the next call waits for the one connection instead of opening a second.
    const next = gw.describeUserProfile(DOMAIN, "next");
    expect(gw.limiter.waiting).toBe(1);
    expect(await next).toBeNull();
    expect(server.requests().map((r) => r.request.UserProfileName)).toEqual(["slow", "next"]);
  });

  it("shares the mutating budget between namespaces: a quiet namespace's write overtakes a busy one's queue", async () => {
    const server = await startEmulator();
    const tenant = new AsyncLocalStorage<string>();
    const gw = gatewayFor(server, { mutatingRps: 4, mutatingBurst: 1, flowOf: () => tenant.getStore() });
    const busy = Array.from({ length: 5 }, (_, i) =>
      tenant.run("busy", () => gw.deleteUserProfile(DOMAIN, `busy-${i}`).catch(() => undefined)),
    );
    const quiet = tenant.run("quiet", () => gw.deleteUserProfile(DOMAIN, "quiet-0").catch(() => undefined));
    await Promise.all([...busy, quiet]);
    // Arrival order would put it last. busy-0 takes the burst token; quiet, not served yet, goes before busy, which
    // just was; then busy's queue has the rest.
    expect(server.requests().map((r) => r.request.UserProfileName)).toEqual([
      "busy-0",
      "quiet-0",
      "busy-1",
      "busy-2",
      "busy-3",
      "busy-4",
    ]);
  });

  it("honours AWS_ENDPOINT_URL_SAGEMAKER when no endpoint is given", async () => {
    const server = await startEmulator();
    const saved = process.env.AWS_ENDPOINT_URL_SAGEMAKER;
    process.env.AWS_ENDPOINT_URL_SAGEMAKER = server.url;
    try {
      const gw = gatewayFor(server, { endpoint: undefined });
      expect(await gw.describeUserProfile(DOMAIN, "nobody")).toBeNull();
      expect(server.calls().DescribeUserProfile).toEqual({ ResourceNotFound: 1 });
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SAGEMAKER;
      else process.env.AWS_ENDPOINT_URL_SAGEMAKER = saved;
    }
  });
});

describe("SageMakerGateway: retries and throttles", () => {
  it("lets the SDK retry 5xx: two InternalFailures then success is one successful call", async () => {
    const server = await startEmulator();
    server.admin.createProfile(DOMAIN, "bob");
    server.admin.injectFault({ op: "DescribeUserProfile", code: "InternalFailure", count: 2 });
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer, maxAttempts: 3 });
    expect((await gw.describeUserProfile(DOMAIN, "bob"))?.UserProfileName).toBe("bob");
    expect(server.calls().DescribeUserProfile).toEqual({ InternalFailure: 2, ok: 1 });
    expect(rec.outcomes()).toEqual(["DescribeUserProfile:success"]);
  });

  it("gives up after maxAttempts and reports the 5xx as transient with the attempts made", async () => {
    const server = await startEmulator();
    server.admin.createProfile(DOMAIN, "bob");
    server.admin.injectFault({ op: "UpdateUserProfile", code: "ServiceUnavailable", count: 3 });
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer, maxAttempts: 3 });
    const err = await rejection(gw.updateUserProfile({ DomainId: DOMAIN, UserProfileName: "bob" }));
    expect(err.classified).toMatchObject({
      kind: "transient",
      code: "ServiceUnavailable",
      httpStatus: 503,
      attempts: 3,
    });
    expect(server.calls().UpdateUserProfile).toEqual({ ServiceUnavailable: 3 });
    expect(rec.outcomes()).toEqual(["UpdateUserProfile:ServiceUnavailable"]);
  });

  it("lets the SDK retry a dropped connection", async () => {
    const server = await startEmulator();
    server.admin.createProfile(DOMAIN, "bob");
    server.admin.injectFault({ op: "DescribeUserProfile", drop: true, count: 1 });
    const gw = gatewayFor(server, { maxAttempts: 2 });
    expect((await gw.describeUserProfile(DOMAIN, "bob"))?.UserProfileName).toBe("bob");
    expect(server.calls().DescribeUserProfile).toEqual({ dropped: 1, ok: 1 });
  });

  it("hands a throttled mutating call back at once (no SDK retry), after telling the limiter", async () => {
    const server = await startEmulator();
    server.admin.createProfile(DOMAIN, "bob");
    server.admin.injectFault({ op: "UpdateUserProfile", code: "ThrottlingException", count: 1 });
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer, maxAttempts: 3, mutatingRps: 4, mutatingBurst: 4 });
    const err = await rejection(gw.updateUserProfile({ DomainId: DOMAIN, UserProfileName: "bob" }));
    expect(err.classified).toMatchObject({ kind: "throttled", code: "ThrottlingException", attempts: 1 });
    expect(server.calls().UpdateUserProfile).toEqual({ ThrottlingException: 1 });
    expect(rec.throttles).toEqual(["UpdateUserProfile"]);
    expect(gw.limiter.mutatingRps).toBe(2);
    expect(gw.limiter.rps).toBe(200);
  });

  it("retries a throttled read through the limiter, which has slowed down", async () => {
    const server = await startEmulator();
    server.admin.createProfile(DOMAIN, "bob");
    server.admin.injectFault({ op: "DescribeUserProfile", code: "ThrottlingException", count: 1 });
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer, rps: 20, burst: 20 });
    expect((await gw.describeUserProfile(DOMAIN, "bob"))?.UserProfileName).toBe("bob");
    expect(rec.outcomes()).toEqual(["DescribeUserProfile:ThrottlingException", "DescribeUserProfile:success"]);
    expect(rec.throttles).toEqual(["DescribeUserProfile"]);
    expect(rec.rates).toEqual([20, 10]);
    expect(server.calls().DescribeUserProfile).toEqual({ ThrottlingException: 1, ok: 1 });
  });

  it("stays within its rate and burst: the emulator, limiting at the same rate, throttles nothing", async () => {
    // The emulator's token bucket admits at most burst + rps * span calls in any span, so it measures the rate the
    // calls arrive at. Its burst has a little headroom for network jitter; without the limiter, most of the 40
    // calls below would be throttled.
    const rps = 8;
    const burst = 4;
    const server = await startEmulator({ throttle: { rps, burst: burst + 3 } });
    server.admin.createProfile(DOMAIN, "bob");
    const rec = recorder();
    const gw = gatewayFor(server, { observer: rec.observer, rps, burst, concurrency: 16 });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 40 }, () => gw.describeUserProfile(DOMAIN, "bob")));
    const elapsed = (Date.now() - started) / 1000;
    expect(results.every((p) => p?.UserProfileName === "bob")).toBe(true);
    expect(rec.throttles.length).toBeLessThanOrEqual(1);
    // 40 calls at 8/s after a burst of 4 cannot take less than (40 - 4) / 8 = 4.5 s (a slow machine only adds).
    expect(elapsed).toBeGreaterThanOrEqual(4.4);
    expect(observedTotals(rec.calls)).toEqual(serverTotals(server));
  });

  it("converges near a server's limit with few throttles when configured far above it", async () => {
    const limit = 5;
    const server = await startEmulator({ throttle: { rps: limit, burst: limit } });
    server.admin.createProfile(DOMAIN, "bob");
    const rec = recorder();
    // Configured at 5x what the server allows.
    const gw = gatewayFor(server, { observer: rec.observer, rps: 25, burst: 25, concurrency: 8, maxAttempts: 3 });
    const runFor = 9_000;
    const started = Date.now();
    const deadline = started + runFor;
    const worker = async () => {
      while (Date.now() < deadline) {
        try {
          await gw.describeUserProfile(DOMAIN, "bob");
        } catch (err) {
          // A read throttled maxAttempts times in a row: what the reconciler would requeue.
          expect((err as SageMakerError).kind).toBe("throttled");
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    // The first seconds are the descent from 25/s (the initial burst alone meets a wall of throttles); judge the
    // rest, once the limiter has found the server's rate.
    const settled = rec.calls.filter((c) => c.at >= started + 3_000 && c.at < deadline);
    const ok = settled.filter((c) => c.outcome === "success").length;
    const throttled = settled.filter((c) => c.outcome === "ThrottlingException").length;
    const seconds = (deadline - started - 3_000) / 1000;
    // Near the server's rate, with a small refused share. A fixed limiter at the configured 25/s would see about
    // 80 % of its calls refused.
    expect(ok / seconds).toBeGreaterThan(limit * 0.6);
    expect(ok / seconds).toBeLessThan(limit * 1.5);
    expect(throttled / (ok + throttled)).toBeLessThan(0.2);
    expect(gw.limiter.rps).toBeLessThan(25);
    expect(observedTotals(rec.calls)).toEqual(serverTotals(server));
  });
});

describe("leader write fence (mayWrite)", () => {
  it("refuses every mutating attempt while mayWrite is false, SDK retries included; reads pass", async () => {
    const server = await startEmulator();
    // The lease is lost right after the first attempt of the update reached SageMaker.
    const g = gatewayFor(server, { mayWrite: () => server.calls().UpdateUserProfile === undefined });
    await g.createUserProfile({ DomainId: DOMAIN, UserProfileName: "a" });
    // The first attempt is reset; the SDK retries after a backoff, by which time the lease is gone: no retry goes out.
    server.admin.injectFault({ op: "UpdateUserProfile", drop: true, count: 1 });
    const update = g.updateUserProfile({
      DomainId: DOMAIN,
      UserProfileName: "a",
      UserSettings: { ExecutionRole: ROLE },
    });
    await expect(update).rejects.toBeInstanceOf(NotLeaderError);
    await expect(g.deleteUserProfile(DOMAIN, "a")).rejects.toBeInstanceOf(NotLeaderError);
    expect((await g.describeUserProfile(DOMAIN, "a"))?.Status).toBeDefined();
    expect(server.calls().UpdateUserProfile).toEqual({ dropped: 1 });
    expect(server.calls().DeleteUserProfile).toBeUndefined();
    expect(server.mutations().map((m) => m.op)).toEqual(["CreateUserProfile"]);
  });

  it("checks again once the request has its connection: a lease lost meanwhile sends nothing", async () => {
    const server = await startEmulator();
    await gatewayFor(server).createUserProfile({ DomainId: DOMAIN, UserProfileName: "a" });
    // The SDK middleware's check passes; by the time the request has its connection (the process was stopped in
    // between, say) the lease is gone.
    let checks = 0;
    let leaseLostAfter = 1;
    const g = gatewayFor(server, { mayWrite: () => ++checks <= leaseLostAfter });
    const update = () =>
      g.updateUserProfile({ DomainId: DOMAIN, UserProfileName: "a", UserSettings: { ExecutionRole: ROLE } });
    await expect(update(), "on a new connection").rejects.toBeInstanceOf(NotLeaderError);
    expect(checks).toBe(2);
    // Reads are not fenced; this one leaves a kept-alive connection.
    expect((await g.describeUserProfile(DOMAIN, "a"))?.UserProfileName).toBe("a");
    leaseLostAfter = checks + 1;
    await expect(update(), "on a kept-alive connection").rejects.toBeInstanceOf(NotLeaderError);
    expect(server.calls().UpdateUserProfile).toBeUndefined();
    // With the lease held at both checks, the update goes out.
    leaseLostAfter = Number.POSITIVE_INFINITY;
    await update();
    expect(server.mutations().map((m) => m.op)).toEqual(["CreateUserProfile", "UpdateUserProfile"]);
  });
});
