/**
 * End-to-end harness: the local Kubernetes API server, the SageMaker emulator and the operator (startOperator, the
 * code `run` runs), all over HTTP with the real @kubernetes/client-node and @aws-sdk/client-sagemaker.
 */
import { join } from "node:path";
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import {
  DEMO_DOMAIN,
  LOCAL_CREDENTIALS,
  type LocalStackOptions,
  startLocalStack,
} from "@sagemaker-profile-operator/local-stack/stack";
import { pino } from "pino";
import type { DescribeUserProfileResponse } from "../../src/api/generated/sagemaker-shapes.js";
import { GROUP, KIND, PLURAL, type SageMakerUserProfile, VERSION } from "../../src/api/types.js";
import { defaultConfig, type OperatorConfig, type RunningOperator, startOperator } from "../../src/operator/index.js";
import type { SageMakerProfilePolicySpec } from "../../src/policy/index.js";
import { applyPolicy } from "../support/policy.js";

/**
 * The policy a test that is not about guardrails runs under: every namespace, adoption allowed (the operator requires
 * a policy by default, as a cluster would have one). Tests about policies pass `policy: false` and set up their own.
 */
export const PERMISSIVE_POLICY: SageMakerProfilePolicySpec = { namespaceSelector: {}, adoption: "Allowed" };

export const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
export { DEMO_DOMAIN };

export type E2E = Awaited<ReturnType<typeof startE2E>>;

export async function startE2E(
  options: {
    operator?: (c: OperatorConfig) => void;
    stack?: LocalStackOptions;
    startOperator?: boolean;
    /** Applied as SageMakerProfilePolicy `e2e-permissive` before the operator starts; false: none. */
    policy?: SageMakerProfilePolicySpec | false;
  } = {},
) {
  const stack = await startLocalStack({
    ...options.stack,
    sagemaker: { delays: { createMs: 200, updateMs: 200, deleteMs: 200 }, ...options.stack?.sagemaker },
  });
  const config = defaultConfig();
  config.kubeconfig = stack.kube.kubeconfigPath;
  config.clusterId = "e2e";
  config.aws = {
    ...config.aws,
    region: "us-east-1",
    endpoint: stack.sagemaker.url,
    // The emulator answers STS on the same port (AssumeRole and GetCallerIdentity for SageMakerAccount).
    stsEndpoint: stack.sagemaker.url,
    credentials: LOCAL_CREDENTIALS,
    rps: 50,
    burst: 50,
    mutatingRps: 50,
    mutatingBurst: 50,
  };
  config.pollIntervalMs = 300;
  config.accounts = { ...config.accounts, retryMs: 500 };
  config.resyncPeriodMs = 60_000;
  config.inUseBackoffBaseMs = 300;
  config.inUseBackoffMaxMs = 3_000;
  config.metricsBindAddress = "127.0.0.1:0";
  config.healthProbeBindAddress = "127.0.0.1:0";
  config.shutdownTimeoutMs = 5_000;
  options.operator?.(config);
  const log = pino({ level: process.env.E2E_LOG ?? "silent" });
  if (options.policy !== false)
    await applyPolicy(stack.kubeConfig, "e2e-permissive", options.policy ?? PERMISSIVE_POLICY);
  let operator: RunningOperator | undefined =
    options.startOperator === false ? undefined : await startOperator(config, { log });

  const api = stack.kubeConfig.makeApiClient(CustomObjectsApi);
  const coords = { group: GROUP, version: VERSION, plural: PLURAL };
  const get = async (namespace: string, name: string) =>
    (await api.getNamespacedCustomObject({ ...coords, namespace, name })) as SageMakerUserProfile;
  const tryGet = async (namespace: string, name: string) => {
    try {
      return await get(namespace, name);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  };

  return {
    stack,
    config,
    get operator() {
      return operator;
    },
    sagemaker: stack.sagemaker,
    kube: stack.kube,
    api,
    get,
    tryGet,
    async startOperator() {
      operator = await startOperator(config, { log });
      return operator;
    },
    /** Creates a resource (like kubectl create). */
    async create(namespace: string, name: string, spec: SageMakerUserProfile["spec"]): Promise<void> {
      await api.createNamespacedCustomObject({
        ...coords,
        namespace,
        body: { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, metadata: { name, namespace }, spec },
      });
    },
    /** Merge-patches a resource (like kubectl edit / apply of a changed field); returns the new generation. */
    async patch(namespace: string, name: string, body: object): Promise<number> {
      const out = (await api.patchNamespacedCustomObject(
        { ...coords, namespace, name, body },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      )) as SageMakerUserProfile;
      return out.metadata.generation ?? 0;
    },
    async remove(namespace: string, name: string) {
      await api.deleteNamespacedCustomObject({ ...coords, namespace, name });
    },
    describe(name: string) {
      return stack.sagemaker.store.describeProfile(DEMO_DOMAIN, name) as DescribeUserProfileResponse | undefined;
    },
    async close() {
      await operator?.stop();
      await stack.close();
    },
  };
}

export const condition = (obj: SageMakerUserProfile | undefined, type: string) =>
  obj?.status?.conditions?.find((c) => c.type === type);

/** True when the resource is Ready=True for at least `generation`. */
export const isReady = (obj: SageMakerUserProfile | undefined, generation = 0) =>
  condition(obj, "Ready")?.status === "True" && (obj?.status?.observedGeneration ?? 0) >= generation;
