/** Throttling, injected faults, call accounting and the admin endpoint. */
import {
  CreateUserProfileCommand,
  DescribeUserProfileCommand,
  ListUserProfilesCommand,
  type SageMakerClient,
  UpdateUserProfileCommand,
} from "@aws-sdk/client-sagemaker";
import type { SageMakerEmulator } from "@sagemaker-profile-operator/local-stack/sagemaker";
import { afterEach, describe, expect, it } from "vitest";
import { clientFor, DOMAIN, emulatorWithDomain, manualClock, rejection } from "./helpers.js";

let emu: SageMakerEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function setup(options: Parameters<typeof emulatorWithDomain>[0] = {}) {
  const started = await emulatorWithDomain(options);
  emu = started.emu;
  return started;
}

const list = (sm: SageMakerClient) => sm.send(new ListUserProfilesCommand({}));
const settle = <T>(ps: Promise<T>[]) => Promise.allSettled(ps);
const errorNames = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r) => r.status === "rejected").map((r) => (r.reason as Error).name);

describe("throttling", () => {
  it("answers ThrottlingException (HTTP 400, 'Rate exceeded') above the configured rate", async () => {
    const { emu, sm } = await setup({ throttle: { rps: 1, burst: 2 } });
    const results = await settle(Array.from({ length: 12 }, () => list(sm)));
    const errors = errorNames(results);
    // 2 from the burst plus one per elapsed second; the 12 calls take far less than 5 s even on a busy machine.
    expect(errors.length).toBeGreaterThanOrEqual(5);
    expect(new Set(errors)).toEqual(new Set(["ThrottlingException"]));
    const first = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(first.reason.message).toBe("Rate exceeded");
    expect(first.reason.$metadata.httpStatusCode).toBe(400);
    expect(emu.calls().ListUserProfiles?.ThrottlingException).toBe(errors.length);
  });

  it("refills over time", async () => {
    const clock = manualClock();
    const { sm } = await setup({ now: clock.now, throttle: { rps: 2, burst: 1 } });
    await list(sm);
    expect((await rejection(list(sm))).name).toBe("ThrottlingException");
    clock.advance(500);
    await list(sm);
  });

  it("has a separate budget for mutating calls", async () => {
    const clock = manualClock();
    const { sm } = await setup({
      now: clock.now,
      throttle: { rps: 1000, burst: 1000, mutatingRps: 1, mutatingBurst: 1 },
    });
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "a" }));
    const update = () =>
      sm.send(
        new UpdateUserProfileCommand({
          DomainId: DOMAIN,
          UserProfileName: "a",
          UserSettings: { StudioWebPortal: "DISABLED" },
        }),
      );
    expect((await rejection(update())).name).toBe("ThrottlingException");
    // Reads still pass.
    for (let i = 0; i < 20; i++)
      await sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "a" }));
    clock.advance(1_000);
    await update();
  });

  it("is retried by the SDK when it has attempts left", async () => {
    const { emu } = await setup();
    emu.admin.injectFault({ op: "ListUserProfiles", code: "ThrottlingException", message: "Rate exceeded", count: 1 });
    const result = await clientFor(emu, 3).send(new ListUserProfilesCommand({}));
    expect(result.$metadata.attempts).toBe(2);
  });

  it("can be turned off and on at run time", async () => {
    const { emu, sm } = await setup();
    emu.admin.configure({ throttle: { rps: 0.001, burst: 1 } });
    await list(sm);
    expect((await rejection(list(sm))).name).toBe("ThrottlingException");
    emu.admin.configure({ throttle: null });
    await list(sm);
  });
});

describe("injected errors", () => {
  it("sends 5xx errors the way AWS does, and the SDK retries them", async () => {
    const { emu, sm } = await setup();
    emu.admin.injectFault({ op: "ListUserProfiles", code: "InternalFailure", count: 1 });
    const once = await rejection(list(sm));
    expect(once.name).toBe("InternalFailure");
    expect(once.$metadata?.httpStatusCode).toBe(500);

    emu.admin.injectFault({ op: "ListUserProfiles", code: "ServiceUnavailable", count: 2 });
    const retried = await clientFor(emu, 3).send(new ListUserProfilesCommand({}));
    expect(retried.$metadata.attempts).toBe(3);
    expect(emu.calls().ListUserProfiles).toEqual({ InternalFailure: 1, ServiceUnavailable: 2, ok: 1 });
  });

  it("applies only to the named operation, and stops after count", async () => {
    const { emu, sm } = await setup();
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "x" }));
    emu.admin.injectFault({ op: "UpdateUserProfile", code: "ResourceInUse", message: "busy", count: 1 });
    await list(sm);
    const err = await rejection(
      sm.send(
        new UpdateUserProfileCommand({
          DomainId: DOMAIN,
          UserProfileName: "x",
          UserSettings: { StudioWebPortal: "DISABLED" },
        }),
      ),
    );
    expect(err.name).toBe("ResourceInUse");
    expect(err.message).toBe("busy");
    await sm.send(
      new UpdateUserProfileCommand({
        DomainId: DOMAIN,
        UserProfileName: "x",
        UserSettings: { StudioWebPortal: "DISABLED" },
      }),
    );
    expect(emu.admin.faults()).toEqual([]);
  });

  it("fires at the configured rate, reproducibly for a seed", async () => {
    const run = async () => {
      const { emu, sm } = await setup({ seed: 42, faults: [{ code: "InternalFailure", rate: 0.3 }] });
      // Sequential, so the n-th call draws the n-th number of the seeded sequence.
      const outcomes: string[] = [];
      for (let i = 0; i < 200; i++) outcomes.push((await settle([list(sm)]))[0]?.status ?? "");
      await emu.close();
      return outcomes;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    const failed = a.filter((s) => s === "rejected").length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(100);
  });

  it("adds latency", async () => {
    const { emu, sm } = await setup();
    emu.admin.injectFault({ op: "ListUserProfiles", latencyMs: 300 });
    const started = performance.now();
    await list(sm);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe("dropped connections", () => {
  it("destroys the socket without answering; the SDK sees a network error and retries it", async () => {
    const { emu, sm } = await setup();
    emu.admin.injectFault({ op: "ListUserProfiles", drop: true, count: 1 });
    const err = await rejection(list(sm));
    expect(err.$metadata?.httpStatusCode).toBeUndefined();
    expect(String((err as Error & { code?: string }).code ?? err.message)).toMatch(/ECONNRESET|socket hang up/);

    emu.admin.injectFault({ op: "ListUserProfiles", drop: true, count: 1 });
    const retried = await clientFor(emu, 3).send(new ListUserProfilesCommand({}));
    expect(retried.$metadata.attempts).toBe(2);
    expect(emu.calls().ListUserProfiles).toEqual({ dropped: 2, ok: 1 });
  });
});

describe("faults after the operation ran (phase: after)", () => {
  it("drops the answer of a create that took effect: the SDK's retry then finds the profile already there", async () => {
    const { emu } = await setup();
    emu.admin.injectFault({ op: "CreateUserProfile", drop: true, phase: "after", count: 1 });
    const err = await rejection(
      clientFor(emu, 3).send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "lost" })),
    );
    // The first attempt created it; the retry is refused, as on AWS.
    expect(err.name).toBe("ResourceInUse");
    expect(err.$metadata?.attempts).toBe(2);
    expect(emu.store.getProfile(DOMAIN, "lost")).toBeDefined();
    expect(emu.calls().CreateUserProfile).toEqual({ droppedAfter: 1, ResourceInUse: 1 });
    expect(emu.mutations("CreateUserProfile")).toHaveLength(1);
  });

  it("delays the answer, not the effect", async () => {
    const { emu, sm } = await setup();
    emu.admin.injectFault({ op: "CreateUserProfile", latencyMs: 1_000, phase: "after" });
    const create = sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "slow" }));
    let answered = false;
    void create.then(() => {
      answered = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(emu.store.getProfile(DOMAIN, "slow")).toBeDefined();
    expect(answered).toBe(false);
    await create;
  });

  it("refuses a phase on an error rule", async () => {
    const { emu } = await setup();
    expect(() => emu.admin.injectFault({ code: "InternalFailure", phase: "after" } as never)).toThrow(/no phase/);
  });
});

describe("call accounting", () => {
  it("records who signed each accepted mutation (the access key id)", async () => {
    const { emu, sm } = await setup();
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "who" }));
    expect(emu.mutations("CreateUserProfile").map((m) => m.caller)).toEqual(["test"]);
  });

  it("counts per operation and outcome, and resets", async () => {
    const { emu, sm } = await setup();
    await sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "c" }));
    await rejection(sm.send(new CreateUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "c" })));
    await rejection(sm.send(new DescribeUserProfileCommand({ DomainId: DOMAIN, UserProfileName: "none" })));
    expect(emu.calls()).toEqual({
      CreateUserProfile: { ok: 1, ResourceInUse: 1 },
      DescribeUserProfile: { ResourceNotFound: 1 },
    });
    emu.resetCalls();
    expect(emu.calls()).toEqual({});
  });
});

describe("admin endpoint over HTTP", () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu?.url}/_admin/${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it("mirrors the in-process handle", async () => {
    const { sm } = await setup();
    const domain = await admin("POST", "domains", {
      domainId: "d-admin000001",
      securityGroupIdForDomainBoundary: true,
    });
    expect(domain.status).toBe(200);
    expect(domain.json.securityGroupIdForDomainBoundary).toMatch(/^sg-nfs/);
    expect((await admin("POST", "domains", { domainId: "d-admin000001" })).status).toBe(409);

    expect(
      (await admin("PUT", "profiles/d-admin000001/seeded", { userSettings: { StudioWebPortal: "DISABLED" } })).status,
    ).toBe(200);
    const described = await sm.send(
      new DescribeUserProfileCommand({ DomainId: "d-admin000001", UserProfileName: "seeded" }),
    );
    expect(described.Status).toBe("InService");
    expect(described.UserSettings?.StudioWebPortal).toBe("DISABLED");

    const patched = await admin("POST", "profiles/d-admin000001/seeded", {
      status: "Failed",
      failureReason: "x",
    });
    expect(patched.json).toMatchObject({ status: "Failed", failureReason: "x" });
    expect((await admin("GET", "profiles/d-admin000001/seeded/describe")).json.Status).toBe("Failed");
    expect((await admin("POST", "profiles/d-admin000001/nobody", { inUseFor: { count: 1 } })).status).toBe(404);

    const faults = await admin("POST", "faults", [{ op: "ListUserProfiles", code: "ServiceUnavailable" }]);
    expect(faults.json.ids).toHaveLength(1);
    expect((await rejection(list(sm))).name).toBe("ServiceUnavailable");
    await admin("DELETE", "faults");
    await list(sm);

    await admin("POST", "config", { throttle: { rps: 0.001, burst: 1 } });
    await list(sm);
    expect((await rejection(list(sm))).name).toBe("ThrottlingException");

    const calls = await admin("GET", "calls");
    expect(calls.json.ListUserProfiles).toEqual({ ServiceUnavailable: 1, ok: 2, ThrottlingException: 1 });
    await admin("POST", "reset-calls");
    expect((await admin("GET", "calls")).json).toEqual({});

    expect((await admin("DELETE", "profiles/d-admin000001/seeded")).json).toEqual({ deleted: true });
    expect((await admin("GET", "profiles/d-admin000001/seeded")).status).toBe(404);
    expect((await admin("GET", "nothing")).status).toBe(404);
  });
});
