/** Which account and region a profile is managed in, and why one is refused (pure). */
import { describe, expect, it } from "vitest";
import {
  type AccountInput,
  type AccountState,
  resolveAccount,
  type SageMakerAccount,
} from "../../src/accounts/index.js";

const account = (name: string, spec: Partial<SageMakerAccount["spec"]> = {}, ready = true): AccountState => ({
  account: {
    apiVersion: "sagemaker.gitops.io/v1alpha1",
    kind: "SageMakerAccount",
    metadata: { name },
    spec: {
      accountId: "111111111111",
      regions: ["us-east-1", "eu-west-1"],
      defaultRegion: "us-east-1",
      namespaceSelector: {},
      ...spec,
    },
  },
  ready,
  ...(ready ? {} : { message: "AccessDenied: not authorized to perform: sts:AssumeRole" }),
});
const hub = account("hub", { default: true });
const spoke = account("spoke", {
  accountId: "222222222222",
  regions: ["eu-west-1", "eu-central-1"],
  defaultRegion: "eu-west-1",
  namespaceSelector: { matchLabels: { tier: "spoke" } },
});
const input = (o: Partial<AccountInput>): AccountInput => ({
  namespace: "team-a",
  namespaceLabels: {},
  operatorRegion: "us-east-1",
  accounts: [hub, spoke],
  ...o,
});

describe("resolveAccount", () => {
  it("without any SageMakerAccount, serves every profile with the operator's own identity and region", () => {
    expect(resolveAccount(input({ accounts: [] }))).toEqual({ ok: true });
    expect(resolveAccount(input({ accounts: [], region: "eu-west-1" }))).toMatchObject({
      ok: false,
      reason: "RegionNotAllowed",
    });
    expect(resolveAccount(input({ accounts: [], accountRef: "hub" }))).toMatchObject({ reason: "AccountNotFound" });
  });

  it("takes spec.accountRef and spec.region, else the namespace label, else the default account, with its defaultRegion", () => {
    const labels = { tier: "spoke" };
    expect(resolveAccount(input({ accountRef: "spoke", region: "eu-central-1", namespaceLabels: labels }))).toEqual({
      ok: true,
      target: { account: "spoke", accountId: "222222222222", region: "eu-central-1" },
    });
    expect(
      resolveAccount(input({ namespaceLabels: { ...labels, "sagemaker.gitops.io/account": "spoke" } })),
    ).toMatchObject({ target: { account: "spoke", region: "eu-west-1" } });
    expect(resolveAccount(input({}))).toMatchObject({ target: { account: "hub", region: "us-east-1" } });
  });

  it("keeps a profile where its ARN says it exists when a default changes", () => {
    const existingArn = "arn:aws:sagemaker:eu-west-1:111111111111:user-profile/d-1/alice";
    const labels = { tier: "spoke", "sagemaker.gitops.io/account": "spoke" };
    expect(resolveAccount(input({ existingArn, namespaceLabels: labels }))).toMatchObject({
      target: { account: "hub", region: "eu-west-1" },
    });
  });

  it.each([
    [{ accountRef: "missing" }, "AccountNotFound", "SageMakerAccount missing (spec.accountRef.name) does not exist"],
    [{ accountRef: "spoke" }, "AccountNotAllowed", "does not allow namespace team-a"],
    [{ region: "ap-south-1" }, "RegionNotAllowed", "does not allow region ap-south-1 (allowed: us-east-1, eu-west-1)"],
    [
      { accounts: [hub, account("hub2", { default: true })] },
      "AccountNotFound",
      "several SageMakerAccounts are marked default (hub, hub2)",
    ],
    [{ accounts: [spoke] }, "AccountNotFound", "mark one SageMakerAccount default"],
    [{ accounts: [account("hub", { default: true }, false)] }, "AccountNotReady", "sts:AssumeRole"],
    [
      { accountRef: "hub", existingArn: "arn:aws:sagemaker:us-east-1:999999999999:user-profile/d-1/alice" },
      "AccountMismatch",
      "a profile never moves between accounts or regions",
    ],
    [
      // Created with the operator's own identity (999999999999) before any account; none declares that account and
      // the namespace now routes to the spoke: refused, not looked for (or created again) in the spoke.
      {
        existingArn: "arn:aws:sagemaker:eu-west-1:999999999999:user-profile/d-1/alice",
        namespaceLabels: { tier: "spoke", "sagemaker.gitops.io/account": "spoke" },
      },
      "AccountMismatch",
      "exists as arn:aws:sagemaker:eu-west-1:999999999999:user-profile/d-1/alice, but this resource now resolves to account 222222222222",
    ],
    [
      { accounts: [account("hub", { default: true, defaultRegion: undefined })] },
      "RegionNotAllowed",
      "no region: set spec.region",
    ],
  ])("refuses %j: %s", (o, reason, message) => {
    const decision = resolveAccount(input(o as Partial<AccountInput>));
    expect(decision).toMatchObject({ ok: false, reason });
    expect((decision as { message: string }).message).toContain(message);
  });

  it("waits for the namespace's labels before deciding", () => {
    expect(resolveAccount(input({ namespaceLabels: undefined }))).toMatchObject({ ok: "unknown" });
  });
});
