/**
 * A spoke's profile whose only SageMakerAccount is deleted. With no SageMakerAccount left the account decision is the
 * operator's own identity (the hub, arn:aws:iam::123456789012:user/local), but the profile's ARN names the spoke: it
 * must not be described, created or deleted in the hub, which has a domain of the same id here (a create there would
 * succeed). It is Stalled PinnedAccountNotFound instead, and converges again in the spoke once an account for the
 * spoke is applied again.
 */
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { applyAccount } from "../support/account.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";
import { ALPHA, ALPHA_ACCOUNT, DOMAIN, HUB, spokeWorld } from "./spoke.js";

const RESYNC_MS = 1_000;
const ARN = `arn:aws:sagemaker:us-east-1:${ALPHA}:user-profile/${DOMAIN}/alice`;
/** What the hub's identity may call: STS (its own GetCallerIdentity, the spoke's AssumeRole). */
const STS_OPS = new Set(["AssumeRole", "GetCallerIdentity"]);

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const stalled = (o: SageMakerUserProfile | undefined) => {
  const c = condition(o, "Stalled");
  return c?.status === "True" ? c : undefined;
};

describe("the only SageMakerAccount of a spoke's profile deleted", () => {
  it("the profile is Stalled PinnedAccountNotFound with nothing done in the hub, and recovers when the account is back", async () => {
    // The List resync every second: it must not list the hub's domain of the same id for this profile either.
    const e = await startE2E({ operator: (c) => (c.resyncPeriodMs = RESYNC_MS) });
    e2e = e;
    await spokeWorld(e);
    await applyAccount(e.stack.kubeConfig, "alpha", ALPHA_ACCOUNT);
    const spec: SageMakerUserProfile["spec"] = {
      domainId: DOMAIN,
      userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
    };
    await e.create("team-a", "alice", spec);
    const ready = await waitFor("alice Ready in alpha", async () => {
      const p = await e.get("team-a", "alice");
      return isReady(p) ? p : undefined;
    });
    expect(ready.status?.userProfileArn).toBe(ARN);

    const before = e.sagemaker.requests().length;
    await e.stack.kubeConfig.makeApiClient(CustomObjectsApi).deleteClusterCustomObject({
      group: "sagemaker.gitops.io",
      version: "v1alpha1",
      plural: "sagemakeraccounts",
      name: "alpha",
    });
    // The deletion re-enqueues the profile; an edit asks for a create-or-update as well.
    const c = await waitFor("alice Stalled PinnedAccountNotFound", async () => {
      const s = stalled(await e.get("team-a", "alice"));
      return s?.reason === "PinnedAccountNotFound" ? s : undefined;
    });
    expect(c.message).toBe(
      `the profile exists as ${ARN}, in account ${ALPHA}, and no SageMakerAccount declares that account: the operator's own identity (account ${HUB}) is not used for it; apply a SageMakerAccount with accountId ${ALPHA}`,
    );
    await e.patch("team-a", "alice", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } } },
    });
    await waitFor("the edit seen, still refused", async () => {
      const p = await e.get("team-a", "alice");
      return p.status?.observedGeneration === p.metadata.generation && stalled(p)?.reason === "PinnedAccountNotFound";
    });
    await new Promise((r) => setTimeout(r, 2 * RESYNC_MS)); // a resync's List of the hub's domain would show here
    // Nothing about the profile with the hub's identity, and no profile in the hub's domain of the same id.
    const hubCalls = e.sagemaker
      .requests()
      .slice(before)
      .filter((r) => r.account === HUB && !STS_OPS.has(r.op));
    expect(
      hubCalls.map(
        (r) =>
          `${r.op} ${String(r.request.UserProfileName ?? r.request.ResourceArn ?? r.request.DomainIdEquals ?? "")}`,
      ),
    ).toEqual([]);
    expect(e.sagemaker.store.profileCount()).toBe(0);

    // The account is back: the profile converges in alpha, the edit with it.
    await applyAccount(e.stack.kubeConfig, "alpha", ALPHA_ACCOUNT);
    const back = await waitFor("alice Ready in alpha again", async () => {
      const p = await e.get("team-a", "alice");
      return isReady(p, p.metadata.generation) ? p : undefined;
    });
    expect(back.status?.userProfileArn).toBe(ARN);
    const alpha = e.sagemaker.account(ALPHA, "us-east-1").reader;
    expect(alpha.profileCount()).toBe(1);
    expect(alpha.describeProfile(DOMAIN, "alice")).toMatchObject({
      UserSettings: { JupyterServerAppSettings: { DefaultResourceSpec: { InstanceType: "ml.t3.large" } } },
    });
    expect(e.sagemaker.store.profileCount()).toBe(0);
  });

  it("without any SageMakerAccount and no answer from STS, an existing profile waits AccountPending and is not written", async () => {
    // STS unreachable (nothing listens on the discard port): the operator cannot learn its own account.
    const e = await startE2E({ operator: (c) => (c.aws.stsEndpoint = "http://127.0.0.1:9") });
    e2e = e;
    await e.stack.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: "team-b" } } });
    await e.create("team-b", "bob", {
      domainId: DEMO_DOMAIN,
      userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
    });
    // A new profile needs no comparison (nothing pins it): created with the operator's own identity as always.
    await waitFor("bob created", async () => e.describe("bob"));
    const pending = await waitFor("bob AccountPending", async () => {
      const c = condition(await e.get("team-b", "bob"), "Reconciling");
      return c?.reason === "AccountPending" ? c : undefined;
    });
    expect(pending.message).toMatch(
      /^the profile exists as arn:aws:sagemaker:us-east-1:123456789012:user-profile\/[^ ]+\/bob and no SageMakerAccount exists: the operator's own account is not known yet \(GetCallerIdentity failed: /,
    );
    await e.patch("team-b", "bob", {
      spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.large" } } } },
    });
    await waitFor("the edit seen, still pending", async () => {
      const p = await e.get("team-b", "bob");
      return (
        p.status?.observedGeneration === p.metadata.generation &&
        condition(p, "Reconciling")?.reason === "AccountPending"
      );
    });
    expect(e.sagemaker.requests().filter((r) => r.op === "UpdateUserProfile")).toEqual([]);
  });
});
