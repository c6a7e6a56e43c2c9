/**
 * A spoke account for the multi-account e2e tests: the hub's identity (arn:aws:iam::123456789012:user/local) may assume
 * its role; its domain's id exists in the hub too, so a call made with the wrong identity would succeed there and
 * show; the namespace team-a is labelled for it.
 */
import { CoreV1Api } from "@kubernetes/client-node";
import type { SageMakerAccountSpec } from "../../src/accounts/index.js";
import type { E2E } from "./harness.js";

export const HUB = "123456789012";
export const ALPHA = "111111111111";
export const DOMAIN = "d-alphauseast1";
const ROLE = `arn:aws:iam::${ALPHA}:role/sagemaker-profile-operator`;

/** The SageMakerAccount that serves team-a from the spoke. */
export const ALPHA_ACCOUNT: SageMakerAccountSpec = {
  accountId: ALPHA,
  roleArn: ROLE,
  regions: ["us-east-1"],
  default: true,
  namespaceSelector: { matchLabels: { tenant: "alpha" } },
};

/** The role trusted by the hub, DOMAIN in the spoke and in the hub, and the namespace team-a (tenant: alpha). */
export async function spokeWorld(e: E2E): Promise<void> {
  e.sagemaker.sts.setRole({ arn: ROLE, trustedPrincipals: [`arn:aws:iam::${HUB}:user/local`] });
  for (const world of [e.sagemaker.account(ALPHA, "us-east-1").admin, e.sagemaker.admin])
    world.createDomain({ domainId: DOMAIN, defaultUserSettings: { ExecutionRole: `arn:aws:iam::${ALPHA}:role/x` } });
  await e.stack.kubeConfig
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: "team-a", labels: { tenant: "alpha" } } } });
}
