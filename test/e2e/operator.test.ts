/**
 * The operator end to end: examples applied to the local API server, reconciled against the SageMaker emulator,
 * observed through status, events and the emulator's own record of what it was asked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OWNER_TAG } from "../../src/api/types.js";
import { sleep, waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, EXAMPLES, isReady, startE2E } from "./harness.js";

let e2e: E2E;
const KEYS = [
  ["team-a", "alice"],
  ["team-a", "bob"],
  ["team-a", "erin"],
  ["team-b", "carol"],
  ["team-b", "dave"],
] as const;

beforeAll(async () => {
  e2e = await startE2E({ operator: (c) => (c.workers = 1) });
  await e2e.stack.apply([EXAMPLES]);
});
afterAll(async () => {
  await e2e?.close();
});

describe("operator end to end", () => {
  it("creates every example profile and reports Ready=True with kstatus conditions", async () => {
    for (const [ns, name] of KEYS)
      await waitFor(`${ns}/${name} Ready`, async () => isReady(await e2e.get(ns, name)), 30_000);
    const alice = await e2e.get("team-a", "alice");
    expect(condition(alice, "Synced")?.status).toBe("True");
    expect(condition(alice, "Reconciling")?.status).toBe("False");
    expect(condition(alice, "Stalled")?.status).toBe("False");
    expect(alice.status?.observedGeneration).toBe(alice.metadata.generation);
    expect(alice.status?.profileStatus).toBe("InService");
    expect(alice.status?.userProfileArn).toMatch(/:user-profile\/d-demo00000001\/alice$/);
    expect(alice.metadata.finalizers).toContain("sagemaker.gitops.io/finalizer");
    // dave declares spec.userProfileName: the SageMaker profile is named by it, not by metadata.name.
    const dave = await e2e.get("team-b", "dave");
    expect(e2e.sagemaker.store.getProfile(DEMO_DOMAIN, dave.spec.userProfileName as string)).toBeDefined();
    // Every created profile carries the owner tag naming the cluster, namespace and resource.
    const tags = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "alice")?.tags ?? [];
    expect(tags).toContainEqual({ Key: OWNER_TAG, Value: "e2e/team-a/alice" });
    expect(tags).toContainEqual({ Key: "team", Value: "team-a" });
    // The domain's default security group and NFS group, added by SageMaker, are not drift.
    expect(e2e.describe("alice")?.UserSettings?.SecurityGroups?.length).toBeGreaterThan(1);
    expect(alice.status?.drift?.count ?? 0).toBe(0);
    expect(e2e.sagemaker.calls().CreateUserProfile?.ok).toBe(5);
    expect(e2e.sagemaker.calls().UpdateUserProfile).toBeUndefined();
  });

  it("repairs a spec edit with exactly one UpdateUserProfile carrying only the drifted block", async () => {
    e2e.sagemaker.resetCalls();
    const gen = await e2e.patch("team-a", "alice", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } } },
    });
    await waitFor("alice repaired", async () => isReady(await e2e.get("team-a", "alice"), gen));
    const updates = e2e.sagemaker.mutations("UpdateUserProfile");
    expect(updates).toHaveLength(1);
    const settings = updates[0]?.request.UserSettings as Record<
      string,
      { DefaultResourceSpec?: object; CodeRepositories?: unknown[] }
    >;
    expect(Object.keys(settings)).toEqual(["JupyterServerAppSettings"]);
    expect(settings.JupyterServerAppSettings?.DefaultResourceSpec).toMatchObject({ InstanceType: "ml.t3.large" });
    // The rest of the block is the observed one: the code repository declared earlier is not reset.
    expect(settings.JupyterServerAppSettings?.CodeRepositories).toHaveLength(1);
    expect(e2e.describe("alice")?.UserSettings?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType).toBe(
      "ml.t3.large",
    );
  });

  it("makes an edit with exactly DescribeUserProfile, UpdateUserProfile and the Describe that sees it InService", async () => {
    // No declared tags (a spec edit compares declared tags with one ListTags): only ownership could ask for one, and
    // this process knows from its own CreateUserProfile that the profile is its.
    const alice = await e2e.get("team-a", "alice");
    await e2e.api.createNamespacedCustomObject({
      group: alice.apiVersion.split("/")[0] as string,
      version: alice.apiVersion.split("/")[1] as string,
      plural: "sagemakeruserprofiles",
      namespace: "team-a",
      body: {
        apiVersion: alice.apiVersion,
        kind: alice.kind,
        metadata: { name: "frank", namespace: "team-a" },
        spec: {
          domainId: alice.spec.domainId,
          userSettings: { executionRole: alice.spec.userSettings?.executionRole },
        },
      },
    });
    await waitFor("frank Ready", async () => isReady(await e2e.tryGet("team-a", "frank")), 30_000);
    await sleep(500); // nothing of frank's create in flight
    e2e.sagemaker.resetCalls();
    const gen = await e2e.patch("team-a", "frank", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } } },
    });
    await waitFor("frank edited", async () => isReady(await e2e.get("team-a", "frank"), gen));
    await sleep(1_000); // a later call for this edit would show here
    const frank = e2e.sagemaker
      .requests()
      .filter((r) => r.request.UserProfileName === "frank" || String(r.request.ResourceArn ?? "").endsWith("/frank"));
    expect(frank.map((r) => r.op)).toEqual(["DescribeUserProfile", "UpdateUserProfile", "DescribeUserProfile"]);
  });

  it("rides out ResourceInUse with growing jittered backoff while other profiles keep converging (one worker)", async () => {
    const holds = 4;
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "bob", { inUseFor: { count: holds } });
    e2e.sagemaker.resetCalls();
    const inUseTimes: number[] = [];
    let seen = 0;
    const watcher = setInterval(() => {
      const n = e2e.sagemaker.calls().UpdateUserProfile?.ResourceInUse ?? 0;
      for (; seen < n; seen++) inUseTimes.push(Date.now());
    }, 10);
    const bobGen = await e2e.patch("team-a", "bob", {
      spec: { userSettings: { kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.m5.xlarge" } } } },
    });
    await waitFor("bob answered ResourceInUse once", () => inUseTimes.length >= 1);
    // While bob waits in the queue, the single worker is free: carol's edit converges before bob's hold is over.
    const carolGen = await e2e.patch("team-b", "carol", {
      spec: { userSettings: { executionRole: "arn:aws:iam::123456789012:role/SageMakerStudio-TeamB-v2" } },
    });
    await waitFor("carol repaired", async () => isReady(await e2e.get("team-b", "carol"), carolGen));
    const bobMidway = await e2e.get("team-a", "bob");
    if (inUseTimes.length < holds) {
      expect(condition(bobMidway, "Synced")?.reason).toBe("ResourceInUse");
      expect(condition(bobMidway, "Reconciling")?.status).toBe("True");
      expect(condition(bobMidway, "Synced")?.message).toMatch(/attempt \d+, retrying in \d+\.\ds/);
    }
    await waitFor("bob repaired after the hold", async () => isReady(await e2e.get("team-a", "bob"), bobGen), 30_000);
    clearInterval(watcher);
    expect(e2e.sagemaker.calls().UpdateUserProfile).toMatchObject({ ResourceInUse: holds });
    expect(
      e2e.sagemaker.mutations("UpdateUserProfile").filter((m) => m.request.UserProfileName === "bob"),
    ).toHaveLength(1);
    // Full jitter: each wait is at most base * 2^(n-1) (+ reconcile time), never a fixed sleep.
    const gaps = inUseTimes.slice(1).map((t, i) => t - (inUseTimes[i] as number));
    for (const [i, gap] of gaps.entries()) expect(gap).toBeLessThan(300 * 2 ** (i + 1) + 1500);
    const metrics = await e2e.operator?.metrics.registry.getSingleMetricAsString(
      "sagemaker_resource_in_use_retries_total",
    );
    expect(metrics).toMatch(new RegExp(`sagemaker_resource_in_use_retries_total ${holds}`));
  });

  it("reports a Failed profile as Stalled=True with SageMaker's FailureReason, and never updates it", async () => {
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "carol", {
      status: "Failed",
      failureReason: "KMS key is not accessible",
    });
    e2e.sagemaker.resetCalls();
    // Any event makes the operator look again; an annotation is the least intrusive.
    await e2e.patch("team-b", "carol", { metadata: { annotations: { "example.com/poke": "1" } } });
    const carol = await waitFor("carol stalled", async () => {
      const c = await e2e.get("team-b", "carol");
      return condition(c, "Stalled")?.status === "True" ? c : undefined;
    });
    expect(condition(carol, "Stalled")?.reason).toBe("Failed");
    expect(condition(carol, "Stalled")?.message).toContain("KMS key is not accessible");
    expect(condition(carol, "Ready")?.status).toBe("False");
    expect(carol.status?.failureReason).toBe("KMS key is not accessible");
    expect(e2e.sagemaker.calls().UpdateUserProfile).toBeUndefined();
  });

  it("finds an out-of-band change on resync and reverts it", async () => {
    // Resync is one minute here; a poke stands in for the timer, the resync test below uses a short period.
    e2e.sagemaker.admin.setProfile(DEMO_DOMAIN, "dave-analyst", {
      userSettings: { ExecutionRole: "arn:aws:iam::123456789012:role/ConsoleEdit" },
    });
    await e2e.patch("team-b", "dave", { metadata: { annotations: { "example.com/poke": "1" } } });
    await waitFor(
      "dave reverted",
      () => e2e.describe("dave-analyst")?.UserSettings?.ExecutionRole !== "arn:aws:iam::123456789012:role/ConsoleEdit",
    );
  });

  it("deletes the profile, waits for SageMaker to finish, then removes the finalizer (deletionPolicy Delete)", async () => {
    await e2e.remove("team-a", "alice");
    const deleting = await e2e.get("team-a", "alice");
    expect(deleting.metadata.deletionTimestamp).toBeTruthy();
    let sawDeleting = false;
    await waitFor(
      "alice gone from Kubernetes",
      async () => {
        const profile = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "alice");
        if (profile?.status === "Deleting") sawDeleting = true;
        const obj = await e2e.tryGet("team-a", "alice");
        // The finalizer stays as long as SageMaker still has the profile.
        if (obj === undefined) expect(profile).toBeUndefined();
        return obj === undefined;
      },
      20_000,
      20,
    );
    expect(sawDeleting).toBe(true);
    expect(e2e.sagemaker.calls().DeleteUserProfile?.ok).toBe(1);
  });

  it("keeps the profile and drops only the owner tag when deletionPolicy is Retain", async () => {
    await e2e.remove("team-a", "erin");
    await waitFor("erin gone from Kubernetes", async () => (await e2e.tryGet("team-a", "erin")) === undefined);
    const erin = e2e.sagemaker.store.getProfile(DEMO_DOMAIN, "erin");
    expect(erin?.status).toBe("InService");
    expect(erin?.tags.map((t) => t.Key)).not.toContain(OWNER_TAG);
    expect(erin?.tags.length).toBeGreaterThan(0);
  });

  it("makes no Kubernetes writes and no SageMaker writes in steady state", async () => {
    // Make sure everything still present is settled, then watch for a while, across the poll interval many times.
    await waitFor(
      "bob, dave Ready",
      async () => isReady(await e2e.get("team-a", "bob")) && isReady(await e2e.get("team-b", "dave")),
    );
    // Aggregated events flush their last count up to 5 s after the fact: that is the past settling, not steady state.
    await sleep(5500);
    e2e.kube.resetStats();
    e2e.sagemaker.resetCalls();
    await sleep(3000);
    expect(e2e.kube.stats().writes, JSON.stringify(e2e.kube.stats())).toBe(0);
    const calls = e2e.sagemaker.calls();
    for (const op of ["CreateUserProfile", "UpdateUserProfile", "DeleteUserProfile", "AddTags", "DeleteTags"])
      expect(calls[op], op).toBeUndefined();
  });
});

describe("periodic resync", () => {
  let fast: E2E;
  beforeAll(async () => {
    fast = await startE2E({ operator: (c) => (c.resyncPeriodMs = 1500) });
    await fast.stack.apply([`${EXAMPLES}/data-scientist-basic.yaml`]);
    await waitFor("alice Ready", async () => isReady(await fast.get("team-a", "alice")), 30_000);
  });
  afterAll(async () => {
    await fast?.close();
  });

  it("finds an out-of-band change within one resync period and repairs it, with no Kubernetes event involved", async () => {
    fast.sagemaker.admin.setProfile(DEMO_DOMAIN, "alice", {
      userSettings: { SharingSettings: { NotebookOutputOption: "Disabled" } },
    });
    await waitFor(
      "alice reverted by resync",
      () => fast.describe("alice")?.UserSettings?.SharingSettings?.NotebookOutputOption === "Allowed",
      10_000,
    );
    const update = fast.sagemaker.mutations("UpdateUserProfile").at(-1);
    expect(Object.keys(update?.request.UserSettings as object)).toEqual(["SharingSettings"]);
  });

  it("makes no Kubernetes writes and no SageMaker updates across several resync periods once converged", async () => {
    await waitFor("alice Ready", async () => isReady(await fast.get("team-a", "alice")));
    await sleep(500);
    fast.kube.resetStats();
    fast.sagemaker.resetCalls();
    await sleep(5000); // more than three resync periods
    expect(fast.kube.stats().writes).toBe(0);
    expect(fast.sagemaker.calls().UpdateUserProfile).toBeUndefined();
    // List-based resync: one ListUserProfiles page per period, no Describe for an unchanged profile.
    expect(fast.sagemaker.calls().ListUserProfiles?.ok ?? 0).toBeGreaterThanOrEqual(2);
    expect(fast.sagemaker.calls().DescribeUserProfile).toBeUndefined();
  });
});

describe("watch faults", () => {
  let w: E2E;
  beforeAll(async () => {
    w = await startE2E();
    await w.stack.apply([`${EXAMPLES}/data-scientist-basic.yaml`, `${EXAMPLES}/rstudio-user.yaml`]);
    await waitFor("alice Ready", async () => isReady(await w.get("team-a", "alice")), 30_000);
  });
  afterAll(async () => {
    await w?.close();
  });

  it("recovers from a watch cut mid-stream without missing the edit made while it was down", async () => {
    w.kube.faults.breakWatches();
    const gen = await w.patch("team-a", "alice", {
      spec: { userSettings: { sharingSettings: { notebookOutputOption: "Disabled" } } },
    });
    await waitFor("alice repaired after the cut", async () => isReady(await w.get("team-a", "alice"), gen), 30_000);
    expect(w.describe("alice")?.UserSettings?.SharingSettings?.NotebookOutputOption).toBe("Disabled");
  });

  it("relists after 410 Gone and still sees changes and deletions made meanwhile", async () => {
    const watchesBefore = w.kube.stats().watches;
    w.kube.faults.expireHistory();
    w.kube.faults.breakWatches();
    const gen = await w.patch("team-a", "alice", {
      spec: { userSettings: { sharingSettings: { notebookOutputOption: "Allowed" } } },
    });
    await waitFor("carol Ready", async () => isReady(await w.get("team-b", "carol")), 30_000);
    await w.remove("team-b", "carol");
    await waitFor("alice repaired after the relist", async () => isReady(await w.get("team-a", "alice"), gen), 30_000);
    await waitFor(
      "carol deleted after the relist",
      async () => (await w.tryGet("team-b", "carol")) === undefined,
      30_000,
    );
    expect(w.sagemaker.store.getProfile(DEMO_DOMAIN, "carol")).toBeUndefined();
    expect(w.kube.stats().watches).toBeGreaterThan(watchesBefore);
    expect(w.describe("alice")?.UserSettings?.SharingSettings?.NotebookOutputOption).toBe("Allowed");
  });

  it("keeps reconciling through 409 Conflicts on status writes", async () => {
    w.kube.faults.failNext({ verb: "patch", path: /\/status$/, status: 409, count: 2 });
    const gen = await w.patch("team-a", "alice", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.xlarge" } } } },
    });
    await waitFor("alice Ready despite conflicts", async () => isReady(await w.get("team-a", "alice"), gen), 30_000);
  });
});

describe("a field someone else keeps changing back", () => {
  let c: E2E;
  beforeAll(async () => {
    c = await startE2E({
      operator: (cfg) => {
        cfg.resyncPeriodMs = 300;
        cfg.contestBackoffBaseMs = 60_000;
      },
    });
    await c.stack.apply([`${EXAMPLES}/data-scientist-basic.yaml`]);
    await waitFor("alice Ready", async () => isReady(await c.get("team-a", "alice")), 30_000);
  });
  afterAll(async () => {
    await c?.close();
  });

  it("stops fighting after three repairs, reports Synced=False reason Contested, and holds with backoff", async () => {
    c.sagemaker.resetCalls();
    const other = "arn:aws:iam::123456789012:role/OtherTool";
    // Another writer sets its own role whenever it sees ours, checking every 100 ms.
    const writer = setInterval(() => {
      if (c.describe("alice")?.UserSettings?.ExecutionRole !== other)
        c.sagemaker.admin.setProfile(DEMO_DOMAIN, "alice", { userSettings: { ExecutionRole: other } });
    }, 100);
    try {
      const contested = await waitFor(
        "Contested",
        async () => {
          const a = await c.get("team-a", "alice");
          return condition(a, "Synced")?.reason === "Contested" ? a : undefined;
        },
        20_000,
      );
      expect(condition(contested, "Synced")?.message).toMatch(/executionRole changed back after 3 repairs/);
      expect(condition(contested, "Ready")?.status).toBe("False");
      expect(condition(contested, "Stalled")?.status).toBe("False");
      const updatesAtContest = c.sagemaker.calls().UpdateUserProfile?.ok ?? 0;
      expect(updatesAtContest).toBe(3);
      // Without the guard the operator would repair every resync (300 ms): ~10 more updates in 3 s. With it: none.
      await sleep(3000);
      expect(c.sagemaker.calls().UpdateUserProfile?.ok ?? 0).toBe(updatesAtContest);
    } finally {
      clearInterval(writer);
    }
  });
});
