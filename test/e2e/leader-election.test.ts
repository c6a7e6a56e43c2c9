/**
 * Two operator processes (`run --leader-elect`, as in a Deployment with replicas: 2) against one local cluster:
 * only the leader reconciles, the follower keeps its cache warm, and a SIGKILLed leader is replaced within the lease.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { type LocalStack, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { type OperatorProcess, startOperatorProcess } from "../support/operator-process.js";
import { waitFor } from "../support/wait.js";
import { EXAMPLES } from "./harness.js";

const LEASE_MS = 3000;
let stack: LocalStack;
const processes: OperatorProcess[] = [];

function startOperator(name: string): OperatorProcess {
  const p = startOperatorProcess(stack, {
    name,
    leaderElection: { leaseMs: LEASE_MS, renewDeadlineMs: 2000, retryPeriodMs: 250 },
    flags: ["--cluster-id=e2e", "--metrics-bind-address=127.0.0.1:0", "--health-probe-bind-address=127.0.0.1:0"],
  });
  processes.push(p);
  return p;
}

const becameLeader = (p: OperatorProcess) => p.logs.find((l) => l.msg === "became leader; starting workers");
const scrape = async (p: OperatorProcess) => (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
const sagemakerCalls = (metrics: string) =>
  metrics
    .split("\n")
    .filter((l) => l.startsWith("sagemaker_api_calls_total{"))
    .reduce((n, l) => n + Number(l.split(" ").at(-1)), 0);

beforeAll(async () => {
  stack = await startLocalStack({ sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200 } } });
  await stack.apply([EXAMPLES]);
});
afterAll(async () => {
  for (const p of processes) p.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  await stack?.close();
});

describe("leader election with two operator processes", () => {
  it("lets only the leader reconcile; the follower keeps a warm cache and makes no SageMaker call", async () => {
    const a = startOperator("operator-a");
    await waitFor("operator-a leads", () => becameLeader(a), 60_000);
    const b = startOperator("operator-b");
    await waitFor("operator-b started", () => b.metricsPort, 60_000);
    const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
    await waitFor(
      "all examples Ready",
      async () => {
        const list = (await api.listClusterCustomObject({
          group: "sagemaker.gitops.io",
          version: "v1alpha1",
          plural: "sagemakeruserprofiles",
        })) as { items: SageMakerUserProfile[] };
        return (
          list.items.length === 5 &&
          list.items.every((o) => o.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        );
      },
      60_000,
    );
    expect(becameLeader(b)).toBeUndefined();
    const [ma, mb] = await Promise.all([scrape(a), scrape(b)]);
    expect(ma).toMatch(/leader_election_master_status\{name="sagemaker-profile-operator"\} 1/);
    expect(mb).toMatch(/leader_election_master_status\{name="sagemaker-profile-operator"\} 0/);
    expect(sagemakerCalls(ma)).toBeGreaterThan(0);
    expect(sagemakerCalls(mb)).toBe(0);
    // The follower is ready (its informer cache is synced), so it can take over at once.
    expect((await fetch(`http://127.0.0.1:${b.healthPort}/readyz`)).status).toBe(200);
  }, 180_000);

  it("hands over within the lease duration when the leader is SIGKILLed, and the new leader reconciles", async () => {
    const [a, b] = processes as [OperatorProcess, OperatorProcess];
    a.child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor("operator-b leads", () => becameLeader(b), 30_000, 20);
    const takeoverMs = Date.now() - killedAt;
    // The lease must expire on b's clock (3 s) and b retries every 250 ms (jittered up to 2.2x): well under 3 s + 1.5 s.
    expect(takeoverMs).toBeLessThan(LEASE_MS + 1500);
    const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
    await api.patchNamespacedCustomObject(
      {
        group: "sagemaker.gitops.io",
        version: "v1alpha1",
        plural: "sagemakeruserprofiles",
        namespace: "team-a",
        name: "bob",
        body: {
          spec: {
            userSettings: { kernelGatewayAppSettings: { defaultResourceSpec: { instanceType: "ml.m5.2xlarge" } } },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await waitFor(
      "bob updated by the new leader",
      () =>
        (
          stack.sagemaker.store.describeProfile("d-demo00000001", "bob") as {
            UserSettings?: { KernelGatewayAppSettings?: { DefaultResourceSpec?: { InstanceType?: string } } };
          }
        )?.UserSettings?.KernelGatewayAppSettings?.DefaultResourceSpec?.InstanceType === "ml.m5.2xlarge",
      30_000,
    );
    expect(sagemakerCalls(await scrape(b))).toBeGreaterThan(0);
  }, 120_000);

  it("releases the lease on SIGTERM so a new process leads at once", async () => {
    const b = processes[1] as OperatorProcess;
    const c = startOperator("operator-c");
    await waitFor("operator-c started", () => c.metricsPort, 60_000);
    b.child.kill("SIGTERM");
    const stoppedAt = Date.now();
    expect(await b.exited).toBe(0);
    await waitFor("operator-c leads", () => becameLeader(c), 30_000, 20);
    // Released, not expired: faster than a lease duration.
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS);
  }, 120_000);
});
