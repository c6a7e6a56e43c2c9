/**
 * The first SageMakerAccount and the profiles it should serve, created at the same instant. The operator's profile and
 * account watches are separate streams with no order between them, so a profile's event may arrive before the
 * account's: the operator must not take that for "no account" and create the profile with its own identity (the hub,
 * arn:aws:iam::123456789012:user/local). The hub has a domain of the same id here, so such a create would succeed
 * there and pin the profile to the wrong account.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { applyAccount } from "../support/account.js";
import { waitFor } from "../support/wait.js";
import { condition, type E2E, isReady, startE2E } from "./harness.js";

const HUB = "123456789012";
const HUB_USER = `arn:aws:iam::${HUB}:user/local`;
const ALPHA = "111111111111";
const ROLE = `arn:aws:iam::${ALPHA}:role/sagemaker-profile-operator`;
const DOMAIN = "d-alphauseast1";
const ROUNDS = 3;
const PROFILES = 12;

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const settled = (o: SageMakerUserProfile | undefined) =>
  isReady(o) || condition(o, "Stalled")?.status === "True" ? o : undefined;

describe("the first SageMakerAccount and its profiles created together", () => {
  it("every profile is created in the account's world, none with the operator's own identity", async () => {
    const raced: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await e2e?.close();
      const e = await startE2E();
      e2e = e;
      e.sagemaker.sts.setRole({ arn: ROLE, trustedPrincipals: [HUB_USER] });
      for (const world of [e.sagemaker.account(ALPHA, "us-east-1").admin, e.sagemaker.admin])
        world.createDomain({
          domainId: DOMAIN,
          defaultUserSettings: { ExecutionRole: `arn:aws:iam::${ALPHA}:role/x` },
        });
      await e.stack.kubeConfig
        .makeApiClient(CoreV1Api)
        .createNamespace({ body: { metadata: { name: "team-a", labels: { tenant: "alpha" } } } });
      const names = Array.from({ length: PROFILES }, (_, i) => `p-${round}-${i}`);
      // The account and every profile at once: some profile events reach the operator before the account's.
      await Promise.all([
        applyAccount(e.stack.kubeConfig, "alpha", {
          accountId: ALPHA,
          roleArn: ROLE,
          regions: ["us-east-1"],
          default: true,
          namespaceSelector: { matchLabels: { tenant: "alpha" } },
        }),
        ...names.map((name) =>
          e.create("team-a", name, {
            domainId: DOMAIN,
            userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
          }),
        ),
      ]);
      const profiles = await Promise.all(
        names.map((name) =>
          waitFor(`${name} Ready or Stalled`, async () => settled(await e.get("team-a", name)), 20_000),
        ),
      );
      expect(profiles.map((p) => [p.metadata.name, p.status?.userProfileArn])).toEqual(
        names.map((name) => [name, `arn:aws:sagemaker:us-east-1:${ALPHA}:user-profile/${DOMAIN}/${name}`]),
      );
      expect(profiles.every((p) => isReady(p))).toBe(true);
      // Not one SageMaker call with the hub's identity (its STS AssumeRole aside), and nothing in the hub's world.
      const hubCalls = e.sagemaker.requests().filter((r) => r.account === HUB && r.op !== "AssumeRole");
      expect(hubCalls.map((r) => `${r.op} ${String(r.request.UserProfileName ?? "")}`)).toEqual([]);
      expect(e.sagemaker.store.profileCount()).toBe(0);
      // Lists of SageMakerAccounts besides the account cache's first: profiles reconciled while that cache was empty.
      const lists = e.kube.requestLog().filter((r) => r.verb === "list" && r.resource === "sagemakeraccounts");
      raced.push(lists.length - 1);
    }
    // The race this is about happened: profiles were reconciled before the account cache had the account.
    expect(raced.some((n) => n > 0)).toBe(true);
  }, 120_000);
});
