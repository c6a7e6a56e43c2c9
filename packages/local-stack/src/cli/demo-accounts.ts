/**
 * The demo's last step: a second AWS account. The operator's own account (123456789012) becomes a SageMakerAccount
 * marked default, so the profiles of the earlier steps stay where they are; a spoke account is reached through a role
 * the emulator's STS lets the operator assume, and a profile in the namespace it selects lands there.
 */
import { CoreV1Api, type CustomObjectsApi } from "@kubernetes/client-node";
import { ACCOUNT_LABEL, ACCOUNT_PLURAL } from "../../../../src/accounts/index.js";
import { GROUP, PLURAL, VERSION } from "../../../../src/api/types.js";
import { POLICY_PLURAL } from "../../../../src/policy/index.js";
import { LOCAL_CREDENTIALS, type startLocalStack } from "../stack.js";

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = paint(1);
const dim = paint(2);
const green = paint(32);

export async function twoAccounts(d: {
  stack: Awaited<ReturnType<typeof startLocalStack>>;
  api: CustomObjectsApi;
  say: (line: string) => void;
  waitFor: (what: string, ok: () => boolean, timeoutMs: number) => Promise<void>;
  isReady: (key: string) => boolean;
}): Promise<void> {
  const { stack, api } = d;
  const spoke = "111111111111";
  const role = `arn:aws:iam::${spoke}:role/sagemaker-profile-operator`;
  d.say(bold(`[6/6] A second AWS account: SageMakerAccount research (${spoke}) through the role ${role}`));
  stack.sagemaker.sts.setRole({
    arn: role,
    trustedPrincipals: [`arn:aws:iam::123456789012:user/${LOCAL_CREDENTIALS.accessKeyId}`],
    externalId: "demo",
  });
  stack.sagemaker.account(spoke, "eu-west-1").admin.createDomain({
    domainId: "d-research0001",
    defaultUserSettings: { ExecutionRole: `arn:aws:iam::${spoke}:role/studio` },
  });
  const account = (name: string, spec: Record<string, unknown>) =>
    api.createClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: ACCOUNT_PLURAL,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: "SageMakerAccount", metadata: { name }, spec },
    });
  await account("home", { accountId: "123456789012", regions: ["us-east-1"], namespaceSelector: {}, default: true });
  await account("research", {
    accountId: spoke,
    roleArn: role,
    externalId: "demo",
    regions: ["eu-west-1"],
    namespaceSelector: { matchLabels: { tenant: "research" } },
  });
  await stack.kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name: "research", labels: { tenant: "research", [ACCOUNT_LABEL]: "research" } } },
  });
  // The research team's guardrails (--require-policy: no policy, no profile).
  await api.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: POLICY_PLURAL,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SageMakerProfilePolicy",
      metadata: { name: "research" },
      spec: { namespaces: ["research"], domains: ["d-research0001"] },
    },
  });
  await api.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: "research",
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "SageMakerUserProfile",
      metadata: { name: "rita", namespace: "research" },
      spec: { domainId: "d-research0001" },
    },
  });
  await d.waitFor("research/rita Ready", () => d.isReady("research/rita"), 30_000);
  const stored = stack.sagemaker.account(spoke, "eu-west-1").reader.getProfile("d-research0001", "rita");
  d.say(green(`  research/rita is ${stored?.userProfileArn}, created with the role's temporary credentials`));
  const sessions = stack.sagemaker.sts.sessions().map((s) => s.arn);
  d.say(dim(`  STS sessions: ${[...new Set(sessions)].join(", ")}`));
}
