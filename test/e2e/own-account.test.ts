/**
 * `--aws-account-id`: a Pod that cannot reach STS. The operator needs its own account before it touches a profile
 * whose ARN it knows (src/reconciler/pinned.ts: an ARN naming another account is never handled with its own identity).
 * Configured, the account is the answer and STS is never asked; not configured, with STS out of reach, a profile the
 * operator created waits and the condition says why.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SageMakerUserProfile } from "../../src/api/types.js";
import { waitFor } from "../support/wait.js";
import { condition, DEMO_DOMAIN, type E2E, isReady, startE2E } from "./harness.js";
import { HUB } from "./spoke.js";

/** Nothing listens on port 9 (discard): a connection is refused at once, as to an STS the Pod cannot reach. */
const NO_STS = "http://127.0.0.1:9";
const SPEC: SageMakerUserProfile["spec"] = {
  domainId: DEMO_DOMAIN,
  userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.t3.medium" } } },
};
const EDIT = {
  spec: { userSettings: { jupyterServerAppSettings: { defaultResourceSpec: { instanceType: "ml.m5.large" } } } },
};

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const instanceType = (e: E2E) =>
  e.describe("alice")?.UserSettings?.JupyterServerAppSettings?.DefaultResourceSpec?.InstanceType;

describe("--aws-account-id", () => {
  it("configured: an edit of a profile the operator created converges with no call to STS", async () => {
    const e = await startE2E({
      operator: (c) => {
        c.aws = { ...c.aws, stsEndpoint: NO_STS, accountId: HUB };
      },
    });
    e2e = e;
    await e.create("default", "alice", SPEC);
    await waitFor("alice Ready", async () => isReady(await e.get("default", "alice")) || undefined);
    const generation = await e.patch("default", "alice", EDIT);
    await waitFor(
      "alice Ready at the edit",
      async () => isReady(await e.get("default", "alice"), generation) || undefined,
    );
    expect(instanceType(e)).toBe("ml.m5.large");
  });

  it("not configured, with STS out of reach: the profile it created waits, saying the account is not known and why", async () => {
    const e = await startE2E({
      operator: (c) => {
        c.aws = { ...c.aws, stsEndpoint: NO_STS };
      },
    });
    e2e = e;
    await e.create("default", "alice", SPEC);
    // The create needs no account; the Describe that would see it InService does (its ARN is known now).
    const waiting = await waitFor("alice waiting for the operator's account", async () => {
      const c = condition(await e.get("default", "alice"), "Reconciling");
      return c?.reason === "AccountPending" ? c : undefined;
    });
    expect(waiting.message).toMatch(
      /^the profile exists as arn:aws:sagemaker:us-east-1:123456789012:user-profile\/.+\/alice and no SageMakerAccount exists: the operator's own account is not known yet \(GetCallerIdentity failed: .*ECONNREFUSED.*\), so it is not used$/,
    );
    expect(isReady(await e.get("default", "alice"))).toBe(false);
  });
});
