/**
 * The first SageMakerAccount and the profiles it should serve, applied together. The operator's profile and account
 * watches are separate streams with no order between them, so a profile's event may arrive before the account's: the
 * operator must not take that for "no account" and create the profile with its own identity (the hub,
 * arn:aws:iam::123456789012:user/local). The hub has a domain of the same id here, so such a create would succeed
 * there and pin the profile to the wrong account. The local API server holds the accounts' watch events back
 * (`delayWatches`, a lagging watch cache) so that the profiles' events come first every time, as they did for 4 of 12
 * profiles applied with their account in one go before the guard.
 */
import { afterEach, describe, expect, it } from "vitest";
import { applyAccount } from "../support/account.js";
import { waitFor } from "../support/wait.js";
import { condition, type E2E, isReady, startE2E } from "./harness.js";
import { ALPHA, ALPHA_ACCOUNT, DOMAIN, HUB, spokeWorld } from "./spoke.js";

const LAG_MS = 3_000;

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

describe("the first SageMakerAccount and its profiles applied together", () => {
  it("every profile waits for the account and is created in its world; the hub sees no call", async () => {
    const e = await startE2E();
    e2e = e;
    await spokeWorld(e);

    e.kube.faults.delayWatches("sagemakeraccounts", LAG_MS);
    await applyAccount(e.stack.kubeConfig, "alpha", ALPHA_ACCOUNT);
    const names = Array.from({ length: 12 }, (_, i) => `p-${i}`);
    await Promise.all(
      names.map((name) =>
        e.create("team-a", name, {
          domainId: DOMAIN,
          userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
        }),
      ),
    );
    // The operator has the profiles and not yet the account: they wait, saying why.
    const pending = await waitFor(
      "p-0 AccountPending",
      async () => {
        const c = condition(await e.get("team-a", "p-0"), "Reconciling");
        return c?.reason === "AccountPending" ? c : undefined;
      },
      LAG_MS - 500,
    );
    expect(pending.message).toBe(
      "SageMakerAccount alpha exists, and the operator's account cache has not received it yet",
    );

    const profiles = await Promise.all(
      names.map((name) =>
        waitFor(`${name} Ready`, async () => e.get("team-a", name).then((p) => (isReady(p) ? p : undefined)), 20_000),
      ),
    );
    expect(profiles.map((p) => p.status?.userProfileArn)).toEqual(
      names.map((name) => `arn:aws:sagemaker:us-east-1:${ALPHA}:user-profile/${DOMAIN}/${name}`),
    );
    expect(e.sagemaker.account(ALPHA, "us-east-1").reader.profileCount()).toBe(names.length);
    // Not one SageMaker call with the hub's identity (its STS AssumeRole aside), and nothing in the hub's world.
    const hubCalls = e.sagemaker.requests().filter((r) => r.account === HUB && r.op !== "AssumeRole");
    expect(hubCalls.map((r) => `${r.op} ${String(r.request.UserProfileName ?? "")}`)).toEqual([]);
    expect(e.sagemaker.store.profileCount()).toBe(0);
  });
});
