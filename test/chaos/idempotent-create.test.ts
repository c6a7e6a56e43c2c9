/**
 * Issue #7, item 2: a crash or a lost answer between CreateUserProfile and the status write must neither create a
 * second profile nor fail forever. The operator runs as a `run` process that is SIGKILLed at that exact point.
 */
import { EventsV1Api } from "@kubernetes/client-node";
import { DEMO_DOMAIN, type LocalStack, startLocalStack } from "@sagemaker-profile-operator/local-stack/stack";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { type OperatorProcess, startOperatorProcess, stopProcess } from "../support/operator-process.js";
import { waitFor } from "../support/wait.js";
import { Cluster, isReadyAtLatest, NAMESPACE } from "./cluster.js";

let stack: LocalStack;
let cluster: Cluster;
const processes: OperatorProcess[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200 } } });
  await stack.ensureNamespaces([NAMESPACE]);
  cluster = new Cluster(stack);
});
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => stopProcess(p)));
  stack.sagemaker.admin.clearFaults();
});
afterAll(() => stack?.close());

const creates = (name: string) =>
  stack.sagemaker.mutations("CreateUserProfile").filter((m) => m.request.UserProfileName === name);
const get = async (name: string) =>
  (await cluster.list()).find((o) => o.metadata.name === name) as SageMakerUserProfile | undefined;
const operator = (name: string) => {
  const p = startOperatorProcess(stack, { name });
  processes.push(p);
  return p;
};

describe("idempotent create", () => {
  it("a process killed after CreateUserProfile took effect and before the status write: the next one adopts, no second create", async () => {
    // SageMaker creates the profile at once but answers only after 20 s: the kill lands in that window.
    stack.sagemaker.admin.injectFault({ op: "CreateUserProfile", latencyMs: 20_000, phase: "after", count: 1 });
    const first = operator("op-first");
    await first.started;
    await cluster.create("crash");
    await waitFor("CreateUserProfile accepted", () => creates("crash").length === 1, 60_000);
    await stopProcess(first);
    // The status never recorded the create.
    expect((await get("crash"))?.status?.userProfileArn).toBeUndefined();

    const second = operator("op-second");
    await second.started;
    const ready = await waitFor(
      "Ready after restart",
      async () => {
        const obj = await get("crash");
        return obj && isReadyAtLatest(obj) ? obj : undefined;
      },
      60_000,
    );
    expect(creates("crash")).toHaveLength(1);
    expect(creates("crash")[0]?.caller).toBe("op-first");
    const arn = stack.sagemaker.store.getProfile(DEMO_DOMAIN, "crash")?.userProfileArn;
    expect(ready.status?.userProfileArn).toBe(arn);
    expect(ready.status?.ownedBy).toBe(`chaos/${NAMESPACE}/crash`);
  }, 120_000);

  it("a create whose answer is lost (the SDK's retry gets ResourceInUse) is adopted at once, not backed off as busy", async () => {
    const p = operator("op-lost");
    await p.started;
    stack.sagemaker.admin.injectFault({ op: "CreateUserProfile", drop: true, phase: "after", count: 1 });
    await cluster.create("lost");
    await waitFor(
      "Ready",
      async () => {
        const obj = await get("lost");
        return obj && isReadyAtLatest(obj);
      },
      60_000,
    );
    expect(creates("lost")).toHaveLength(1);
    expect(stack.sagemaker.calls().CreateUserProfile).toMatchObject({ droppedAfter: 1, ResourceInUse: 1 });
    // The user never sees the profile reported busy. A graceful stop flushes every event the process recorded.
    await stopProcess(p, "SIGTERM");
    const events = await stack.kubeConfig.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: NAMESPACE });
    const reasons = events.items.filter((e) => e.regarding?.name === "lost").map((e) => e.reason);
    expect(reasons).not.toContain("ResourceInUse");
  }, 120_000);

  it("a status write that fails after the create: the retry adopts the profile instead of creating it again", async () => {
    const p = operator("op-status");
    await p.started;
    stack.kube.faults.failNext({ verb: "patch", path: /\/namespaces\/chaos\/.*\/status$/, status: 500, count: 3 });
    await cluster.create("status");
    await waitFor(
      "Ready",
      async () => {
        const obj = await get("status");
        return obj && isReadyAtLatest(obj);
      },
      60_000,
    );
    expect(creates("status")).toHaveLength(1);
  }, 120_000);
});
