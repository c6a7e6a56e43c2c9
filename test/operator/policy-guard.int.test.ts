/**
 * The operator's PolicyGuard against the local API server: it remembers allowed decisions (the reconciler asks at
 * every reconcile), so what a user changes must still change the answer at once: a tightened policy, a new spec
 * (generation), the namespace's labels a selector reads.
 */
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { PolicyGuard } from "../../src/operator/policy.js";
import { type Cluster, createProfile, ensureNamespace, PROFILES, startCluster } from "../kube/local.js";
import { applyPolicy } from "../support/policy.js";
import { waitFor } from "../support/wait.js";

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent } as never;
const ROLE = "arn:aws:iam::123456789012:role/team-a-studio";

let c: Cluster;
let guard: PolicyGuard;
const stop = new AbortController();

beforeAll(async () => {
  c = await startCluster();
  await ensureNamespace(c, "team-a");
  guard = new PolicyGuard({ kubeConfig: c.kubeConfig, log: silent, partition: "aws", profiles: () => [] });
  guard.start(stop.signal);
  await waitFor("policy caches", async () => guard.isReady() || undefined);
});
afterAll(async () => {
  stop.abort();
  await c?.close();
});

const read = async (name: string) =>
  (await c.customObjects.getNamespacedCustomObject({ ...PROFILES, namespace: "team-a", name })) as SageMakerUserProfile;

/** Waits until the guard's caches have seen a change, then asks again. */
const decisionBecomes = (name: string, allowed: boolean | "unknown") =>
  waitFor(`${name} allowed=${allowed}`, async () => {
    const d = guard.decide(await read(name));
    return d.allowed === allowed ? d : undefined;
  });

describe("PolicyGuard", () => {
  it("an allowed resource is refused once the policy is tightened, and allowed again once loosened", async () => {
    await applyPolicy(c.kubeConfig, "team-a", {
      namespaces: ["team-a"],
      executionRoles: ["arn:aws:iam::*:role/team-a-*"],
    });
    await createProfile(c.customObjects, "team-a", "alice", { spec: { userSettings: { executionRole: ROLE } } });
    const first = await decisionBecomes("alice", true);
    expect(first).toMatchObject({ policies: ["team-a"] });
    expect(guard.decide(await read("alice"))).toEqual(first);
    await applyPolicy(c.kubeConfig, "team-a", {
      namespaces: ["team-a"],
      executionRoles: ["arn:aws:iam::*:role/other"],
    });
    await decisionBecomes("alice", false);
    await applyPolicy(c.kubeConfig, "team-a", {
      namespaces: ["team-a"],
      executionRoles: ["arn:aws:iam::*:role/team-a-*"],
    });
    await decisionBecomes("alice", true);
  });

  it("a spec edit that breaks the policy is refused although the resource was allowed before", async () => {
    await createProfile(c.customObjects, "team-a", "bob", { spec: { userSettings: { executionRole: ROLE } } });
    await decisionBecomes("bob", true);
    await c.customObjects.patchNamespacedCustomObject(
      {
        ...PROFILES,
        namespace: "team-a",
        name: "bob",
        body: { spec: { userSettings: { executionRole: "arn:aws:iam::123456789012:role/admin" } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const refused = guard.decide(await read("bob"));
    expect(refused.allowed).toBe(false);
  });

  it("follows the namespace's labels a selector reads", async () => {
    await applyPolicy(c.kubeConfig, "labelled", {
      namespaceSelector: { matchLabels: { tier: "locked" } },
      executionRoles: ["arn:aws:iam::*:role/none"],
    });
    await createProfile(c.customObjects, "team-a", "carol", { spec: { userSettings: { executionRole: ROLE } } });
    await decisionBecomes("carol", true);
    await c.kubeConfig
      .makeApiClient(CoreV1Api)
      .patchNamespace(
        { name: "team-a", body: { metadata: { labels: { tier: "locked" } } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    await decisionBecomes("carol", false);
  });
});
