/**
 * Three operator processes with `--shards` against one local stack: the accounts×regions are split between them by
 * one Lease per shard, a SIGKILLed replica's shards move to the others within the lease duration, every profile
 * converges, and the emulator's request log (each process signs with its own assumed-role keys) shows no profile
 * handled by two replicas at overlapping times.
 */
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { type LocalStack, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { type OperatorProcess, startOperatorProcess } from "../support/operator-process.js";
import { waitFor } from "../support/wait.js";
import { isReady } from "./harness.js";

const LEASE_MS = 3_000;
const REPLICAS = ["shard-a", "shard-b", "shard-c"];
const ACCOUNTS = { alpha: "111111111111", beta: "222222222222" } as const;
const REGIONS = ["us-east-1", "eu-west-1"] as const;
const SHARDS = ["", ...Object.keys(ACCOUNTS).flatMap((a) => REGIONS.map((r) => `${a}/${r}`))];
const roleOf = (id: string) => `arn:aws:iam::${id}:role/sagemaker-profile-operator`;
const domainOf = (name: string, region: string) => `d-${name}${region.replace(/-/g, "")}`;
const GROUP = { group: "sagemaker.gitops.io", version: "v1alpha1" };

let stack: LocalStack;
const processes: OperatorProcess[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200 } } });
  const core = stack.kubeConfig.makeApiClient(CoreV1Api);
  const custom = stack.kubeConfig.makeApiClient(CustomObjectsApi);
  for (const [name, id] of Object.entries(ACCOUNTS)) {
    // Each process signs as its own user (its name): every one of them may assume the spoke role.
    stack.sagemaker.sts.setRole({
      arn: roleOf(id),
      trustedPrincipals: REPLICAS.map((r) => `arn:aws:iam::123456789012:user/${r}`),
    });
    for (const region of REGIONS)
      stack.sagemaker.account(id, region).admin.createDomain({
        domainId: domainOf(name, region),
        defaultUserSettings: { ExecutionRole: `arn:aws:iam::${id}:role/studio` },
      });
    await core.createNamespace({
      body: { metadata: { name: `team-${name}`, labels: { tenant: name, "sagemaker.gitops.io/account": name } } },
    });
    await custom.createClusterCustomObject({
      ...GROUP,
      plural: "sagemakeraccounts",
      body: {
        apiVersion: "sagemaker.gitops.io/v1alpha1",
        kind: "SageMakerAccount",
        metadata: { name },
        spec: {
          accountId: id,
          roleArn: roleOf(id),
          regions: [...REGIONS],
          defaultRegion: "us-east-1",
          namespaceSelector: { matchLabels: { tenant: name } },
        },
      },
    });
  }
});
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  await stack?.close();
});

async function createProfiles(suffix: string): Promise<string[]> {
  const custom = stack.kubeConfig.makeApiClient(CustomObjectsApi);
  const names: string[] = [];
  for (const acct of Object.keys(ACCOUNTS))
    for (const region of REGIONS) {
      const name = `${acct}-${region}-${suffix}`;
      names.push(`team-${acct}/${name}`);
      await custom.createNamespacedCustomObject({
        ...GROUP,
        plural: "sagemakeruserprofiles",
        namespace: `team-${acct}`,
        body: {
          apiVersion: "sagemaker.gitops.io/v1alpha1",
          kind: "SageMakerUserProfile",
          metadata: { name },
          spec: {
            domainId: domainOf(acct, region),
            accountRef: { name: acct },
            region,
            userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
          },
        },
      });
    }
  return names;
}

async function allReady(keys: string[]): Promise<boolean> {
  const custom = stack.kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await custom.listClusterCustomObject({ ...GROUP, plural: "sagemakeruserprofiles" })) as {
    items: SageMakerUserProfile[];
  };
  const ready = new Set(list.items.filter((o) => isReady(o)).map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  return keys.every((k) => ready.has(k));
}

/** The shards a process holds, from its log: acquisitions and releases in order, with when each happened. */
function heldBy(p: OperatorProcess): Map<string, number> {
  const held = new Map<string, number>();
  for (const l of p.logs) {
    if (l.msg === "shard acquired; enqueuing its profiles") held.set(l.shard as string, l.time as number);
    if (l.msg === "shard released") held.delete(l.shard as string);
  }
  return held;
}

describe("replicas that split the accounts×regions", () => {
  it("split the shards, move a killed replica's within the lease, converge, and never handle a profile twice at once", async () => {
    const first = await createProfiles("one");
    for (const name of REPLICAS)
      processes.push(
        startOperatorProcess(stack, {
          name,
          leaderElection: { leaseMs: LEASE_MS, renewDeadlineMs: 2_000, retryPeriodMs: 250 },
          flags: ["--shards", "--cluster-id=e2e"],
        }),
      );
    await waitFor("all profiles Ready", () => allReady(first), 90_000);
    await waitFor(
      "every shard held once, each replica within ceil(5 / 3) = 2",
      () => {
        const held = processes.map(heldBy);
        return (
          SHARDS.every((s) => held.filter((h) => h.has(s)).length === 1) &&
          held.every((h) => h.size >= 1 && h.size <= 2)
        );
      },
      30_000,
    );

    // Kill a replica holding an account's shard; its shards move to the others within the lease (+ a few seconds).
    const victim = processes.find((p) => [...heldBy(p).keys()].some((s) => s !== "")) as OperatorProcess;
    const moved = [...heldBy(victim).keys()];
    victim.kill("SIGKILL");
    await victim.exited;
    const killedAt = Date.now();
    const rest = processes.filter((p) => p !== victim);
    await waitFor(
      "the killed replica's shards held by the others",
      () => moved.every((s) => rest.some((p) => heldBy(p).has(s))),
      LEASE_MS + 10_000,
    );
    for (const s of moved) {
      const at = Math.min(...rest.map((p) => heldBy(p).get(s) ?? Number.POSITIVE_INFINITY));
      expect(at - killedAt).toBeLessThan(LEASE_MS + 5_000);
    }

    // New profiles in every account×region converge with two replicas left.
    const second = await createProfiles("two");
    await waitFor("all profiles Ready after the kill", () => allReady([...first, ...second]), 60_000);

    // No profile's requests from two callers (each process has its own assumed-role keys) at overlapping times.
    const spans = new Map<string, Map<string, { from: number; to: number }>>();
    for (const r of stack.sagemaker.requests()) {
      const profile = r.request.UserProfileName;
      if (typeof profile !== "string") continue;
      const key = `${r.account}/${r.region}/${String(r.request.DomainId)}/${profile}`;
      const byCaller = spans.get(key) ?? new Map<string, { from: number; to: number }>();
      spans.set(key, byCaller);
      const span = byCaller.get(r.caller);
      byCaller.set(r.caller, span ? { from: span.from, to: Math.max(span.to, r.at) } : { from: r.at, to: r.at });
    }
    expect(spans.size).toBe(first.length + second.length);
    const overlaps: string[] = [];
    for (const [key, byCaller] of spans) {
      const list = [...byCaller.values()].sort((a, b) => a.from - b.from);
      for (let i = 1; i < list.length; i++)
        if ((list[i] as { from: number }).from <= (list[i - 1] as { to: number }).to) overlaps.push(key);
    }
    expect(overlaps).toEqual([]);
    // The moved shards' profiles were handled by more than one replica over the test: the log can tell them apart.
    expect([...spans.values()].some((byCaller) => byCaller.size > 1)).toBe(true);
  }, 240_000);
});
