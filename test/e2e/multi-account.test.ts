/**
 * Many AWS accounts and regions from one installation: SageMakerAccount resources, roles assumed through the
 * emulator's STS with the SDK's own provider, one client per account and region, and the refusals that make no AWS
 * call. The operator signs as `local` (arn:aws:iam::123456789012:user/local), the hub.
 */
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { SageMakerAccountSpec } from "../../src/accounts/index.js";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { applyAccount } from "../support/account.js";
import { waitFor } from "../support/wait.js";
import { condition, type E2E, isReady, startE2E } from "./harness.js";

const HUB_USER = "arn:aws:iam::123456789012:user/local";
const ACCOUNTS = { alpha: "111111111111", beta: "222222222222" } as const;
const REGIONS = ["us-east-1", "eu-west-1"] as const;
const roleOf = (id: string) => `arn:aws:iam::${id}:role/sagemaker-profile-operator`;
const domainOf = (name: string, region: string) => `d-${name}${region.replace(/-/g, "")}`;
const EXECUTION_ROLE = (id: string) => `arn:aws:iam::${id}:role/studio`;

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** The stack with two spoke accounts, each with a domain in two regions and a role the hub may assume. */
async function start(): Promise<E2E> {
  e2e = await startE2E();
  for (const [name, id] of Object.entries(ACCOUNTS)) {
    e2e.sagemaker.sts.setRole({ arn: roleOf(id), trustedPrincipals: [HUB_USER], externalId: `ext-${name}` });
    for (const region of REGIONS)
      e2e.sagemaker.account(id, region).admin.createDomain({
        domainId: domainOf(name, region),
        defaultUserSettings: { ExecutionRole: EXECUTION_ROLE(id) },
      });
  }
  return e2e;
}

async function namespace(e: E2E, name: string, labels: Record<string, string>): Promise<void> {
  await e.stack.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels } } });
}

async function account(e: E2E, name: string, spec: Partial<SageMakerAccountSpec>): Promise<void> {
  const id = ACCOUNTS[name as keyof typeof ACCOUNTS] ?? "333333333333";
  await applyAccount(e.stack.kubeConfig, name, {
    accountId: id,
    roleArn: roleOf(id),
    externalId: `ext-${name}`,
    regions: [...REGIONS],
    defaultRegion: "us-east-1",
    namespaceSelector: { matchLabels: { tenant: name } },
    ...spec,
  });
}

async function getAccount(e: E2E, name: string) {
  return (await e.stack.kubeConfig.makeApiClient(CustomObjectsApi).getClusterCustomObject({
    group: "sagemaker.gitops.io",
    version: "v1alpha1",
    plural: "sagemakeraccounts",
    name,
  })) as {
    status?: { conditions?: Array<{ type: string; status: string; message: string }>; credentialsExpiry?: string };
  };
}

async function profile(e: E2E, ns: string, name: string, domainId: string, extra: Record<string, unknown> = {}) {
  await e.api.createNamespacedCustomObject({
    group: "sagemaker.gitops.io",
    version: "v1alpha1",
    plural: "sagemakeruserprofiles",
    namespace: ns,
    body: {
      apiVersion: "sagemaker.gitops.io/v1alpha1",
      kind: "SageMakerUserProfile",
      metadata: { name, namespace: ns },
      spec: {
        domainId,
        userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
        ...extra,
      },
    },
  });
}

const stalled = (o: SageMakerUserProfile | undefined) => {
  const c = condition(o, "Stalled");
  return c?.status === "True" ? c : undefined;
};

describe("many accounts and regions", () => {
  it("profiles in two accounts × two regions converge through assumed roles, each in its own account and region", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha", "sagemaker.gitops.io/account": "alpha" });
    await namespace(e, "team-b", { tenant: "beta", "sagemaker.gitops.io/account": "beta" });
    await account(e, "alpha", {});
    await account(e, "beta", {});
    for (const [ns, acct] of [
      ["team-a", "alpha"],
      ["team-b", "beta"],
    ] as const) {
      // One profile in the account's default region from the namespace label, one naming account and region.
      await profile(e, ns, `${acct}-east`, domainOf(acct, "us-east-1"));
      await profile(e, ns, `${acct}-west`, domainOf(acct, "eu-west-1"), {
        accountRef: { name: acct },
        region: "eu-west-1",
      });
    }
    for (const [ns, acct] of [
      ["team-a", "alpha"],
      ["team-b", "beta"],
    ] as const)
      for (const suffix of ["east", "west"])
        await waitFor(`${acct}-${suffix} Ready`, async () => isReady(await e.get(ns, `${acct}-${suffix}`)), 20_000);

    for (const [acct, id] of Object.entries(ACCOUNTS))
      for (const region of REGIONS) {
        const name = `${acct}-${region === "us-east-1" ? "east" : "west"}`;
        const stored = e.sagemaker.account(id, region).reader.getProfile(domainOf(acct, region), name);
        expect(stored?.userProfileArn).toBe(
          `arn:aws:sagemaker:${region}:${id}:user-profile/${domainOf(acct, region)}/${name}`,
        );
      }
    // Every create was signed with an assumed role's temporary key, in the profile's own account and region.
    const creates = e.sagemaker.mutations("CreateUserProfile");
    expect(creates).toHaveLength(4);
    for (const c of creates) {
      expect(c.caller).toMatch(/^ASIA/);
      expect(c.request.DomainId).toBe(domainOf(c.account === ACCOUNTS.alpha ? "alpha" : "beta", c.region));
    }
    // Nothing reached the hub account's own state.
    expect(e.sagemaker.store.profileCount()).toBe(0);
    // The SageMaker metrics carry the account and region.
    const metrics = await (await fetch(`http://127.0.0.1:${e.operator?.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /sagemaker_api_calls_total\{operation="CreateUserProfile",outcome="success",account="beta",region="eu-west-1"\} 1/,
    );
    expect(metrics).toMatch(/sagemaker_api_rate_limit\{account="alpha",region="us-east-1"\} \d/);
    const status = await getAccount(e, "alpha");
    expect(status.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True" });
    expect(Date.parse(status.status?.credentialsExpiry ?? "")).toBeGreaterThan(Date.now());
  });

  it("a role that cannot be assumed: the account and its profiles are Stalled naming the role, and recover when fixed", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha" });
    e.sagemaker.sts.setRole({ arn: roleOf(ACCOUNTS.alpha), trustedPrincipals: ["arn:aws:iam::999999999999:root"] });
    await account(e, "alpha", { default: true });
    await profile(e, "team-a", "carol", domainOf("alpha", "us-east-1"));
    const refused = await waitFor("carol Stalled", async () => stalled(await e.get("team-a", "carol")), 15_000);
    expect(refused.reason).toBe("AccountNotReady");
    expect(refused.message).toContain(`AssumeRole of ${roleOf(ACCOUNTS.alpha)} failed: AccessDenied`);
    expect(refused.message).toContain(
      `not authorized to perform: sts:AssumeRole on resource: ${roleOf(ACCOUNTS.alpha)}`,
    );
    const acct = await getAccount(e, "alpha");
    expect(acct.status?.conditions?.find((c) => c.type === "Stalled")).toMatchObject({ status: "True" });
    expect(e.sagemaker.requests().filter((r) => r.op !== "AssumeRole")).toEqual([]);

    // The platform team fixes the trust policy: the next account check succeeds and the profile converges.
    e.sagemaker.sts.setRole({ arn: roleOf(ACCOUNTS.alpha), trustedPrincipals: [HUB_USER], externalId: "ext-alpha" });
    await waitFor("carol Ready", async () => isReady(await e.get("team-a", "carol")), 20_000);
    expect(
      e.sagemaker.account(ACCOUNTS.alpha, "us-east-1").reader.getProfile(domainOf("alpha", "us-east-1"), "carol"),
    ).toBeDefined();
  });

  it("credentials that expire every few seconds are refreshed ahead of expiry: no call fails", async () => {
    const e = await start();
    e.sagemaker.sts.setCredentialLifetime(4);
    await namespace(e, "team-a", { tenant: "alpha" });
    await account(e, "alpha", { default: true });
    await profile(e, "team-a", "dave", domainOf("alpha", "us-east-1"));
    await waitFor("dave Ready", async () => isReady(await e.get("team-a", "dave")), 20_000);
    // Keep calling for three lifetimes: edits that each take a Describe, an Update and a poll.
    const started = Date.now();
    for (let i = 0; Date.now() - started < 12_000; i++) {
      const generation = await e.patch("team-a", "dave", {
        spec: {
          userSettings: {
            jupyterServerAppSettings: { defaultResourceSpec: { instanceType: i % 2 ? "ml.t3.medium" : "ml.t3.large" } },
          },
        },
      });
      await waitFor(
        `dave Ready at generation ${generation}`,
        async () => isReady(await e.get("team-a", "dave"), generation),
        10_000,
      );
    }
    const calls = e.sagemaker.calls();
    const failures = Object.entries(calls).flatMap(([op, outcomes]) =>
      Object.keys(outcomes)
        // The first Describe of a profile not created yet is the one expected miss.
        .filter((o) => o !== "ok" && !(op === "DescribeUserProfile" && o === "ResourceNotFound"))
        .map((o) => `${op}: ${o}`),
    );
    expect(failures).toEqual([]);
    expect(calls.AssumeRole?.ok ?? 0).toBeGreaterThanOrEqual(3);
    expect(calls.UpdateUserProfile?.ok ?? 0).toBeGreaterThanOrEqual(3);
  });

  it("a namespace the account does not select is refused with no AWS call", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha" });
    await namespace(e, "intruder", { "sagemaker.gitops.io/account": "alpha" });
    await account(e, "alpha", {});
    await profile(e, "team-a", "erin", domainOf("alpha", "us-east-1"), { accountRef: { name: "alpha" } });
    await waitFor("erin Ready", async () => isReady(await e.get("team-a", "erin")), 20_000);
    await profile(e, "intruder", "mallory", domainOf("alpha", "us-east-1"));
    await profile(e, "team-a", "frank", domainOf("alpha", "us-east-1"), {
      accountRef: { name: "alpha" },
      region: "ap-south-1",
    });
    await profile(e, "team-a", "grace", domainOf("alpha", "us-east-1"), { accountRef: { name: "gamma" } });
    const mallory = await waitFor("mallory Stalled", async () => stalled(await e.get("intruder", "mallory")), 15_000);
    expect(mallory).toMatchObject({ reason: "AccountNotAllowed" });
    expect(mallory.message).toContain(
      "SageMakerAccount alpha (label sagemaker.gitops.io/account of namespace intruder) does not allow namespace intruder",
    );
    const frank = await waitFor("frank Stalled", async () => stalled(await e.get("team-a", "frank")), 15_000);
    expect(frank).toMatchObject({ reason: "RegionNotAllowed" });
    const grace = await waitFor("grace Stalled", async () => stalled(await e.get("team-a", "grace")), 15_000);
    expect(grace).toMatchObject({ reason: "AccountNotFound" });
    const named = e.sagemaker
      .requests()
      .filter((r) => ["mallory", "frank", "grace"].includes(String(r.request.UserProfileName)));
    expect(named).toEqual([]);
  });

  it("a throttled account and region does not slow the others: each has its own client and limiter", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha", "sagemaker.gitops.io/account": "alpha" });
    await namespace(e, "team-b", { tenant: "beta", "sagemaker.gitops.io/account": "beta" });
    await account(e, "alpha", {});
    await account(e, "beta", {});
    // alpha's us-east-1 answers one call every 5 s; SageMaker throttles per account and region.
    e.sagemaker.account(ACCOUNTS.alpha, "us-east-1").admin.setThrottle({ rps: 0.2, burst: 1 });
    const names = ["p1", "p2", "p3"];
    for (const n of names) {
      await profile(e, "team-a", `a-${n}`, domainOf("alpha", "us-east-1"));
      await profile(e, "team-b", `b-${n}`, domainOf("beta", "us-east-1"));
    }
    for (const n of names) await waitFor(`b-${n} Ready`, async () => isReady(await e.get("team-b", `b-${n}`)), 20_000);
    // beta converged while alpha's profiles still wait for their throttled account and region.
    const alphaReady = await Promise.all(names.map(async (n) => isReady(await e.get("team-a", `a-${n}`))));
    expect(alphaReady.filter(Boolean).length).toBeLessThan(names.length);
    // alpha was throttled (its limiter slowed down), and every beta create was answered at its first attempt.
    const throttles = Object.values(e.sagemaker.calls()).reduce((n, o) => n + (o.ThrottlingException ?? 0), 0);
    expect(throttles).toBeGreaterThan(0);
    const betaCreates = e.sagemaker.mutations("CreateUserProfile").filter((m) => m.account === ACCOUNTS.beta);
    expect(betaCreates.map((m) => m.request.UserProfileName).sort()).toEqual(names.map((n) => `b-${n}`));
  });

  it("a throttled account's backlog does not hold the workers: another account converges while that backlog waits", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha", "sagemaker.gitops.io/account": "alpha" });
    await namespace(e, "team-b", { tenant: "beta", "sagemaker.gitops.io/account": "beta" });
    // alpha's us-east-1 allows one call every 10 s (SageMaker throttles it there too): its calls wait in its limiter.
    e.sagemaker.account(ACCOUNTS.alpha, "us-east-1").admin.setThrottle({ rps: 0.1, burst: 1 });
    await account(e, "alpha", { rateLimits: [{ region: "us-east-1", rps: 0.1, burst: 1 }] });
    await account(e, "beta", {});
    // A backlog in alpha three times the workers, queued before beta's profiles, which arrive once alpha's calls wait.
    const backlog = 3 * e.config.workers;
    for (let i = 0; i < backlog; i++) await profile(e, "team-a", `a-${i}`, domainOf("alpha", "us-east-1"));
    const alphaCalls = () => e.sagemaker.requests().filter((r) => r.account === ACCOUNTS.alpha);
    await waitFor("alpha's first call", () => alphaCalls().length > 0, 20_000);
    const names = ["b-1", "b-2", "b-3", "b-4", "b-5", "b-6"];
    for (const n of names) await profile(e, "team-b", n, domainOf("beta", "us-east-1"));
    // Before the fix, every worker waited in alpha's limiter and beta got one for each call alpha was granted (one
    // per 10 s): its six profiles needed minutes. Now they converge while alpha has made only a few calls.
    const allReady = async () =>
      (await Promise.all(names.map(async (n) => isReady(await e.get("team-b", n))))).every(Boolean);
    await waitFor("beta's profiles Ready", allReady, 40_000);
    const alphaCreated = e.sagemaker.mutations("CreateUserProfile").filter((m) => m.account === ACCOUNTS.alpha);
    expect(alphaCreated.length).toBeLessThanOrEqual(backlog / 2);
    expect(alphaCalls().length).toBeLessThan(names.length * 2);
  }, 90_000);

  it("spec.accountRef and spec.region are immutable", async () => {
    const e = await start();
    await namespace(e, "team-a", { tenant: "alpha" });
    await profile(e, "team-a", "heidi", domainOf("alpha", "us-east-1"), {
      accountRef: { name: "alpha" },
      region: "us-east-1",
    });
    await expect(e.patch("team-a", "heidi", { spec: { region: "eu-west-1" } })).rejects.toThrow(/region is immutable/);
    await expect(e.patch("team-a", "heidi", { spec: { accountRef: { name: "beta" } } })).rejects.toThrow(
      /accountRef is immutable/,
    );
  });
});
