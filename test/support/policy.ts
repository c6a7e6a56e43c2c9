/** SageMakerProfilePolicy objects for tests, created through the real client-node like `kubectl apply`. */
import { CustomObjectsApi, type KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { SageMakerProfilePolicySpec } from "../../src/policy/index.js";

const POLICY = { group: "sagemaker.gitops.io", version: "v1alpha1", plural: "sagemakerprofilepolicies" };

/** Creates the policy, or merge-patches the given fields of an existing one (like `kubectl apply` of a change). */
export async function applyPolicy(
  kubeConfig: KubeConfig,
  name: string,
  spec: SageMakerProfilePolicySpec,
): Promise<void> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await api.patchClusterCustomObject(
      { ...POLICY, name, body: { spec } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
    const body = {
      apiVersion: `${POLICY.group}/${POLICY.version}`,
      kind: "SageMakerProfilePolicy",
      metadata: { name },
      spec,
    };
    await api.createClusterCustomObject({ ...POLICY, body });
  }
}

export async function deletePolicy(kubeConfig: KubeConfig, name: string): Promise<void> {
  await kubeConfig.makeApiClient(CustomObjectsApi).deleteClusterCustomObject({ ...POLICY, name });
}
