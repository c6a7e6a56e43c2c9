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
import { applyAccount } from "../support/account.js";
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
    await applyAccount(stack.kubeConfig, name, {
      accountId: id,
      roleArn: roleOf(id),
      regions: [...REGIONS],
      defaultRegion: "us-east-1",
      namespaceSelector: { matchLabels: { tenant: name } },
    });
  }
});
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  await stack?.close();
});

/**
 * A profile per account×region; those in the default region name neither account nor region (the namespace's label
 * and the account's defaultRegion give them), so their shard is known only once the account was checked.
 */
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
            ...(region === "us-east-1" ? {} : { accountRef: { name: acct }, region }),
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
          flags: ["--shards", "--cluster-id=e2e", "--metrics-bind-address=127.0.0.1:0"],
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

    // Each replica's /metrics names the shard Leases it holds: one leader_election_master_status 1 per held shard.
    for (const p of processes) {
      const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
      const heldLeases = text
        .split("\n")
        .filter((l) => /^leader_election_master_status\{name="[^"]*-shard-[^"]*"\} 1$/.test(l));
      expect(heldLeases, text).toHaveLength(heldBy(p).size);
    }

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

    // Every request about a profile was made by a replica during one of its terms on the profile's shard (callers
    // told apart by their assumed-role session, which ends with the replica's name), and a shard's terms of
    // different replicas never overlap: no profile was handled by two replicas at once.
    const processOf = new Map(
      stack.sagemaker.sts.sessions().map((s) => [s.accessKeyId, REPLICAS.find((r) => s.arn.endsWith(`-${r}`))]),
    );
    const accountName = new Map<string, string>(Object.entries(ACCOUNTS).map(([name, id]) => [id, name]));
    const termsOf = (p: OperatorProcess) => {
      const terms: Array<{ shard: string; from: number; to: number }> = [];
      const open = new Map<string, number>();
      for (const l of p.logs) {
        if (l.msg === "shard acquired; enqueuing its profiles") open.set(l.shard as string, l.time as number);
        if (l.msg === "shard released" && open.has(l.shard as string)) {
          terms.push({ shard: l.shard as string, from: open.get(l.shard as string) as number, to: l.time as number });
          open.delete(l.shard as string);
        }
      }
      for (const [shard, from] of open) terms.push({ shard, from, to: p === victim ? killedAt : Date.now() });
      return terms;
    };
    const terms = new Map(processes.map((p) => [p.name, termsOf(p)]));
    for (const shard of SHARDS) {
      const all = [...terms].flatMap(([name, ts]) => ts.filter((t) => t.shard === shard).map((t) => ({ name, ...t })));
      all.sort((a, b) => a.from - b.from);
      for (let i = 1; i < all.length; i++)
        expect(all[i]?.from, `${shard}: ${JSON.stringify(all)}`).toBeGreaterThanOrEqual(all[i - 1]?.to as number);
    }
    const outside: string[] = [];
    let handled = 0;
    for (const r of stack.sagemaker.requests()) {
      if (typeof r.request.UserProfileName !== "string") continue;
      handled++;
      const name = processOf.get(r.caller);
      const shard = `${accountName.get(r.account)}/${r.region}`;
      const inTerm = (terms.get(name ?? "") ?? []).some((t) => t.shard === shard && t.from <= r.at && r.at <= t.to);
      if (!inTerm) outside.push(`${r.at} ${r.op} ${String(r.request.UserProfileName)} by ${name ?? r.caller}`);
    }
    expect(handled).toBeGreaterThan(first.length + second.length);
    expect(outside).toEqual([]);
    // More than one replica made the calls, each told apart by its session (all mapped, or `outside` lists them).
    const callers = new Set(
      stack.sagemaker
        .requests()
        .filter((r) => typeof r.request.UserProfileName === "string")
        .map((r) => processOf.get(r.caller)),
    );
    expect(callers.size).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
